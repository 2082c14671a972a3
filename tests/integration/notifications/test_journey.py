"""A Test → Production journey over the API announces each step on every channel."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from boomi_promo.store.tables import DeliveryStatus, NotificationDelivery
from tests.integration.deployment.support import ERIN, deployed_to_test, record
from tests.integration.notifications.support import (
    HOOK_TOKEN_PATH,
    PUBLIC_URL,
    SENDER,
    TEAM_LIST,
    HookReceiver,
    MailCatcher,
    deliveries,
    eventually,
)
from tests.integration.promotion.support import ALICE, BOB
from tests.integration.scenarios.test_journeys import ok
from tests.support.service import DemoService

PRODUCTION_EVENTS = ["submitted", "peer_decision", "admin_decision", "deployed"]
FORMAT_CHANNELS = ["platform-mail", "generic", "slack", "teams"]


async def to_production(service: DemoService, test_promotion_id: str) -> str:
    submitted = ok(
        await service.call(ALICE, "submitForPeerReview", {"promotionId": test_promotion_id})
    )
    production_id: str = submitted["promotionId"]
    ok(
        await service.call(
            BOB,
            "submitPeerReview",
            {"promotionId": production_id, "decision": "APPROVED", "comments": "Looks right"},
        )
    )
    ok(
        await service.call(
            ERIN,
            "submitAdminReview",
            {
                "promotionId": production_id,
                "decision": "APPROVED",
                "createNewPack": True,
                "newPackName": "Customer Sync",
            },
        )
    )
    return production_id


def by_event(posts: list[dict[str, Any]], promotion_id: str) -> dict[str, dict[str, Any]]:
    return {p["event"]: p for p in posts if p["promotionId"] == promotion_id}


async def test_each_step_reaches_mail_json_slack_and_teams(
    service: DemoService, mail: MailCatcher, hooks: HookReceiver
) -> None:
    test_id = await deployed_to_test(service)
    production_id = await to_production(service, test_id)
    process = (await record(service, production_id)).process_name

    async def all_sent() -> list[NotificationDelivery] | None:
        rows = [
            row
            for row in await deliveries(service, promotion_id=production_id)
            if row.channel in FORMAT_CHANNELS
        ]
        done = len(rows) == len(PRODUCTION_EVENTS) * len(FORMAT_CHANNELS)
        return rows if done and all(r.status == DeliveryStatus.SENT for r in rows) else None

    rows = await eventually(all_sent, what="every production notification sent")
    assert all(row.attempts == 1 and row.sent_at is not None for row in rows)
    assert all(HOOK_TOKEN_PATH not in row.target for row in rows), "no hook secret recorded"

    # Generic JSON: one signed post per event, with the facts a receiver acts on.
    generic = hooks.posts_to("generic")
    posted = by_event([p.body for p in generic], production_id)
    assert sorted(posted) == sorted(PRODUCTION_EVENTS)
    assert posted["peer_decision"]["actor"] == BOB
    assert posted["peer_decision"]["status"] == "PENDING_ADMIN_REVIEW"
    assert {"name": "Comments", "value": "Looks right"} in posted["peer_decision"]["facts"]
    assert posted["admin_decision"]["status"] == "ADMIN_APPROVED"
    assert posted["deployed"]["status"] == "DEPLOYED"
    assert posted["deployed"]["environment"] == "PRODUCTION"
    assert posted["submitted"]["url"] == f"{PUBLIC_URL}/reviews/{production_id}"
    assert by_event([p.body for p in generic], test_id)["deployed"]["environment"] == "TEST"
    for post in generic:
        expected = hmac.new(
            b"s3cr3t", json.dumps(post.body, ensure_ascii=False).encode(), hashlib.sha256
        ).hexdigest()
        assert post.headers["x-promo-signature"] == f"sha256={expected}"

    # Slack: fallback text plus blocks (header, summary, fields, a button to the dashboard).
    slack = [p.body for p in hooks.posts_to("slack")]
    deployed_slack = next(b for b in slack if f"Deployed to Production: {process}" in b["text"])
    header, summary, *rest = deployed_slack["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": f"Deployed to Production: {process}",
            "emoji": False,
        },
    }
    assert summary["text"]["text"] == f"{process} was deployed to Production."
    fields = [f["text"] for block in rest if block["type"] == "section" for f in block["fields"]]
    assert f"*Promotion*\n{production_id}" in fields
    assert f"*By*\n{ERIN}" in fields
    button = next(b for b in rest if b["type"] == "actions")["elements"][0]
    assert button["url"] == f"{PUBLIC_URL}/promotions/{production_id}"

    # Teams: a message carrying one Adaptive Card with the facts as a FactSet.
    teams = [p.body for p in hooks.posts_to("teams")]
    cards = [t["attachments"][0] for t in teams]
    assert {c["contentType"] for c in cards} == {"application/vnd.microsoft.card.adaptive"}
    approval = next(
        c["content"] for c in cards if c["content"]["body"][0]["text"].startswith("Approved")
    )
    assert approval["type"] == "AdaptiveCard"
    facts = {f["title"]: f["value"] for f in approval["body"][2]["facts"]}
    assert facts["Promotion"] == production_id
    assert facts["By"] == ERIN
    assert approval["actions"][0]["url"] == f"{PUBLIC_URL}/promotions/{production_id}"

    # E-mail: to the team list and the submitter, after logging in; a readable body.
    assert mail.logins, "the channel logged in to the SMTP server"
    subjects = {m["Subject"]: m for m in mail.messages}
    submitted = subjects[f"[boomi-promo] Submitted for peer review: {process}"]
    assert submitted["From"] == SENDER
    assert submitted["X-Envelope-To"] == f"{TEAM_LIST}, {ALICE}"
    body = submitted.get_content()
    assert f"{ALICE} submitted the promotion of {process} for peer review." in body
    assert f"Open in boomi-promo: {PUBLIC_URL}/reviews/{production_id}" in body
    assert f"[boomi-promo] Peer review approved: {process}" in subjects
    assert f"[boomi-promo] Deployed to Test: {process}" in subjects


async def test_a_first_test_deployment_waiting_for_a_pack_tells_the_admins(
    service: DemoService, hooks: HookReceiver
) -> None:
    test_id = await deployed_to_test(service)

    async def announced() -> dict[str, Any] | None:
        posted = by_event([p.body for p in hooks.posts_to("generic")], test_id)
        return posted.get("pack_assignment")

    waiting = await eventually(announced, what="the pack assignment notification")
    assert waiting["status"] == "PENDING_PACK_ASSIGNMENT"
    assert waiting["url"] == f"{PUBLIC_URL}/admin/packs"
    assert "choose one under Pack Assignment" in waiting["text"]
