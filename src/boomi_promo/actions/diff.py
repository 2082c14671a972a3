"""G generateComponentDiff: one component of a promotion, as its branch holds it and as main does.

Reviewers see exactly what a merge would change: both sides normalised
(:mod:`boomi_promo.domain.xml_diff`) and a computed line diff, as hunks and as side-by-side rows.

The branch comes from the promotion (``promotionId``, preferred) or is the reference profile's
``branchId``, which must be a live promotion's branch; either way the caller must be allowed to
see that promotion (an admin any, a contributor those of the dev accounts their teams grant),
and the component must be one the promotion holds (its own results, or those of the test
promotion it was promoted from). ``componentAction`` CREATE shows an empty main side; UPDATE
needs the component on main. Left out, it follows main: empty when main does not hold it yet.
A component the promotion left UNCHANGED (issue 16) is answered as such whatever was asked:
its branch side is the version the branch started from, so main and the branch are the same
unless that version came from a test deployment main has not received yet.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum

from pydantic import ConfigDict, Field

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.models import Component
from boomi_promo.domain.component_xml import ComponentXmlError
from boomi_promo.domain.result_detail import ResultDetail
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.domain.xml_diff import LineDiff, diff_lines, normalize_component_xml
from boomi_promo.engine.access import visible_promotion
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.errors import ComponentNotFound
from boomi_promo.engine.recovery import branch_name_for
from boomi_promo.errors import Conflict, InvalidRequest, NotFound, PromoError
from boomi_promo.store import PromotionLog

BRANCH_SIDE = "branch"
MAIN_SIDE = "main"
_ACTION_OF_RESULT = {"CREATED": "CREATE", "UPDATED": "UPDATE", "UNCHANGED": "UNCHANGED"}


class ComponentAction(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    UNCHANGED = "UNCHANGED"


class BranchNotAvailable(Conflict):
    error_code = "BRANCH_NOT_AVAILABLE"


class UnreadableComponentXml(PromoError):
    status_code = 422
    error_code = "INVALID_COMPONENT_XML"


class GenerateComponentDiffRequest(Profile):
    promotion_id: str | None = Field(
        default=None,
        max_length=36,
        description="The promotion under review (preferred: its branch is used)",
    )
    branch_id: OptionalBoomiId = Field(
        default=None,
        description="A promotion's branch; optional with promotionId, where it must match",
    )
    prod_component_id: BoomiId
    component_name: str = Field(default="", description="Echoed; the branch's name when blank")
    component_action: ComponentAction | None = Field(
        default=None,
        description="CREATE: main side empty. UPDATE: the component must be on main. "
        "Left out: UPDATE when main holds the component, else CREATE. A component the "
        "promotion left UNCHANGED is answered UNCHANGED",
    )


class _VerbatimProfile(Profile):
    """Response parts whose text is shown as it is: indentation is part of the XML lines."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class DiffLineItem(_VerbatimProfile):
    type: str = Field(description="context, added or removed")
    text: str
    old_line: int | None = Field(description="1-based line on main; null for an added line")
    new_line: int | None = Field(description="1-based line on the branch; null for a removed line")


class DiffHunk(_VerbatimProfile):
    old_start: int = Field(description="As in a unified diff: the line before, when old_lines=0")
    old_lines: int
    new_start: int
    new_lines: int
    lines: list[DiffLineItem]


class SideBySideRowItem(_VerbatimProfile):
    left: str | None = Field(description="The main line; null when the line is only on the branch")
    right: str | None = Field(description="The branch line; null when the line is only on main")
    left_line: int | None
    right_line: int | None
    kind: str = Field(description="same, changed, added or removed")


class DiffSummaryItem(_VerbatimProfile):
    added: int = Field(description="Lines only on the branch")
    removed: int = Field(description="Lines only on main")
    changed: int = Field(description="Lines that differ, paired side by side")


class ComponentDiff(_VerbatimProfile):
    hunks: list[DiffHunk] = Field(default_factory=list)
    rows: list[SideBySideRowItem] = Field(
        default_factory=list, description="Every line of both sides (main left, branch right)"
    )
    summary: DiffSummaryItem = Field(
        default_factory=lambda: DiffSummaryItem(added=0, removed=0, changed=0)
    )
    truncated: bool = Field(default=False, description="Rows or hunk lines were cut at the cap")


class GenerateComponentDiffResponse(ResponseProfile):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    promotion_id: str = ""
    branch_id: str = ""
    prod_component_id: str = ""
    component_name: str = ""
    component_action: str = ""
    branch_xml: str = Field(default="", description="The component on the branch, normalised")
    main_xml: str = Field(
        default="", description="The component on main, normalised; empty on CREATE"
    )
    branch_version: int = 0
    main_version: int = Field(default=0, description="0 when main has no version (CREATE)")
    diff: ComponentDiff = Field(default_factory=ComponentDiff)


@action(
    name="generateComponentDiff",
    code="G",
    description="Generate Component Diff",
    request=GenerateComponentDiffRequest,
    response=GenerateComponentDiffResponse,
)
async def generate_component_diff(
    ctx: ActionContext, request: GenerateComponentDiffRequest
) -> GenerateComponentDiffResponse:
    promotion = await _promotion_under_review(ctx, request)
    branch_id = _live_branch(promotion)
    if request.branch_id is not None and request.branch_id != branch_id:
        raise InvalidRequest(
            f"Branch '{request.branch_id}' is not the branch of promotion "
            f"'{promotion.promotion_id}'.",
            field="branchId",
        )
    recorded = await _written_components(ctx, promotion)
    if request.prod_component_id not in recorded:
        raise ComponentNotFound(
            f"Promotion '{promotion.promotion_id}' did not write component "
            f"'{request.prod_component_id}'.",
            field="prodComponentId",
        )
    component_id = request.prod_component_id
    name, recorded_action = recorded[component_id]
    kept = recorded_action == ComponentAction.UNCHANGED
    on_branch, on_main = await asyncio.gather(
        _read(ctx, component_id, branch_id),
        _read(ctx, component_id, None)
        if kept or request.component_action is not ComponentAction.CREATE
        else _nothing(),
    )
    if on_branch is None:
        raise _missing(
            component_id, BRANCH_SIDE, f"on the branch of promotion {promotion.promotion_id}"
        )
    component_action = (
        ComponentAction.UNCHANGED
        if kept
        else request.component_action
        or (ComponentAction.UPDATE if on_main is not None else ComponentAction.CREATE)
    )
    if component_action is ComponentAction.UPDATE and on_main is None:
        raise _missing(component_id, MAIN_SIDE, "on main (for an UPDATE)")
    branch_xml = _normalized(on_branch, BRANCH_SIDE)
    main_xml = _normalized(on_main, MAIN_SIDE) if on_main is not None else ""
    line_diff = diff_lines(main_xml, branch_xml)
    ctx.log.info(
        "component diff generated",
        promotion_id=promotion.promotion_id,
        component=component_id,
        component_action=component_action.value,
        added=line_diff.summary.added,
        removed=line_diff.summary.removed,
        changed=line_diff.summary.changed,
    )
    return GenerateComponentDiffResponse(
        promotion_id=promotion.promotion_id,
        branch_id=branch_id,
        prod_component_id=component_id,
        component_name=request.component_name or on_branch.name or name,
        component_action=component_action.value,
        branch_xml=branch_xml,
        main_xml=main_xml,
        branch_version=on_branch.version or 0,
        main_version=(on_main.version or 0) if on_main is not None else 0,
        diff=_as_profile(line_diff),
    )


async def _promotion_under_review(
    ctx: ActionContext, request: GenerateComponentDiffRequest
) -> PromotionLog:
    """The promotion named by ``promotionId`` or owning ``branchId``, if the caller may see it."""
    if request.promotion_id:
        promotion_id, field = request.promotion_id, "promotionId"
    elif request.branch_id:
        promotion_id, field = await _promotion_of_branch(ctx, request.branch_id), "branchId"
    else:
        raise InvalidRequest(
            "Name the promotion (promotionId) or its branch (branchId).", field="promotionId"
        )
    async with ctx.unit_of_work() as uow:
        return await visible_promotion(ctx, uow, promotion_id, field=field)


async def _promotion_of_branch(ctx: ActionContext, branch_id: str) -> str:
    """The promotion a branch belongs to, by the ``promo-{promotionId}`` name the engine gives."""
    try:
        branch = await ctx.boomi.get_branch(branch_id)
    except BoomiNotFoundError:
        branch = None
    promotion_id = branch.name.partition("-")[2] if branch is not None else ""
    if branch is None or branch.deleted or branch_name_for(promotion_id) != branch.name:
        raise NotFound(
            f"Branch '{branch_id}' is not the branch of any promotion.",
            error_code="BRANCH_NOT_FOUND",
            field="branchId",
        )
    return promotion_id


def _live_branch(promotion: PromotionLog) -> str:
    if promotion.status == PromotionStatus.IN_PROGRESS:
        raise BranchNotAvailable(
            f"Promotion '{promotion.promotion_id}' is still writing its branch; "
            "compare its components when it has completed."
        )
    if not promotion.branch_id:
        raise BranchNotAvailable(
            f"Promotion '{promotion.promotion_id}' is {promotion.status} and no longer has a "
            "branch to compare.",
            details={"status": promotion.status},
        )
    return promotion.branch_id


async def _written_components(
    ctx: ActionContext, promotion: PromotionLog
) -> dict[str, tuple[str, str]]:
    """Prod component id → (name, CREATE / UPDATE / UNCHANGED) of what the promotion's branch
    holds for it (or its test promotion's, for R's PRODUCTION record whose branch was cut from
    the test package)."""
    written = _results_of(promotion.detail)
    if promotion.test_promotion_id:
        async with ctx.unit_of_work() as uow:
            tested = await uow.promotions.get(promotion.test_promotion_id)
        if tested is not None:
            written = {**_results_of(tested.detail), **written}
    return written


def _results_of(detail: ResultDetail) -> dict[str, tuple[str, str]]:
    return {
        item.prod_component_id: (item.component_name, _ACTION_OF_RESULT[item.action])
        for item in detail.promotion_results
        if item.action in _ACTION_OF_RESULT and item.prod_component_id
    }


async def _read(ctx: ActionContext, component_id: str, branch_id: str | None) -> Component | None:
    try:
        return await ctx.boomi.get_component(component_id, branch_id=branch_id)
    except BoomiNotFoundError:
        return None


async def _nothing() -> None:
    return None


def _missing(component_id: str, side: str, where: str) -> ComponentNotFound:
    return ComponentNotFound(
        f"Component '{component_id}' does not exist {where}.",
        field="prodComponentId",
        details={"side": side},
    )


def _normalized(component: Component, side: str) -> str:
    try:
        return normalize_component_xml(component.xml)
    except ComponentXmlError as exc:
        raise UnreadableComponentXml(
            f"The {side} version of component '{component.component_id}' cannot be compared: {exc}",
            details={"side": side},
        ) from exc


def _as_profile(line_diff: LineDiff) -> ComponentDiff:
    return ComponentDiff(
        hunks=[
            DiffHunk(
                old_start=hunk.old_start,
                old_lines=hunk.old_lines,
                new_start=hunk.new_start,
                new_lines=hunk.new_lines,
                lines=[
                    DiffLineItem(
                        type=line.type.value,
                        text=line.text,
                        old_line=line.old_line,
                        new_line=line.new_line,
                    )
                    for line in hunk.lines
                ],
            )
            for hunk in line_diff.hunks
        ],
        rows=[
            SideBySideRowItem(
                left=row.left,
                right=row.right,
                left_line=row.left_line,
                right_line=row.right_line,
                kind=row.kind.value,
            )
            for row in line_diff.rows
        ],
        summary=DiffSummaryItem(
            added=line_diff.summary.added,
            removed=line_diff.summary.removed,
            changed=line_diff.summary.changed,
        ),
        truncated=line_diff.truncated,
    )
