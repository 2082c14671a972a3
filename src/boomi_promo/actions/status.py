"""E queryStatus and E4 queryTestDeployments: reading PromotionLog, scoped to the caller.

A CONTRIBUTOR sees the promotions of the dev accounts their team groups grant; an ADMIN sees
every promotion. Both actions answer newest first, a page at a time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from boomi_promo.actions.boomi_ids import OptionalBoomiId
from boomi_promo.actions.promotion import PromotionResultItem
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.domain.review_rules import (
    LIVE_PRODUCTION_STATUSES,
    ReviewStage,
    review_stage_statuses,
)
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.domain.version_story import VersionStory, version_story
from boomi_promo.engine.access import granted_dev_accounts, require_dev_account, visible_promotion
from boomi_promo.engine.context import ActionContext
from boomi_promo.errors import InvalidRequest
from boomi_promo.exports.mappings_csv import format_timestamp
from boomi_promo.identity.principal import Tier
from boomi_promo.store import AuditEntry, Job, PromotionLog
from boomi_promo.store.repositories.base import MAX_PAGE, MAX_PAGE_SIZE
from boomi_promo.store.tables import EMAIL, ID, NAME

DEFAULT_PAGE_SIZE = 50
TARGET_ENVIRONMENTS = ("TEST", "PRODUCTION")


def blank_as_none(value: Any) -> Any:
    """Flow-style clients send every profile field, the unused ones as ``""``."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalId = Annotated[
    Annotated[str, StringConstraints(max_length=ID)] | None, BeforeValidator(blank_as_none)
]
OptionalName = Annotated[
    Annotated[str, StringConstraints(max_length=NAME)] | None, BeforeValidator(blank_as_none)
]
OptionalEmail = Annotated[
    Annotated[str, StringConstraints(max_length=EMAIL)] | None, BeforeValidator(blank_as_none)
]
OptionalMoment = Annotated[datetime | None, BeforeValidator(blank_as_none)]


def timestamp(moment: datetime | None) -> str:
    return format_timestamp(moment) if moment is not None else ""


# ------------------------------------------------------------------ shared items


class StoredResultItem(PromotionResultItem):
    """One stored per-component result; a key some later writer adds is left out, not refused."""

    model_config = ConfigDict(extra="ignore")


class ProductionStep(Profile):
    """A test deployment's way to production, as one row of a change shows it."""

    promotion_id: str
    status: str
    submitted_for_review_by: str
    peer_reviewed_by: str
    admin_approved_by: str
    integration_pack_name: str
    package_version: str
    production_package_version: str = ""
    initiated_at: str


class PromotionItem(Profile):
    """A PromotionLog as queryStatus reports it (the reference profile's fields and a few more)."""

    promotion_id: str
    process_name: str
    dev_account_id: str
    dev_account_name: str
    prod_account_id: str
    dev_package_id: str
    prod_package_id: str
    root_component_id: str
    initiated_by: str
    initiated_at: str
    status: str
    components_total: int
    components_created: int
    components_updated: int
    components_unchanged: int = Field(
        default=0, description="Left as they were: equal to the version the branch started from"
    )
    components_failed: int
    error_message: str
    result_detail: str = Field(description="The stored per-component results, as a JSON string")
    promotion_results: list[StoredResultItem] = Field(
        description="resultDetail.promotionResults, parsed"
    )
    target_environment: str = Field(description="TEST or PRODUCTION")
    branch_id: str = Field(description="The promotion branch while it exists, else empty")
    branch_name: str
    is_hotfix: bool
    hotfix_justification: str
    test_promotion_id: str = Field(
        description="On a PRODUCTION promotion from a test deployment: that TEST promotion"
    )
    test_deployed_at: str
    test_integration_pack_id: str
    test_integration_pack_name: str
    integration_pack_id: str
    integration_pack_name: str
    package_version: str
    submitted_for_review_by: str
    submitted_for_review_at: str
    promoted_from_test_by: str
    peer_review_status: str
    peer_reviewed_by: str
    peer_reviewed_at: str
    peer_review_comments: str
    admin_review_status: str
    admin_approved_by: str
    admin_approved_at: str
    admin_comments: str
    withdrawn_at: str
    withdrawal_reason: str
    deployment_notes: str = Field(
        default="", description="What the developer told the reviewers when submitting it"
    )
    dev_package_version: str = Field(
        default="", description="The version the team gave the dev package it promoted"
    )
    test_package_version: str = Field(
        default="", description="Boomi's version of the package released to Test"
    )
    production_package_version: str = Field(
        default="", description="Boomi's version of the package released to production"
    )
    production_step: ProductionStep | None = Field(
        default=None,
        description="changesOnly: the newest PRODUCTION promotion made from this test deployment",
    )


def production_step(log: PromotionLog) -> ProductionStep:
    versions = story_of(log)
    return ProductionStep(
        promotion_id=log.promotion_id,
        status=log.status,
        submitted_for_review_by=log.submitted_for_review_by or "",
        peer_reviewed_by=log.peer_reviewed_by or "",
        admin_approved_by=log.admin_approved_by or "",
        integration_pack_name=log.integration_pack_name or "",
        package_version=log.package_version or "",
        production_package_version=versions.production,
        initiated_at=timestamp(log.initiated_at),
    )


def story_of(log: PromotionLog) -> VersionStory:
    return version_story(
        log.detail,
        target_environment=log.target_environment,
        status=log.status,
        package_version=log.package_version or "",
    )


def promotion_fields(log: PromotionLog) -> dict[str, Any]:
    """The :class:`PromotionItem` fields of ``log`` (by field name)."""
    detail = log.detail
    versions = story_of(log)
    return {
        "promotion_id": log.promotion_id,
        "process_name": log.process_name or "",
        "dev_account_id": log.dev_account_id,
        "dev_account_name": log.dev_account_name or "",
        "prod_account_id": log.prod_account_id,
        "dev_package_id": log.dev_package_id,
        "prod_package_id": log.prod_package_id or "",
        "root_component_id": log.root_component_id,
        "initiated_by": log.initiated_by,
        "initiated_at": timestamp(log.initiated_at),
        "status": log.status,
        "components_total": log.components_total,
        "components_created": log.components_created,
        "components_updated": log.components_updated,
        "components_unchanged": log.components_unchanged,
        "components_failed": log.components_failed,
        "error_message": log.error_message or "",
        "result_detail": json.dumps(log.result_detail) if log.result_detail is not None else "",
        "promotion_results": [
            StoredResultItem.model_validate(item.to_json()) for item in detail.promotion_results
        ],
        "target_environment": log.target_environment,
        "branch_id": log.branch_id or "",
        "branch_name": log.branch_name or "",
        "is_hotfix": log.is_hotfix,
        "hotfix_justification": log.hotfix_justification or "",
        "test_promotion_id": log.test_promotion_id or "",
        "test_deployed_at": timestamp(log.test_deployed_at),
        "test_integration_pack_id": log.test_integration_pack_id or "",
        "test_integration_pack_name": log.test_integration_pack_name or "",
        "integration_pack_id": log.integration_pack_id or "",
        "integration_pack_name": log.integration_pack_name or "",
        "package_version": log.package_version or "",
        "submitted_for_review_by": log.submitted_for_review_by or "",
        "submitted_for_review_at": timestamp(log.submitted_for_review_at),
        "promoted_from_test_by": log.promoted_from_test_by or "",
        "peer_review_status": log.peer_review_status or "",
        "peer_reviewed_by": log.peer_reviewed_by or "",
        "peer_reviewed_at": timestamp(log.peer_reviewed_at),
        "peer_review_comments": log.peer_review_comments or "",
        "admin_review_status": log.admin_review_status or "",
        "admin_approved_by": log.admin_approved_by or "",
        "admin_approved_at": timestamp(log.admin_approved_at),
        "admin_comments": log.admin_comments or "",
        "withdrawn_at": timestamp(log.withdrawn_at),
        "withdrawal_reason": log.withdrawal_reason or "",
        "deployment_notes": detail.deployment_notes or "",
        "dev_package_version": versions.dev,
        "test_package_version": versions.test,
        "production_package_version": versions.production,
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def visible_dev_accounts(ctx: ActionContext, dev_account_id: str | None) -> list[str] | None:
    """The dev accounts whose promotions the caller may read; ``None`` means all of them.

    A CONTRIBUTOR asking for an account not granted to them is refused (403), not answered
    with an empty list that would look like "no promotions".
    """
    if ctx.principal.tier is Tier.ADMIN:
        return None if dev_account_id is None else [dev_account_id]
    if dev_account_id is not None:
        return [(await require_dev_account(ctx, dev_account_id)).account_id]
    return [account.account_id for account in await granted_dev_accounts(ctx)]


# ------------------------------------------------------------------ E queryStatus


class QueryStatusRequest(Profile):
    query_type: OptionalName = Field(
        default=None,
        description="Accepted for clients of the reference profile; the filters given decide",
    )
    promotion_id: OptionalId = None
    process_name: OptionalName = Field(default=None, description="Exact process name")
    component_id: OptionalBoomiId = Field(
        default=None,
        description=(
            "A dev or prod component id: promotions whose root is that component or whose "
            "results (or the connections they used) mention it"
        ),
    )
    dev_account_id: OptionalBoomiId = Field(
        default=None, description="A CONTRIBUTOR may only name a dev account granted to them"
    )
    status: Annotated[PromotionStatus | None, BeforeValidator(blank_as_none)] = None
    statuses: list[PromotionStatus] | None = Field(
        default=None, description="Any of these statuses (together with status, if given)"
    )
    initiated_by: OptionalEmail = Field(default=None, description="E-mail, any letter case")
    start_date: OptionalMoment = Field(
        default=None, description="initiatedAt on or after this moment (UTC when no offset)"
    )
    end_date: OptionalMoment = Field(
        default=None, description="initiatedAt on or before this moment (UTC when no offset)"
    )
    review_stage: Annotated[ReviewStage | None, BeforeValidator(blank_as_none)] = Field(
        default=None,
        description="PENDING_PEER_REVIEW, PENDING_ADMIN_REVIEW or ALL (waiting for either)",
    )
    target_environment: Annotated[
        Annotated[str, StringConstraints(pattern="^(TEST|PRODUCTION)$")] | None,
        BeforeValidator(blank_as_none),
    ] = Field(default=None, description="TEST or PRODUCTION")
    changes_only: bool = Field(
        default=False,
        description=(
            "One row per change: a PRODUCTION promotion made from a test deployment is not "
            "listed itself but as the productionStep of that TEST promotion's row; status "
            "filters match either step"
        ),
    )
    page: int = Field(default=1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("start_date", "end_date")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class QueryStatusResponse(ResponseProfile):
    promotions: list[PromotionItem] = Field(default_factory=list, description="One page")
    total_count: int = Field(default=0, description="Matches across all pages")
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def requested_statuses(request: QueryStatusRequest) -> frozenset[str] | None:
    """``status`` and ``statuses`` together, narrowed to the review stage; ``None``: any."""
    named = {*(request.statuses or []), *([request.status] if request.status else [])}
    chosen: frozenset[str] | None = frozenset(named) if named else None
    if request.review_stage is not None:
        stage = review_stage_statuses(request.review_stage)
        chosen = stage if chosen is None else chosen & stage
    return chosen


@action(
    name="queryStatus",
    code="E",
    description="Query Status",
    request=QueryStatusRequest,
    response=QueryStatusResponse,
)
async def query_status(ctx: ActionContext, request: QueryStatusRequest) -> QueryStatusResponse:
    if request.start_date and request.end_date and request.end_date < request.start_date:
        raise InvalidRequest("endDate is before startDate.", field="endDate")
    dev_account_ids = await visible_dev_accounts(ctx, request.dev_account_id)
    async with ctx.unit_of_work() as uow:
        found = await uow.promotions.query(
            dev_account_ids=dev_account_ids,
            statuses=requested_statuses(request),
            promotion_id=request.promotion_id,
            process_name=request.process_name,
            component_id=request.component_id,
            initiated_by=request.initiated_by,
            initiated_from=request.start_date,
            initiated_until=request.end_date,
            target_environment=request.target_environment,
            changes_only=request.changes_only,
            page=request.page,
            page_size=request.page_size,
        )
        steps: dict[str, PromotionLog] = {}
        if request.changes_only:
            steps = await uow.promotions.newest_linked_productions(
                [log.promotion_id for log in found.items]
            )
    return QueryStatusResponse(
        promotions=[
            PromotionItem(
                **promotion_fields(log),
                production_step=(
                    production_step(steps[log.promotion_id]) if log.promotion_id in steps else None
                ),
            )
            for log in found.items
        ],
        total_count=found.total,
        page=request.page,
        page_size=request.page_size,
    )


# ------------------------------------------------------------------ E4 queryTestDeployments


class QueryTestDeploymentsRequest(Profile):
    dev_account_id: OptionalBoomiId = Field(
        default=None, description="A CONTRIBUTOR may only name a dev account granted to them"
    )
    initiated_by: OptionalEmail = Field(default=None, description="E-mail, any letter case")
    page: int = Field(default=1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class TestDeploymentItem(Profile):
    __test__ = False  # a profile, not a pytest test class, whatever its name says

    promotion_id: str
    process_name: str
    dev_account_id: str
    dev_account_name: str
    root_component_id: str
    dev_package_id: str
    prod_package_id: str = Field(description="The package deployed to Test")
    initiated_by: str
    initiated_at: str
    package_version: str
    dev_package_version: str = ""
    test_package_version: str = ""
    components_total: int
    components_created: int
    components_updated: int
    components_unchanged: int = 0
    test_deployed_at: str
    test_integration_pack_id: str
    test_integration_pack_name: str
    branch_id: str
    branch_name: str


class QueryTestDeploymentsResponse(ResponseProfile):
    test_deployments: list[TestDeploymentItem] = Field(
        default_factory=list,
        description=(
            "TEST_DEPLOYED promotions with no live PRODUCTION promotion linked to them; one "
            "whose production promotion was rejected or withdrawn is listed again"
        ),
    )
    total_count: int = Field(default=0, description="Matches across all pages")


def deployment_item(log: PromotionLog) -> TestDeploymentItem:
    return TestDeploymentItem(
        promotion_id=log.promotion_id,
        process_name=log.process_name or "",
        dev_account_id=log.dev_account_id,
        dev_account_name=log.dev_account_name or "",
        root_component_id=log.root_component_id,
        dev_package_id=log.dev_package_id,
        prod_package_id=log.prod_package_id or "",
        initiated_by=log.initiated_by,
        initiated_at=timestamp(log.initiated_at),
        package_version=log.package_version or "",
        dev_package_version=story_of(log).dev,
        test_package_version=story_of(log).test,
        components_total=log.components_total,
        components_created=log.components_created,
        components_updated=log.components_updated,
        components_unchanged=log.components_unchanged,
        test_deployed_at=timestamp(log.test_deployed_at),
        test_integration_pack_id=log.test_integration_pack_id or "",
        test_integration_pack_name=log.test_integration_pack_name or "",
        branch_id=log.branch_id or "",
        branch_name=log.branch_name or "",
    )


@action(
    name="queryTestDeployments",
    code="E4",
    description="Query Test Deployments",
    request=QueryTestDeploymentsRequest,
    response=QueryTestDeploymentsResponse,
)
async def query_test_deployments(
    ctx: ActionContext, request: QueryTestDeploymentsRequest
) -> QueryTestDeploymentsResponse:
    account_ids = await visible_dev_accounts(ctx, request.dev_account_id)
    async with ctx.unit_of_work() as uow:
        found = await uow.promotions.query(
            statuses=[PromotionStatus.TEST_DEPLOYED],
            dev_account_ids=account_ids,
            initiated_by=request.initiated_by,
            without_linked_promotion_in=LIVE_PRODUCTION_STATUSES,
            page=request.page,
            page_size=request.page_size,
        )
    return QueryTestDeploymentsResponse(
        test_deployments=[deployment_item(log) for log in found.items],
        total_count=found.total,
    )


# ------------------------------------------------------------------ E6 getPromotionHistory


class GetPromotionHistoryRequest(Profile):
    promotion_id: str = Field(min_length=1, max_length=36)


class HistoryEntry(Profile):
    at: str
    actor: str
    action: str
    promotion_id: str
    before_status: str
    after_status: str
    notes: list[str] = Field(
        default_factory=list, description="Comments, reasons, justifications and errors, as said"
    )


class HistoryJob(Profile):
    job_id: str
    action: str
    process_name: str
    state: str
    started_by: str
    created_at: str
    finished_at: str
    job_url: str


class GetPromotionHistoryResponse(ResponseProfile):
    promotion_ids: list[str] = Field(
        default_factory=list, description="The promotion and those linked to it (test ↔ production)"
    )
    entries: list[HistoryEntry] = Field(default_factory=list, description="Oldest first")
    jobs: list[HistoryJob] = Field(default_factory=list, description="Oldest first")


_NOTE_KEYS = (
    "comments",
    "reason",
    "hotfixJustification",
    "justification",
    "error",
    "errorMessage",
    "deploymentNotes",
    "decision",
    "supersededBy",
)
"""Audit detail fields a person wrote or needs to read, in the order shown."""


def _notes(detail: dict[str, Any] | None) -> list[str]:
    if not detail:
        return []
    return [
        f"{key}: {str(detail[key])[:1000]}"
        for key in _NOTE_KEYS
        if isinstance(detail.get(key), str | int | bool) and str(detail[key]).strip()
    ]


@action(
    name="getPromotionHistory",
    code="E6",
    description="Get Promotion History",
    request=GetPromotionHistoryRequest,
    response=GetPromotionHistoryResponse,
)
async def get_promotion_history(
    ctx: ActionContext, request: GetPromotionHistoryRequest
) -> GetPromotionHistoryResponse:
    """Who did what to a promotion, and when, with what they wrote; and the jobs that ran.

    A test deployment and the production promotion made from it are one change: the history
    of either shows both.
    """
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, request.promotion_id)
        linked = [promotion.promotion_id]
        if promotion.test_promotion_id:
            linked.append(promotion.test_promotion_id)
        productions = await uow.promotions.query(
            test_promotion_id=promotion.promotion_id, page_size=50
        )
        linked += [p.promotion_id for p in productions.items]
        entries: list[AuditEntry] = []
        jobs: list[Job] = []
        for promotion_id in linked:
            found = await uow.audit.list_entries(
                target_type="promotion", target_id=promotion_id, page_size=500
            )
            entries += found.items
            jobs += await uow.jobs.list_for_promotion(promotion_id)
    entries.sort(key=lambda e: (e.at, e.id))
    jobs.sort(key=lambda j: (j.created_at, j.id))
    return GetPromotionHistoryResponse(
        promotion_ids=linked,
        entries=[
            HistoryEntry(
                at=timestamp(entry.at),
                actor=entry.actor_email,
                action=entry.action,
                promotion_id=entry.target_id,
                before_status=entry.before_status or "",
                after_status=entry.after_status or "",
                notes=_notes(entry.detail),
            )
            for entry in entries
        ],
        jobs=[
            HistoryJob(
                job_id=job.id,
                action=job.action,
                process_name=job.process_name,
                state=job.state.value,
                started_by=job.principal_email,
                created_at=timestamp(job.created_at),
                finished_at=timestamp(job.finished_at),
                job_url=f"/api/v1/jobs/{job.id}",
            )
            for job in jobs
        ],
    )
