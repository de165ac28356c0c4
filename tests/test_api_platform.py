import os
import subprocess
import sys

import pytest
import yaml
from django.db import connection
from django.test import Client
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from usecases.choices import Channel, ModelProvenance, RiskTier, State
from usecases.services import ANSWER_FIELDS

from .shared_world import people


def _served_schema():
    """The schema as /api/schema/ serves it to a signed-in user: generated once for the tests
    that read it (tests/shared_world.py), a few seconds each time."""
    world = people()
    client = Client()
    client.force_login(world["alice"])
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return {**world, "schema": yaml.safe_load(response.content)}


pytestmark = pytest.mark.shared_world(build=_served_schema, for_tests_using="schema")


@pytest.fixture
def schema(shared):
    return shared["schema"]  # a copy of its own for each test


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_schema_lists_every_use_case_field_and_enum(schema):
    components = schema["components"]["schemas"]
    use_case = components["UseCase"]["properties"]
    for name in (
        *ANSWER_FIELDS,
        "id",
        "reference",
        "state",
        "revision",
        "risk_tier",
        "risk_reasons",
        "dpia_required",
        "dpia_reasons",
    ):
        assert name in use_case, name

    def enum_of(prop):
        prop = prop.get("items", prop)
        ref = prop.get("$ref") or (prop.get("allOf") or prop.get("oneOf"))[0]["$ref"]
        return components[ref.rsplit("/", 1)[1]]["enum"]

    assert set(enum_of(use_case["state"])) == set(State.values)
    assert set(enum_of(use_case["risk_tier"])) == set(RiskTier.values)
    assert set(enum_of(use_case["channels"])) == set(Channel.values)
    assert set(enum_of(use_case["model_provenance"])) == set(ModelProvenance.values)


def test_the_schema_has_the_contract_paths(schema):
    paths = schema["paths"]
    for path in (
        "/api/v1/use-cases/",
        "/api/v1/use-cases/{id}/",
        "/api/v1/use-cases/{id}/submit/",
        "/api/v1/use-cases/{id}/withdraw/",
        "/api/v1/use-cases/{id}/revisions/",
        "/api/v1/use-cases/{id}/attachments/",
        "/api/v1/auth/token/",
        "/api/v1/teams/",
    ):
        assert path in paths, path


def test_the_docs_page_is_served_from_our_own_static_files(client, alice):
    client.force_login(alice)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"cdn.jsdelivr" not in response.content


def test_schema_and_docs_need_a_login(client, db):
    assert client.get("/api/schema/").status_code in (401, 403)
    # A person who opens the docs unlogged is sent to log in, and back.
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


def test_a_token_from_username_and_password_authenticates_api_calls(alice, password):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "alice", "password": password}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/use-cases/").status_code == 200


def test_a_wrong_password_gets_no_token(alice):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_teams_are_listed_for_signed_in_users(api, alice, marketing, contact_centre):
    body = api(alice).get("/api/v1/teams/").json()
    assert {team["name"] for team in body["results"]} == {"Marketing", "Contact Centre"}


def test_malformed_json_is_a_400_not_a_500(api, alice):
    response = api(alice).generic(
        "POST", "/api/v1/use-cases/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_healthz_answers_without_login_with_database_and_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("ok")


def test_anonymous_pages_redirect_to_login(client, db):
    response = client.get("/use-cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_suite_runs_on_the_database_the_environment_names(settings):
    """CI sets DATABASE_URL to PostgreSQL: make sure the tests really ran there."""
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


def test_the_schema_builds_without_warnings():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_post_that_honours_an_idempotency_key_declares_it_and_its_422(schema):
    """The header is optional and offered on the POSTs of IdempotentPostMixin (signing in and
    out take none: tests/test_idempotency.py), never on other methods."""
    declared, missing = [], []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
            key = headers.get("Idempotency-Key")
            if key is None:
                if method == "post" and not path.startswith("/api/v1/auth/"):
                    missing.append(path)
                continue
            declared.append((method, path))
            assert not key.get("required") and key["schema"]["maxLength"] == 255, path
            assert "422" in operation["responses"], path
    assert missing == []
    assert len(declared) >= 10 and {method for method, _ in declared} == {"post"}
