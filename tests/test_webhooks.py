"""Outbound webhooks, Slack and Teams (issue 15 point 2): subscribers get signed JSON for
submissions, assignments, decisions, registry changes, incidents and complaints, through an
outbox with retries and backoff, a delivery log and replays; tested against a receiving server
on loopback."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

import workflows
from audit.models import AuditEvent
from audit.services import audit_record
from integrations import formats, outbox, services
from integrations.models import WebhookDelivery, WebhookSubscription

from .factories import TeamFactory
from .registry_support import entry_data
from .reviews_support import approve_review

SITE = "https://council.example.com"


class Receiver:
    """An HTTP server on loopback that keeps what it is sent and answers `status`."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(received.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def events(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _site():
    with override_settings(SITE_URL=SITE):
        yield


def subscribe(receiver, path="/hook", **fields) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name=path.strip("/"), url=receiver.url(path), **fields
    )


def send(django_capture_on_commit_callbacks, action):
    """Run the action as a request would (its after-commit work included), then the sweep."""
    with django_capture_on_commit_callbacks(execute=True):
        result = action()
    outbox.deliver_due(budget_seconds=10)
    return result


def test_a_decision_reaches_a_signed_json_receiver(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, alice
):
    subscription = subscribe(receiver, event_types=["review.decided"])
    review = make_use_case("submitted").reviews.get()
    send(django_capture_on_commit_callbacks, lambda: approve_review(review, alice))
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    signed = f"{headers['X-Webhook-Timestamp']}.".encode() + body
    expected = hmac.new(subscription.secret.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Webhook-Signature"] == f"sha256={expected}"
    event = json.loads(body)
    assert headers["X-Webhook-Id"] == event["id"]
    assert headers["X-Webhook-Event"] == event["type"] == "review.decided"
    assert event["data"]["outcome"] == "approved"
    assert event["use_case"]["reference"] == review.use_case.reference
    assert event["use_case"]["title"] == review.use_case.title
    assert event["url"] == f"{SITE}/reviews/{review.pk}/"
    assert sorted(event["roles"]) == sorted(review.required_roles)
    assert "decided: approved" in event["summary"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is not None and delivery.last_status == 200


def test_a_tampered_body_no_longer_matches_its_signature(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, alice
):
    subscription = subscribe(receiver, event_types=["use_case.submitted"])
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    (request,) = receiver.requests
    stamp = request["headers"]["X-Webhook-Timestamp"]
    forged = request["body"].replace(b"submitted", b"approved")
    signed = f"{stamp}.".encode() + forged
    digest = hmac.new(subscription.secret.encode(), signed, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Webhook-Signature"] != f"sha256={digest}"


def test_every_kind_of_event_is_sent(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, alice, owner, client
):
    subscribe(receiver)

    def lifecycle():
        use_case = approve_review(make_use_case("submitted").reviews.get(), alice)
        entry = workflows.deployment_create(
            actor=alice, use_case=use_case, data=entry_data(owner, alice)
        )
        workflows.incident_report(
            actor=alice, deployment=entry, kind="other", severity="low", description="Odd offer"
        )
        return entry

    send(django_capture_on_commit_callbacks, lifecycle)
    types = {event["type"] for event in receiver.events()}
    assert types >= {
        "use_case.submitted",
        "review.assigned",
        "review.decided",
        "registry.changed",
        "incident.reported",
    }


def test_a_slack_receiver_gets_a_message_with_a_link_into_the_app(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, alice
):
    subscribe(receiver, format="slack", event_types=["review.decided"])
    review = make_use_case("submitted").reviews.get()
    send(django_capture_on_commit_callbacks, lambda: approve_review(review, alice))
    (message,) = receiver.events()
    link = f"{SITE}/reviews/{review.pk}/"
    assert review.use_case.reference in message["text"] and link in message["text"]
    button = message["blocks"][1]["elements"][0]
    assert button["type"] == "button" and button["url"] == link


def test_a_teams_receiver_gets_an_adaptive_card(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, alice
):
    subscribe(receiver, format="teams", event_types=["review.decided"])
    review = make_use_case("submitted").reviews.get()
    send(django_capture_on_commit_callbacks, lambda: approve_review(review, alice))
    (message,) = receiver.events()
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert review.use_case.reference in card["body"][0]["text"]
    assert card["actions"][0]["url"] == f"{SITE}/reviews/{review.pk}/"


def test_a_team_subscription_hears_only_its_teams_use_cases(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, marketing
):
    subscribe(receiver, "/ours", team=marketing, event_types=["use_case.submitted"])
    subscribe(
        receiver, "/theirs", team=TeamFactory(name="Care"), event_types=["use_case.submitted"]
    )
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    assert [request["path"] for request in receiver.requests] == ["/ours"]


def test_a_role_subscription_hears_its_own_seats(
    receiver, django_capture_on_commit_callbacks, make_use_case, council
):
    subscribe(receiver, role="privacy", event_types=["review.assigned"])
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    events = receiver.events()
    assert events and all(event["roles"] == ["privacy"] for event in events)
    assert all("Privacy" in event["summary"] for event in events)


def test_a_confidential_use_case_is_named_by_its_reference_only(
    receiver, django_capture_on_commit_callbacks, make_use_case, council
):
    subscribe(receiver, event_types=["use_case.submitted"])
    use_case = send(
        django_capture_on_commit_callbacks,
        lambda: make_use_case("submitted", confidential=True, title="Secret churn model"),
    )
    (event,) = receiver.events()
    assert event["use_case"]["title"] is None
    assert "Secret churn model" not in json.dumps(event)
    assert use_case.reference in event["summary"]


def test_a_rolled_back_action_sends_nothing(receiver, make_use_case, council, alice):
    subscribe(receiver, event_types=["use_case.submitted"])
    use_case = make_use_case("draft")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=alice, action="submitted", obj=use_case)
        raise RuntimeError("the action failed after its audit event")
    assert not WebhookDelivery.objects.exists()


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    receiver, django_capture_on_commit_callbacks, make_use_case, council
):
    subscribe(receiver, event_types=["use_case.submitted"])
    receiver.status = 503
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None and delivery.last_status == 503
    assert delivery.claimed_until > timezone.now() + timedelta(seconds=50)  # a minute's backoff
    assert outbox.deliver_due() == {}  # not due again before its backoff
    receiver.status = 200
    WebhookDelivery.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox.deliver_due() == {"delivered": 1}
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 2
    first, second = receiver.requests
    assert first["headers"]["X-Webhook-Id"] == second["headers"]["X-Webhook-Id"]


@override_settings(WEBHOOK_MAX_ATTEMPTS=2)
def test_a_delivery_is_marked_failed_after_the_last_attempt(
    receiver, django_capture_on_commit_callbacks, make_use_case, council
):
    subscribe(receiver, event_types=["use_case.submitted"])
    receiver.status = 500
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    WebhookDelivery.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox.deliver_due() == {"failed": 1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.failed_at is not None and "HTTP 500" in delivery.last_error
    assert outbox.deliver_due() == {}  # given up: never sent by itself again


def test_an_unreachable_receiver_is_logged_not_raised(
    django_capture_on_commit_callbacks, make_use_case, council
):
    WebhookSubscription.objects.create(name="gone", url="http://127.0.0.1:9/nothing-listens")
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    for delivery in WebhookDelivery.objects.all():
        assert delivery.delivered_at is None and "Connection" in delivery.last_error


def test_a_replay_sends_the_same_event_again_and_is_audited(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, chair
):
    subscribe(receiver, event_types=["use_case.submitted"])
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    original = WebhookDelivery.objects.get()
    again = send(
        django_capture_on_commit_callbacks,
        lambda: services.replay(actor=chair, delivery=original),
    )
    again.refresh_from_db()
    assert again.replay_of == original and again.delivered_at is not None
    first, second = receiver.requests
    assert first["headers"]["X-Webhook-Id"] == second["headers"]["X-Webhook-Id"]
    assert AuditEvent.objects.filter(action="webhook_replayed", actor=chair).exists()


def test_keeping_a_subscription_in_the_admin_is_audited_without_its_secret(receiver, admin_client):
    form = {"name": "council-chat", "url": receiver.url(), "format": "json", "active": "on"}
    assert (
        admin_client.post("/admin/integrations/webhooksubscription/add/", form).status_code == 302
    )
    subscription = WebhookSubscription.objects.get()
    page = f"/admin/integrations/webhooksubscription/{subscription.pk}/change/"
    assert admin_client.post(page, {**form, "active": ""}).status_code == 302
    created, changed = AuditEvent.objects.filter(
        object_type="integrations.webhooksubscription"
    ).order_by("seq")
    assert created.action == "created" and changed.action == "changed"
    assert created.object_ref == changed.object_ref == "council-chat"
    assert changed.changes == {"active": [True, False]}
    assert subscription.secret not in json.dumps(created.changes)


def test_an_inactive_subscription_gets_nothing(
    receiver, django_capture_on_commit_callbacks, make_use_case, council
):
    subscribe(receiver, active=False)
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_the_admin_lists_deliveries_and_sends_one_again(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, admin_client
):
    subscribe(receiver, event_types=["use_case.submitted"])
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    delivery = WebhookDelivery.objects.get()
    page = admin_client.get("/admin/integrations/webhookdelivery/")
    assert page.status_code == 200 and "use_case.submitted" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/integrations/webhookdelivery/",
            {"action": "send_again", "_selected_action": [delivery.pk]},
        )
    outbox.deliver_due(budget_seconds=10)
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1
    assert len(receiver.requests) == 2


@pytest.mark.parametrize("fmt", ["slack", "teams"])
def test_without_a_site_url_chat_messages_carry_no_button(fmt):
    event = {"id": "x", "type": "review.decided", "summary": "UC-1: decided.", "url": "/reviews/1/"}
    message = json.loads(formats.body(fmt, event))
    assert "button" not in json.dumps(message) and "Action.OpenUrl" not in json.dumps(message)


# --- Where a webhook may go -----------------------------------------------------------------------


@override_settings(WEBHOOK_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",  # the app's own host
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://10.0.0.5/admin",  # the internal network
        "http://[::1]/hook",
        "https://localhost/hook",
    ],
)
def test_the_admin_refuses_a_subscription_to_a_non_public_address(admin_client, url):
    form = {"name": "inside", "url": url, "format": "json", "active": "on"}
    response = admin_client.post("/admin/integrations/webhooksubscription/add/", form)
    assert response.status_code == 200
    assert "not a public address" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


@override_settings(WEBHOOK_PRIVATE_ADDRESSES=False)
def test_a_public_address_is_accepted(admin_client):
    form = {"name": "chat", "url": "https://93.184.215.14/hook", "format": "slack", "active": "on"}
    response = admin_client.post("/admin/integrations/webhooksubscription/add/", form)
    assert response.status_code == 302
    assert WebhookSubscription.objects.get().url == "https://93.184.215.14/hook"


def test_a_delivery_to_an_address_refused_since_is_never_sent(
    receiver, django_capture_on_commit_callbacks, make_use_case, council, settings
):
    """Saved while allowed (or its name moved to an internal address since): each delivery
    checks again, and nothing reaches the address."""
    subscribe(receiver, event_types=["use_case.submitted"])
    settings.WEBHOOK_PRIVATE_ADDRESSES = False
    send(django_capture_on_commit_callbacks, lambda: make_use_case("submitted"))
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None and "not a public address" in delivery.last_error
    assert delivery.last_status is None
