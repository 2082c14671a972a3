"""One promotion of a root process on its way to main at a time (README, "Working on one
package at a time").

A promotion that is waiting for review or being deployed (:data:`UNDER_REVIEW`) holds the
next version of its components on its branch, and its mappings say so. A second one of the
same root from the same dev account would race it for main with the same mappings: the first
to be withdrawn, rejected or merged would leave the other's mappings wrong. So, while one is
under review, a new executePromotion of that root and a submission of another promotion of it
for review are refused with 409 ``PROMOTION_IN_REVIEW``, naming it and saying how to end it.
Earlier ones that are only COMPLETED (or whose test deployment failed) are superseded by the
new promotion instead (``engine.promotion``).

The checks run before a job starts (the action's precheck) and again inside the job, in the
unit of work that changes the record, after locking every promotion of the root that could
conflict (:meth:`~boomi_promo.store.repositories.promotions.PromotionLogRepository.lock_of_root`):
two callers take turns, and the second one sees what the first one did.
"""

from __future__ import annotations

from boomi_promo.domain.statuses import UNDER_REVIEW, WITHDRAWABLE, PromotionStatus
from boomi_promo.engine.errors import ConcurrentPromotion, PromotionInReview
from boomi_promo.store import PromotionLog, UnitOfWork

_S = PromotionStatus
GUARDED = frozenset({*UNDER_REVIEW, _S.IN_PROGRESS, _S.COMPLETED, _S.TEST_DEPLOY_FAILED})
"""What the checks lock: the statuses a conflicting change moves a promotion into or out of."""


def in_review_refusal(blocking: PromotionLog, *, doing: str) -> PromotionInReview:
    """The 409 naming ``blocking`` and what ends it."""
    what = blocking.process_name or blocking.root_component_id
    if blocking.status in WITHDRAWABLE:
        how = (
            f"its initiator ({blocking.initiated_by}) can withdraw it with withdrawPromotion "
            f'(E5, {{"promotionId": "{blocking.promotion_id}"}}), or wait until it is reviewed'
        )
    elif blocking.status == _S.DEPLOY_FAILED:
        how = (
            "an admin retries its deployment (packageAndDeploy) until it is deployed, or, "
            "while its merge has not reached main, abandons it (abandonDeployment)"
        )
    else:
        how = "wait until its deployment has finished"
    return PromotionInReview(
        f"Promotion {blocking.promotion_id} of {what} from this dev account is "
        f"{blocking.status}; {doing} would race it for main. To go on, {how}.",
        field="promotionId" if doing.startswith("submitting") else "devPackageId",
        details={
            "blockingPromotionId": blocking.promotion_id,
            "blockingStatus": str(blocking.status),
            "blockingInitiatedBy": blocking.initiated_by,
            "withdrawable": blocking.status in WITHDRAWABLE,
        },
    )


def first_in_review(
    promotions: list[PromotionLog], *, excluding: str | None = None
) -> PromotionLog | None:
    for promotion in promotions:
        if promotion.promotion_id != excluding and promotion.status in UNDER_REVIEW:
            return promotion
    return None


async def check_no_promotion_in_review(
    uow: UnitOfWork,
    dev_account_id: str,
    root_component_id: str,
    *,
    doing: str,
    excluding: str | None = None,
    lock: bool = False,
) -> None:
    """409 ``PROMOTION_IN_REVIEW`` when another promotion of the root is under review; with
    ``lock``, every promotion of the root that could conflict stays locked until the unit of
    work ends."""
    if lock:
        rows = await uow.promotions.lock_of_root(dev_account_id, root_component_id, GUARDED)
    else:
        found = await uow.promotions.query(
            statuses=UNDER_REVIEW,
            dev_account_id=dev_account_id,
            root_component_id=root_component_id,
            page_size=1,
        )
        rows = found.items
    blocking = first_in_review(rows, excluding=excluding)
    if blocking is not None:
        raise in_review_refusal(blocking, doing=doing)


async def check_ready_for_review(
    uow: UnitOfWork, promotion: PromotionLog, *, supersedable: bool
) -> None:
    """Before ``promotion`` (or a production record made from it) enters review: no other
    promotion of the root under review and, when ``supersedable`` (a COMPLETED hotfix), none
    running that will supersede it. Locks as above; call it before locking ``promotion``."""
    rows = await uow.promotions.lock_of_root(
        promotion.dev_account_id, promotion.root_component_id, GUARDED
    )
    blocking = first_in_review(rows, excluding=promotion.promotion_id)
    if blocking is not None:
        raise in_review_refusal(blocking, doing="submitting this one for review")
    running = next((p for p in rows if p.status == _S.IN_PROGRESS), None)
    if supersedable and running is not None:
        raise ConcurrentPromotion(
            f"Promotion {running.promotion_id} of the same process is running now and will "
            "supersede this one; review that one once it has completed.",
            field="promotionId",
            details={"runningPromotionId": running.promotion_id},
        )
