"""D packageAndDeploy (SPEC §6): package, Integration Pack, release — in four modes.

A deployment ships several packages: the prod root's, and one for each process a process
route calls. Those are INDEPENDENT references in Boomi (deployed on their own, not inside
the root's package), found by reading ComponentReference of the promotion's components on
the branch being packaged (:func:`package_contents`). Each package is recorded on the
promotion in ``resultDetail["packages"]`` with the prod components it holds (continuity and
R build branches from them); ``prodPackageId`` is the root's, made last, so once it is set
every package exists. All of them go into the pack and into its release.

* **Mode 1, Dev → Test** (CONTRIBUTOR+, no manual gate) on a COMPLETED promotion: the
  packages are made *from the promotion branch* (main is never touched), the branch is
  deleted, and the Test Integration Pack is found from history (the latest TEST_DEPLOYED
  promotion of the same process). Found: the components are added and the pack released →
  TEST_DEPLOYED. Not found: PENDING_PACK_ASSIGNMENT for an admin to finish with mode 4.
* **Mode 4, pack assignment** (ADMIN) on PENDING_PACK_ASSIGNMENT: TEST_DEPLOYING while the
  existing packages go into the chosen (or a new ``… - TEST``) pack, which is released →
  TEST_DEPLOYED; a failure or a crash ends TEST_DEPLOY_FAILED, retried as mode 1 (which finds
  the pack this run recorded, or asks for one again).
* **Mode 2, Test → Production** and **mode 3, hotfix** (ADMIN; started by S approve, or by D
  to retry an ADMIN_APPROVED or DEPLOY_FAILED one): the production pack is chosen or created
  and recorded first; the review branch is merged into main (OVERRIDE, source wins); once
  Boomi shows every promoted component on main, their mappings name those components, marked
  on main (idempotent: a retry after a crash between the merge and this step completes it,
  whether it merges again or the branch is gone already); the packages are made *from main*,
  added to the production pack and released; a hotfix is then released to the test pack as
  well (a failure there is recorded in ``error_message``, not fatal).
  → DEPLOYED, then the branch is deleted. A merge that fails (``MERGE_FAILED``), fails on
  components that conflict with main (``MERGE_CONFLICT``, naming them) or does not finish
  within ``merge_timeout_seconds`` (``MERGE_TIMEOUT``) ends DEPLOY_FAILED with the branch
  *kept*, so an admin can retry (DEPLOY_FAILED → DEPLOYING).

A retry resumes from what exists: a package already recorded from the same branch is reused,
a pack already created or chosen is kept, a branch already deleted means its merge already
happened.

Release status is polled a bounded number of times (``release_status_polls``, every
``poll_interval_seconds``): ERROR fails the deployment,
IN_PROGRESS at the end of the bound is fine (checkReleaseStatus follows it later). A job
interrupted mid-deployment is compensated on restart: TEST_DEPLOYING → TEST_DEPLOY_FAILED,
DEPLOYING → DEPLOY_FAILED, with the reason "interrupted".

Database units of work stay short and are never held across a Boomi call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError, BoomiNotFoundError
from boomi_promo.boomi.models import (
    ComponentReference,
    PackagedComponent,
    PublisherIntegrationPack,
    ReleaseIntegrationPackStatus,
    ReleaseStatus,
)
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.domain.result_detail import HELD_ACTIONS, ComponentOutcome, ResultDetail
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.access import require_dev_account
from boomi_promo.engine.branches import merge_branch
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import (
    RecordedPackage,
    package_entry,
    recorded_packages,
)
from boomi_promo.engine.extension_access import refresh_after_deployment
from boomi_promo.engine.lifecycle import change_status, load_for_update, release_branch
from boomi_promo.engine.mapping_history import mark_reached_main
from boomi_promo.engine.recovery import MAX_ERROR_MESSAGE_CHARS, SYSTEM_ACTOR
from boomi_promo.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    PromoError,
    UpstreamFailure,
    from_boomi_error,
)
from boomi_promo.identity.principal import Tier, same_person
from boomi_promo.store import PromotionLog, UnitOfWork, UnitOfWorkFactory

TEST_PACK_SUFFIX = " - TEST"
"""Test Integration Packs are told apart from production ones by this name suffix."""
MAIN_BRANCH = "main"
PROCESS_TYPE = "process"
INDEPENDENT = "INDEPENDENT"
METADATA_BATCH = 100
"""Component ids per ComponentMetadata query: one page of answers."""
INTERRUPTED_REASON = "interrupted: the service stopped while this deployment ran"
HISTORY_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 500

log = structlog.get_logger("boomi_promo.engine")

_S = PromotionStatus


class DeploymentMode(IntEnum):
    TEST = 1
    PRODUCTION = 2
    HOTFIX = 3
    PACK_ASSIGNMENT = 4


class PackPurpose(StrEnum):
    TEST = "TEST"
    PRODUCTION = "PRODUCTION"


class ReleaseType(StrEnum):
    PRODUCTION = "PRODUCTION"
    TEST = "TEST"


RELEASE_REQUESTED = "promotion.release_requested"
"""Audit action of a release request; its time is the release's start (Boomi reports none)."""
RELEASE_SETTLED = "promotion.release_settled"
"""Audit action written when a release is first seen finished (SUCCESS or ERROR)."""


# ---------------------------------------------------------------------------- errors


class SelfApprovalNotAllowed(Forbidden):
    error_code = "SELF_APPROVAL_NOT_ALLOWED"


class IntegrationPackNotFound(NotFound):
    error_code = "INTEGRATION_PACK_NOT_FOUND"


class DeploymentFailed(UpstreamFailure):
    """The deployment stopped and the promotion ended TEST_DEPLOY_FAILED or DEPLOY_FAILED."""


def _release_failed(message: str) -> DeploymentFailed:
    return DeploymentFailed(message, error_code="RELEASE_FAILED", status_code=502)


class _NothingToDeploy(PromoError):
    status_code = 409
    error_code = "NOTHING_TO_DEPLOY"


# ---------------------------------------------------------------------------- pure rules


def pack_purpose(pack_name: str) -> PackPurpose:
    return PackPurpose.TEST if pack_name.endswith(TEST_PACK_SUFFIX) else PackPurpose.PRODUCTION


def with_test_suffix(name: str) -> str:
    """A Test pack's name: ``name`` with the `` - TEST`` suffix, added when missing."""
    stripped = name.strip()
    return stripped if stripped.endswith(TEST_PACK_SUFFIX) else stripped + TEST_PACK_SUFFIX


def mode_for(status: PromotionStatus, *, is_hotfix: bool) -> DeploymentMode | None:
    """The mode a promotion in ``status`` deploys with; ``None`` when it cannot deploy now."""
    if status in (_S.COMPLETED, _S.TEST_DEPLOY_FAILED) and not is_hotfix:
        return DeploymentMode.TEST
    if status is _S.PENDING_PACK_ASSIGNMENT:
        return DeploymentMode.PACK_ASSIGNMENT
    if status in (_S.ADMIN_APPROVED, _S.DEPLOY_FAILED):
        return DeploymentMode.HOTFIX if is_hotfix else DeploymentMode.PRODUCTION
    return None


def release_components(
    pack: PublisherIntegrationPack, ours: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Every live component of the pack at its newest package version, ours (component id →
    package version) at ours.

    A release lists all the pack's components: one left out would drop out of the pack.
    """
    released: dict[str, str] = {}
    for member in pack.components:
        if member.deleted or member.component_id in ours:
            continue
        version = member.latest_version or member.pending_version or member.current_version
        if version:
            released[member.component_id] = version
    released.update(ours)
    return sorted(released.items())


def segregation_conflict(approver: str, people: Mapping[str, str | None]) -> str | None:
    """The role (e.g. ``initiated``) that ``approver`` already played, or ``None``."""
    for role, email in people.items():
        if email and same_person(approver, email):
            return role
    return None


@dataclass(frozen=True)
class PromotedComponents:
    prod_root_id: str
    prod_ids_by_dev_id: Mapping[str, str]
    """Every component the promotion's branch holds for it — written, or left UNCHANGED at
    the version the branch started from: dev id → prod id."""
    types_by_prod_id: Mapping[str, str] = field(default_factory=dict)
    """The component type of each, by prod id (as the results recorded it)."""
    kept_versions: Mapping[str, int] = field(default_factory=dict)
    """Prod id → version of each UNCHANGED component: what the branch holds of it."""

    def dev_ids_of(self, prod_ids: Iterable[str]) -> frozenset[str]:
        """The dev components whose prod components are among ``prod_ids``."""
        wanted = set(prod_ids)
        return frozenset(dev for dev, prod in self.prod_ids_by_dev_id.items() if prod in wanted)


def promoted_components(detail: ResultDetail, root_component_id: str) -> PromotedComponents | None:
    """The prod root and the components of a promotion (written or UNCHANGED) from its
    stored results."""
    items = detail.held
    written = {item.dev_component_id: item.prod_component_id for item in items}
    if root_component_id not in written:
        return None
    return PromotedComponents(
        prod_root_id=written[root_component_id],
        prod_ids_by_dev_id=written,
        types_by_prod_id={item.prod_component_id: item.component_type for item in items},
        kept_versions={
            item.prod_component_id: item.version
            for item in items
            if item.action == "UNCHANGED" and item.version
        },
    )


@dataclass(frozen=True)
class PackageContent:
    """One package a deployment makes: its root and the promoted components it holds."""

    component_id: str
    prod_component_ids: frozenset[str]
    component_type: str | None = None
    """The root's type, when the promotion recorded it (a package create names it)."""


async def package_contents(
    boomi: BoomiClient, components: PromotedComponents, *, branch_id: str | None
) -> list[PackageContent]:
    """The packages a deployment makes, the root's first, from Boomi's ComponentReference on
    the branch (``None``: main).

    A package holds its root and what the root references DEPENDENT-ly; a process a process
    route calls is referenced INDEPENDENT-ly: Boomi deploys it on its own, so it gets a
    package of its own. Only the promotion's components are read (a few queries for all of
    them): anything else they reference (a shared connection) is on main already and leads
    nowhere new.
    """
    promoted = set(components.types_by_prod_id) | {components.prod_root_id}
    edges = await _promoted_references(boomi, promoted, branch_id, components.kept_versions)
    roots = [components.prod_root_id]
    contents: list[PackageContent] = []
    for root in roots:
        held = {root}
        pending = [root]
        while pending:
            for reference in edges.get(pending.pop(), []):
                child = reference.component_id
                if child not in edges:
                    continue
                if reference.type == INDEPENDENT:
                    if (
                        components.types_by_prod_id.get(child) == PROCESS_TYPE
                        and child not in roots
                    ):
                        roots.append(child)
                elif child not in held:
                    held.add(child)
                    pending.append(child)
        root_type = components.types_by_prod_id.get(root)
        contents.append(PackageContent(root, frozenset(held), root_type))
    return contents


async def _promoted_references(
    boomi: BoomiClient,
    promoted: set[str],
    branch_id: str | None,
    kept_versions: Mapping[str, int],
) -> dict[str, list[ComponentReference]]:
    """What each promoted component references, as the branch (``None``: main) holds it.

    Their current versions come from ComponentMetadata queries (an ``or`` of up to
    :data:`METADATA_BATCH` ids each), then what those versions reference from
    ComponentReference queries by ``parentComponentId`` and ``parentVersion``. A component
    the promotion left UNCHANGED was never written on the branch, and Boomi reports it with
    the branchId of the branch it was written on (main's), so a query by the branch's id
    misses it: its version on the branch is the one the promotion recorded (``kept_versions``).
    """
    versions = await current_versions(boomi, promoted, branch_id=branch_id)
    if branch_id is not None:
        for component_id, version in kept_versions.items():
            if component_id in promoted:
                versions.setdefault(component_id, version)
    missing = sorted(promoted - set(versions))
    if missing:
        where = f"branch {branch_id}" if branch_id else "main"
        raise DeploymentFailed(
            f"Boomi has no current version of component(s) {', '.join(missing)} on {where}.",
            error_code="COMPONENT_NOT_FOUND",
            status_code=502,
        )
    return await boomi.query_child_references(versions)


async def current_versions(
    boomi: BoomiClient, component_ids: Iterable[str], *, branch_id: str | None
) -> dict[str, int]:
    """Each component's current version on the branch (``None``: main), from ComponentMetadata
    queries (an ``or`` of up to :data:`METADATA_BATCH` ids each); missing ones are left out."""
    wanted = set(component_ids)
    ids = sorted(wanted)
    batches = [ids[i : i + METADATA_BATCH] for i in range(0, len(ids), METADATA_BATCH)]
    versions: dict[str, int] = {}
    for batch in batches:
        by_id = [QueryFilter.where("componentId", Operator.EQUALS, cid) for cid in batch]
        current = QueryFilter.where("currentVersion", Operator.EQUALS, True).and_(
            by_id[0].or_(*by_id[1:])
        )
        if branch_id is not None:
            current = QueryFilter.where("branchId", Operator.EQUALS, branch_id).and_(current)
        async for row in boomi.query_component_metadata(current):
            if row.component_id in wanted and row.current_version is not False and row.version:
                versions[row.component_id] = row.version
    return versions


class NewerInProduction(Conflict):
    """Main holds newer versions of components than the promotion would ship."""

    error_code = "NEWER_PROMOTION_IN_PRODUCTION"


async def check_not_behind_main(ctx: ActionContext, promotion: PromotionLog) -> None:
    """409 ``NEWER_PROMOTION_IN_PRODUCTION`` when main already holds a newer version of a
    component the promotion would ship (a newer promotion of the process, or of another one
    sharing the component, reached production since). A merge takes only what is newer than
    main, so the deployment would package main's newer content and record it as this
    promotion's: it must be promoted again instead."""
    async with ctx.unit_of_work() as uow:
        source = promotion
        if promoted_components(promotion.detail, promotion.root_component_id) is None:
            source = await _linked_test_promotion(uow, promotion) or promotion
        newer = await uow.promotions.query(
            statuses=[_S.DEPLOYED], dev_account_id=promotion.dev_account_id, page_size=50
        )
        shippers = {
            p.promotion_id: p for p in [*newer.items, *await _linked_tests(uow, newer.items)]
        }
    # An UNCHANGED component ships the version it kept: main moving past it counts too.
    written = {
        item.prod_component_id: item
        for item in source.detail.promotion_results
        if item.action in HELD_ACTIONS and item.prod_component_id
    }
    if not written:
        return
    on_main = await current_versions(ctx.boomi, written, branch_id=None)
    behind = sorted(
        prod_id
        for prod_id, item in written.items()
        if prod_id in on_main and on_main[prod_id] > item.version
    )
    if not behind:
        return
    names = ", ".join(written[prod_id].component_name or prod_id for prod_id in behind)
    by = next(
        (
            p
            for p in newer.items
            if any(item.prod_component_id in behind for item in _results_of(p, shippers))
        ),
        None,
    )
    shipped_by = ""
    if by is not None:
        came_from = f", from test deployment {by.test_promotion_id}" if by.test_promotion_id else ""
        shipped_by = f" (promotion {by.promotion_id} of {by.process_name}{came_from})"
    raise NewerInProduction(
        f"Production already holds newer versions of {names} than this promotion would ship"
        f"{shipped_by}: the merge would keep them and this deployment would release them as "
        "its own. Promote the package again and take the new promotion to production.",
        field="promotionId",
        details={
            "behindComponentIds": behind,
            "newerPromotionId": by.promotion_id if by is not None else "",
        },
    )


async def _linked_tests(uow: UnitOfWork, promotions: Iterable[PromotionLog]) -> list[PromotionLog]:
    ids = [p.test_promotion_id for p in promotions if p.test_promotion_id]
    return await uow.promotions.get_many(ids) if ids else []


def _results_of(
    promotion: PromotionLog, known: Mapping[str, PromotionLog]
) -> tuple[ComponentOutcome, ...]:
    detail = promotion.detail
    if promoted_components(detail, promotion.root_component_id) is None:
        test = known.get(promotion.test_promotion_id or "")
        detail = test.detail if test is not None else ResultDetail()
    return detail.promotion_results


@dataclass(frozen=True)
class _Shipment:
    """The packages one deployment ships, the root's first."""

    packages: Sequence[RecordedPackage]

    @property
    def root(self) -> RecordedPackage:
        return self.packages[0]

    @property
    def versions(self) -> dict[str, str]:
        """Component id → package version, as a release lists them."""
        return {p.component_id: p.package_version for p in self.packages}


# ---------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class PackChoice:
    """An existing pack by id, or a new pack by name; neither means "not chosen"."""

    pack_id: str | None = None
    new_name: str | None = None
    new_description: str = ""

    @property
    def chosen(self) -> bool:
        return bool(self.pack_id or self.new_name)


@dataclass(frozen=True)
class DeploymentOptions:
    package_version: str | None = None
    """``None``: Boomi numbers the package."""
    notes: str | None = None
    pack: PackChoice = PackChoice()
    """Mode 4: the test pack; modes 2 and 3: the production pack."""
    test_pack: PackChoice = PackChoice()
    """Mode 3 only: the test pack released after production."""


@dataclass
class DeploymentOutcome:
    promotion_id: str
    mode: DeploymentMode
    status: PromotionStatus
    package_id: str = ""
    package_version: str = ""
    integration_pack_id: str = ""
    integration_pack_name: str = ""
    release_id: str = ""
    release_status: str = ""
    test_integration_pack_id: str = ""
    test_integration_pack_name: str = ""
    test_release_id: str = ""
    test_release_status: str = ""
    test_release_error: str = ""
    """Mode 3: why the release to the test pack did not happen (not fatal)."""
    branch_preserved: bool = False
    """Whether the promotion's branch still exists after this run."""
    needs_pack_assignment: bool = False
    auto_detected_pack_id: str = ""

    @property
    def deployment_target(self) -> str:
        to_test = self.mode in (DeploymentMode.TEST, DeploymentMode.PACK_ASSIGNMENT)
        return "TEST" if to_test else "PRODUCTION"


@dataclass(frozen=True)
class _Pack:
    pack_id: str
    name: str


@dataclass(frozen=True)
class _Release:
    request_id: str
    status: str


# ---------------------------------------------------------------------------- D entry point


async def package_and_deploy(
    ctx: ActionContext,
    promotion_id: str,
    *,
    mode: DeploymentMode | None,
    options: DeploymentOptions,
) -> DeploymentOutcome:
    """Run D for the caller: checks, then the mode the promotion's status calls for.

    ``mode`` given must be the one the status calls for (409 ``INVALID_PROMOTION_STATUS``).
    Every refusal happens before anything changes.
    """
    promotion, chosen = await authorize_deployment(ctx, promotion_id, mode)
    await ctx.progress.link_promotion(promotion_id)
    if chosen is DeploymentMode.TEST:
        await _start(ctx, promotion_id, promotion.status, _S.TEST_DEPLOYING)
        return await _deploy_to_test(ctx, promotion_id, options)
    if chosen is DeploymentMode.PACK_ASSIGNMENT:
        if not options.pack.chosen:
            raise InvalidRequest(
                "Choose the test Integration Pack (integrationPackId) or create one "
                "(createNewPack with newPackName).",
                field="integrationPackId",
            )
        await check_pack_choice(ctx, options.pack, PackPurpose.TEST, field="integrationPackId")
        return await _assign_pack(ctx, promotion_id, options)
    await check_production_choices(ctx, promotion, options)
    await _start(ctx, promotion_id, promotion.status, _S.DEPLOYING)
    return await run_production_deployment(ctx, promotion_id, options)


async def authorize_deployment(
    ctx: ActionContext, promotion_id: str, mode: DeploymentMode | None
) -> tuple[PromotionLog, DeploymentMode]:
    """D's refusals, reading only: the mode the status calls for, and who may run it."""
    async with ctx.unit_of_work() as uow:
        promotion = await _load(uow, promotion_id)
        linked = await _linked_test_promotion(uow, promotion)
    chosen = _check_mode(promotion, mode)
    if chosen is DeploymentMode.TEST:
        await require_dev_account(ctx, promotion.dev_account_id)
    else:
        _require_admin(ctx, chosen)
        if chosen is not DeploymentMode.PACK_ASSIGNMENT:
            check_segregation(ctx.principal.email, promotion, linked)
    return promotion, chosen


def _check_mode(promotion: PromotionLog, requested: DeploymentMode | None) -> DeploymentMode:
    status = promotion.status
    expected = mode_for(status, is_hotfix=promotion.is_hotfix)
    if expected is None or (requested is not None and requested is not expected):
        wanted = f"mode {int(requested)}" if requested is not None else "a deployment"
        raise Conflict(
            f"A promotion in status {status}{' (hotfix)' if promotion.is_hotfix else ''} "
            f"cannot start {wanted}.",
            error_code="INVALID_PROMOTION_STATUS",
            field="mode" if requested is not None else "promotionId",
            details={"currentStatus": str(status)},
        )
    return expected


def _require_admin(ctx: ActionContext, mode: DeploymentMode) -> None:
    if ctx.principal.tier is not Tier.ADMIN:
        raise Forbidden(
            f"Deployment mode {int(mode)} needs the ADMIN tier.", error_code="INSUFFICIENT_TIER"
        )


def check_segregation(
    approver: str, promotion: PromotionLog, linked_test: PromotionLog | None
) -> None:
    """403 ``SELF_APPROVAL_NOT_ALLOWED`` when the approving admin already took part.

    The initiator (of this record and of the test promotion it came from), the submitter and
    the peer reviewer may not approve or deploy it; e-mails compare case-insensitively.
    """
    role = segregation_conflict(
        approver,
        {
            "initiated this promotion": promotion.initiated_by,
            "initiated the test promotion": linked_test.initiated_by if linked_test else None,
            "submitted it for review": promotion.submitted_for_review_by,
            "promoted it from test": promotion.promoted_from_test_by,
            "peer-reviewed it": promotion.peer_reviewed_by,
        },
    )
    if role is not None:
        raise SelfApprovalNotAllowed(
            f"You {role}; another admin must approve and deploy it.", field="promotionId"
        )


async def check_production_choices(
    ctx: ActionContext, promotion: PromotionLog, options: DeploymentOptions
) -> None:
    """The production pack (and a hotfix's test pack) are chosen and usable; 400/404 if not."""
    if not options.pack.chosen and not promotion.integration_pack_id:
        raise InvalidRequest(
            "Choose the production Integration Pack (integrationPackId) or create one "
            "(createNewPack with newPackName).",
            field="integrationPackId",
        )
    await check_pack_choice(ctx, options.pack, PackPurpose.PRODUCTION, field="integrationPackId")
    await check_pack_choice(ctx, options.test_pack, PackPurpose.TEST, field="hotfixTestPackId")


async def check_pack_choice(
    ctx: ActionContext, choice: PackChoice, purpose: PackPurpose, *, field: str
) -> None:
    """An existing pack must exist and serve ``purpose``; a new production name must not look
    like a test pack's."""
    if choice.pack_id:
        pack = await _get_pack(ctx.boomi, choice.pack_id, field=field)
        if pack_purpose(pack.name) is not purpose:
            raise InvalidRequest(
                f"Integration Pack '{pack.name}' is a {pack_purpose(pack.name).lower()} pack; "
                f"choose a {purpose.lower()} pack (test packs end with '{TEST_PACK_SUFFIX}').",
                field=field,
            )
    elif (
        choice.new_name
        and purpose is PackPurpose.PRODUCTION
        and pack_purpose(choice.new_name.strip()) is PackPurpose.TEST
    ):
        raise InvalidRequest(
            f"A production pack's name must not end with '{TEST_PACK_SUFFIX}'.",
            field="newPackName",
        )


# ---------------------------------------------------------------------------- mode 1


async def _deploy_to_test(
    ctx: ActionContext, promotion_id: str, options: DeploymentOptions
) -> DeploymentOutcome:
    outcome = DeploymentOutcome(promotion_id, DeploymentMode.TEST, _S.TEST_DEPLOYING)
    bound = ctx.log.bind(promotion_id=promotion_id, mode=1)
    try:
        promotion, components = await _promotion_and_components(ctx, promotion_id)
        await ctx.progress.report(step="package", message="Packaging from the promotion branch")
        shipment = await _package_from_branch(ctx, promotion, components, options)
        outcome.package_id = shipment.root.package_id
        outcome.package_version = shipment.root.package_version
        await release_branch(
            ctx.boomi, ctx.uow_factory, promotion_id, actor=_actor(ctx), process_name=_proc(ctx)
        )
        await ctx.progress.report(step="pack", message="Looking for the test pack in history")
        pack = await _test_pack_from_history(ctx, promotion)
        if pack is None:
            await _finish(
                ctx, promotion_id, _S.TEST_DEPLOYING, _S.PENDING_PACK_ASSIGNMENT, detail={}
            )
            outcome.status = _S.PENDING_PACK_ASSIGNMENT
            outcome.needs_pack_assignment = True
            bound.info("test deployment waits for a pack", package_id=outcome.package_id)
            return outcome
        outcome.auto_detected_pack_id = pack.pack_id
        await ctx.progress.report(step="release", message=f"Releasing {pack.name}")
        release = await _release(ctx, promotion_id, ReleaseType.TEST, pack, shipment)
    except Exception as exc:
        raise await _failed(
            ctx, promotion_id, _S.TEST_DEPLOYING, _S.TEST_DEPLOY_FAILED, exc
        ) from exc
    await _finish(
        ctx,
        promotion_id,
        _S.TEST_DEPLOYING,
        _S.TEST_DEPLOYED,
        detail={"testIntegrationPackId": pack.pack_id, "testReleaseId": release.request_id},
        test_integration_pack_id=pack.pack_id,
        test_integration_pack_name=pack.name,
        test_release_id=release.request_id,
        test_deployed_at=datetime.now(UTC),
        error_message=None,
    )
    bound.info("deployed to test", pack=pack.name, release_id=release.request_id)
    return replace(
        outcome,
        status=_S.TEST_DEPLOYED,
        test_integration_pack_id=pack.pack_id,
        test_integration_pack_name=pack.name,
        test_release_id=release.request_id,
        test_release_status=release.status,
    )


async def _package_from_branch(
    ctx: ActionContext,
    promotion: PromotionLog,
    components: PromotedComponents,
    options: DeploymentOptions,
) -> _Shipment:
    """The test packages: made from the branch now, or those an earlier attempt recorded.

    The root's package is made last, so a recorded ``prodPackageId`` means all were made.
    """
    if promotion.prod_package_id:
        return _recorded_shipment(promotion, components)
    if not promotion.branch_id or not promotion.branch_name:
        raise _NothingToDeploy(
            "The promotion's branch is gone and nothing was packaged from it; promote again."
        )
    contents = await package_contents(ctx.boomi, components, branch_id=promotion.branch_id)
    return await _make_packages(
        ctx, promotion, contents, options, branch_name=promotion.branch_name
    )


def _recorded_shipment(promotion: PromotionLog, components: PromotedComponents) -> _Shipment:
    """The packages the promotion recorded, the root's (``prodPackageId``) first."""
    packages = [
        p if p.component_id else replace(p, component_id=components.prod_root_id)
        for p in recorded_packages(promotion)
    ]
    root = [p for p in packages if p.package_id == promotion.prod_package_id]
    if not root:
        raise _NothingToDeploy("This promotion has no package recorded for its root process.")
    return _Shipment([*root, *(p for p in packages if p.package_id != promotion.prod_package_id)])


async def _make_packages(
    ctx: ActionContext,
    promotion: PromotionLog,
    contents: list[PackageContent],
    options: DeploymentOptions,
    *,
    branch_name: str,
) -> _Shipment:
    """A shareable package of each content from ``branch_name``, reusing those an earlier
    attempt made from the same branch; the root's (``contents[0]``) last."""
    earlier = {
        p.component_id: p for p in recorded_packages(promotion) if p.branch_name == branch_name
    }
    made: dict[str, RecordedPackage] = {}
    for content in [*contents[1:], contents[0]]:
        package = earlier.get(content.component_id)
        if package is None:
            created = await ctx.boomi.create_packaged_component(
                content.component_id,
                package_version=options.package_version,
                notes=options.notes,
                branch_name=None if branch_name == MAIN_BRANCH else branch_name,
                shareable=True,
                component_type=content.component_type,
            )
            package = await _record_package(
                ctx,
                promotion.promotion_id,
                created,
                content,
                branch_name=branch_name,
                is_root=content is contents[0],
            )
        made[content.component_id] = package
    return _Shipment([made[content.component_id] for content in contents])


async def _test_pack_from_history(ctx: ActionContext, promotion: PromotionLog) -> _Pack | None:
    """This record's own test pack (a retry), else the one of the latest test deployment of
    the same process; ``None`` when there is none or it no longer exists."""
    pack_id = promotion.test_integration_pack_id
    if not pack_id:
        async with ctx.unit_of_work() as uow:
            previous = await latest_test_deployment(uow, promotion)
        pack_id = previous.test_integration_pack_id if previous is not None else None
    if not pack_id:
        return None
    try:
        found = await ctx.boomi.get_publisher_integration_pack(pack_id)
    except BoomiNotFoundError:
        ctx.log.warning("the test pack from history is gone", pack_id=pack_id)
        return None
    return _Pack(found.id, found.name)


async def latest_test_deployment(uow: UnitOfWork, promotion: PromotionLog) -> PromotionLog | None:
    """The newest TEST_DEPLOYED promotion with a test pack of the same process, other than
    ``promotion`` itself: the same root from the same dev account, else (a process recreated
    under its old name) the same name from the same dev account. Another account's process
    of the same name is another process: its pack is not this one's."""
    by_root = await uow.promotions.query(
        statuses=[_S.TEST_DEPLOYED],
        dev_account_id=promotion.dev_account_id,
        root_component_id=promotion.root_component_id,
        page_size=HISTORY_PAGE_SIZE,
    )
    by_name = (
        await uow.promotions.query(
            statuses=[_S.TEST_DEPLOYED],
            dev_account_id=promotion.dev_account_id,
            process_name=promotion.process_name,
            page_size=HISTORY_PAGE_SIZE,
        )
        if promotion.process_name
        else None
    )
    for found in (by_root, by_name):
        for candidate in found.items if found is not None else []:
            if candidate.promotion_id != promotion.promotion_id and (
                candidate.test_integration_pack_id
            ):
                return candidate
    return None


# ---------------------------------------------------------------------------- mode 4


async def _assign_pack(
    ctx: ActionContext, promotion_id: str, options: DeploymentOptions
) -> DeploymentOutcome:
    outcome = DeploymentOutcome(promotion_id, DeploymentMode.PACK_ASSIGNMENT, _S.TEST_DEPLOYED)
    # Running state first: a crash from here on is compensated to a retryable failure.
    await _start(ctx, promotion_id, _S.PENDING_PACK_ASSIGNMENT, _S.TEST_DEPLOYING)
    current = _S.TEST_DEPLOYING
    try:
        promotion, components = await _promotion_and_components(ctx, promotion_id)
        if not promotion.prod_package_id or not promotion.package_version:
            raise _NothingToDeploy("This promotion has no package to assign to a pack.")
        shipment = _recorded_shipment(promotion, components)
        pack = await _pack_for(ctx, promotion_id, options.pack, PackPurpose.TEST)
        release = await _release(ctx, promotion_id, ReleaseType.TEST, pack, shipment)
    except Exception as exc:
        raise await _failed(ctx, promotion_id, current, _S.TEST_DEPLOY_FAILED, exc) from exc
    await _finish(
        ctx,
        promotion_id,
        current,
        _S.TEST_DEPLOYED,
        detail={"testIntegrationPackId": pack.pack_id, "testReleaseId": release.request_id},
        test_integration_pack_id=pack.pack_id,
        test_integration_pack_name=pack.name,
        test_release_id=release.request_id,
        test_deployed_at=datetime.now(UTC),
        error_message=None,
    )
    return replace(
        outcome,
        package_id=promotion.prod_package_id,
        package_version=promotion.package_version,
        test_integration_pack_id=pack.pack_id,
        test_integration_pack_name=pack.name,
        test_release_id=release.request_id,
        test_release_status=release.status,
    )


# ---------------------------------------------------------------------------- modes 2 and 3


async def start_production_deployment(
    uow: UnitOfWork, promotion: PromotionLog, *, actor: str, process_name: str
) -> None:
    """ADMIN_APPROVED or DEPLOY_FAILED → DEPLOYING, in the caller's unit of work."""
    await change_status(uow, promotion, _S.DEPLOYING, actor=actor, process_name=process_name)


async def run_production_deployment(
    ctx: ActionContext, promotion_id: str, options: DeploymentOptions
) -> DeploymentOutcome:
    """Mode 2 or 3 on a DEPLOYING promotion: merge, package from main, release, DEPLOYED."""
    async with ctx.unit_of_work() as uow:
        promotion = await _load(uow, promotion_id)
    mode = DeploymentMode.HOTFIX if promotion.is_hotfix else DeploymentMode.PRODUCTION
    outcome = DeploymentOutcome(promotion_id, mode, _S.DEPLOYING)
    bound = ctx.log.bind(promotion_id=promotion_id, mode=int(mode))
    try:
        promotion, components = await _promotion_and_components(ctx, promotion_id)
        # The pack first: once recorded, a retry after a failed merge needs no choice again.
        choice = options.pack
        if not choice.chosen and promotion.integration_pack_id:
            choice = PackChoice(pack_id=promotion.integration_pack_id)
        pack = await _pack_for(ctx, promotion_id, choice, PackPurpose.PRODUCTION)
        merged: frozenset[str] | None = None
        if promotion.branch_id:
            await ctx.progress.report(step="merge", message="Merging the branch into main")
            merged = await _merge_into_main(ctx, promotion)
        # Reads every promoted component's current version on main (fails if one is missing).
        contents = await package_contents(ctx.boomi, components, branch_id=None)
        await _mark_on_main(ctx, promotion, merged)
        await ctx.progress.report(step="package", message="Packaging from main")
        shipment = await _make_packages(ctx, promotion, contents, options, branch_name=MAIN_BRANCH)
        outcome.package_id = package_id = shipment.root.package_id
        outcome.package_version = shipment.root.package_version
        await ctx.progress.report(step="release", message=f"Releasing {pack.name}")
        release = await _release(ctx, promotion_id, ReleaseType.PRODUCTION, pack, shipment)
        await _set_fields(ctx, promotion_id, release_id=release.request_id)
    except Exception as exc:
        raise await _failed(ctx, promotion_id, _S.DEPLOYING, _S.DEPLOY_FAILED, exc) from exc
    outcome.integration_pack_id, outcome.integration_pack_name = pack.pack_id, pack.name
    outcome.release_id, outcome.release_status = release.request_id, release.status
    if mode is DeploymentMode.HOTFIX:
        await _release_hotfix_to_test(ctx, promotion, shipment, options, outcome)
    async with ctx.unit_of_work() as uow:
        current = await load_for_update(uow, promotion_id)
        await change_status(
            uow,
            current,
            _S.DEPLOYED,
            actor=_actor(ctx),
            process_name=_proc(ctx),
            detail={
                "integrationPackId": pack.pack_id,
                "releaseId": release.request_id,
                "prodPackageId": package_id,
            },
            integration_pack_id=pack.pack_id,
            integration_pack_name=pack.name,
            release_id=release.request_id,
            error_message=outcome.test_release_error or None,
        )
        await uow.commit()
    outcome.status = _S.DEPLOYED
    await release_branch(
        ctx.boomi, ctx.uow_factory, promotion_id, actor=_actor(ctx), process_name=_proc(ctx)
    )
    # SPEC §7: new components may now appear in client extensions; refresh who may edit them
    # (never fails the deployment: errors are logged and audited).
    await refresh_after_deployment(
        ctx.boomi, ctx.uow_factory, promotion_id=promotion_id, actor=_actor(ctx)
    )
    bound.info("deployed to production", pack=pack.name, release_id=release.request_id)
    return outcome


async def _merge_into_main(ctx: ActionContext, promotion: PromotionLog) -> frozenset[str]:
    """Merge the branch into main (OVERRIDE, source wins) and wait, bounded, for MERGED;
    the ids of the components the merge brought to main."""
    assert promotion.branch_id is not None
    main = await ctx.boomi.find_branch_by_name(MAIN_BRANCH)
    if main is None:
        raise LookupError("the primary account has no main branch")
    merged = await merge_branch(
        ctx.boomi,
        ctx.settings.boomi,
        promotion.branch_id,
        main.id,
        note=f"Promotion {promotion.promotion_id} of {promotion.process_name or 'a process'}",
        describing=f"branch {promotion.branch_name or promotion.branch_id} into main",
        on_failure="The branch was kept; retry the deployment.",
        component_names=promotion.detail.names_by_prod_id(),
    )
    ctx.log.info("branch merged into main", count=len(merged))
    return merged


async def _mark_on_main(
    ctx: ActionContext, promotion: PromotionLog, merged: frozenset[str] | None
) -> None:
    """Main holds what the promotion shipped (``package_contents`` just read each component's
    current version there): the mappings of exactly those prod components name them, marked
    on main, and the mapping history of the promotion (and of the test promotion it ships)
    is settled. ``merged``: what this attempt's merge brought (``None``: no merge this time,
    an earlier attempt's merge did it). Run on every attempt, so a crash between the merge
    and this step is completed by the retry."""
    async with ctx.unit_of_work() as uow:
        current = await _load(uow, promotion.promotion_id)
        writer = current
        if promoted_components(current.detail, current.root_component_id) is None:
            writer = await _linked_test_promotion(uow, current) or current
        # An UNCHANGED component shipped too, at the version its mapping already names: the
        # mark keeps that prod component (its mapping is never pointed elsewhere).
        written = writer.detail.held
        marks = await mark_reached_main(
            uow,
            dev_account_id=current.dev_account_id,
            prod_account_id=current.prod_account_id,
            written=written,
            writer_id=writer.promotion_id,
            promotion_ids=[current.promotion_id, writer.promotion_id],
            actor=_actor(ctx),
        )
        if merged is not None or marks.changed:
            await uow.audit.append(
                actor_email=_actor(ctx),
                action="promotion.merged",
                process_name=_proc(ctx),
                target_type="promotion",
                target_id=promotion.promotion_id,
                detail={
                    "mergedComponentIds": sorted(merged or ()),
                    "onMainComponentIds": marks.prod_component_ids,
                    "mappingsOnMain": marks.changed,
                    "mappingsCorrected": marks.corrected,
                    "completedEarlierMerge": merged is None,
                },
            )
        await uow.commit()


async def _release_hotfix_to_test(
    ctx: ActionContext,
    promotion: PromotionLog,
    shipment: _Shipment,
    options: DeploymentOptions,
    outcome: DeploymentOutcome,
) -> None:
    """After production, the hotfix goes to the test pack too; a failure is only recorded."""
    choice = options.test_pack
    try:
        if not choice.chosen:
            found = await _test_pack_from_history(ctx, promotion)
            if found is None:
                outcome.test_release_error = (
                    "Released to production; no test pack was chosen and none was found in "
                    "history, so the hotfix was not released to test."
                )
                return
            choice = PackChoice(pack_id=found.pack_id)
        pack = await _pack_for(ctx, promotion.promotion_id, choice, PackPurpose.TEST)
        outcome.test_integration_pack_id, outcome.test_integration_pack_name = (
            pack.pack_id,
            pack.name,
        )
        await ctx.progress.report(step="release", message=f"Releasing {pack.name}")
        release = await _release(ctx, promotion.promotion_id, ReleaseType.TEST, pack, shipment)
    except (BoomiError, PromoError) as exc:
        message = exc.message
        outcome.test_release_error = (
            f"Released to production; the release to the test pack failed: {message}"
        )
        ctx.log.warning("hotfix release to test failed", error=message)
        return
    outcome.test_release_id, outcome.test_release_status = release.request_id, release.status
    await _set_fields(
        ctx,
        promotion.promotion_id,
        test_release_id=release.request_id,
        test_deployed_at=datetime.now(UTC),
    )


# ---------------------------------------------------------------------------- packs, releases


async def _get_pack(boomi: BoomiClient, pack_id: str, *, field: str) -> PublisherIntegrationPack:
    try:
        return await boomi.get_publisher_integration_pack(pack_id)
    except BoomiNotFoundError as exc:
        raise IntegrationPackNotFound(
            f"There is no Integration Pack '{pack_id}'.", field=field
        ) from exc


async def _pack_for(
    ctx: ActionContext, promotion_id: str, choice: PackChoice, purpose: PackPurpose
) -> _Pack:
    """The chosen pack, or a new MULTI pack, recorded on the promotion at once (a retry then
    uses it rather than creating a second one). A retry that asks again for the new pack an
    interrupted attempt already made and recorded gets that pack (its name is taken now)."""
    if choice.pack_id:
        found = await _get_pack(ctx.boomi, choice.pack_id, field="integrationPackId")
        pack = _Pack(found.id, found.name)
    elif choice.new_name:
        name = with_test_suffix(choice.new_name) if purpose is PackPurpose.TEST else choice.new_name
        made_earlier = await _recorded_pack(ctx, promotion_id, purpose, name.strip())
        if made_earlier is not None:
            pack = made_earlier
        else:
            created = await ctx.boomi.create_publisher_integration_pack(
                name.strip(), description=choice.new_description, installation_type="MULTI"
            )
            pack = _Pack(created.id, created.name)
            ctx.log.info("integration pack created", pack_id=pack.pack_id, name=pack.name)
    else:
        raise InvalidRequest("No Integration Pack was chosen.", field="integrationPackId")
    if purpose is PackPurpose.TEST:
        await _set_fields(
            ctx,
            promotion_id,
            test_integration_pack_id=pack.pack_id,
            test_integration_pack_name=pack.name,
        )
    else:
        await _set_fields(
            ctx, promotion_id, integration_pack_id=pack.pack_id, integration_pack_name=pack.name
        )
    return pack


async def _recorded_pack(
    ctx: ActionContext, promotion_id: str, purpose: PackPurpose, name: str
) -> _Pack | None:
    """The pack of ``purpose`` this promotion records, if it is named ``name`` and exists."""
    async with ctx.unit_of_work() as uow:
        promotion = await _load(uow, promotion_id)
    recorded = (
        (promotion.test_integration_pack_id, promotion.test_integration_pack_name)
        if purpose is PackPurpose.TEST
        else (promotion.integration_pack_id, promotion.integration_pack_name)
    )
    pack_id, pack_name = recorded
    if not pack_id or pack_name != name:
        return None
    try:
        found = await ctx.boomi.get_publisher_integration_pack(pack_id)
    except BoomiNotFoundError:
        return None
    return _Pack(found.id, found.name)


async def _release(
    ctx: ActionContext,
    promotion_id: str,
    release_type: ReleaseType,
    pack: _Pack,
    shipment: _Shipment,
) -> _Release:
    """Put the shipment's components in the pack (those not there yet; the others of the pack
    stay), release every component of the pack, and read the release status a bounded number
    of times."""
    current = await ctx.boomi.add_to_integration_pack(pack.pack_id, list(shipment.versions))
    components = release_components(current, shipment.versions)
    started = await ctx.boomi.release_integration_pack(pack.pack_id, components)
    request_id = started.request_id or ""  # empty: recognised by its effect, see below
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=_actor(ctx),
            action=RELEASE_REQUESTED,
            process_name=_proc(ctx),
            target_type="promotion",
            target_id=promotion_id,
            detail={
                "releaseId": request_id,
                "releaseType": str(release_type),
                "integrationPackId": pack.pack_id,
                "integrationPackName": pack.name,
                "packageVersion": shipment.root.package_version,
                "components": [
                    {"componentId": component_id, "packageVersion": version}
                    for component_id, version in shipment.versions.items()
                ],
            },
        )
        await uow.commit()
    status = await _settle_release(ctx, promotion_id, started.request_id)
    if status.release_status == ReleaseStatus.ERROR:
        why = f": {status.message}" if status.message else ""
        raise _release_failed(
            f"Boomi reported the release of Integration Pack '{pack.name}' "
            f"(request {request_id}) as ERROR{why}."
        )
    ctx.log.info(
        "pack released", pack=pack.name, request_id=request_id, status=status.release_status
    )
    return _Release(request_id, status.release_status)


async def _settle_release(
    ctx: ActionContext, promotion_id: str, request_id: str | None
) -> ReleaseIntegrationPackStatus:
    """The release status after at most ``release_status_polls`` reads."""
    if request_id is None:
        return recognised_release()
    for attempt in range(ctx.settings.boomi.release_status_polls):
        if attempt:
            await asyncio.sleep(ctx.settings.boomi.poll_interval_seconds)
        status = await ctx.boomi.get_release_status(request_id)
        if status.finished:
            async with ctx.unit_of_work() as uow:
                await record_release_settled(uow, promotion_id, status, actor=_actor(ctx))
                await uow.commit()
            break
    return status


def recognised_release() -> ReleaseIntegrationPackStatus:
    """The status of a release whose answer was lost: the client recognised it by the pack
    running its versions, so it succeeded, and there is no request id to poll."""
    return ReleaseIntegrationPackStatus(request_id="", release_status=ReleaseStatus.SUCCESS)


async def record_release_settled(
    uow: UnitOfWork, promotion_id: str, status: ReleaseIntegrationPackStatus, *, actor: str
) -> datetime:
    """Note, once, when a release was first seen finished; that time (its completion)."""
    entries = await uow.audit.list_entries(
        target_type="promotion", target_id=promotion_id, page_size=AUDIT_PAGE_SIZE
    )
    for entry in entries.items:
        if entry.action == RELEASE_SETTLED and (
            (entry.detail or {}).get("releaseId") == status.request_id
        ):
            return entry.at
    entry = await uow.audit.append(
        actor_email=actor,
        action=RELEASE_SETTLED,
        target_type="promotion",
        target_id=promotion_id,
        detail={"releaseId": status.request_id, "releaseStatus": status.release_status},
    )
    return entry.at


# ---------------------------------------------------------------------------- store steps


def _actor(ctx: ActionContext) -> str:
    return ctx.principal.email


def _proc(ctx: ActionContext) -> str:
    return ctx.process_name


async def _load(uow: UnitOfWork, promotion_id: str) -> PromotionLog:
    return await uow.promotions.require(promotion_id)


async def _linked_test_promotion(uow: UnitOfWork, promotion: PromotionLog) -> PromotionLog | None:
    if not promotion.test_promotion_id:
        return None
    return await uow.promotions.get(promotion.test_promotion_id)


async def _promotion_and_components(
    ctx: ActionContext, promotion_id: str
) -> tuple[PromotionLog, PromotedComponents]:
    """The promotion now, and what it promoted (a PRODUCTION record: its test promotion's)."""
    async with ctx.unit_of_work() as uow:
        promotion = await _load(uow, promotion_id)
        components = promoted_components(promotion.detail, promotion.root_component_id)
        if components is None:
            linked = await _linked_test_promotion(uow, promotion)
            if linked is not None:
                components = promoted_components(linked.detail, linked.root_component_id)
    if components is None:
        raise _NothingToDeploy(
            "This promotion's results do not name its promoted root process; nothing to package."
        )
    return promotion, components


async def _start(ctx: ActionContext, promotion_id: str, seen: str, target: PromotionStatus) -> None:
    """Move to ``target`` if the promotion is still in the status the checks saw."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        if promotion.status != seen:
            raise Conflict(
                f"The promotion moved to {promotion.status} meanwhile; nothing was changed.",
                error_code="INVALID_PROMOTION_STATUS",
                field="promotionId",
            )
        await change_status(
            uow, promotion, target, actor=_actor(ctx), process_name=_proc(ctx), error_message=None
        )
        await uow.commit()


async def _finish(
    ctx: ActionContext,
    promotion_id: str,
    current: PromotionStatus,
    target: PromotionStatus,
    *,
    detail: dict[str, Any],
    **fields: Any,
) -> None:
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        if promotion.status != current:
            raise Conflict(
                f"The promotion is {promotion.status}, no longer {current}.",
                error_code="INVALID_PROMOTION_STATUS",
            )
        await change_status(
            uow,
            promotion,
            target,
            actor=_actor(ctx),
            process_name=_proc(ctx),
            detail=detail or None,
            **fields,
        )
        await uow.commit()


async def _set_fields(ctx: ActionContext, promotion_id: str, **fields: Any) -> None:
    """Record what a step produced (package, pack, release) without a status change."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        for name, value in fields.items():
            setattr(promotion, name, value)
        await uow.promotions.update(promotion)
        await uow.commit()


async def _record_package(
    ctx: ActionContext,
    promotion_id: str,
    package: PackagedComponent,
    content: PackageContent,
    *,
    branch_name: str,
    is_root: bool,
) -> RecordedPackage:
    """Add the package to ``resultDetail["packages"]`` (the root's also as ``prodPackageId``)
    at once: continuity finds the components in it from now on. Entries from another branch
    (a production record starts with its test deployment's) are dropped."""
    if not package.package_id:
        raise LookupError("Boomi answered the package create without a packageId")
    recorded = RecordedPackage(
        package_id=package.package_id,
        component_id=content.component_id,
        package_version=str(package.package_version or ""),
        branch_name=branch_name,
        prod_component_ids=content.prod_component_ids,
    )
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        detail = promotion.detail
        kept = [
            entry
            for entry in detail.packages or ()
            if entry.get("branchName") == recorded.branch_name
            and entry.get("componentId") != recorded.component_id
        ]
        entry = package_entry(
            package_id=recorded.package_id,
            component_id=recorded.component_id,
            package_version=recorded.package_version,
            branch_name=recorded.branch_name,
            prod_component_ids=recorded.prod_component_ids,
        )
        detail = replace(detail, packages=(*kept, entry))
        if is_root:
            # Kept apart from ``packageVersion``, which the production packaging overwrites.
            if recorded.branch_name == MAIN_BRANCH:
                detail = replace(detail, production_package_version=recorded.package_version)
            else:
                detail = replace(detail, test_package_version=recorded.package_version)
        promotion.result_detail = detail.to_json()
        if is_root:
            promotion.prod_package_id = recorded.package_id
            promotion.package_version = recorded.package_version
        await uow.promotions.update(promotion)
        await uow.audit.append(
            actor_email=_actor(ctx),
            action="promotion.packaged",
            process_name=_proc(ctx),
            target_type="promotion",
            target_id=promotion_id,
            detail={
                "packageId": recorded.package_id,
                "componentId": recorded.component_id,
                "packageVersion": recorded.package_version,
                "branchName": recorded.branch_name,
                **({"prodPackageId": recorded.package_id} if is_root else {}),
            },
        )
        await uow.commit()
    return recorded


async def _failed(
    ctx: ActionContext,
    promotion_id: str,
    current: PromotionStatus,
    target: PromotionStatus,
    exc: Exception,
) -> PromoError:
    """End the deployment ``target`` with the reason; the error to raise to the caller."""
    if isinstance(exc, PromoError):
        error: PromoError = exc
    elif isinstance(exc, BoomiError):
        error = from_boomi_error(exc)
    else:
        ctx.log.exception("deployment stopped on an unexpected error")
        error = PromoError(
            f"The deployment stopped on an unexpected error ({type(exc).__name__}).",
            error_code="DEPLOYMENT_FAILED",
        )
        error.status_code = 500
    reason = error.message[:MAX_ERROR_MESSAGE_CHARS]
    branch_kept = False
    try:
        async with ctx.unit_of_work() as uow:
            promotion = await load_for_update(uow, promotion_id)
            if promotion.status == current:
                await change_status(
                    uow,
                    promotion,
                    target,
                    actor=_actor(ctx),
                    process_name=_proc(ctx),
                    detail={"reason": reason, "errorCode": error.error_code},
                    error_message=reason,
                )
                await uow.commit()
            branch_kept = promotion.branch_id is not None
    except Exception:
        ctx.log.exception("could not record the failed deployment", promotion_id=promotion_id)
    ctx.log.warning("deployment failed", promotion_id=promotion_id, reason=reason)
    error.details.setdefault("promotionId", promotion_id)
    error.details.setdefault("newStatus", str(target))
    error.details.setdefault("branchPreserved", branch_kept)
    return error


# ---------------------------------------------------------------------------- recovery


async def compensate_interrupted_deployment(
    boomi: BoomiClient,
    uow_factory: UnitOfWorkFactory,
    promotion_id: str,
    *,
    process_name: str,
) -> None:
    """A deployment whose job died: TEST_DEPLOYING → TEST_DEPLOY_FAILED, DEPLOYING →
    DEPLOY_FAILED (reason "interrupted"); anything else is left alone, so running it twice
    is harmless. A review branch is kept for the retry; a test branch whose packages were
    all made (``prodPackageId`` is recorded last) has no further use and is deleted."""
    targets = {_S.TEST_DEPLOYING: _S.TEST_DEPLOY_FAILED, _S.DEPLOYING: _S.DEPLOY_FAILED}
    async with uow_factory() as uow:
        promotion = await uow.promotions.get_for_update(promotion_id)
        if promotion is None or promotion.status not in targets:
            return
        current = promotion.status
        await change_status(
            uow,
            promotion,
            targets[current],
            actor=SYSTEM_ACTOR,
            process_name=process_name,
            detail={"reason": INTERRUPTED_REASON},
            error_message=INTERRUPTED_REASON,
        )
        await uow.commit()
        packaged_test_branch = (
            current is _S.TEST_DEPLOYING
            and promotion.prod_package_id is not None
            and promotion.branch_id is not None
        )
    log.warning("interrupted deployment compensated", promotion_id=promotion_id)
    if packaged_test_branch:
        await release_branch(
            boomi, uow_factory, promotion_id, actor=SYSTEM_ACTOR, process_name=process_name
        )


# ---------------------------------------------------------------------------- history for J


async def suggested_pack(
    uow: UnitOfWork, process_name: str, purpose: PackPurpose
) -> tuple[str, str] | None:
    """(pack id, name) the last deployment of ``process_name`` used for ``purpose``."""
    if purpose is PackPurpose.TEST:
        latest = await uow.promotions.latest(statuses=[_S.TEST_DEPLOYED], process_name=process_name)
        if latest is not None and latest.test_integration_pack_id:
            return latest.test_integration_pack_id, latest.test_integration_pack_name or ""
        return None
    latest = await uow.promotions.latest(statuses=[_S.DEPLOYED], process_name=process_name)
    if latest is not None and latest.integration_pack_id:
        return latest.integration_pack_id, latest.integration_pack_name or ""
    return None
