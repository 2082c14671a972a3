"""C2 planPromotion: what executePromotion would do for a dev package, without doing any of it.

The same caller and account checks as C; the plan itself is :mod:`boomi_promo.engine.plan`.
Nothing is written to Boomi or to the store, so it is a short action (no job): it reads what
a promotion reads, plus a few lookups in the primary account.
"""

from __future__ import annotations

from pydantic import Field

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId
from boomi_promo.actions.promotion import MissingConnectionItem
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.actions.secret_allowlist import SecretFindingItem
from boomi_promo.engine.access import require_dev_account
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.plan import (
    CREATE,
    UNCHANGED,
    UPDATE,
    CallEstimate,
    PlannedBranch,
    PlannedComponent,
    PromotionPlan,
    plan_promotion,
)
from boomi_promo.engine.promotion import PromotionRequest


class PlanPromotionRequest(Profile):
    dev_account_id: BoomiId = Field(description="Dev sub-account to promote from")
    dev_package_id: BoomiId = Field(description="The dev PackagedComponent that would be promoted")
    root_component_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present must be the package's component"
    )


class PlannedSecretItem(Profile):
    kind: str = Field(description="How the value is held (attribute, field, encrypted-value, …)")
    path: str = Field(description="Where in the component; the value itself is never given")


class PlannedReferenceItem(Profile):
    dev_component_id: str
    component_name: str
    target: str = Field(
        description="CONNECTION (the mapped shared connection), UPDATED, CREATED (its prod id "
        "is given when written) or UNMAPPED_CONNECTION"
    )
    prod_component_id: str = ""
    occurrences: int


class PlannedComponentItem(Profile):
    dev_component_id: str
    component_name: str
    component_type: str
    dev_version: int | None = None
    action: str = Field(
        description="CREATE, UPDATE or UNCHANGED (equal to the version the branch starts from: "
        "not written)"
    )
    prod_component_id: str = Field(default="", description="The prod component updated")
    current_prod_version: int | None = None
    merged_from_package_id: str = Field(
        default="",
        description="The package merged into the branch that brings this component (the merge "
        "makes a version of its own before the update)",
    )
    resulting_version: int = Field(description="The version the write would make")
    folder_full_path: str = Field(description="The mirrored folder in the primary account")
    environment_values: list[PlannedSecretItem] = Field(
        description="Environment-specific values emptied before the write"
    )
    references: list[PlannedReferenceItem] = Field(
        description="Dev ids rewritten to prod ids before the write"
    )
    error: str = Field(default="", description="Why the promotion would fail on this component")


class PlannedConnectionItem(Profile):
    dev_component_id: str
    component_name: str
    component_type: str
    prod_component_id: str = Field(default="", description="The shared connection used")
    mapped: bool


class SupersededPromotionItem(Profile):
    promotion_id: str
    branch_id: str = Field(default="", description="Its branch, deleted by the promotion")


class PlannedBranchItem(Profile):
    branch_name: str = Field(description="promo-{promotionId}; the id is given when it runs")
    from_package_id: str = Field(default="", description="Empty: the branch is made from main")
    merged_package_ids: list[str]
    branches_needed: int
    branch_count: int = Field(description="Branches in the primary account when it would run")
    branch_limit: int
    within_limit: bool


class CallStepItem(Profile):
    step: str
    account: str = Field(description="dev or primary: each has its own rate limit")
    calls: int
    waits: int = Field(description="Polls in this step; each takes more calls if Boomi is slow")
    note: str


class BoomiCallEstimate(Profile):
    estimated_calls: int
    waits: int = Field(
        description="Waits on Boomi counted as one poll each: the fewest; every further "
        "poll interval Boomi takes adds a call"
    )
    steps: list[CallStepItem]


class PlanFinding(Profile):
    code: str = Field(description="The error code the promotion would end with")
    message: str
    component_ids: list[str] = Field(default_factory=list)


class PlanPromotionResponse(ResponseProfile):
    root_component_id: str = ""
    root_component_name: str = ""
    would_promote: bool = Field(
        default=False, description="No finding: the promotion would go through as planned"
    )
    findings: list[PlanFinding] = Field(default_factory=list)
    components: list[PlannedComponentItem] = Field(default_factory=list)
    to_create: int = 0
    to_update: int = 0
    unchanged: int = Field(default=0, description="Components the promotion would not write")
    delta_on_branch: bool = Field(
        default=False,
        description="The branch starts from test packages: the promotion finds there which "
        "updates are UNCHANGED (planned here as UPDATE)",
    )
    connections: list[PlannedConnectionItem] = Field(default_factory=list)
    missing_connection_mappings: list[MissingConnectionItem] = Field(default_factory=list)
    folders_to_create: list[str] = Field(default_factory=list)
    branch: PlannedBranchItem | None = None
    superseded_promotions: list[SupersededPromotionItem] = Field(default_factory=list)
    boomi_calls: BoomiCallEstimate | None = None
    secret_findings: list[SecretFindingItem] = Field(
        default_factory=list,
        description="Secrets the promotion cannot strip (location and kind, never the value); "
        "each not allowlisted is a SECRETS_DETECTED finding",
    )


@action(
    name="planPromotion",
    code="C2",
    description="Plan Promotion",
    request=PlanPromotionRequest,
    response=PlanPromotionResponse,
)
async def plan_promotion_action(
    ctx: ActionContext, request: PlanPromotionRequest
) -> PlanPromotionResponse:
    account = await require_dev_account(ctx, request.dev_account_id)
    plan = await plan_promotion(
        ctx,
        PromotionRequest(
            dev_account_id=account.account_id,
            dev_account_name=account.account_name,
            dev_package_id=request.dev_package_id,
            root_component_id=request.root_component_id,
        ),
    )
    ctx.log.info(
        "promotion planned",
        dev_account=account.account_id,
        root=plan.root_component_id,
        components=len(plan.components),
        findings=len(plan.findings),
        estimated_calls=plan.calls.total,
    )
    return plan_response(plan)


def plan_response(plan: PromotionPlan) -> PlanPromotionResponse:
    return PlanPromotionResponse(
        root_component_id=plan.root_component_id,
        root_component_name=plan.root_component_name,
        would_promote=plan.would_promote,
        findings=[
            PlanFinding(code=f.code, message=f.message, component_ids=f.component_ids)
            for f in plan.findings
        ],
        components=[_component(c) for c in plan.components],
        to_create=sum(1 for c in plan.components if c.action == CREATE),
        to_update=sum(1 for c in plan.components if c.action == UPDATE),
        unchanged=sum(1 for c in plan.components if c.action == UNCHANGED),
        delta_on_branch=plan.delta_on_branch,
        connections=[
            PlannedConnectionItem(
                dev_component_id=c.dev_component_id,
                component_name=c.component_name,
                component_type=c.component_type,
                prod_component_id=c.prod_component_id,
                mapped=c.mapped,
            )
            for c in plan.connections
        ],
        missing_connection_mappings=[
            MissingConnectionItem.model_validate(m.to_json()) for m in plan.missing_connections
        ],
        folders_to_create=plan.folders_to_create,
        branch=_branch(plan.branch),
        superseded_promotions=[
            SupersededPromotionItem(promotion_id=s.promotion_id, branch_id=s.branch_id)
            for s in plan.superseded
        ],
        boomi_calls=_calls(plan.calls),
        secret_findings=[SecretFindingItem.of(f) for f in plan.secret_findings],
    )


def _component(component: PlannedComponent) -> PlannedComponentItem:
    return PlannedComponentItem(
        dev_component_id=component.dev_component_id,
        component_name=component.component_name,
        component_type=component.component_type,
        dev_version=component.dev_version,
        action=component.action,
        prod_component_id=component.prod_component_id,
        current_prod_version=component.current_prod_version,
        merged_from_package_id=component.merged_from_package_id,
        resulting_version=component.resulting_version,
        folder_full_path=component.folder_full_path,
        environment_values=[
            PlannedSecretItem(kind=s.kind, path=s.path) for s in component.environment_values
        ],
        references=[
            PlannedReferenceItem(
                dev_component_id=r.dev_component_id,
                component_name=r.component_name,
                target=r.target,
                prod_component_id=r.prod_component_id,
                occurrences=r.occurrences,
            )
            for r in component.references
        ],
        error=component.error,
    )


def _branch(branch: PlannedBranch) -> PlannedBranchItem:
    return PlannedBranchItem(
        branch_name=branch.name,
        from_package_id=branch.from_package_id or "",
        merged_package_ids=list(branch.merged_package_ids),
        branches_needed=branch.branches_needed,
        branch_count=branch.branch_count,
        branch_limit=branch.branch_limit,
        within_limit=branch.within_limit,
    )


def _calls(estimate: CallEstimate) -> BoomiCallEstimate:
    return BoomiCallEstimate(
        estimated_calls=estimate.total,
        waits=estimate.waits,
        steps=[
            CallStepItem(step=s.step, account=s.account, calls=s.calls, waits=s.waits, note=s.note)
            for s in estimate.steps
        ],
    )
