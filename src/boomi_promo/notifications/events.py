"""Which audit entries and waiting reviews become notifications, and what those say.

Pure rules, no I/O: the dispatcher hands in an audit entry (or a promotion waiting for review)
with the promotion it is about, and gets back a :class:`Notification` — or ``None`` when
nothing worth announcing happened. A notification carries facts about the promotion and
never its secrets (there are none in the promotion record: stripped values never reach it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from boomi_promo.config import NotificationEvent
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store.tables import AuditEntry, PromotionLog

_S = PromotionStatus
_E = NotificationEvent

EVENT_OF_STATUS: dict[PromotionStatus, NotificationEvent] = {
    _S.PENDING_PEER_REVIEW: _E.SUBMITTED,
    _S.PENDING_ADMIN_REVIEW: _E.PEER_DECISION,
    _S.PEER_REJECTED: _E.PEER_DECISION,
    _S.ADMIN_APPROVED: _E.ADMIN_DECISION,
    _S.ADMIN_REJECTED: _E.ADMIN_DECISION,
    _S.DEPLOY_ABANDONED: _E.ADMIN_DECISION,
    _S.TEST_DEPLOYED: _E.DEPLOYED,
    _S.DEPLOYED: _E.DEPLOYED,
    _S.FAILED: _E.FAILED,
    _S.TEST_DEPLOY_FAILED: _E.FAILED,
    _S.DEPLOY_FAILED: _E.FAILED,
    _S.PENDING_PACK_ASSIGNMENT: _E.PACK_ASSIGNMENT,
}
"""The promotion statuses that are announced, and as which event."""

_HEADLINES: dict[PromotionStatus, str] = {
    _S.PENDING_PEER_REVIEW: "Submitted for peer review",
    _S.PENDING_ADMIN_REVIEW: "Peer review approved",
    _S.PEER_REJECTED: "Peer review rejected",
    _S.ADMIN_APPROVED: "Approved for production",
    _S.ADMIN_REJECTED: "Rejected by an admin",
    _S.DEPLOY_ABANDONED: "Production deployment abandoned",
    _S.TEST_DEPLOYED: "Deployed to Test",
    _S.DEPLOYED: "Deployed to Production",
    _S.FAILED: "Promotion failed",
    _S.TEST_DEPLOY_FAILED: "Test deployment failed",
    _S.DEPLOY_FAILED: "Production deployment failed",
    _S.PENDING_PACK_ASSIGNMENT: "Waiting for an admin to choose a Test pack",
}

# The dashboard's pages for a promotion (web/review_pages.py, web/deployment_pages.py).
_PEER_REVIEW_PAGE = "/reviews/{}"
_ADMIN_REVIEW_PAGE = "/admin/approvals/{}"
_PACK_ASSIGNMENT_PAGE = "/admin/packs"
_PROMOTION_PAGE = "/promotions/{}"

MAX_FACT_CHARS = 500
"""Comments, justifications and failure reasons are cut to this in a message."""


@dataclass(frozen=True)
class Notification:
    """One announcement, the same for every channel; each channel's format renders it."""

    event: NotificationEvent
    key: str
    """The occurrence: ``audit:{entry id}``, ``stale:{promotion}:{status}:{period}``, ``test:…``."""
    title: str
    text: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    promotion_id: str | None = None
    process_name: str | None = None
    status: str | None = None
    previous_status: str | None = None
    actor: str | None = None
    environment: str | None = None
    occurred_at: str = ""
    url: str | None = None
    participants: list[str] = field(default_factory=list)
    """The promotion's initiator and submitter, for channels that write to them."""

    def to_dict(self) -> dict[str, Any]:
        stored = asdict(self)
        stored["facts"] = [list(fact) for fact in self.facts]
        return stored

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> Notification:
        values = dict(stored)
        values["event"] = NotificationEvent(values["event"])
        values["facts"] = [(str(name), str(value)) for name, value in values.get("facts", [])]
        return cls(**values)


def notification_for_entry(
    entry: AuditEntry, promotion: PromotionLog | None, *, public_url: str
) -> Notification | None:
    """The notification an audit entry makes, if it is a promotion entering an announced
    status; ``None`` for every other entry."""
    if entry.target_type != "promotion" or entry.after_status is None:
        return None
    try:
        status = PromotionStatus(entry.after_status)
    except ValueError:
        return None
    event = EVENT_OF_STATUS.get(status)
    if event is None or promotion is None:
        return None
    process = promotion.process_name or promotion.root_component_id
    headline = _HEADLINES[status]
    detail = entry.detail or {}
    facts = _promotion_facts(promotion, status)
    facts.insert(2, ("By", entry.actor_email))
    for label, value in _entry_facts(status, promotion, detail):
        facts.append((label, _cut(value)))
    return Notification(
        event=event,
        key=f"audit:{entry.id}",
        title=f"{headline}: {process}",
        text=_sentence(status, process, entry.actor_email, promotion),
        facts=facts,
        promotion_id=promotion.promotion_id,
        process_name=process,
        status=status.value,
        previous_status=entry.before_status,
        actor=entry.actor_email,
        environment=_environment(promotion, status),
        occurred_at=entry.at.isoformat(),
        url=_link(public_url, promotion.promotion_id, status),
        participants=_participants(promotion),
    )


def stale_period(waiting_since: datetime, now: datetime, period: timedelta) -> int:
    """How many whole ``period``\\ s a review has waited (0: not stale yet)."""
    if now <= waiting_since:
        return 0
    return int((now - waiting_since) / period)


def waiting_since(promotion: PromotionLog) -> datetime | None:
    """When the promotion's current review began: submission (peer), peer approval (admin)."""
    if promotion.status == _S.PENDING_PEER_REVIEW:
        return promotion.submitted_for_review_at
    if promotion.status == _S.PENDING_ADMIN_REVIEW:
        return promotion.peer_reviewed_at
    return None


def stale_review_notification(
    promotion: PromotionLog, *, now: datetime, period: timedelta, public_url: str
) -> Notification | None:
    """A reminder for a review waiting one or more whole ``period``\\ s; its key names the
    period, so each promotion is reminded once per period it waits."""
    since = waiting_since(promotion)
    if since is None:
        return None
    periods = stale_period(since, now, period)
    if periods < 1:
        return None
    status = promotion.status
    process = promotion.process_name or promotion.root_component_id
    stage = "peer review" if status is _S.PENDING_PEER_REVIEW else "admin review"
    waited = _duration(now - since)
    facts = _promotion_facts(promotion, status)
    facts.append(("Waiting since", since.isoformat(timespec="seconds")))
    return Notification(
        event=NotificationEvent.STALE_REVIEW,
        key=f"stale:{promotion.promotion_id}:{status.value}:{periods}",
        title=f"Waiting for {stage} for {waited}: {process}",
        text=f"The promotion of {process} has waited {waited} for {stage}.",
        facts=facts,
        promotion_id=promotion.promotion_id,
        process_name=process,
        status=status.value,
        previous_status=status.value,
        environment=_environment(promotion, status),
        occurred_at=now.isoformat(),
        url=_link(public_url, promotion.promotion_id, status),
        participants=_participants(promotion),
    )


def sample_notification(*, now: datetime, public_url: str) -> Notification:
    """What ``promo notifications test`` sends: shows each channel is wired up."""
    return Notification(
        event=NotificationEvent.SUBMITTED,
        key=f"test:{now.isoformat()}",
        title="boomi-promo test notification",
        text="This channel receives boomi-promo notifications. No action is needed.",
        facts=[("Sent at", now.isoformat(timespec="seconds"))],
        occurred_at=now.isoformat(),
        url=public_url.rstrip("/") or None,
    )


def _promotion_facts(promotion: PromotionLog, status: PromotionStatus) -> list[tuple[str, str]]:
    facts = [
        ("Process", promotion.process_name or promotion.root_component_id),
        ("Status", status.value),
        ("Environment", _environment(promotion, status)),
        ("Promotion", promotion.promotion_id),
        ("Initiated by", promotion.initiated_by),
    ]
    if promotion.dev_account_name or promotion.dev_account_id:
        facts.append(("Dev account", promotion.dev_account_name or promotion.dev_account_id))
    if promotion.is_hotfix:
        facts.append(("Hotfix", _cut(promotion.hotfix_justification or "yes")))
    return facts


def _entry_facts(
    status: PromotionStatus, promotion: PromotionLog, detail: dict[str, Any]
) -> list[tuple[str, str]]:
    facts: list[tuple[str, str]] = []
    comments = detail.get("comments")
    if comments:
        facts.append(("Comments", str(comments)))
    if status in (_S.FAILED, _S.TEST_DEPLOY_FAILED, _S.DEPLOY_FAILED, _S.DEPLOY_ABANDONED):
        reason = detail.get("reason") or promotion.error_message
        if reason:
            facts.append(("Reason", str(reason)))
    if status is _S.TEST_DEPLOYED and promotion.test_integration_pack_name:
        facts.append(("Integration pack", promotion.test_integration_pack_name))
    elif status is _S.DEPLOYED and promotion.integration_pack_name:
        facts.append(("Integration pack", promotion.integration_pack_name))
    if status in (_S.TEST_DEPLOYED, _S.DEPLOYED) and promotion.package_version:
        facts.append(("Package version", promotion.package_version))
    return facts


def _sentence(status: PromotionStatus, process: str, actor: str, promotion: PromotionLog) -> str:
    kind = "hotfix" if promotion.is_hotfix else "promotion"
    sentences = {
        _S.PENDING_PEER_REVIEW: f"{actor} submitted the {kind} of {process} for peer review.",
        _S.PENDING_ADMIN_REVIEW: f"{actor} approved the {kind} of {process}; "
        "it waits for an admin's approval.",
        _S.PEER_REJECTED: f"{actor} rejected the {kind} of {process} in peer review.",
        _S.ADMIN_APPROVED: f"{actor} approved the {kind} of {process} for production.",
        _S.ADMIN_REJECTED: f"{actor} rejected the {kind} of {process}.",
        _S.DEPLOY_ABANDONED: f"{actor} abandoned the failed Production deployment of {process}; "
        "nothing reached production and it can be promoted again.",
        _S.TEST_DEPLOYED: f"{process} was released to the Test environment.",
        _S.DEPLOYED: f"{process} was deployed to Production.",
        _S.FAILED: f"The promotion of {process} failed; nothing was written to main.",
        _S.TEST_DEPLOY_FAILED: f"The Test deployment of {process} failed.",
        _S.DEPLOY_FAILED: f"The Production deployment of {process} failed; an admin can retry "
        "it (or abandon it, when it did not reach main).",
        _S.PENDING_PACK_ASSIGNMENT: f"{process} found no Test pack: an admin must choose one "
        "under Pack Assignment before it is released to Test.",
    }
    return sentences[status]


def _environment(promotion: PromotionLog, status: PromotionStatus) -> str:
    if status in (_S.TEST_DEPLOYED, _S.TEST_DEPLOY_FAILED, _S.PENDING_PACK_ASSIGNMENT):
        return "TEST"
    return promotion.target_environment


def _participants(promotion: PromotionLog) -> list[str]:
    people = [promotion.initiated_by, promotion.submitted_for_review_by]
    seen: dict[str, str] = {}
    for person in people:
        if person and person.lower() not in seen:
            seen[person.lower()] = person
    return list(seen.values())


def _link(public_url: str, promotion_id: str, status: PromotionStatus) -> str | None:
    if not public_url:
        return None
    page = {
        _S.PENDING_PEER_REVIEW: _PEER_REVIEW_PAGE,
        _S.PENDING_ADMIN_REVIEW: _ADMIN_REVIEW_PAGE,
        _S.PENDING_PACK_ASSIGNMENT: _PACK_ASSIGNMENT_PAGE,
    }.get(status, _PROMOTION_PAGE)
    return public_url.rstrip("/") + page.format(promotion_id)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_FACT_CHARS else text[: MAX_FACT_CHARS - 1] + "…"


def _duration(elapsed: timedelta) -> str:
    hours = elapsed.total_seconds() / 3600
    if hours >= 48:
        return f"{int(hours // 24)} days"
    if hours >= 1:
        return f"{int(hours)} hours" if int(hours) != 1 else "1 hour"
    minutes = max(1, int(elapsed.total_seconds() // 60))
    return f"{minutes} minutes" if minutes != 1 else "1 minute"
