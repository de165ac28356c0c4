"""Personas, as in every test here: alice submits for Marketing, bob is her team-mate,
charlie is in another team, and the council members, the chair and the auditor hold roles."""

import pytest
from rest_framework.test import APIClient

from registry import services as registry_services
from usecases import services

from .factories import (
    PASSWORD,
    MembershipFactory,
    RoleFactory,
    TeamFactory,
    UserFactory,
    complete_answers,
)
from .registry_support import entry_data
from .reviews_support import approve_review, make_council


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.2 s a user; the tests check permissions, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded files go to a temporary folder, never into the project's media folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def marketing(db):
    return TeamFactory(name="Marketing", slug="marketing")


@pytest.fixture
def contact_centre(db):
    return TeamFactory(name="Contact Centre", slug="contact-centre")


@pytest.fixture
def alice(marketing):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, team=marketing)
    return user


@pytest.fixture
def bob(marketing):
    user = UserFactory(username="bob")
    MembershipFactory(user=user, team=marketing)
    return user


@pytest.fixture
def charlie(contact_centre):
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, team=contact_centre)
    return user


@pytest.fixture
def owner(db):
    """The accountable business owner, not in the owning team."""
    return UserFactory(username="olivia.owner")


@pytest.fixture
def council_member(db):
    """Sits on the council (ethics) but is not called to review limited-tier use cases."""
    user = UserFactory(username="eli.ethics")
    RoleFactory(user=user, role="ethics")
    return user


@pytest.fixture
def chair(db):
    user = UserFactory(username="carla.chair")
    RoleFactory(user=user, role="chair")
    return user


@pytest.fixture
def council(db):
    """One member per council role (tests.reviews_support.COUNCIL), so reviews get assigned."""
    return make_council()


@pytest.fixture
def review(make_use_case, council):
    """A limited-tier marketing use case just submitted: marketing, privacy, legal, data science."""
    return make_use_case("submitted").reviews.get()


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def approved(make_use_case, council, alice):
    """A use case of alice's team the council approved, not yet in the registry."""
    return approve_review(make_use_case("submitted").reviews.get(), alice)


@pytest.fixture
def entry(approved, alice, owner):
    """Its registry entry, in pilot."""
    return registry_services.deployment_create(
        actor=alice, use_case=approved, data=entry_data(owner, alice)
    )


@pytest.fixture
def incident(entry, alice):
    return registry_services.incident_report(
        actor=alice, deployment=entry, kind="other", severity="low", description="Wrong offer"
    )


@pytest.fixture
def make_entry(make_use_case, council, alice, owner):
    """A registry entry of a newly approved use case of alice's team; keywords change its facts."""

    def make(**data):
        use_case = approve_review(make_use_case("submitted").reviews.get(), alice)
        return registry_services.deployment_create(
            actor=alice, use_case=use_case, data=entry_data(owner, alice, **data)
        )

    return make


@pytest.fixture
def auditor(db):
    user = UserFactory(username="audrey.auditor")
    RoleFactory(user=user, role="auditor")
    return user


@pytest.fixture
def outsider(db):
    """Logged in, in no team and with no role."""
    return UserFactory(username="oscar.outsider")


@pytest.fixture
def make_use_case(alice, marketing, owner):
    """A use case of alice's team in the state asked for."""

    def make(state="draft", actor=None, **overrides):
        actor = actor or alice
        data = complete_answers(team=marketing, business_owner=owner, **overrides)
        use_case = services.usecase_create(actor=actor, data=data)
        if state in {"submitted", "withdrawn"}:
            use_case = services.usecase_submit(actor=actor, use_case=use_case)
        if state == "withdrawn":
            use_case = services.usecase_withdraw(actor=actor, use_case=use_case)
        return use_case

    return make


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(autouse=True)
def celery_tasks_run_in_process(settings):
    """Tasks run inline in tests, whatever broker the environment names; the one test that
    needs a real worker and broker turns this off (tests/test_notifications.py)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
