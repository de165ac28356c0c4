"""Personas, as in every test here: alice submits for Marketing, bob is her team-mate,
charlie is in another team, and the council members, the chair and the auditor hold roles."""

import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from rest_framework.test import APIClient

import workflows
from config.celery import app as celery_app
from reviews.groups import grouped
from reviews.loads import counted
from reviews.models import Review, ReviewState, SeatLoad
from usecases import services

from . import figures
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
from .shared_world import Worlds


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashing costs ~0.2 s a user; the tests check permissions, not the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path, _shared_world):
    """Uploaded files go to a temporary folder, never into the project's media folder; the files
    of a shared world (tests/shared_world.py) are copied there."""
    media = tmp_path / "media"
    for folder in _shared_world.media_folders():
        if folder.exists():
            shutil.copytree(folder, media, dirs_exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media)},
        },
    }


@pytest.fixture(autouse=True)
def private_cache(settings):
    """A cache of the test's own (the dashboard's snapshots): nothing kept from another test."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _audit_signing_key(tmp_path_factory):
    """Nothing a test does signs with, or seals into, the project's own files (var/): a key
    per test process, created on first use, and a witness for what runs outside a test (shared
    worlds, subprocesses)."""
    folder = tmp_path_factory.mktemp("audit")
    paths = {
        "AUDIT_SIGNING_KEY": str(folder / "signing-key.pem"),
        "AUDIT_WITNESS_PATH": str(folder / "witness-outside-tests.jsonl"),
    }
    os.environ.update(paths)  # for the subprocesses tests start
    for name, value in paths.items():
        setattr(django_settings, name, value)
    return paths["AUDIT_SIGNING_KEY"]


@pytest.fixture(autouse=True)
def audit_files(settings, tmp_path, _audit_signing_key):
    """A witness file per test: the checkpoints of one test's events never accuse the next
    test's database."""
    settings.AUDIT_SIGNING_KEY = _audit_signing_key
    settings.AUDIT_SIGNING_KEY_GENERATE = True
    settings.AUDIT_WITNESS_PATH = str(tmp_path / "audit-witness.jsonl")


# --- Shared set-ups (tests/shared_world.py) ---------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """A test of a shared world runs in the world's outer transaction: a transactional test
    cannot. The tests of one world run one after the other, so each xdist worker builds it once
    at most (pytest-xdist's `load` hands out runs of consecutive tests)."""
    first_of_world = {}
    rank = {}
    for index, item in enumerate(items):
        rank[item] = index
        chain = _world_chain(item)
        if not chain or not _uses_db(item):
            continue
        if item.get_closest_marker("django_db") is not None or _transactional(item):
            raise pytest.UsageError(
                f"{item.nodeid}: a test that shares a world (shared_world marker) asks for `db`"
                " through its fixtures: a django_db marker opens the test's transaction before"
                " the world is built, and a transactional test cannot run inside one"
            )
        rank[item] = first_of_world.setdefault(tuple(key for key, _ in chain), index)
    items.sort(key=rank.__getitem__)  # stable: only a world's tests move, up to its first


def _world_chain(item):
    """The worlds a test starts from, outermost first: its module's, its class's, its own
    (tests.shared_world): [(key, build)]. The test functions of a module that carry the same
    build share one world."""
    module, cls = item.getparent(pytest.Module), item.getparent(pytest.Class)
    chain = []
    for node, key_node in ((module, module), (cls, cls), (item, module)):
        for marker in node.own_markers if node is not None else ():
            if marker.name != "shared_world":
                continue
            build, using = marker.kwargs["build"], marker.kwargs.get("for_tests_using")
            if using is not None and using not in item.fixturenames:
                continue
            chain.append((f"{key_node.nodeid}::{build.__qualname__}", build))
    return chain


def _uses_db(item) -> bool:
    return item.get_closest_marker("django_db") is not None or "db" in item.fixturenames


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    flagged = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    )
    return bool(flagged) or bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.fixture(autouse=True)
def kept_review_figures_agree(request):
    """After each test with the database, what reviews.services keeps beside the seats and votes
    agrees with them: every open review's pipeline group (reviews.groups) and every member's
    load (reviews.loads). A write that forgets one fails the test that made it. (Asked for `db`
    first, so the check runs before the rollback.)"""
    if not _uses_db(request.node) or _transactional(request.node):
        yield
        return
    request.getfixturevalue("db")
    yield
    if connection.needs_rollback:  # the test ended on a database error it expected
        return
    stale = grouped(Review.objects.filter(state=ReviewState.OPEN)).exclude(group=F("placed_group"))
    assert not stale.exists(), [(r.pk, r.group, r.placed_group) for r in stale]
    assert not Review.objects.exclude(state=ReviewState.OPEN).filter(group__isnull=False).exists()
    kept = {user: n for user, n in SeatLoad.objects.values_list("user_id", "open_seats") if n}
    assert kept == {row["reviewer_id"]: row["n"] for row in counted()}


WORLDS = pytest.StashKey()


@pytest.fixture(scope="session")
def _worlds(request, django_db_setup, django_db_blocker):
    """The worlds built around the test database, innermost last (set up after the database,
    so undone before it goes)."""
    worlds = Worlds(django_db_blocker)
    request.config.stash[WORLDS] = worlds
    yield worlds
    worlds.leave_all()


@pytest.fixture(scope="module", autouse=True)
def _worlds_end_with_their_module(request):
    """No world outlives its module: the next module's own module-scoped fixtures may open
    transactions of their own, which must not sit inside a world that goes away."""
    yield
    if (worlds := request.config.stash.get(WORLDS, None)) is not None:
        worlds.leave_all()


@pytest.fixture(autouse=True)
def _shared_world(request):
    """Before the test's own transaction opens (`db`), make the worlds around the database the
    ones this test starts from: undo those it does not share, build those not built yet. (A test
    without the database leaves them, and blocked.)"""
    if not _uses_db(request.node):
        return Worlds.NONE
    worlds = request.getfixturevalue("_worlds")
    worlds.enter(
        _world_chain(request.node),
        media=lambda: request.getfixturevalue("tmp_path_factory").mktemp("shared-media"),
    )
    return worlds


@pytest.fixture
def shared(_shared_world, db):
    """This test's fresh copies of the objects made by the worlds it starts from, by name."""
    return _shared_world.view()


# --- Personas ---------------------------------------------------------------------------------------
# Each returns the shared world's object of its name (fetched again) when there is one.


@pytest.fixture
def marketing(shared):
    if "marketing" in shared:
        return shared["marketing"]
    return TeamFactory(name="Marketing", slug="marketing")


@pytest.fixture
def contact_centre(shared):
    if "contact_centre" in shared:
        return shared["contact_centre"]
    return TeamFactory(name="Contact Centre", slug="contact-centre")


@pytest.fixture
def alice(shared, marketing):
    if "alice" in shared:
        return shared["alice"]
    user = UserFactory(username="alice")
    MembershipFactory(user=user, team=marketing)
    return user


@pytest.fixture
def bob(shared, marketing):
    if "bob" in shared:
        return shared["bob"]
    user = UserFactory(username="bob")
    MembershipFactory(user=user, team=marketing)
    return user


@pytest.fixture
def charlie(shared, contact_centre):
    if "charlie" in shared:
        return shared["charlie"]
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, team=contact_centre)
    return user


@pytest.fixture
def owner(shared):
    """The accountable business owner, not in the owning team."""
    if "owner" in shared:
        return shared["owner"]
    return UserFactory(username="olivia.owner")


@pytest.fixture
def council_member(shared):
    """Sits on the council (ethics) but is not called to review limited-tier use cases."""
    if "council_member" in shared:
        return shared["council_member"]
    user = UserFactory(username="eli.ethics")
    RoleFactory(user=user, role="ethics")
    return user


@pytest.fixture
def chair(shared):
    if "chair" in shared:
        return shared["chair"]
    user = UserFactory(username="carla.chair")
    RoleFactory(user=user, role="chair")
    return user


@pytest.fixture
def council(shared):
    """One member per council role (tests.reviews_support.COUNCIL), so reviews get assigned."""
    if "council" in shared:
        return shared["council"]
    return make_council()


@pytest.fixture
def review(shared, make_use_case, council):
    """A limited-tier marketing use case just submitted: marketing, privacy, legal, data science."""
    if "review" in shared:
        return shared["review"]
    return make_use_case("submitted").reviews.get()


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user."""

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def approved(shared, make_use_case, council, alice):
    """A use case of alice's team the council approved, not yet in the registry."""
    if "approved" in shared:
        return shared["approved"]
    return approve_review(make_use_case("submitted").reviews.get(), alice)


@pytest.fixture
def entry(shared, approved, alice, owner):
    """Its registry entry, in pilot."""
    if "entry" in shared:
        return shared["entry"]
    return workflows.deployment_create(
        actor=alice, use_case=approved, data=entry_data(owner, alice)
    )


@pytest.fixture
def second_entry(shared):
    """The second entry of a shared tests.shared_world.two_entries_world (made after `entry`)."""
    return shared["second_entry"]


@pytest.fixture
def incident(shared, entry, alice):
    if "incident" in shared:
        return shared["incident"]
    return workflows.incident_report(
        actor=alice, deployment=entry, kind="other", severity="low", description="Wrong offer"
    )


@pytest.fixture
def make_entry(make_use_case, council, alice, owner):
    """A registry entry of a newly approved use case of alice's team; keywords change its facts."""

    def make(**data):
        use_case = approve_review(make_use_case("submitted").reviews.get(), alice)
        return workflows.deployment_create(
            actor=alice, use_case=use_case, data=entry_data(owner, alice, **data)
        )

    return make


@pytest.fixture
def auditor(shared):
    if "auditor" in shared:
        return shared["auditor"]
    user = UserFactory(username="audrey.auditor")
    RoleFactory(user=user, role="auditor")
    return user


@pytest.fixture
def outsider(shared):
    """Logged in, in no team and with no role."""
    if "outsider" in shared:
        return shared["outsider"]
    return UserFactory(username="oscar.outsider")


@pytest.fixture
def make_use_case(alice, marketing, owner):
    """A use case of alice's team in the state asked for."""

    def make(state="draft", actor=None, **overrides):
        actor = actor or alice
        data = complete_answers(team=marketing, business_owner=owner, **overrides)
        use_case = services.usecase_create(actor=actor, data=data)
        if state in {"submitted", "withdrawn"}:
            use_case = workflows.usecase_submit(actor=actor, use_case=use_case)
        if state == "withdrawn":
            use_case = workflows.usecase_withdraw(actor=actor, use_case=use_case)
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
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


# --- Figures (tests/figures.py) ---------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    figures.running(item)
    try:
        return (yield)
    finally:
        figures.running(None)


def pytest_runtest_logreport(report):
    figures.collect(report)


def pytest_terminal_summary(terminalreporter):
    if lines := figures.summary():
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture
def figure(request):
    """figure("R1", "votes sqlite: 50 requests, 0 5xx, 1 vote"): printed at the end of the run."""

    def record(name, text):
        figures.add(request.node, name, text)

    return record
