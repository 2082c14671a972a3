"""The Peer Review lane's queue, read from the store.

A reviewer never reviews their own work: promotions the caller initiated or submitted for
review are left out (e-mails compared case-insensitively, as segregation of duties requires).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from boomi_promo.identity.principal import Principal, same_person

if TYPE_CHECKING:
    from boomi_promo.bootstrap import Container

PENDING_PEER_REVIEW = "PENDING_PEER_REVIEW"
QUEUE_LIMIT = 200
"""The newest this many are shown; a queue longer than that is a problem to raise elsewhere."""


@dataclass(frozen=True)
class PendingReview:
    promotion_id: str
    process_name: str
    dev_account: str
    initiated_by: str
    initiated_at: datetime
    submitted_by: str
    target_environment: str
    package_version: str
    is_hotfix: bool
    components_total: int


@dataclass(frozen=True)
class PeerReviewQueue:
    reviews: list[PendingReview]
    waiting: int
    """How many are waiting in all (including the caller's own, which are not shown)."""

    @property
    def truncated(self) -> bool:
        return self.waiting > QUEUE_LIMIT


async def pending_peer_reviews(container: Container, principal: Principal) -> PeerReviewQueue:
    """PENDING_PEER_REVIEW promotions the caller may review, newest first."""
    async with container.uow_factory() as uow:
        found = await uow.promotions.query(
            statuses=[PENDING_PEER_REVIEW],
            exclude_initiated_by=principal.email,
            page_size=QUEUE_LIMIT,
        )
    reviews = [
        PendingReview(
            promotion_id=log.promotion_id,
            process_name=log.process_name or log.root_component_id,
            dev_account=log.dev_account_name or log.dev_account_id,
            initiated_by=log.initiated_by,
            initiated_at=log.initiated_at,
            submitted_by=log.submitted_for_review_by or log.initiated_by,
            target_environment=log.target_environment,
            package_version=log.package_version or "",
            is_hotfix=log.is_hotfix,
            components_total=log.components_total,
        )
        for log in found.items
        if not same_person(log.submitted_for_review_by or "", principal.email)
    ]
    return PeerReviewQueue(reviews=reviews, waiting=found.total)
