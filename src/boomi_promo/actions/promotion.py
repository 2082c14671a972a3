"""C executePromotion: promote a dev package's tree onto a new branch of the primary account.

The action checks the caller and the account, then hands over to the engine
(:mod:`boomi_promo.engine.promotion`), which does every step of SPEC §5. It runs as a job.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import Field

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.engine.access import require_dev_account
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.lifecycle import compensate_interrupted_promotion
from boomi_promo.engine.promotion import PromotionRequest, check_promotable, execute_promotion

if TYPE_CHECKING:
    from boomi_promo.engine.context import Services
    from boomi_promo.store import Job

INTERRUPTED_REASON = "interrupted: the service stopped while this promotion ran"


class ReviewedComponent(Profile):
    component_id: BoomiId
    component_name: str = ""
    component_type: str = ""
    folder_full_path: str = ""


class PromotionMetadata(Profile):
    process_name: str = ""
    requested_by: str = Field(
        default="", description="Optional; when present must equal the signed-in user's e-mail"
    )
    request_date: datetime | None = None


class ExecutePromotionRequest(Profile):
    dev_account_id: BoomiId = Field(description="Dev sub-account to promote from")
    dev_package_id: BoomiId = Field(
        description="The dev PackagedComponent being promoted (its root component)"
    )
    root_component_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present must be the package's component"
    )
    components: list[ReviewedComponent] | None = Field(
        default=None,
        description="The tree as reviewed; when it differs from the tree now: 409, review again",
    )
    promotion_metadata: PromotionMetadata | None = None
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )


class PromotionResultItem(Profile):
    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    action: str = Field(
        description="CREATED, UPDATED, UNCHANGED (equal to the version the branch started "
        "from: not written, that version kept), SKIPPED or FAILED"
    )
    version: int
    error: str = ""


class MissingConnectionItem(Profile):
    dev_component_id: str
    name: str
    type: str
    dev_account_id: str


class ExecutePromotionResponse(ResponseProfile):
    promotion_id: str = ""
    branch_id: str = ""
    branch_name: str = ""
    connections_skipped: int = 0
    promotion_results: list[PromotionResultItem] = Field(default_factory=list)
    missing_connection_mappings: list[MissingConnectionItem] = Field(default_factory=list)


async def recover_interrupted_promotion(container: Services, job: Job) -> None:
    """A job that died mid-promotion: delete its branch, end the promotion FAILED."""
    if job.promotion_id:
        await compensate_interrupted_promotion(
            container.boomi, container.uow_factory, job.promotion_id, reason=INTERRUPTED_REASON
        )


async def precheck_promotion(ctx: ActionContext, request: ExecutePromotionRequest) -> None:
    """The account, the package, and no other promotion of its root under review."""
    account = await require_dev_account(ctx, request.dev_account_id)
    await check_promotable(
        ctx, _promotion_request(request, account.account_id, account.account_name)
    )


def _promotion_request(
    request: ExecutePromotionRequest, account_id: str, account_name: str
) -> PromotionRequest:
    reviewed = frozenset(c.component_id for c in request.components) if request.components else None
    return PromotionRequest(
        dev_account_id=account_id,
        dev_account_name=account_name,
        dev_package_id=request.dev_package_id,
        root_component_id=request.root_component_id,
        reviewed_component_ids=reviewed,
    )


@action(
    name="executePromotion",
    code="C",
    description="Execute Promotion",
    request=ExecutePromotionRequest,
    response=ExecutePromotionResponse,
    long_running=True,
    recover=recover_interrupted_promotion,
    # The database admits one IN_PROGRESS promotion per dev account; queued ones wait their
    # turn instead of failing with CONCURRENT_PROMOTION.
    one_per_dev_account=True,
    precheck=precheck_promotion,
)
async def execute_promotion_action(
    ctx: ActionContext, request: ExecutePromotionRequest
) -> ExecutePromotionResponse:
    account = await require_dev_account(ctx, request.dev_account_id)
    outcome = await execute_promotion(
        ctx, _promotion_request(request, account.account_id, account.account_name)
    )
    return ExecutePromotionResponse(
        promotion_id=outcome.promotion_id,
        branch_id=outcome.branch_id,
        branch_name=outcome.branch_name,
        connections_skipped=outcome.connections_skipped,
        promotion_results=[
            PromotionResultItem.model_validate(result.to_json()) for result in outcome.results
        ],
    )
