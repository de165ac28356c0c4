"""R4: schemathesis over the whole API schema, for a submitter, the chair and an auditor.

Every operation of `/api/schema/` is called with inputs generated from the schema (seeded, a few
examples each), through WSGI against the app in this process and this test's database. Each answer
must be no 5xx, a status code the schema lists, and a body the schema describes.
"""

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from council.services import api_token_issue
from reviews.selectors import applicable_items

# Few examples an operation, in a fixed order: the run takes seconds and fails the same way twice.
EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# The tokens' own endpoints are tested elsewhere (tests/test_api_tokens.py): here a password guess
# would lock the test users out, and a logout or a revocation would end the run's tokens.
SKIPPED_PREFIX = "/api/v1/auth/"


@pytest.fixture
def settings_override(settings):
    # The WSGI client names its host `localhost`.
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]


@pytest.fixture
def wsgi_in_this_test():
    """The app answers inside this test's transaction: Django would close the test's database
    connection at the end of each request otherwise."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def objects(make_use_case, council, marketing, entry, incident):
    """Ids of real objects, so the generated calls reach the views' work, not only their 404."""
    review = make_use_case("submitted").reviews.get()
    return {
        "use-cases": review.use_case_id,
        "reviews": review.pk,
        "registry": entry.pk,
        "teams": marketing.pk,
        "item_id": applicable_items(review)[0].pk,
        "incident_id": incident.pk,
    }


def auth_header(token: str) -> dict:
    return {"Authorization": f"Token {token}"}


def known_ids(path: str, objects: dict) -> dict:
    """The path parameters of `path` set to the ids of real objects."""
    params = {}
    for name in ("item_id", "incident_id"):
        if "{" + name + "}" in path:
            params[name] = objects[name]
    resource = path.removeprefix("/api/v1/").split("/")[0]
    if "{id}" in path and resource in objects:
        params["id"] = objects[resource]
    return params


def fuzz(strategy, headers: dict, failures: list, role: str) -> int:
    """Call the operation with EXAMPLES cases of `strategy`; add (status, what) to `failures`
    for each check that fails. Returns the number of calls."""
    calls = 0

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        # No shrinking: a failure is reported as found, and the run stays short.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        nonlocal calls
        calls += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                said = " | ".join(failure.message.splitlines())[:300]
                failures.append(
                    (
                        response.status_code,
                        f"{role} {case.method} {case.formatted_path} {response.status_code}: "
                        f"{failure.title}: {said}",
                    )
                )

    call()
    return calls


def test_the_whole_api_answers_as_its_schema_says_for_three_roles(
    db, settings_override, wsgi_in_this_test, objects, alice, council, auditor, figure
):
    roles = {"submitter": alice, "chair": council["chair"], "auditor": auditor}
    tokens = {role: api_token_issue(user=user)[1] for role, user in roles.items()}
    schema = openapi.from_wsgi(
        "/api/schema/", wsgi_in_this_test, headers=auth_header(tokens["submitter"])
    )
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if not result.ok().path.startswith(SKIPPED_PREFIX)
    ]
    calls, failures = 0, []
    for role, token in tokens.items():
        headers = auth_header(token)
        for operation in operations:
            ids = known_ids(operation.path, objects)
            strategy = st.one_of(
                operation.as_strategy(path_parameters=ids), operation.as_strategy()
            )
            calls += fuzz(strategy, headers, failures, role)
    server_errors = sum(1 for status, _ in failures if status >= 500)
    figure(
        "R4",
        f"schemathesis: {len(operations)} operations × {len(roles)} roles, {calls} calls, "
        f"{server_errors} 5xx, {len(failures) - server_errors} schema violations",
    )
    assert not failures, "\n".join(sorted({what for _, what in failures}))
