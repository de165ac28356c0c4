"""Single sign-on (issue 15 point 1): a person signs in with the company's OpenID Connect
provider, their account is made on the first sign-in, and the provider's groups give them teams
and council roles (from that day, audited); local passwords can be turned off. The provider is a
real one (django-oauth-toolkit, tests/oidc_provider/) started in a process of its own."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from audit.models import AuditEvent
from council import services
from council.models import RoleAssignment, TeamMembership

from .factories import RoleFactory, TeamFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID, CLIENT_SECRET = "ai-council", "client-secret-for-tests-0123456789"
PERSON = {
    "username": "priya.sso",
    "password": "provider-password-1",
    "email": "priya@example.com",
    "first_name": "Priya",
    "last_name": "Natarajan",
    "groups": ["ai-council-privacy", "grp-marketing", "all-staff"],
}
GROUP_MAP = {
    "ai-council-privacy": "role:privacy",
    "ai-council-legal": "role:legal",
    "grp-marketing": "team:Marketing",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the identity provider exited: {process.stderr.read()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("the identity provider did not answer within 60 s")


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory, live_server):
    """The provider, seeded with PERSON and the app as its client; its base URL."""
    work = tmp_path_factory.mktemp("idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (work / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    config = {
        "people": [PERSON],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"{live_server.url}/oidc/callback/",
    }
    (work / "config.json").write_text(json.dumps(config))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "IDP_DATABASE": str(work / "idp.sqlite3"),
        "IDP_RSA_KEY_FILE": str(work / "key.pem"),
    }
    subprocess.run(
        [sys.executable, "-m", "tests.oidc_provider.seed", str(work / "config.json")],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/o/.well-known/openid-configuration", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso(settings, identity_provider):
    """The app pointed at the provider, as OIDC_* settings in production would."""
    settings.SSO_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{identity_provider}/o/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{identity_provider}/o/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{identity_provider}/o/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{identity_provider}/o/.well-known/jwks.json"
    settings.SSO_GROUP_MAP = GROUP_MAP
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "council.sso.CouncilOidcBackend",
        "guardian.backends.ObjectPermissionBackend",
    ]
    settings.PASSWORD_LOGIN = False
    return identity_provider


def _sign_in(app: str, person: dict) -> requests.Response:
    """What a browser does: to the app's sign-in, on to the provider's login page, the
    person's password there, and back through the app's callback."""
    browser = requests.Session()
    page = browser.get(f"{app}/oidc/authenticate/?next=/reviews/", timeout=30)
    assert page.status_code == 200 and "/login/" in page.url, page.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    following = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
    return browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": token,
            "username": person["username"],
            "password": person["password"],
            "next": following.replace("&amp;", "&"),
        },
        timeout=30,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_signs_in_through_the_provider_into_their_council_role(sso, live_server):
    TeamFactory(name="Marketing")
    landed = _sign_in(live_server.url, PERSON)
    assert landed.status_code == 200
    assert landed.url == f"{live_server.url}/reviews/"  # where they were going
    user = User.objects.get(username="priya.sso")
    assert (user.first_name, user.last_name, user.email) == (
        "Priya",
        "Natarajan",
        "priya@example.com",
    )
    assert not user.has_usable_password()  # no local password: the provider vouches for them
    assert list(
        RoleAssignment.objects.active().filter(user=user).values_list("role", flat=True)
    ) == ["privacy"]
    membership = TeamMembership.objects.active().get(user=user)
    assert membership.team.name == "Marketing" and membership.starts_on == timezone.localdate()
    sources = AuditEvent.objects.filter(changes__source=[None, "single sign-on"])
    assert set(sources.values_list("object_type", "action")) == {
        ("auth.user", "created"),
        ("council.roleassignment", "created"),
        ("council.teammembership", "created"),
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_wrong_password_at_the_provider_signs_nobody_in(sso, live_server):
    refused = _sign_in(live_server.url, {**PERSON, "password": "not-theirs"})
    assert "/login/" in refused.url  # still at the provider's login page
    assert not User.objects.filter(username="priya.sso").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_passwords_off_the_login_page_offers_only_the_provider(sso, client):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with" in page and 'name="password"' not in page
    UserFactory(username="local.user", password="local-password-1")
    response = client.post(
        "/accounts/login/", {"username": "local.user", "password": "local-password-1"}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_without_sso_its_pages_are_404_and_the_page_has_no_button(db, client):
    assert not settings.SSO_ENABLED
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()


# --- The groups' teams and roles, as each sign-in finds them ---------------------------------


@pytest.fixture
def mapped(settings):
    settings.SSO_GROUP_MAP = GROUP_MAP
    return TeamFactory(name="Marketing")


def test_a_group_gone_ends_what_it_gave_from_the_day_before(db, mapped):
    user = UserFactory(username="priya.sso")
    long_ago = timezone.localdate() - timedelta(days=30)
    RoleFactory(user=user, role="privacy", starts_on=long_ago)
    services.sso_access_sync(user=user, groups=["grp-marketing"])
    ended = RoleAssignment.objects.get(user=user, role="privacy")
    assert ended.ends_on == timezone.localdate() - timedelta(days=1)
    assert not RoleAssignment.objects.active().filter(user=user).exists()
    assert TeamMembership.objects.active().filter(user=user, team=mapped).exists()
    event = AuditEvent.objects.get(object_type="council.roleassignment", action="changed")
    assert event.changes["source"] == [None, "single sign-on"]


def test_a_role_given_today_and_gone_today_is_removed(db, mapped):
    user = UserFactory(username="priya.sso")
    services.sso_access_sync(user=user, groups=["ai-council-legal"])
    services.sso_access_sync(user=user, groups=[])
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(
        object_type="council.roleassignment", action="deleted"
    ).exists()


def test_roles_the_map_does_not_name_stay_as_the_admin_keeps_them(db, mapped):
    user = UserFactory(username="priya.sso")
    RoleFactory(user=user, role="chair")  # the admin's: no group names the chair
    services.sso_access_sync(user=user, groups=[])
    assert RoleAssignment.objects.active().filter(user=user, role="chair").exists()


def test_signing_in_again_changes_nothing_when_nothing_changed(db, mapped):
    identity = services.SsoIdentity(username="priya.sso", groups=("ai-council-privacy",))
    user = services.sso_sign_in(user=None, identity=identity)
    events = AuditEvent.objects.count()
    services.sso_sign_in(user=user, identity=identity)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    assert AuditEvent.objects.count() == events


def test_a_map_naming_an_unknown_team_or_role_gives_nothing(db, settings):
    settings.SSO_GROUP_MAP = {"g1": "team:Nowhere", "g2": "role:emperor"}
    user = UserFactory(username="priya.sso")
    services.sso_access_sync(user=user, groups=["g1", "g2"])
    assert not TeamMembership.objects.filter(user=user).exists()
    assert not RoleAssignment.objects.filter(user=user).exists()
