"""What a delivery sends: the body in the subscription's format, and the headers that sign it.

Every delivery carries `X-Webhook-Id` (the event's id: a receiver drops a repeat), `X-Webhook-
Event` (its type), `X-Webhook-Timestamp` (Unix seconds) and `X-Webhook-Signature`:
`sha256=` and the hex HMAC-SHA256, keyed with the subscription's secret, of the timestamp, a
dot and the body's bytes. A receiver recomputes it and refuses an old timestamp (a replayed
request). Slack and Teams ignore the headers; their own URLs are the secret.
"""

import hashlib
import hmac
import json
from typing import Any

from .models import PayloadFormat

OPEN_IN_APP = "Open in the AI council"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def headers(*, secret: str, event: dict[str, Any], timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Webhook-Id": event["id"],
        "X-Webhook-Event": event["type"],
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": signature(secret, timestamp, body),
    }


def body(fmt: str, event: dict[str, Any]) -> bytes:
    """The event as the subscriber's format wants it, as UTF-8 JSON."""
    if fmt == PayloadFormat.SLACK:
        message: dict[str, Any] = slack_message(event)
    elif fmt == PayloadFormat.TEAMS:
        message = teams_message(event)
    else:
        message = event
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def _linkable(url: str) -> bool:
    """Slack and Teams refuse a button whose link is a path: without SITE_URL, no button."""
    return url.startswith(("https://", "http://"))


def slack_message(event: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: the sentence, and a button into the app."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "plain_text", "text": event["summary"]}}
    ]
    if _linkable(event["url"]):
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": OPEN_IN_APP},
            "url": event["url"],
        }
        blocks.append({"type": "actions", "elements": [button]})
    return {"text": f"{event['summary']} {event['url']}", "blocks": blocks}


def teams_message(event: dict[str, Any]) -> dict[str, Any]:
    """A Microsoft Teams incoming-webhook message: an Adaptive Card with the sentence and a
    button into the app."""
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [{"type": "TextBlock", "text": event["summary"], "wrap": True}],
    }
    if _linkable(event["url"]):
        card["actions"] = [{"type": "Action.OpenUrl", "title": OPEN_IN_APP, "url": event["url"]}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }
