"""Accounts (issue 10, item 5): login lockout, password rules, API tokens that expire and that
their owner lists and revokes, and logging out revokes them."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from council.models import ApiToken

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/auth/tokens/"
HOME_ADDRESS = "10.0.0.1"


def login(client, password, username="alice", address=HOME_ADDRESS):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_logins(client, times, username="alice", address=HOME_ADDRESS):
    return [login(client, "wrong-guess", username, address).status_code for _ in range(times)]


# --- Lockout -----------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_out_from_that_address(client, alice, password):
    assert fail_logins(client, 5) == [200, 200, 200, 200, 429]

    response = login(client, password)

    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert b"paused for 15 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_one_audit_event_without_the_password(client, alice):
    fail_logins(client, 40)

    assert AuditEvent.objects.filter(action="login_failed").count() == 0
    event = AuditEvent.objects.get(action="login_locked_out")
    assert event.object_ref == "alice"
    assert event.changes == {"ip_address": [None, HOME_ADDRESS], "failures": [None, 5]}
    assert "wrong-guess" not in str(event.changes)


def test_the_same_person_elsewhere_and_other_people_here_still_log_in(client, alice, bob, password):
    fail_logins(client, 5)

    assert login(client, password, address="10.0.0.2").status_code == 302
    client.logout()
    assert login(client, password, username="bob").status_code == 302


def test_a_right_password_starts_the_count_again(client, alice, password):
    fail_logins(client, 4)
    assert login(client, password).status_code == 302
    client.logout()

    assert fail_logins(client, 4) == [200] * 4
    assert login(client, password).status_code == 302


def test_the_lockout_ends_after_the_cool_off_and_more_tries_do_not_extend_it(
    client, alice, password
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_logins(client, 5)
        clock.shift(timedelta(minutes=10))
        fail_logins(client, 3)
        assert login(client, password).status_code == 429
        clock.shift(timedelta(minutes=6))
        assert login(client, password).status_code == 302


def test_an_administrator_unlocks_a_username(client, alice, password):
    fail_logins(client, 5)

    call_command("axes_reset_username", "alice", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert login(client, password).status_code == 302


def test_the_api_token_endpoint_locks_out_too(alice, password):
    client = APIClient(REMOTE_ADDR=HOME_ADDRESS)
    wrong = {"username": "alice", "password": "wrong-guess"}
    codes = [client.post(TOKEN, wrong, format="json").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 400, 429]

    response = client.post(TOKEN, {"username": "alice", "password": password}, format="json")

    assert response.status_code == 429
    assert "too many login attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) == 15 * 60
    assert not ApiToken.objects.exists()


def test_wrong_passwords_on_the_page_and_the_api_count_together(client, alice, password):
    fail_logins(client, 4)
    api = APIClient(REMOTE_ADDR=HOME_ADDRESS)
    wrong = {"username": "alice", "password": "wrong-guess"}

    assert api.post(TOKEN, wrong, format="json").status_code == 429
    assert login(client, password).status_code == 429


# --- Password rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "candidate, message",
    [
        ("Xq7#vB2!pL9", "too short"),  # 11 characters
        ("password1234", "too common"),
        ("804931275660", "entirely numeric"),
        ("alice.wonderland", "too similar"),
    ],
)
def test_weak_passwords_are_refused(alice, candidate, message):
    alice.first_name, alice.last_name = "Alice", "Wonderland"

    with pytest.raises(ValidationError) as refused:
        validate_password(candidate, alice)

    assert any(message in text for text in refused.value.messages)


def test_a_long_unusual_password_is_accepted(alice):
    validate_password("Xq7#vB2!pL9m", alice)


def test_the_admin_refuses_a_short_password_with_a_message(client, db, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)

    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "password1": "ab", "password2": "ab", "usable_password": "true"},
    )

    assert response.status_code == 200
    assert b"This password is too short" in response.content
    assert not django_user_model.objects.filter(username="newcomer").exists()


# --- API tokens ----------------------------------------------------------------------------------


def obtain(username, password):
    response = APIClient().post(TOKEN, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token) -> int:
    return with_token(token).get("/api/v1/use-cases/").status_code


def test_a_token_expires_after_the_configured_hours(settings, alice, password):
    settings.API_TOKEN_TTL_HOURS = 2
    issued = obtain("alice", password)
    assert works(issued["token"]) == 200

    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        response = with_token(issued["token"]).get("/api/v1/use-cases/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_the_owner_lists_their_tokens_without_the_tokens_themselves(alice, bob, password):
    first, second = obtain("alice", password), obtain("alice", password)
    obtain("bob", password)

    response = with_token(second["token"]).get(TOKENS)

    assert response.status_code == 200
    listed = response.json()
    assert [token["id"] for token in listed] == [second["id"], first["id"]]
    assert [token["current"] for token in listed] == [True, False]
    assert set(listed[0]) == {"id", "created", "expiry", "current"}
    for secret in (first["token"], second["token"]):
        assert secret[:8] not in response.content.decode()


def test_a_revoked_token_answers_401_and_the_others_keep_working(alice, password):
    kept, revoked = obtain("alice", password), obtain("alice", password)

    response = with_token(kept["token"]).delete(f"{TOKENS}{revoked['id']}/")

    assert response.status_code == 204
    assert works(revoked["token"]) == 401
    assert works(kept["token"]) == 200
    event = AuditEvent.objects.get(action="api_tokens_revoked")
    assert event.actor == alice
    assert event.changes == {"api_tokens": [[revoked["id"]], []]}


def test_another_users_token_can_be_neither_seen_nor_revoked(alice, bob, password):
    alices = obtain("alice", password)
    bobs = obtain("bob", password)
    as_bob = with_token(bobs["token"])

    assert as_bob.get(f"{TOKENS}{alices['id']}/").status_code == 404
    assert as_bob.delete(f"{TOKENS}{alices['id']}/").status_code == 404
    assert [token["id"] for token in as_bob.get(TOKENS).json()] == [bobs["id"]]
    assert works(alices["token"]) == 200


def test_revoking_all_leaves_none(alice, password):
    tokens = [obtain("alice", password)["token"] for _ in range(3)]

    assert with_token(tokens[0]).delete(TOKENS).status_code == 204

    assert [works(token) for token in tokens] == [401, 401, 401]


def test_logging_out_of_the_pages_revokes_the_api_tokens(client, alice, password):
    token = obtain("alice", password)["token"]
    login(client, password)

    client.post("/accounts/logout/")

    assert works(token) == 401


def test_logging_out_of_the_api_revokes_the_tokens(alice, bob, password):
    alices = [obtain("alice", password)["token"] for _ in range(2)]
    bobs = obtain("bob", password)["token"]

    assert with_token(alices[0]).post("/api/v1/auth/logout/").status_code == 204

    assert [works(token) for token in alices] == [401, 401]
    assert works(bobs) == 200


def test_only_a_digest_of_a_token_is_stored(alice, password):
    issued = obtain("alice", password)

    stored = ApiToken.objects.get(pk=issued["id"])

    assert issued["token"] not in {stored.digest, stored.token_key}
    assert stored.expiry > timezone.now() + timedelta(hours=9)
    assert AuditEvent.objects.filter(action="api_token_issued", actor=alice).count() == 1


def test_tokens_need_a_login(db):
    assert APIClient().get(TOKENS).status_code == 401
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401


# --- The account page ----------------------------------------------------------------------------

PAGE = "/account/api-tokens/"


def test_the_page_lists_the_users_own_tokens_and_revokes_one(client, alice, bob, password):
    kept, revoked = obtain("alice", password), obtain("alice", password)
    bobs = obtain("bob", password)
    client.force_login(alice)

    page = client.get(PAGE).content.decode()
    assert f"Revoke token {kept['id']}" in page and f"Revoke token {revoked['id']}" in page
    assert f"Token {bobs['id']}<" not in page
    assert kept["token"][:8] not in page

    response = client.post(PAGE, {"token": revoked["id"]}, follow=True)

    assert b"1 token revoked." in response.content
    assert [works(token["token"]) for token in (kept, revoked, bobs)] == [200, 401, 200]


def test_the_page_revokes_all_but_never_another_users_token(client, alice, bob, password):
    alices = [obtain("alice", password)["token"] for _ in range(2)]
    bobs = obtain("bob", password)
    client.force_login(alice)

    refused = client.post(PAGE, {"token": bobs["id"]}, follow=True)
    assert b"There was no such token to revoke." in refused.content
    assert works(bobs["token"]) == 200

    assert b"2 tokens revoked." in client.post(PAGE, {}, follow=True).content
    assert [works(token) for token in alices] == [401, 401]


def test_the_page_answers_bad_input_with_a_message(client, alice, password):
    token = obtain("alice", password)["token"]
    client.force_login(alice)

    response = client.post(PAGE, {"token": "not-a-number"})

    assert response.status_code == 400
    assert b"Enter a whole number." in response.content
    assert works(token) == 200


def test_the_page_issues_a_token_shown_once_for_people_without_a_password(client, alice):
    client.force_login(alice)  # as after a single sign-on: no password is needed here
    response = client.post(PAGE, {"issue": "1"})
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    token = re.search(r'<code id="issued-token">([^<]+)</code>', response.content.decode())[1]
    assert works(token) == 200
    assert AuditEvent.objects.filter(action="api_token_issued", actor=alice).exists()
    assert token not in client.get(PAGE).content.decode()  # never shown again
