"""An abandoned production deployment is announced as an admin decision, with who and why."""

from __future__ import annotations

from datetime import UTC, datetime

from boomi_promo.config import NotificationEvent
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.notifications.events import notification_for_entry
from boomi_promo.store import AuditEntry, PromotionLog

ADMIN = "carol@example.com"


def abandoned_promotion() -> PromotionLog:
    return PromotionLog(
        promotion_id="p-1",
        status=PromotionStatus.DEPLOY_ABANDONED,
        dev_account_id="dev-a",
        prod_account_id="primary",
        dev_package_id="pkg-1",
        root_component_id="root-1",
        process_name="Orders Sync",
        initiated_by="alice@example.com",
        target_environment="PRODUCTION",
        error_message="MERGE_CONFLICT: the branch and main both changed Orders Profile.",
    )


def abandon_entry(detail: dict[str, str]) -> AuditEntry:
    entry = AuditEntry(
        actor_email=ADMIN,
        action="promotion.status_changed",
        target_type="promotion",
        target_id="p-1",
        before_status=PromotionStatus.DEPLOY_FAILED,
        after_status=PromotionStatus.DEPLOY_ABANDONED,
        detail=detail,
        at=datetime(2026, 12, 6, 11, 0, tzinfo=UTC),
    )
    entry.id = 41
    return entry


def test_the_abandonment_is_an_admin_decision_naming_the_admin_and_the_reason() -> None:
    notification = notification_for_entry(
        abandon_entry({"reason": "The conflict stays", "failure": "MERGE_CONFLICT"}),
        abandoned_promotion(),
        public_url="https://promo.example.com",
    )

    assert notification is not None
    assert notification.event is NotificationEvent.ADMIN_DECISION
    assert notification.title == "Production deployment abandoned: Orders Sync"
    assert notification.text.startswith(f"{ADMIN} abandoned the failed Production deployment")
    assert "can be promoted again" in notification.text
    facts = dict(notification.facts)
    assert facts["By"] == ADMIN
    assert facts["Reason"] == "The conflict stays", "the admin's reason, not the old failure"
    assert (notification.previous_status, notification.status) == (
        "DEPLOY_FAILED",
        "DEPLOY_ABANDONED",
    )
    assert notification.url == "https://promo.example.com/promotions/p-1"
    assert notification.participants == ["alice@example.com"]


def test_without_a_reason_in_the_entry_the_failure_on_record_is_given() -> None:
    notification = notification_for_entry(
        abandon_entry({}), abandoned_promotion(), public_url="https://promo.example.com"
    )

    assert notification is not None
    assert dict(notification.facts)["Reason"].startswith("MERGE_CONFLICT")
