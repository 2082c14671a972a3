"""D packageAndDeploy and S submitAdminReview: the deployment half of SPEC §6.

D takes the reference profile's fields plus ``mode`` (1 Dev → Test, 2 Test → Production,
3 hotfix, 4 pack assignment). ``mode`` may be left out: the promotion's status decides it —
COMPLETED or TEST_DEPLOY_FAILED → 1, PENDING_PACK_ASSIGNMENT → 4, ADMIN_APPROVED or
DEPLOY_FAILED → 3 for a hotfix, else 2 — and a ``mode`` that disagrees is 409
``INVALID_PROMOTION_STATUS``. Fields the public design derived inside its process
(``devAccountId``, ``devPackageId``, ``isHotfix``, ``testPromotionId``,
``deploymentTarget``) are optional; when present they must match the stored promotion.
``prodComponentId``, ``branchId``, ``devPackageCreator``, ``devPackageVersion`` and
``hotfixJustification`` are accepted for compatibility and not used: the stored promotion
is the source.

S is the admin's decision on a PENDING_ADMIN_REVIEW promotion. Reject → ADMIN_REJECTED and
the branch deleted. Approve → ADMIN_APPROVED, then at once DEPLOYING and D mode 2 (or 3 for
a hotfix, which the admin must acknowledge). Both run as jobs.

abandonDeployment is the admin's way out of a DEPLOY_FAILED deployment that will not succeed:
DEPLOY_ABANDONED with a reason, the branch deleted, the mappings put back, the root free for a
new promotion; refused (409 ``DEPLOYMENT_REACHED_MAIN``) once its merge reached main
(``engine.deployment.abandon``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from boomi_promo.actions.boomi_ids import OptionalBoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.actions.reviews import EndedPromotionResponse, PromotionId
from boomi_promo.domain.review_rules import MAX_REVIEW_COMMENT_CHARS
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.access import visible_promotion
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.abandon import abandon_failed_deployment
from boomi_promo.engine.deployment.contents import check_not_behind_main
from boomi_promo.engine.deployment.entry import (
    authorize_deployment,
    check_production_choices,
    check_segregation,
    package_and_deploy,
)
from boomi_promo.engine.deployment.production import (
    run_production_deployment,
    start_production_deployment,
)
from boomi_promo.engine.deployment.recovery import compensate_interrupted_deployment
from boomi_promo.engine.deployment.requests import DeploymentOptions, DeploymentOutcome, PackChoice
from boomi_promo.engine.deployment.rules import DeploymentMode, mode_for
from boomi_promo.engine.lifecycle import change_status, load_for_update, release_branch
from boomi_promo.errors import Conflict, InvalidRequest
from boomi_promo.identity.principal import Tier
from boomi_promo.store import PromotionLog

if TYPE_CHECKING:
    from boomi_promo.engine.context import Services
    from boomi_promo.store import Job

MAX_COMMENTS = 500
MAX_NOTES = 1000
MAX_PACK_NAME = 255
MAX_PACK_DESCRIPTION = 1000
MAX_PACKAGE_VERSION = 64

_DECIDED = frozenset(
    {
        PromotionStatus.ADMIN_APPROVED,
        PromotionStatus.ADMIN_REJECTED,
        PromotionStatus.DEPLOYING,
        PromotionStatus.DEPLOYED,
        PromotionStatus.DEPLOY_FAILED,
    }
)
"""Statuses an admin decision leads to: deciding again is ``ALREADY_REVIEWED``."""


class PackFields(Profile):
    """The admin's Integration Pack choice (production pack; for mode 4 the test pack)."""

    integration_pack_id: OptionalBoomiId = Field(default=None, description="An existing MULTI pack")
    create_new_pack: bool = Field(default=False, description="Create a new pack instead")
    new_pack_name: str | None = Field(
        default=None,
        max_length=MAX_PACK_NAME,
        description="With createNewPack; a test pack gets the ' - TEST' suffix when missing",
    )
    new_pack_description: str | None = Field(default=None, max_length=MAX_PACK_DESCRIPTION)
    hotfix_test_pack_id: OptionalBoomiId = Field(
        default=None, description="Hotfix: the test pack released after production"
    )
    hotfix_create_new_test_pack: bool = False
    hotfix_new_test_pack_name: str | None = Field(default=None, max_length=MAX_PACK_NAME)
    hotfix_new_test_pack_description: str | None = Field(
        default=None, max_length=MAX_PACK_DESCRIPTION
    )
    package_version: str | None = Field(
        default=None,
        max_length=MAX_PACKAGE_VERSION,
        description="Version of the package to create; Boomi numbers it when left out",
    )
    deployment_notes: str | None = Field(default=None, max_length=MAX_NOTES)

    def options(self) -> DeploymentOptions:
        return DeploymentOptions(
            package_version=self.package_version or None,
            notes=self.deployment_notes or None,
            pack=_choice(
                self.integration_pack_id,
                self.create_new_pack,
                self.new_pack_name,
                self.new_pack_description,
                fields=("integrationPackId", "newPackName"),
            ),
            test_pack=_choice(
                self.hotfix_test_pack_id,
                self.hotfix_create_new_test_pack,
                self.hotfix_new_test_pack_name,
                self.hotfix_new_test_pack_description,
                fields=("hotfixTestPackId", "hotfixNewTestPackName"),
            ),
        )


def _choice(
    pack_id: str | None,
    create: bool,
    name: str | None,
    description: str | None,
    *,
    fields: tuple[str, str],
) -> PackChoice:
    id_field, name_field = fields
    if create:
        if pack_id:
            raise InvalidRequest(
                f"Give {id_field} or ask for a new pack, not both.", field=id_field
            )
        if not name:
            raise InvalidRequest(f"A new pack needs {name_field}.", field=name_field)
        return PackChoice(new_name=name, new_description=description or "")
    return PackChoice(pack_id=pack_id or None)


class DeploymentResponse(ResponseProfile):
    """What a deployment did; shared by D and S (not an action profile on its own)."""

    promotion_id: str = ""
    new_status: str = ""
    deployment_mode: int | None = Field(default=None, description="1, 2, 3 or 4")
    deployment_target: str = Field(default="", description="TEST or PRODUCTION")
    package_id: str = ""
    prod_package_id: str = Field(default="", description="Same as packageId")
    package_version: str = ""
    integration_pack_id: str = ""
    integration_pack_name: str = ""
    release_id: str = Field(default="", description="ReleaseIntegrationPack requestId")
    release_version: str = Field(default="", description="The package version released")
    release_status: str = Field(default="", description="IN_PROGRESS, SUCCESS or SCHEDULED")
    test_integration_pack_id: str = ""
    test_integration_pack_name: str = ""
    test_release_id: str = ""
    test_release_version: str = ""
    test_release_status: str = ""
    test_release_error: str = Field(
        default="", description="Hotfix: why the test-pack release failed (not fatal)"
    )
    branch_preserved: bool = Field(
        default=False, description="Whether the promotion's branch still exists"
    )
    is_hotfix: bool = False
    needs_pack_assignment: bool = Field(
        default=False, description="Mode 1 found no test pack: an admin assigns one (mode 4)"
    )
    auto_detected_pack_id: str = Field(default="", description="Mode 1: the pack from history")


def _deployment_fields(outcome: DeploymentOutcome, *, is_hotfix: bool) -> dict[str, object]:
    to_test = outcome.deployment_target == "TEST"
    return {
        "promotion_id": outcome.promotion_id,
        "new_status": str(outcome.status),
        "deployment_mode": int(outcome.mode),
        "deployment_target": outcome.deployment_target,
        "package_id": outcome.package_id,
        "prod_package_id": outcome.package_id,
        "package_version": outcome.package_version,
        "integration_pack_id": outcome.integration_pack_id,
        "integration_pack_name": outcome.integration_pack_name,
        "release_id": outcome.release_id,
        "release_version": outcome.package_version if outcome.release_id else "",
        "release_status": outcome.release_status,
        "test_integration_pack_id": outcome.test_integration_pack_id,
        "test_integration_pack_name": outcome.test_integration_pack_name,
        "test_release_id": outcome.test_release_id,
        "test_release_version": outcome.package_version if outcome.test_release_id else "",
        "test_release_status": outcome.test_release_status,
        "test_release_error": outcome.test_release_error,
        "branch_preserved": outcome.branch_preserved,
        "is_hotfix": is_hotfix and not to_test,
        "needs_pack_assignment": outcome.needs_pack_assignment,
        "auto_detected_pack_id": outcome.auto_detected_pack_id,
    }


async def recover_interrupted_deployment(container: Services, job: Job) -> None:
    """A D or S job that died mid-deployment: the promotion ends *_DEPLOY_FAILED, interrupted."""
    promotion_id = job.promotion_id or str(job.request.get("promotionId") or "")
    if promotion_id:
        await compensate_interrupted_deployment(
            container.boomi, container.uow_factory, promotion_id, process_name=job.process_name
        )


async def _stored(
    ctx: ActionContext, promotion_id: str
) -> tuple[PromotionLog, PromotionLog | None]:
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, promotion_id)
        linked = (
            await uow.promotions.get(promotion.test_promotion_id)
            if promotion.test_promotion_id
            else None
        )
    return promotion, linked


# ---------------------------------------------------------------------------- D


class PackageAndDeployRequest(PackFields):
    promotion_id: str = Field(min_length=1)
    mode: int | None = Field(
        default=None,
        ge=1,
        le=4,
        description="1 Dev→Test, 2 Test→Production, 3 hotfix, 4 pack assignment; "
        "derived from the promotion's status when left out",
    )
    dev_account_id: OptionalBoomiId = Field(default=None, description="When given, must match")
    dev_package_id: OptionalBoomiId = Field(default=None, description="When given, must match")
    is_hotfix: bool | None = Field(default=None, description="When given, must match")
    test_promotion_id: str | None = Field(default=None, description="When given, must match")
    deployment_target: Literal["TEST", "PRODUCTION"] | None = Field(
        default=None, description="When given, must match the mode"
    )
    prod_component_id: str | None = Field(default=None, description="Not used")
    branch_id: str | None = Field(default=None, description="Not used")
    dev_package_creator: str | None = Field(default=None, description="Not used")
    dev_package_version: str | None = Field(default=None, description="Not used")
    hotfix_justification: str | None = Field(default=None, description="Not used")


class PackageAndDeployResponse(DeploymentResponse):
    pass


def _check_echoed(request: PackageAndDeployRequest, promotion: PromotionLog) -> None:
    """Fields the public design derived must, when given, say what the promotion says."""
    echoed: list[tuple[str, object, object]] = [
        ("devAccountId", request.dev_account_id, promotion.dev_account_id),
        ("devPackageId", request.dev_package_id, promotion.dev_package_id),
        ("isHotfix", request.is_hotfix, promotion.is_hotfix),
        ("testPromotionId", request.test_promotion_id, promotion.test_promotion_id),
    ]
    for name, given, stored in echoed:
        if given not in (None, "") and given != stored:
            raise InvalidRequest(
                f"Field '{name}' is {given!r} but the promotion has {stored!r}.", field=name
            )
    mode = request.mode or mode_for(promotion.status, is_hotfix=promotion.is_hotfix)
    if request.deployment_target and mode is not None:
        to_test = mode in (DeploymentMode.TEST, DeploymentMode.PACK_ASSIGNMENT)
        if request.deployment_target != ("TEST" if to_test else "PRODUCTION"):
            raise InvalidRequest(
                f"deploymentTarget {request.deployment_target} does not fit mode {int(mode)}.",
                field="deploymentTarget",
            )


async def precheck_deployment(ctx: ActionContext, request: PackageAndDeployRequest) -> None:
    promotion, _linked = await _stored(ctx, request.promotion_id)
    _check_echoed(request, promotion)
    request.options()  # a pack choice that cannot work is refused before the job starts
    mode = DeploymentMode(request.mode) if request.mode is not None else None
    await authorize_deployment(ctx, request.promotion_id, mode)


@action(
    name="packageAndDeploy",
    code="D",
    description="Package And Deploy",
    request=PackageAndDeployRequest,
    response=PackageAndDeployResponse,
    long_running=True,
    recover=recover_interrupted_deployment,
    precheck=precheck_deployment,
)
async def package_and_deploy_action(
    ctx: ActionContext, request: PackageAndDeployRequest
) -> PackageAndDeployResponse:
    promotion, _linked = await _stored(ctx, request.promotion_id)
    _check_echoed(request, promotion)
    options = request.options()
    outcome = await package_and_deploy(
        ctx,
        request.promotion_id,
        mode=DeploymentMode(request.mode) if request.mode is not None else None,
        options=options,
    )
    return PackageAndDeployResponse(**_deployment_fields(outcome, is_hotfix=promotion.is_hotfix))


# ---------------------------------------------------------------------------- S


class SubmitAdminReviewRequest(PackFields):
    promotion_id: str = Field(min_length=1)
    decision: Literal["APPROVED", "REJECTED"] = Field(description="APPROVED or REJECTED")
    comments: str | None = Field(default=None, max_length=MAX_COMMENTS)
    hotfix_acknowledged: bool = Field(default=False, description="Must be true to approve a hotfix")
    reviewer_email: str | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's e-mail"
    )
    reviewer_name: str | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's name"
    )

    @field_validator("decision", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class SubmitAdminReviewResponse(DeploymentResponse):
    decision: str = ""


def _check_reviewable(promotion: PromotionLog) -> None:
    status = promotion.status
    if status is PromotionStatus.PENDING_ADMIN_REVIEW:
        return
    if status in _DECIDED:
        raise Conflict(
            f"This promotion was already reviewed by an admin (status {status}).",
            error_code="ALREADY_REVIEWED",
            field="promotionId",
            details={"currentStatus": str(status)},
        )
    raise Conflict(
        f"A promotion in status {status} is not waiting for admin review.",
        error_code="INVALID_PROMOTION_STATUS",
        field="promotionId",
        details={"currentStatus": str(status)},
    )


async def precheck_admin_review(ctx: ActionContext, request: SubmitAdminReviewRequest) -> None:
    """S's refusals, reading only."""
    promotion, linked = await _stored(ctx, request.promotion_id)
    _check_reviewable(promotion)
    check_segregation(ctx.principal.email, promotion, linked)
    if request.decision == "APPROVED":
        if promotion.is_hotfix and not request.hotfix_acknowledged:
            raise InvalidRequest(
                "This is an emergency hotfix that skipped the test deployment; set "
                "hotfixAcknowledged to true to approve it.",
                error_code="HOTFIX_ACKNOWLEDGEMENT_REQUIRED",
                field="hotfixAcknowledged",
            )
        await check_production_choices(ctx, promotion, request.options())
        await check_not_behind_main(ctx, promotion)


@action(
    name="submitAdminReview",
    code="S",
    description="Submit Admin Review",
    request=SubmitAdminReviewRequest,
    response=SubmitAdminReviewResponse,
    min_tier=Tier.ADMIN,
    long_running=True,
    recover=recover_interrupted_deployment,
    precheck=precheck_admin_review,
)
async def submit_admin_review(
    ctx: ActionContext, request: SubmitAdminReviewRequest
) -> SubmitAdminReviewResponse:
    await precheck_admin_review(ctx, request)
    approve = request.decision == "APPROVED"
    options = request.options()
    await ctx.progress.link_promotion(request.promotion_id)
    decided = await _decide(ctx, request, approve)
    if not approve:
        await release_branch(
            ctx.boomi,
            ctx.uow_factory,
            request.promotion_id,
            actor=ctx.principal.email,
            process_name=ctx.process_name,
        )
        return SubmitAdminReviewResponse(
            promotion_id=request.promotion_id,
            decision=request.decision,
            new_status=str(PromotionStatus.ADMIN_REJECTED),
            deployment_target="PRODUCTION",
            is_hotfix=decided.is_hotfix,
        )
    outcome = await run_production_deployment(ctx, request.promotion_id, options)
    return SubmitAdminReviewResponse(
        decision=request.decision, **_deployment_fields(outcome, is_hotfix=decided.is_hotfix)
    )


async def _decide(
    ctx: ActionContext, request: SubmitAdminReviewRequest, approve: bool
) -> PromotionLog:
    """Record the decision; an approval moves on to DEPLOYING in the same transaction, so an
    approved promotion is never left without its deployment under way."""
    target = PromotionStatus.ADMIN_APPROVED if approve else PromotionStatus.ADMIN_REJECTED
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, request.promotion_id)
        _check_reviewable(promotion)
        await change_status(
            uow,
            promotion,
            target,
            actor=ctx.principal.email,
            process_name=ctx.process_name,
            detail={"comments": request.comments} if request.comments else None,
            admin_review_status=str(target),
            admin_approved_by=ctx.principal.email,
            admin_approved_at=datetime.now(UTC),
            admin_comments=request.comments or None,
        )
        if approve:
            await start_production_deployment(
                uow, promotion, actor=ctx.principal.email, process_name=ctx.process_name
            )
        await uow.commit()
    return promotion


# ---------------------------------------------------------------------------- abandonDeployment


class AbandonDeploymentRequest(Profile):
    promotion_id: PromotionId = Field(description="A DEPLOY_FAILED promotion")
    reason: Annotated[str, StringConstraints(min_length=1, max_length=MAX_REVIEW_COMMENT_CHARS)] = (
        Field(description="Why the deployment is given up, up to 500 characters (required)")
    )


class AbandonDeploymentResponse(EndedPromotionResponse):
    pass


@action(
    name="abandonDeployment",
    code="D2",
    description="Abandon Failed Deployment",
    request=AbandonDeploymentRequest,
    response=AbandonDeploymentResponse,
    min_tier=Tier.ADMIN,
)
async def abandon_deployment(
    ctx: ActionContext, request: AbandonDeploymentRequest
) -> AbandonDeploymentResponse:
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, request.promotion_id)
    abandoned = await abandon_failed_deployment(ctx, promotion, reason=request.reason)
    if abandoned.branch_deleted:
        message = (
            "The failed deployment was abandoned and its branch deleted; the process can be "
            "promoted again."
        )
    else:
        message = (
            "The failed deployment was abandoned; its branch will be removed by the branch "
            "reconciler. The process can be promoted again."
        )
    return AbandonDeploymentResponse(
        promotion_id=request.promotion_id,
        previous_status=abandoned.previous_status,
        new_status=PromotionStatus.DEPLOY_ABANDONED,
        branch_deleted=abandoned.branch_deleted,
        message=message,
    )
