"""The auditor's page verifies the chain through a task: asked, then shown running or done."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditEvent, ChainVerification
from audit.services import audit_record

from .test_audit import _tamper


@pytest.fixture
def three_events(alice):
    return [
        audit_record(actor=alice, action=f"step{i}", object_type="test", object_id=str(i))
        for i in (1, 2, 3)
    ]


def _ask(client, user, capture):
    client.force_login(user)
    with capture(execute=True):
        response = client.post("/audit/verify/")
    return response


def test_the_button_queues_the_verification_and_the_page_shows_its_result(
    client, auditor, three_events, django_capture_on_commit_callbacks
):
    response = _ask(client, auditor, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    verification = ChainVerification.objects.get()
    assert verification.requested_by == auditor and verification.intact is True
    assert verification.finished_at is not None
    page = client.get("/audit/").content.decode()
    assert "Chain intact" in page and "3 events verified" in page
    assert AuditEvent.objects.filter(action="chain_verified", actor=auditor).exists()


def test_a_broken_chain_shows_its_first_break(
    client, chair, three_events, django_capture_on_commit_callbacks
):
    _tamper(three_events[1].pk, action="innocent")
    _ask(client, chair, django_capture_on_commit_callbacks)
    verification = ChainVerification.objects.get()
    assert verification.intact is False
    page = client.get("/audit/").content.decode()
    assert "Chain broken" in page and "event #2: content does not match its hash" in page


def test_a_running_verification_is_shown_and_not_started_twice(
    client, auditor, three_events, django_capture_on_commit_callbacks
):
    running = ChainVerification.objects.create(requested_by=auditor, requested_at=timezone.now())
    _ask(client, auditor, django_capture_on_commit_callbacks)
    assert list(ChainVerification.objects.all()) == [running]
    running.refresh_from_db()
    assert running.finished_at is None
    page = client.get("/audit/").content.decode()
    assert "Verifying… started at" in page


def test_a_queued_verification_shows_as_running_until_its_task_ran(client, auditor, monkeypatch):
    monkeypatch.setattr("oversight.audit_views.verify_chain_requested.delay", lambda pk: None)
    client.force_login(auditor)
    page = client.post("/audit/verify/", follow=True).content.decode()
    assert "Verification of the chain started" in page and "Verifying… started at" in page


def test_the_page_never_recomputes_the_chain_itself(client, auditor, three_events, monkeypatch):
    monkeypatch.setattr("audit.checkpoints.record_verification", _never)
    monkeypatch.setattr("oversight.audit_views.verify_chain_requested.delay", lambda pk: None)
    client.force_login(auditor)
    assert client.post("/audit/verify/").status_code == 302
    assert client.get("/audit/").status_code == 200
    assert ChainVerification.objects.get().running


def _never():
    raise AssertionError("the chain was recomputed inside the request")


@pytest.mark.parametrize("who", ["alice", "council_member", "owner"])
def test_only_auditors_and_the_chair_may_ask(
    client, who, request, three_events, django_capture_on_commit_callbacks
):
    user = request.getfixturevalue(who)
    response = _ask(client, user, django_capture_on_commit_callbacks)
    assert response.status_code in (302, 403)
    assert not ChainVerification.objects.exists()
    assert not AuditEvent.objects.filter(action="chain_verified").exists()


def test_anonymous_visitors_may_not_ask(client, three_events):
    response = client.post("/audit/verify/")
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not ChainVerification.objects.exists()


def test_the_button_answers_only_a_post(client, auditor):
    client.force_login(auditor)
    assert client.get("/audit/verify/").status_code == 405


def test_the_command_still_fails_on_a_break(three_events):
    _tamper(three_events[2].pk, object_id="99")
    with pytest.raises(CommandError, match=r"event #3: content does not match"):
        call_command("verify_audit_log")
