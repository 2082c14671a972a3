"""rollbackRelease (ADMIN): a process back, in Test or Production, to its previous release.

``dryRun`` answers what would happen — the release running now, the one it goes back to,
every component whose version changes, and in Production the components main gets back
through a reviewed restore promotion — and changes nothing. Without it the rollback runs (see
:mod:`boomi_promo.engine.rollback`); ``expectedPackageVersion`` (the preview's
``currentPackageVersion``) makes it refuse with 409 ``RELEASE_CHANGED`` when another release
happened since the preview.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import structlog
from pydantic import Field, field_validator

from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.context import ActionContext, action_context
from boomi_promo.engine.deployment.rules import ReleaseType
from boomi_promo.engine.rollback.execute import execute_rollback, resume_rollback
from boomi_promo.engine.rollback.intent import RollbackOutcome
from boomi_promo.engine.rollback.plan import RestoreItem, RollbackPlan, plan_rollback
from boomi_promo.identity.principal import Principal, Tier
from boomi_promo.store.tables import ID, NAME

if TYPE_CHECKING:
    from boomi_promo.engine.context import Services
    from boomi_promo.store import Job

MAX_REASON = 1000
MAX_PACKAGE_VERSION = 64


class RollbackReleaseRequest(Profile):
    process_name: str = Field(
        min_length=1, max_length=NAME, description="The process, as its promotions name it"
    )
    environment: Literal["TEST", "PRODUCTION"] = Field(description="TEST or PRODUCTION")
    dry_run: bool = Field(
        default=False, description="Only say what the rollback would do; nothing changes"
    )
    expected_package_version: str | None = Field(
        default=None,
        max_length=MAX_PACKAGE_VERSION,
        description="The currentPackageVersion the preview showed; refused when it changed",
    )
    reason: str | None = Field(
        default=None, max_length=MAX_REASON, description="Why; kept in the audit trail"
    )
    dev_account_id: str | None = Field(
        default=None,
        max_length=ID,
        description="The dev account whose process it is; needed when two dev accounts "
        "promote processes of the same name (else 409 AMBIGUOUS_PROCESS)",
    )

    @field_validator("environment", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value


class RolledBackComponentItem(Profile):
    component_id: str
    component_name: str
    released_version: str = Field(description="The package version the environment runs now")
    rollback_version: str = Field(description="The package version it goes back to")


class RestoredComponentItem(Profile):
    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    main_version: int | None = Field(description="The version main holds now")
    restored_version: int | None = Field(
        default=None, description="The version on the restore branch holding the old content"
    )


class RollbackReleaseResponse(ResponseProfile):
    dry_run: bool = False
    process_name: str = ""
    environment: str = ""
    integration_pack_id: str = ""
    integration_pack_name: str = ""
    current_promotion_id: str = Field(default="", description="The release being rolled back")
    current_package_version: str = ""
    previous_promotion_id: str = Field(default="", description="The release gone back to")
    previous_package_version: str = ""
    previous_released_at: str = ""
    components: list[RolledBackComponentItem] = Field(
        default_factory=list, description="Components of the pack whose version changes"
    )
    restore_components: list[RestoredComponentItem] = Field(
        default_factory=list, description="Production: what main gets back after review"
    )
    steps: list[str] = Field(default_factory=list, description="What happens, step by step")
    release_id: str = Field(default="", description="ReleaseIntegrationPack requestId")
    release_status: str = ""
    restore_promotion_id: str = Field(
        default="", description="Production: the restore promotion waiting for peer review"
    )
    restore_branch_id: str = ""
    restore_branch_name: str = ""
    restore_status: str = ""


def _restored_item(item: RestoreItem) -> RestoredComponentItem:
    return RestoredComponentItem(
        dev_component_id=item.dev_component_id,
        prod_component_id=item.prod_component_id,
        component_name=item.component_name,
        component_type=item.component_type,
        main_version=item.main_version,
        restored_version=item.restored_version,
    )


def _response(
    plan: RollbackPlan, outcome: RollbackOutcome | None, *, dry_run: bool
) -> RollbackReleaseResponse:
    restored = outcome.restored if outcome is not None and outcome.restored else plan.restore
    response = RollbackReleaseResponse(
        dry_run=dry_run,
        process_name=plan.process_name,
        environment=plan.environment.value,
        integration_pack_id=plan.pack_id,
        integration_pack_name=plan.pack_name,
        current_promotion_id=plan.current.promotion_id,
        current_package_version=plan.current.root_version,
        previous_promotion_id=plan.previous.promotion_id,
        previous_package_version=plan.previous.root_version,
        previous_released_at=plan.previous.requested_at.isoformat(),
        components=[
            RolledBackComponentItem(
                component_id=c.component_id,
                component_name=c.component_name,
                released_version=c.released_version,
                rollback_version=c.rollback_version,
            )
            for c in plan.changes
        ],
        restore_components=[_restored_item(item) for item in restored],
        steps=plan.steps(),
    )
    if outcome is not None:
        response.release_id = outcome.release_id
        response.release_status = outcome.release_status
        response.restore_promotion_id = outcome.restore_promotion_id
        response.restore_branch_id = outcome.restore_branch_id
        response.restore_branch_name = outcome.restore_branch_name
        if outcome.restore_promotion_id:
            response.restore_status = PromotionStatus.PENDING_PEER_REVIEW.value
    return response


async def _plan(ctx: ActionContext, request: RollbackReleaseRequest) -> RollbackPlan:
    return await plan_rollback(
        ctx,
        request.process_name,
        ReleaseType(request.environment),
        expected_version=request.expected_package_version or None,
        dev_account_id=request.dev_account_id or None,
    )


async def recover_interrupted_rollback(container: Services, job: Job) -> None:
    """A rollback whose job died after writing ahead: finish it (release if Boomi does not show
    it done, then record), as the admin who asked for it."""
    if not job.promotion_id or job.principal_groups is None:
        return
    principal = Principal.from_groups(
        email=job.principal_email,
        name=job.principal_name or "",
        groups=job.principal_groups,
        settings=container.settings.groups,
    )
    ctx = action_context(
        container,
        principal,
        process_name=job.process_name,
        log=structlog.get_logger("boomi_promo.actions").bind(user=principal.email),
    )
    await resume_rollback(ctx, job.promotion_id)


async def precheck_rollback(ctx: ActionContext, request: RollbackReleaseRequest) -> None:
    """Nothing to roll back to, a release still running, a changed release: refused at once."""
    await _plan(ctx, request)


@action(
    name="rollbackRelease",
    code="RB",
    description="Rollback Release",
    request=RollbackReleaseRequest,
    response=RollbackReleaseResponse,
    min_tier=Tier.ADMIN,
    long_running=True,
    recover=recover_interrupted_rollback,
    precheck=precheck_rollback,
)
async def rollback_release(
    ctx: ActionContext, request: RollbackReleaseRequest
) -> RollbackReleaseResponse:
    plan = await _plan(ctx, request)
    if request.dry_run:
        return _response(plan, None, dry_run=True)
    outcome = await execute_rollback(ctx, plan, reason=request.reason)
    return _response(plan, outcome, dry_run=False)
