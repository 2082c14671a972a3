"""The review workflow (SPEC §6): R, E2, E3, E5 and cancelTestDeployment.

* R submitForPeerReview sends a tested deployment (a new, linked PRODUCTION promotion with a
  review branch made from the test packages: the root's, with those of the processes its
  routes call merged in) or a hotfix (the COMPLETED promotion itself, with
  the branch C made) into peer review.
* E2 queryPeerReviewQueue lists what the caller may review; E3 submitPeerReview decides.
* E5 withdrawPromotion (initiator only) and cancelTestDeployment end a promotion early.

Every refusal happens before anything changes; every status change goes through
:func:`~boomi_promo.engine.lifecycle.change_status` (the one transition table, audited); every
ended branch is deleted through :func:`~boomi_promo.engine.lifecycle.release_branch`.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.actions.status import (
    DEFAULT_PAGE_SIZE,
    OptionalEmail,
    OptionalName,
    PromotionItem,
    blank_as_none,
    promotion_fields,
)
from boomi_promo.domain.review_rules import (
    LIVE_PRODUCTION_STATUSES,
    MAX_DEPLOYMENT_NOTES_CHARS,
    MAX_REVIEW_COMMENT_CHARS,
    PeerDecision,
    ProductionPromotionExists,
    WrongPromotionStatus,
    check_initiator,
    check_may_cancel_test_deployment,
    check_not_self_review,
    check_peer_reviewable,
    hotfix_justification,
    peer_review_outcome,
    require_status,
)
from boomi_promo.domain.statuses import CANCELLABLE, WITHDRAWABLE, PromotionStatus
from boomi_promo.engine.access import (
    granted_dev_accounts,
    require_dev_account,
    visible_promotion,
)
from boomi_promo.engine.branches import (
    BranchHandle,
    BranchSources,
    assemble_branch,
    count_branches,
)
from boomi_promo.engine.concurrency import check_no_promotion_in_review, check_ready_for_review
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import review_sources
from boomi_promo.engine.deployment.contents import check_not_behind_main
from boomi_promo.engine.errors import BranchLimitReached
from boomi_promo.engine.lifecycle import change_status, end_branch, load_for_update
from boomi_promo.engine.recovery import branch_name_for
from boomi_promo.errors import Forbidden
from boomi_promo.identity.principal import team_groups
from boomi_promo.store import PromotionLog, UnitOfWork
from boomi_promo.store.repositories.base import MAX_PAGE, MAX_PAGE_SIZE
from boomi_promo.store.tables import ID

PRODUCTION = "PRODUCTION"
_S = PromotionStatus

PromotionId = Annotated[str, StringConstraints(min_length=1, max_length=ID)]
ReviewText = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_REVIEW_COMMENT_CHARS)] | None,
    BeforeValidator(blank_as_none),
]


def _now() -> datetime:
    return datetime.now(UTC)


async def _live_production_promotion(uow: UnitOfWork, test_promotion_id: str) -> str | None:
    """The id of a live PRODUCTION promotion linked to this test deployment, if any."""
    linked = await uow.promotions.query(
        test_promotion_id=test_promotion_id, statuses=LIVE_PRODUCTION_STATUSES, page_size=1
    )
    return linked.items[0].promotion_id if linked.items else None


def _production_exists(test_promotion_id: str, production_id: str) -> ProductionPromotionExists:
    return ProductionPromotionExists(
        f"Test deployment {test_promotion_id} already has a production promotion under way "
        f"({production_id}); it can be promoted again once that one is rejected or withdrawn.",
        details={"productionPromotionId": production_id},
    )


# ------------------------------------------------------------------ R submitForPeerReview


class SubmitForPeerReviewRequest(Profile):
    promotion_id: PromotionId = Field(
        description=(
            "isHotfix=false: a TEST_DEPLOYED promotion to take to production; "
            "isHotfix=true: a COMPLETED promotion whose branch goes to review as a hotfix"
        )
    )
    is_hotfix: bool = Field(
        default=False, description="Emergency hotfix: production without a test deployment"
    )
    hotfix_justification: str | None = Field(
        default=None,
        description="Required for a hotfix, 1 to 1000 characters: why it cannot wait",
    )
    deployment_notes: Annotated[
        Annotated[str, StringConstraints(max_length=MAX_DEPLOYMENT_NOTES_CHARS)] | None,
        BeforeValidator(blank_as_none),
    ] = Field(default=None, description="Shown to the reviewers (the queue's notes)")
    requester_email: OptionalEmail = Field(
        default=None, description="Optional; when present must equal the signed-in user's e-mail"
    )


class SubmitForPeerReviewResponse(ResponseProfile):
    promotion_id: str = Field(
        default="",
        description=(
            "The promotion now under review: a new PRODUCTION promotion for a test deployment, "
            "the same promotion for a hotfix"
        ),
    )
    new_status: str = Field(default="", description="PENDING_PEER_REVIEW")
    branch_id: str = Field(default="", description="The branch the reviewers diff")
    branch_name: str = ""
    test_promotion_id: str = Field(
        default="", description="The TEST promotion it comes from (empty for a hotfix)"
    )
    is_hotfix: bool = False


async def _load_submittable(ctx: ActionContext, promotion_id: str) -> PromotionLog:
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, promotion_id)
    await require_dev_account(ctx, promotion.dev_account_id)
    return promotion


def _with_notes(log: PromotionLog, notes: str | None) -> dict[str, Any] | None:
    """``log``'s stored detail with the team's deployment notes (``None``: as it is)."""
    if notes is None:
        return log.result_detail
    return replace(log.detail, deployment_notes=notes).to_json()


@action(
    name="submitForPeerReview",
    code="R",
    description="Submit For Peer Review",
    request=SubmitForPeerReviewRequest,
    response=SubmitForPeerReviewResponse,
)
async def submit_for_peer_review(
    ctx: ActionContext, request: SubmitForPeerReviewRequest
) -> SubmitForPeerReviewResponse:
    if request.is_hotfix:
        return await _submit_hotfix(ctx, request)
    return await _submit_production_from_test(ctx, request)


async def _submit_hotfix(
    ctx: ActionContext, request: SubmitForPeerReviewRequest
) -> SubmitForPeerReviewResponse:
    justification = hotfix_justification(request.hotfix_justification)
    promotion = await _load_submittable(ctx, request.promotion_id)
    require_status(
        promotion.status,
        frozenset({_S.COMPLETED}),
        action="a hotfix review",
        promotion_id=promotion.promotion_id,
    )
    await check_not_behind_main(ctx, promotion)
    async with ctx.unit_of_work() as uow:
        # The root's promotions are locked first (always in one order), then this one.
        await check_ready_for_review(uow, promotion, supersedable=True)
        promotion = await load_for_update(uow, request.promotion_id)
        if promotion.status == _S.COMPLETED and promotion.branch_id is None:
            raise WrongPromotionStatus(
                f"Promotion {promotion.promotion_id} no longer has its branch to review; "
                "promote it again.",
                current=promotion.status,
            )
        await change_status(
            uow,
            promotion,
            _S.PENDING_PEER_REVIEW,
            actor=ctx.principal.email,
            process_name=ctx.process_name,
            detail={"isHotfix": True, "hotfixJustification": justification},
            is_hotfix=True,
            hotfix_justification=justification,
            target_environment=PRODUCTION,
            submitted_for_review_by=ctx.principal.email,
            submitted_for_review_at=_now(),
            result_detail=_with_notes(promotion, request.deployment_notes),
        )
        await uow.commit()
    return SubmitForPeerReviewResponse(
        promotion_id=promotion.promotion_id,
        new_status=_S.PENDING_PEER_REVIEW,
        branch_id=promotion.branch_id or "",
        branch_name=promotion.branch_name or "",
        is_hotfix=True,
    )


async def _submit_production_from_test(
    ctx: ActionContext, request: SubmitForPeerReviewRequest
) -> SubmitForPeerReviewResponse:
    test = await _load_submittable(ctx, request.promotion_id)
    _check_promotable_to_production(test)
    async with ctx.unit_of_work() as uow:
        existing = await _live_production_promotion(uow, test.promotion_id)
        if existing is None:
            await check_no_promotion_in_review(
                uow,
                test.dev_account_id,
                test.root_component_id,
                doing="submitting this one for review",
                excluding=test.promotion_id,
            )
    if existing is not None:
        raise _production_exists(test.promotion_id, existing)
    await check_not_behind_main(ctx, test)
    sources = review_sources(test)
    await _check_branch_limit(ctx, sources.branches_needed)

    production_id = str(uuid.uuid4())
    handle = BranchHandle(branch_name_for(production_id))
    try:
        branch_id, branch_name = await _create_review_branch(
            ctx, production_id, test, sources, handle
        )
        await _record_production_promotion(
            ctx, test.promotion_id, production_id, branch_id, branch_name, request.deployment_notes
        )
    except BaseException:
        # The record is written only once the branch is ready, so nothing else points at the
        # branch: it goes, whatever stopped the submission (by the id its create answered
        # with; by name, given time to show in a query, if that answer never came).
        try:
            await handle.delete(ctx.boomi, ctx.settings.boomi)
        except Exception:
            ctx.log.exception("review branch left behind", promotion_id=production_id)
        raise
    return SubmitForPeerReviewResponse(
        promotion_id=production_id,
        new_status=_S.PENDING_PEER_REVIEW,
        branch_id=branch_id,
        branch_name=branch_name,
        test_promotion_id=test.promotion_id,
        is_hotfix=False,
    )


def _check_promotable_to_production(test: PromotionLog) -> None:
    hint = " (a COMPLETED promotion goes to production only as a hotfix)"
    if test.status != _S.TEST_DEPLOYED:
        raise WrongPromotionStatus(
            f"Promotion {test.promotion_id} is {test.status}; only a TEST_DEPLOYED promotion "
            "can be promoted to production from Test"
            + (hint if test.status == _S.COMPLETED else "")
            + ".",
            current=test.status,
        )
    if not test.prod_package_id:
        raise WrongPromotionStatus(
            f"Promotion {test.promotion_id} has no test package to review.", current=test.status
        )


async def _check_branch_limit(ctx: ActionContext, needed: int) -> None:
    """Room for ``needed`` more branches under the soft limit (the review branch, and a
    temporary one while the other packages are merged into it)."""
    limit = ctx.settings.boomi.branch_soft_limit
    count = await count_branches(ctx.boomi)
    if count + needed > limit:
        raise BranchLimitReached(
            f"The primary account has {count} branches and this submission needs {needed} "
            f"more (the limit is {limit}); finish or withdraw pending promotions before "
            "submitting another.",
            details={"branchCount": count, "branchLimit": limit},
        )


async def _create_review_branch(
    ctx: ActionContext,
    production_id: str,
    test: PromotionLog,
    sources: BranchSources,
    handle: BranchHandle,
) -> tuple[str, str]:
    """``promo-{productionId}`` holding the test deployment's packages (the root's, and those
    of the processes its routes call), ready: reviewers diff exactly what will ship."""
    handle.requested()
    branch = await assemble_branch(
        ctx.boomi,
        ctx.settings.boomi,
        promotion_id=production_id,
        sources=sources,
        description=f"Production review of {test.process_name or test.root_component_id}",
        on_created=handle.created,
    )
    return branch.id, branch.name


async def _record_production_promotion(
    ctx: ActionContext,
    test_promotion_id: str,
    production_id: str,
    branch_id: str,
    branch_name: str,
    notes: str | None,
) -> None:
    actor = ctx.principal.email
    now = _now()
    async with ctx.unit_of_work() as uow:
        # Locked and checked again: of two submissions of one test deployment, one records;
        # of two promotions of one root, one enters review.
        test = await load_for_update(uow, test_promotion_id)
        _check_promotable_to_production(test)
        existing = await _live_production_promotion(uow, test.promotion_id)
        if existing is not None:
            raise _production_exists(test.promotion_id, existing)
        await check_ready_for_review(uow, test, supersedable=False)
        await uow.promotions.add(
            PromotionLog(
                promotion_id=production_id,
                dev_account_id=test.dev_account_id,
                dev_account_name=test.dev_account_name,
                prod_account_id=test.prod_account_id,
                dev_package_id=test.dev_package_id,
                prod_package_id=test.prod_package_id,
                package_version=test.package_version,
                root_component_id=test.root_component_id,
                process_name=test.process_name,
                initiated_by=actor,
                initiated_at=now,
                status=_S.PENDING_PEER_REVIEW,
                target_environment=PRODUCTION,
                components_total=test.components_total,
                components_created=test.components_created,
                components_updated=test.components_updated,
                components_unchanged=test.components_unchanged,
                components_failed=test.components_failed,
                result_detail=_with_notes(test, notes),
                branch_id=branch_id,
                branch_name=branch_name,
                test_promotion_id=test.promotion_id,
                promoted_from_test_by=actor,
                submitted_for_review_by=actor,
                submitted_for_review_at=now,
            )
        )
        await uow.audit.append(
            actor_email=actor,
            action="promotion.pending_peer_review",
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=production_id,
            after_status=_S.PENDING_PEER_REVIEW,
            detail={"testPromotionId": test.promotion_id, "branchId": branch_id},
        )
        await uow.audit.append(
            actor_email=actor,
            action="promotion.promoted_to_production",
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=test.promotion_id,
            detail={"productionPromotionId": production_id},
        )
        await uow.commit()


# ------------------------------------------------------------------ E2 queryPeerReviewQueue


class QueryPeerReviewQueueRequest(Profile):
    requester_email: OptionalEmail = Field(
        default=None, description="Optional; when present must equal the signed-in user's e-mail"
    )
    promotion_id: str | None = Field(
        default=None, description="Optional; only this promotion, if it waits for the caller"
    )
    page: int = Field(default=1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class PendingReviewItem(PromotionItem):
    notes: str = Field(description="The submitter's deployment notes")
    reviewer_in_owning_team: bool = Field(
        default=True,
        description="The caller's team groups are granted this promotion's dev account",
    )


class QueryPeerReviewQueueResponse(ResponseProfile):
    pending_reviews: list[PendingReviewItem] = Field(
        default_factory=list,
        description=(
            "One page of PENDING_PEER_REVIEW promotions, newest first, without those the caller "
            "initiated or submitted for review (or whose test deployment they initiated)"
        ),
    )
    total_count: int = Field(default=0, description="Matches across all pages")
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def pending_review_item(log: PromotionLog, *, owning_team: bool = True) -> PendingReviewItem:
    return PendingReviewItem(
        **promotion_fields(log),
        notes=log.detail.deployment_notes or "",
        reviewer_in_owning_team=owning_team,
    )


async def _in_owning_team(ctx: ActionContext, uow: UnitOfWork, log: PromotionLog) -> bool:
    """Whether the caller's team groups are granted the promotion's dev account."""
    groups = team_groups(ctx.principal.groups, ctx.settings.groups)
    return await uow.access.is_granted(groups, log.dev_account_id)


@action(
    name="queryPeerReviewQueue",
    code="E2",
    description="Query Peer Review Queue",
    request=QueryPeerReviewQueueRequest,
    response=QueryPeerReviewQueueResponse,
)
async def query_peer_review_queue(
    ctx: ActionContext, request: QueryPeerReviewQueueRequest
) -> QueryPeerReviewQueueResponse:
    own_team_only = ctx.settings.review.require_owning_team_reviewer
    async with ctx.unit_of_work() as uow:
        found = await uow.promotions.query(
            statuses=[_S.PENDING_PEER_REVIEW],
            without_participant=ctx.principal.email,
            promotion_id=request.promotion_id or None,
            dev_account_ids=(
                [a.account_id for a in await granted_dev_accounts(ctx)] if own_team_only else None
            ),
            page=request.page,
            page_size=request.page_size,
        )
        # The caller's own teams' accounts, read once for the page (not once per row).
        groups = team_groups(ctx.principal.groups, ctx.settings.groups)
        owned = {r.dev_account_id for r in await uow.access.list_active_for_groups(groups)}
        items = [
            pending_review_item(log, owning_team=log.dev_account_id in owned) for log in found.items
        ]
    return QueryPeerReviewQueueResponse(
        pending_reviews=items,
        total_count=found.total,
        page=request.page,
        page_size=request.page_size,
    )


async def _test_initiator(uow: UnitOfWork, promotion: PromotionLog) -> str | None:
    """Who initiated the test deployment a PRODUCTION record ships (``None`` for others)."""
    if not promotion.test_promotion_id:
        return None
    test = await uow.promotions.get(promotion.test_promotion_id)
    return test.initiated_by if test is not None else None


# ------------------------------------------------------------------ E3 submitPeerReview


class SubmitPeerReviewRequest(Profile):
    promotion_id: PromotionId
    decision: PeerDecision = Field(description="APPROVED or REJECTED")
    comments: ReviewText = Field(default=None, description="Up to 500 characters")
    reviewer_email: OptionalEmail = Field(
        default=None, description="Optional; when present must equal the signed-in user's e-mail"
    )
    reviewer_name: OptionalName = Field(
        default=None, description="Optional; when present must equal the signed-in user's name"
    )


class SubmitPeerReviewResponse(ResponseProfile):
    promotion_id: str = ""
    new_status: str = Field(default="", description="PENDING_ADMIN_REVIEW or PEER_REJECTED")
    branch_deleted: bool = Field(
        default=False, description="Rejected, and the promotion holds no branch any more"
    )


@action(
    name="submitPeerReview",
    code="E3",
    description="Submit Peer Review",
    request=SubmitPeerReviewRequest,
    response=SubmitPeerReviewResponse,
)
async def submit_peer_review(
    ctx: ActionContext, request: SubmitPeerReviewRequest
) -> SubmitPeerReviewResponse:
    reviewer = ctx.principal.email
    target, peer_status = peer_review_outcome(request.decision)
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, request.promotion_id, lock=True)
        check_not_self_review(
            reviewer,
            initiated_by=promotion.initiated_by,
            submitted_by=promotion.submitted_for_review_by,
            test_initiated_by=await _test_initiator(uow, promotion),
        )
        check_peer_reviewable(promotion.status, promotion.peer_review_status, request.promotion_id)
        if ctx.settings.review.require_owning_team_reviewer and not await _in_owning_team(
            ctx, uow, promotion
        ):
            raise Forbidden(
                "This installation asks for a peer reviewer from the team that owns the dev "
                f"account ({promotion.dev_account_name or promotion.dev_account_id}); ask a "
                "member of that team to review it.",
                error_code="REVIEWER_NOT_IN_OWNING_TEAM",
                field="promotionId",
            )
        await change_status(
            uow,
            promotion,
            target,
            actor=reviewer,
            process_name=ctx.process_name,
            detail={"decision": request.decision.value, "comments": request.comments or ""},
            peer_review_status=peer_status,
            peer_reviewed_by=reviewer,
            peer_reviewed_at=_now(),
            peer_review_comments=request.comments,
        )
        await uow.commit()
    branch_deleted = False
    if target is _S.PEER_REJECTED:
        branch_deleted = await end_branch(ctx, request.promotion_id)
    return SubmitPeerReviewResponse(
        promotion_id=request.promotion_id, new_status=target, branch_deleted=branch_deleted
    )


# ------------------------------------------------------------------ E5 withdrawPromotion


class WithdrawPromotionRequest(Profile):
    promotion_id: PromotionId
    initiator_email: OptionalEmail = Field(
        default=None, description="Optional; when present must equal the signed-in user's e-mail"
    )
    reason: ReviewText = Field(default=None, description="Why, up to 500 characters")


class EndedPromotionResponse(ResponseProfile):
    promotion_id: str = ""
    previous_status: str = ""
    new_status: str = ""
    branch_deleted: bool = Field(
        default=False, description="The promotion holds no branch any more"
    )
    message: str = ""


class WithdrawPromotionResponse(EndedPromotionResponse):
    pass


@action(
    name="withdrawPromotion",
    code="E5",
    description="Withdraw Promotion",
    request=WithdrawPromotionRequest,
    response=WithdrawPromotionResponse,
)
async def withdraw_promotion(
    ctx: ActionContext, request: WithdrawPromotionRequest
) -> WithdrawPromotionResponse:
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, request.promotion_id, lock=True)
        check_initiator(ctx.principal.email, promotion.initiated_by)
        require_status(
            promotion.status,
            WITHDRAWABLE,
            action="a withdrawal",
            promotion_id=promotion.promotion_id,
        )
        previous = promotion.status
        await change_status(
            uow,
            promotion,
            _S.WITHDRAWN,
            actor=ctx.principal.email,
            process_name=ctx.process_name,
            detail={"reason": request.reason or ""},
            withdrawn_at=_now(),
            withdrawal_reason=request.reason,
        )
        await uow.commit()
    branch_deleted = await end_branch(ctx, request.promotion_id)
    return WithdrawPromotionResponse(
        promotion_id=request.promotion_id,
        previous_status=previous,
        new_status=_S.WITHDRAWN,
        branch_deleted=branch_deleted,
        message=_ended_message("withdrawn", branch_deleted),
    )


def _ended_message(what: str, branch_deleted: bool) -> str:
    if branch_deleted:
        return f"The promotion was {what} and its branch deleted."
    return f"The promotion was {what}; its branch will be removed by the branch reconciler."


# ------------------------------------------------------------------ E4 cancelTestDeployment


class CancelTestDeploymentRequest(Profile):
    promotion_id: PromotionId = Field(
        description="A TEST_DEPLOYED or PENDING_PACK_ASSIGNMENT promotion"
    )
    reason: ReviewText = Field(default=None, description="Why, up to 500 characters")


class CancelTestDeploymentResponse(EndedPromotionResponse):
    pass


@action(
    name="cancelTestDeployment",
    code="E4",
    description="Cancel Test Deployment",
    request=CancelTestDeploymentRequest,
    response=CancelTestDeploymentResponse,
)
async def cancel_test_deployment(
    ctx: ActionContext, request: CancelTestDeploymentRequest
) -> CancelTestDeploymentResponse:
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, request.promotion_id, lock=True)
        check_may_cancel_test_deployment(
            ctx.principal.email, ctx.principal.tier, promotion.initiated_by
        )
        require_status(
            promotion.status,
            CANCELLABLE,
            action="cancelling a test deployment",
            promotion_id=promotion.promotion_id,
        )
        existing = await _live_production_promotion(uow, promotion.promotion_id)
        if existing is not None:
            raise _production_exists(promotion.promotion_id, existing)
        previous = promotion.status
        await change_status(
            uow,
            promotion,
            _S.TEST_CANCELLED,
            actor=ctx.principal.email,
            process_name=ctx.process_name,
            detail={"reason": request.reason or ""},
        )
        await uow.commit()
    branch_deleted = await end_branch(ctx, request.promotion_id)
    return CancelTestDeploymentResponse(
        promotion_id=request.promotion_id,
        previous_status=previous,
        new_status=_S.TEST_CANCELLED,
        branch_deleted=branch_deleted,
        message=_ended_message("cancelled", branch_deleted),
    )
