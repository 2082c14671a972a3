"""How a notification looks on each channel: e-mail, generic JSON, Slack and Microsoft Teams.

* e-mail: a subject and a plain-text body (facts one per line, the dashboard link last);
* ``json``: the notification's fields under stable camelCase names (``schema`` versions them);
* ``slack``: an incoming-webhook message — ``text`` (the fallback Slack shows in alerts) and
  ``blocks`` (header, summary, facts, link);
* ``teams``: a message with one Adaptive Card attachment, the format Teams workflow webhooks
  ("Post to a channel when a webhook request is received") take.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from boomi_promo.notifications.events import Notification

JSON_SCHEMA = "boomi-promo.notification/v1"
SLACK_FIELDS_PER_SECTION = 10
"""Slack refuses a section block with more fields than this."""
SLACK_TEXT_LIMIT = 3000
ADAPTIVE_CARD_VERSION = "1.4"


def email_message(
    notification: Notification, *, sender: str, recipients: list[str]
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[boomi-promo] {notification.title}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    lines = [notification.text, ""]
    width = max((len(name) for name, _value in notification.facts), default=0)
    lines.extend(f"{name + ':':<{width + 1}} {value}" for name, value in notification.facts)
    if notification.url:
        lines.extend(["", f"Open in boomi-promo: {notification.url}"])
    lines.extend(["", "-- ", "Sent by boomi-promo. Channel settings: PROMO_NOTIFICATIONS__*."])
    message.set_content("\n".join(lines))
    return message


def json_payload(notification: Notification) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA,
        "event": notification.event.value,
        "eventKey": notification.key,
        "title": notification.title,
        "text": notification.text,
        "promotionId": notification.promotion_id,
        "processName": notification.process_name,
        "status": notification.status,
        "previousStatus": notification.previous_status,
        "actor": notification.actor,
        "environment": notification.environment,
        "occurredAt": notification.occurred_at,
        "url": notification.url,
        "facts": [{"name": name, "value": value} for name, value in notification.facts],
    }


def slack_payload(notification: Notification) -> dict[str, Any]:
    fields = [
        {"type": "mrkdwn", "text": _slack_cut(f"*{_slack_escape(name)}*\n{_slack_escape(value)}")}
        for name, value in notification.facts
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": notification.title[:150], "emoji": False},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _slack_cut(_slack_escape(notification.text))},
        },
    ]
    for start in range(0, len(fields), SLACK_FIELDS_PER_SECTION):
        blocks.append(
            {"type": "section", "fields": fields[start : start + SLACK_FIELDS_PER_SECTION]}
        )
    if notification.url:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in boomi-promo"},
                        "url": notification.url,
                    }
                ],
            }
        )
    return {"text": _slack_escape(f"{notification.title}. {notification.text}"), "blocks": blocks}


def teams_payload(notification: Notification) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": notification.title,
            "size": "Large",
            "weight": "Bolder",
            "wrap": True,
        },
        {"type": "TextBlock", "text": notification.text, "wrap": True},
    ]
    if notification.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": name, "value": value} for name, value in notification.facts],
            }
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
    }
    if notification.url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open in boomi-promo", "url": notification.url}
        ]
    return {
        "type": "message",
        "summary": notification.title,
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions; these three are the escapes it documents.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_cut(text: str) -> str:
    return text if len(text) <= SLACK_TEXT_LIMIT else text[: SLACK_TEXT_LIMIT - 1] + "…"
