"""executePromotion (SPEC §5): one dev package's tree written on a new branch of the primary.

The run, in order:

1. the package is checked; the PromotionLog is written IN_PROGRESS — the database lets one per
   dev account through, and none starts while another promotion of the same root process is
   under review (409 ``PROMOTION_IN_REVIEW``, :mod:`boomi_promo.engine.concurrency`);
2. the tree is resolved again on the server (a reviewed component list that differs is
   refused: review again); from here on every failure, a hostile component's included, ends
   the logged promotion FAILED;
3. the write order is computed (a reference cycle fails), every connection must have a
   mapping (all missing ones are listed), and every document to write is read and must carry no
   credential that stripping cannot take out (``SECRETS_DETECTED``, all of them listed, unless
   allowlisted) — nothing has been written to Boomi yet;
4. earlier COMPLETED (or TEST_DEPLOY_FAILED) promotions of the same root process are
   superseded (branch deleted, their mappings put back);
5. continuity decides update-in-place or create for each mapped component, and the branch
   sources (main, or the test packages holding the components to update);
6. the delta (issue 16): each component to update whose references all keep their prod ids
   is stripped and rewritten now and compared with the version the branch starts from
   (:mod:`boomi_promo.domain.delta`) — read on main before the branch exists, or on the branch
   once it is ready when it is built from packages. An equal one is UNCHANGED: not written, it
   keeps its version. One main is known to hold as it would be written (its promoted form's
   key and main's version on record, :mod:`boomi_promo.engine.promoted_forms`) is UNCHANGED
   before any document is read — neither its dev document nor main's is read, nor looked at
   for secrets in step 3. When every component is UNCHANGED the run ends with 409
   ``NOTHING_TO_PROMOTE`` (logged FAILED with that reason) and no branch is left behind;
7. the branch limit is checked, the branch ``promo-{promotionId}`` created and awaited, and
   any further package merged into it (:func:`~boomi_promo.engine.branches.assemble_branch`);
8. each other component is stripped of environment values, its references rewritten to prod
   ids, placed in its mirrored folder and created or updated on the branch — as soon as
   everything it references is written (or UNCHANGED), a few at a time;
9. success upserts the mappings of the components written, keeping what each said before
   (``engine.mapping_history``; an UNCHANGED one's mapping is left as it is), and ends
   COMPLETED; the first failure skips the rest, deletes the branch, writes
   no mapping and ends FAILED — as does any unexpected error.

Database units of work stay short and are never held across a Boomi call.

The run waits on Boomi's rate limit, not on itself: the walk reads the documents five a call
(the components the caller reviewed read ahead together, not level by level), each looked at
for secrets;
the primary account then gets its base reads (five a call), its branch, its folders (looked
up in one query, created while the branch gets ready) and its writes. Waiting for every
document before the branch is the price of refusing a secret before anything changes (issue
14); no component is read twice in a run.
"""

from __future__ import annotations

import asyncio
import heapq
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boomi_promo.boomi.errors import BoomiError, BoomiNotFoundError
from boomi_promo.boomi.models import Branch, PackagedComponent
from boomi_promo.domain.component_xml import ComponentXmlError, prepare_for_write
from boomi_promo.domain.delta import compare_documents
from boomi_promo.domain.graph import ReferenceCycleError, dependents_of
from boomi_promo.domain.references import remaining_ids, rewrite_references
from boomi_promo.domain.result_detail import CONNECTIONS_KEY, ComponentOutcome, ResultDetail
from boomi_promo.domain.secrets import strip_secrets
from boomi_promo.domain.statuses import TERMINAL, UNDER_REVIEW, PromotionStatus
from boomi_promo.engine.branches import (
    BranchSources,
    assemble_branch,
    count_branches,
    lookup_deadline,
)
from boomi_promo.engine.concurrency import check_no_promotion_in_review, in_review_refusal
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import (
    ContinuityPlan,
    last_known_tree,
    packaged_promotions,
    plan_continuity,
)
from boomi_promo.engine.documents import DocumentPrefetch, read_base_documents
from boomi_promo.engine.errors import (
    NOTHING_TO_PROMOTE_PREFIX,
    BranchLimitReached,
    ComponentInPromotion,
    ConcurrentPromotion,
    DependenciesChanged,
    DependencyCycle,
    MissingConnectionMappings,
    NothingToPromote,
    PackageNotFound,
    PromotionFailed,
)
from boomi_promo.engine.folders import BoomiFolders, FolderMirror, promoted_path
from boomi_promo.engine.lifecycle import change_status, record_failure
from boomi_promo.engine.mapping_history import record_change, snapshot
from boomi_promo.engine.promoted_forms import (
    FORMS_KEY,
    KnownForm,
    form_key,
    known_unchanged,
    record_main_forms,
)
from boomi_promo.engine.recovery import (
    FailureRecord,
    branch_name_for,
    delete_promotion_branch,
)
from boomi_promo.engine.secret_check import (
    ComponentSecret,
    blocking,
    component_secrets,
    mark_allowlisted,
    secrets_refusal,
)
from boomi_promo.engine.tree import (
    DependencyTree,
    TreeComponent,
    resolve_tree,
    resolve_tree_outline,
)
from boomi_promo.errors import InvalidRequest, PromoError, from_boomi_error
from boomi_promo.store import (
    ComponentMapping,
    ConcurrentPromotionError,
    MappingSource,
    PromotionLog,
)

TARGET_ENVIRONMENT = "TEST"
WRITE_CONCURRENCY = 4
"""Component writes in flight at once (each one's references already written)."""


class ComponentAction:
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    UNCHANGED = "UNCHANGED"
    """Equal to the version the branch starts from: not written, that version kept."""
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class PromotionRequest:
    dev_account_id: str
    dev_account_name: str
    dev_package_id: str
    root_component_id: str | None = None
    reviewed_component_ids: frozenset[str] | None = None
    """The ids the caller reviewed (``components``); ``None`` when not given."""


@dataclass(frozen=True)
class MissingConnection:
    dev_component_id: str
    name: str
    type: str
    dev_account_id: str

    def to_json(self) -> dict[str, str]:
        return {
            "devComponentId": self.dev_component_id,
            "name": self.name,
            "type": self.type,
            "devAccountId": self.dev_account_id,
        }


@dataclass(frozen=True)
class PromotionOutcome:
    promotion_id: str
    branch_id: str
    branch_name: str
    connections_skipped: int
    results: list[ComponentOutcome]


class _DevReadFailed(Exception):
    """A dev document could not be read: the run fails as the read would have in the walk,
    not as a failed write of that component."""

    def __init__(self, error: BoomiError) -> None:
        super().__init__(error.message)
        self.error = error


class _RunFailed(Exception):
    """Ends the run FAILED: ``error`` is what the caller gets, ``results`` go on the log."""

    def __init__(self, error: PromoError, results: list[ComponentOutcome] | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.results = results or []


SUPERSEDABLE = (PromotionStatus.COMPLETED, PromotionStatus.TEST_DEPLOY_FAILED)
"""Earlier promotions of the root a new one replaces: done, but not (yet) in a test pack or a
review. One whose test deployment failed would otherwise keep a second prod component for a
dev component alive on its branch, and could still reach main after the new one."""


async def execute_promotion(ctx: ActionContext, request: PromotionRequest) -> PromotionOutcome:
    """Run a promotion for the (already authorised) caller; see the module docstring."""
    package = await promoted_package(ctx, request)
    run = _PromotionRun(ctx, request, package.component_id)
    run.dev_package_version = str(package.package_version or "")
    await run.start()
    return await run.run()


async def check_promotable(ctx: ActionContext, request: PromotionRequest) -> None:
    """The refusals a new promotion of the package meets before it starts (read only)."""
    root_id = await package_root(ctx, request)
    async with ctx.unit_of_work() as uow:
        await check_no_promotion_in_review(
            uow, request.dev_account_id, root_id, doing="promoting it again"
        )


async def walk_for_promotion(
    ctx: ActionContext, request: PromotionRequest, root_id: str
) -> DependencyTree:
    """The tree as it is now. With bulk reads the walk reads the documents themselves, five a
    call, reading ahead what the tree is expected to hold (:func:`expected_tree`): the
    documents are then at hand for the rest of the run. Without, it outlines the tree by
    metadata and the documents are read afterwards, one a call (the baseline)."""
    if not ctx.settings.boomi.bulk_reads:
        return await resolve_tree_outline(ctx.boomi, request.dev_account_id, root_id, bulk=False)
    expected = await expected_tree(ctx, request, root_id)
    if await _forms_on_record(ctx, request.dev_account_id, expected):
        # Some components may be known UNCHANGED (engine.promoted_forms): outline the tree by
        # metadata, a hundred a call, and read only the documents still needed.
        return await resolve_tree_outline(
            ctx.boomi, request.dev_account_id, root_id, expected=expected
        )
    return await resolve_tree(ctx.boomi, request.dev_account_id, root_id, expected=expected)


async def _forms_on_record(ctx: ActionContext, dev_account_id: str, expected: list[str]) -> bool:
    """Whether main's form of any expected component is on record."""
    if not expected or not ctx.settings.promotion.delta:
        return False
    async with ctx.unit_of_work() as uow:
        mappings = await uow.mappings.get_many(dev_account_id, expected)
        recorded = await uow.main_forms.get_many(
            ctx.settings.boomi.primary_account_id,
            (m.prod_component_id for m in mappings.values()),
        )
    return bool(recorded)


async def expected_tree(ctx: ActionContext, request: PromotionRequest, root_id: str) -> list[str]:
    """What the tree is expected to hold, for the walk to read ahead: the components the
    caller reviewed, else those the last promotion of the root found (none in baseline mode)."""
    if not ctx.settings.boomi.bulk_reads:
        return []
    if request.reviewed_component_ids:
        return sorted(request.reviewed_component_ids)
    async with ctx.unit_of_work() as uow:
        return await last_known_tree(uow, request.dev_account_id, root_id)


async def package_root(ctx: ActionContext, request: PromotionRequest) -> str:
    """The root component of the dev package promoted (refused when it is not there)."""
    return (await promoted_package(ctx, request)).component_id


async def promoted_package(ctx: ActionContext, request: PromotionRequest) -> PackagedComponent:
    """The dev package promoted (refused when it is not there or names another root)."""
    try:
        package = await ctx.boomi.get_packaged_component(
            request.dev_package_id, override_account=request.dev_account_id
        )
    except BoomiNotFoundError:
        package = None
    if package is None or package.deleted:
        raise PackageNotFound(
            f"Package {request.dev_package_id} does not exist in dev account "
            f"{request.dev_account_id}.",
            field="devPackageId",
        )
    if request.root_component_id and request.root_component_id != package.component_id:
        raise InvalidRequest(
            f"rootComponentId {request.root_component_id} is not the component of package "
            f"{request.dev_package_id} ({package.component_id}).",
            field="rootComponentId",
        )
    return package


def cycle_refusal(tree: DependencyTree, cycle: list[str]) -> DependencyCycle:
    """The refusal of a tree whose components reference each other in a circle."""
    names = [tree.components[cid].name for cid in cycle]
    return DependencyCycle(
        "Components reference each other in a circle: "
        + " → ".join([*names, names[0]])
        + ". Break the cycle in the dev account and promote again.",
        details={"cycle": cycle},
    )


def missing_connections_refusal(missing: list[MissingConnection]) -> MissingConnectionMappings:
    """The refusal of a tree with connections that have no mapping (all of them listed)."""
    names = ", ".join(m.name for m in missing)
    return MissingConnectionMappings(
        f"{len(missing)} connection(s) have no mapping to a shared connection in the "
        f"primary account: {names}. An admin must map them before this promotes.",
        details={"missingConnectionMappings": [m.to_json() for m in missing]},
    )


def nothing_to_promote_refusal(
    tree: DependencyTree, unchanged: int, *, on_branch: bool
) -> NothingToPromote:
    """The answer of a promotion in which no component would change."""
    # On a branch the run's failure path adds that the branch was deleted.
    base = "its test deployment" if on_branch else "production (main)"
    return NothingToPromote(
        f"{NOTHING_TO_PROMOTE_PREFIX}: all {unchanged} component(s) of {tree.root.name} are "
        f"the same as in {base}. Nothing was written"
        + ("." if on_branch else " and no branch was created."),
        details={"componentsUnchanged": unchanged},
    )


def branch_limit_refusal(count: int, needed: int, limit: int) -> BranchLimitReached | None:
    """The refusal when ``needed`` more branches would pass the soft limit, else ``None``."""
    if count + needed <= limit:
        return None
    return BranchLimitReached(
        f"The primary account has {count} branches and this promotion needs "
        f"{needed} more (the limit is {limit}); finish or withdraw pending "
        "promotions before starting another.",
        details={"branchCount": count, "branchLimit": limit},
    )


def _check_reviewed(tree: DependencyTree, reviewed: Collection[str] | None) -> None:
    if reviewed is None:
        return
    added, removed = tree.ids - set(reviewed), set(reviewed) - tree.ids
    if added or removed:
        raise DependenciesChanged(
            "The dependency tree changed since it was reviewed; review it again before promoting.",
            details={
                "addedComponentIds": sorted(added),
                "removedComponentIds": sorted(removed),
            },
        )


class _PromotionRun:
    def __init__(self, ctx: ActionContext, request: PromotionRequest, root_id: str) -> None:
        self.ctx = ctx
        self.request = request
        self.root_id = root_id
        self._tree: DependencyTree | None = None
        self._documents: DocumentPrefetch | None = None
        self.promotion_id = str(uuid.uuid4())
        self.branch_name = branch_name_for(self.promotion_id)
        self.branch_id: str | None = None
        self.branch_requested = False
        """Set once the branch create is sent: from then on a failure must look for the branch."""
        self.branch_requested_at = 0.0
        """When (``time.monotonic()``) the create was sent; by name the branch is looked for
        until it has had the time to show in a Branch QUERY."""
        self.results: dict[str, ComponentOutcome] = {}
        self.dev_package_version = ""
        """The version the team gave its dev package: the change's name on every page."""
        self.unchanged: dict[str, ComponentOutcome] = {}
        """Components the delta found equal to the branch's base: never written."""
        self.promoted: dict[str, bytes] = {}
        """Promoted forms (stripped, rewritten) worked out for the delta, kept for the write."""
        self.form_keys: dict[str, str] = {}
        """Dev id → the key of the promoted form it is written (or kept) as."""
        self.log = ctx.log.bind(promotion_id=self.promotion_id)
        folders = BoomiFolders(ctx.boomi)
        self.folders = FolderMirror(folders, search=folders)

    @property
    def actor(self) -> str:
        return self.ctx.principal.email

    @property
    def tree(self) -> DependencyTree:
        assert self._tree is not None, "the tree is resolved first"
        return self._tree

    @property
    def documents(self) -> DocumentPrefetch:
        assert self._documents is not None, "the tree is resolved first"
        return self._documents

    # ------------------------------------------------------------------ start

    async def start(self) -> None:
        """Write the IN_PROGRESS log; the database refuses a second one for the dev account,
        and none starts while another promotion of the root is under review."""
        promotion = PromotionLog(
            promotion_id=self.promotion_id,
            dev_account_id=self.request.dev_account_id,
            dev_account_name=self.request.dev_account_name,
            prod_account_id=self.ctx.settings.boomi.primary_account_id,
            dev_package_id=self.request.dev_package_id,
            root_component_id=self.root_id,
            initiated_by=self.actor,
            initiated_at=datetime.now(UTC),
            status=PromotionStatus.IN_PROGRESS,
            target_environment=TARGET_ENVIRONMENT,
            result_detail=ResultDetail(dev_package_version=self.dev_package_version).to_json(),
        )
        async with self.ctx.unit_of_work() as uow:
            await check_no_promotion_in_review(
                uow,
                self.request.dev_account_id,
                self.root_id,
                doing="promoting it again",
                lock=True,
            )
            try:
                await uow.promotions.add(promotion)
            except ConcurrentPromotionError as exc:
                raise ConcurrentPromotion(str(exc), field="devAccountId") from exc
            await uow.audit.append(
                actor_email=self.actor,
                action="promotion.started",
                process_name=self.ctx.process_name,
                target_type="promotion",
                target_id=self.promotion_id,
                after_status=PromotionStatus.IN_PROGRESS,
                detail={"devPackageId": self.request.dev_package_id},
            )
            await uow.commit()
        await self.ctx.progress.link_promotion(self.promotion_id)
        self.log.info("promotion started", root_component_id=self.root_id)

    async def _resolve(self) -> None:
        """The tree, resolved again on the server, and its name and size on the log."""
        await self.ctx.progress.report(step="resolve", message="Resolving the dependency tree")
        tree = await walk_for_promotion(self.ctx, self.request, self.root_id)
        _check_reviewed(tree, self.request.reviewed_component_ids)
        self._tree = tree
        self._documents = DocumentPrefetch(
            self.ctx.boomi,
            self.request.dev_account_id,
            tree,
            bulk=self.ctx.settings.boomi.bulk_reads,
        )
        async with self.ctx.unit_of_work() as uow:
            promotion = await uow.promotions.get_for_update(self.promotion_id)
            if promotion is not None:
                promotion.process_name = tree.root.name
                promotion.components_total = len(tree.components)
                await uow.promotions.update(promotion)
                await uow.commit()
        self.log.info("tree resolved", components=len(tree.components))

    # ------------------------------------------------------------------ the run

    async def run(self) -> PromotionOutcome:
        try:
            return await self._run()
        except _RunFailed as failed:
            reason = await self._fail(failed.error.message, failed.results)
            failed.error.message = reason
            failed.error.details.setdefault("promotionId", self.promotion_id)
            failed.error.details.setdefault(
                "promotionResults", [r.to_json() for r in failed.results]
            )
            raise failed.error from None
        except BoomiError as exc:
            await self._fail(f"{exc.message}.", list(self.results.values()))
            error = from_boomi_error(exc)
            error.details.setdefault("promotionId", self.promotion_id)
            raise error from exc
        except Exception as exc:
            reason = _describe_unexpected(exc)
            await self._fail(reason, list(self.results.values()))
            if isinstance(exc, PromoError):
                exc.details.setdefault("promotionId", self.promotion_id)
            raise

    async def _run(self) -> PromotionOutcome:
        await self._resolve()
        await self.ctx.progress.report(step="validate", message="Checking order and connections")
        order = self._write_order()
        try:
            connection_ids = await self._check_connections()
            mappings, plan = await self._plan()
            await self._check_not_held_elsewhere(mappings, plan)
            await self._find_known_unchanged(order, connection_ids, mappings, plan)
            # Reads only: a refusal below just leaves them unused.
            self.documents.start(
                cid
                for cid in order
                if not self.tree.components[cid].is_connection and cid not in self.unchanged
            )
            await self.ctx.progress.report(
                step="secrets", message="Looking for secrets that cannot be stripped"
            )
            await self._check_secrets(order)
            await self.ctx.progress.report(
                step="supersede", message="Superseding earlier promotions"
            )
            await self._supersede_earlier()
            mappings, plan = await self._plan()
            # The delta reads main before any branch exists; a branch built from packages
            # starts elsewhere, so it is read there once it is ready.
            from_main = plan.sources.package_id is None
            if from_main:
                await self._find_unchanged(order, connection_ids, mappings, plan, None)
            await self.ctx.progress.report(step="branch", message=f"Creating {self.branch_name}")
            await self._check_branch_limit(plan.sources.branches_needed)
            await self._create_branch_and_folders(plan.sources)
            if not from_main:
                await self._find_unchanged(order, connection_ids, mappings, plan, self.branch_id)
            await self._write_components(order, connection_ids, mappings, plan)
        finally:
            await self.documents.aclose()
        await self.ctx.progress.report(step="finish", message="Recording mappings")
        await self._complete(plan)
        return PromotionOutcome(
            promotion_id=self.promotion_id,
            branch_id=self.branch_id or "",
            branch_name=self.branch_name,
            connections_skipped=len(connection_ids),
            results=list(self.results.values()),
        )

    def _write_order(self) -> list[str]:
        try:
            return self.tree.write_order()
        except ReferenceCycleError as exc:
            raise _RunFailed(cycle_refusal(self.tree, exc.cycle)) from exc

    async def _check_connections(self) -> dict[str, str]:
        """Dev connection id → prod id; every connection must be mapped, else all are listed."""
        connections = self.tree.connections
        async with self.ctx.unit_of_work() as uow:
            found = await uow.mappings.get_many(
                self.request.dev_account_id, (c.component_id for c in connections)
            )
        missing = [
            MissingConnection(c.component_id, c.name, c.type, self.request.dev_account_id)
            for c in connections
            if c.component_id not in found
        ]
        if missing:
            raise _RunFailed(missing_connections_refusal(missing))
        return {cid: found[cid].prod_component_id for cid in sorted(found)}

    async def _check_secrets(self, order: list[str]) -> None:
        """Every document is read and looked at before anything changes (no earlier promotion
        superseded, no branch): a credential that stripping cannot take out refuses the run
        with all of them listed, unless an admin allowlisted it."""
        findings: list[ComponentSecret] = []
        for cid in order:
            component = self.tree.components[cid]
            # A component main holds already is not written: nothing of it leaves dev.
            if not component.is_connection and cid not in self.unchanged:
                findings.extend(component_secrets(component, await self.documents.xml_of(cid)))
        async with self.ctx.unit_of_work() as uow:
            findings = await mark_allowlisted(uow, findings)
        remaining = blocking(findings)
        if len(remaining) < len(findings):
            self.log.info("allowlisted secret findings", count=len(findings) - len(remaining))
        if remaining:
            raise _RunFailed(secrets_refusal(remaining))

    async def _supersede_earlier(self) -> None:
        """Earlier :data:`SUPERSEDABLE` promotions of the same root from the same dev account
        become SUPERSEDED (their mappings put back, their branches deleted)."""
        async with self.ctx.unit_of_work() as uow:
            earlier = await uow.promotions.query(
                statuses=SUPERSEDABLE,
                dev_account_id=self.request.dev_account_id,
                root_component_id=self.tree.root_id,
                page_size=500,
            )
        for promotion in earlier.items:
            branch_id = await self._mark_superseded(promotion.promotion_id)
            if not branch_id:
                continue
            # Marked first, then deleted: a deployment that started meanwhile keeps its branch.
            await delete_promotion_branch(self.ctx.boomi, promotion.promotion_id, branch_id)
            async with self.ctx.unit_of_work() as uow:
                superseded = await uow.promotions.get_for_update(promotion.promotion_id)
                if superseded is not None and superseded.branch_id == branch_id:
                    superseded.branch_id = None
                    await uow.promotions.update(superseded)
                await uow.audit.append(
                    actor_email=self.actor,
                    action="promotion.branch_deleted",
                    process_name=self.ctx.process_name,
                    target_type="promotion",
                    target_id=promotion.promotion_id,
                    detail={"branchId": branch_id},
                )
                await uow.commit()

    async def _mark_superseded(self, promotion_id: str) -> str | None:
        """Mark one promotion SUPERSEDED; the branch id it held (``None``: nothing to delete)."""
        async with self.ctx.unit_of_work() as uow:
            promotion = await uow.promotions.get_for_update(promotion_id)
            if promotion is None or promotion.status not in SUPERSEDABLE:
                return None
            await change_status(
                uow,
                promotion,
                PromotionStatus.SUPERSEDED,
                actor=self.actor,
                process_name=self.ctx.process_name,
                detail={"supersededBy": self.promotion_id, "supersededByUser": self.actor},
                superseded_by=self.promotion_id,
            )
            await uow.commit()
            branch_id = promotion.branch_id
        self.log.info("earlier promotion superseded", superseded=promotion_id)
        return branch_id

    async def _plan(self) -> tuple[dict[str, ComponentMapping], ContinuityPlan]:
        # Read after superseding: a superseded promotion's mappings were just put back.
        promoted = [c.component_id for c in self.tree.components.values() if not c.is_connection]
        async with self.ctx.unit_of_work() as uow:
            mappings = await uow.mappings.get_many(self.request.dev_account_id, promoted)
            packaged = await packaged_promotions(uow, self.request.dev_account_id)
        plan = plan_continuity(mappings, packaged, root_component_id=self.tree.root_id)
        if plan.stale:
            self.log.info("stale mappings will be replaced", count=len(plan.stale))
        return mappings, plan

    async def _check_not_held_elsewhere(
        self, mappings: dict[str, ComponentMapping], plan: ContinuityPlan
    ) -> None:
        """Refuse when a component of the tree is held, off main and in no package, by
        another live promotion (of another root sharing it): creating a second prod component
        for it would give the dev component two once both reach main. Earlier promotions of
        this root that are about to be superseded do not count."""
        owners = {
            mappings[dev_id].last_promotion_id: dev_id
            for dev_id in sorted(plan.stale)
            if mappings[dev_id].last_promotion_id
        }
        if not owners:
            return
        async with self.ctx.unit_of_work() as uow:
            found = await uow.promotions.get_many(str(owner) for owner in owners)
        for holder in sorted(found, key=lambda p: p.initiated_at):
            superseded_next = (
                holder.root_component_id == self.root_id and holder.status in SUPERSEDABLE
            )
            if holder.status in TERMINAL or superseded_next:
                continue
            name = mappings[owners[holder.promotion_id]].component_name
            doing = f"promoting {self.tree.root.name}, which shares {name} with it,"
            if holder.status in UNDER_REVIEW:
                raise _RunFailed(in_review_refusal(holder, doing=doing))
            raise _RunFailed(
                ComponentInPromotion(
                    f"{name} is also in promotion {holder.promotion_id} of "
                    f"{holder.process_name or holder.root_component_id} ({holder.status}), "
                    "which holds it only on its branch; deploy that one to Test (or let it "
                    "end) before promoting a package that shares the component.",
                    field="devPackageId",
                    details={
                        "blockingPromotionId": holder.promotion_id,
                        "blockingStatus": str(holder.status),
                        "sharedComponentId": owners[holder.promotion_id],
                    },
                )
            )

    def _delta_candidates(
        self,
        order: list[str],
        connection_ids: dict[str, str],
        mappings: dict[str, ComponentMapping],
        plan: ContinuityPlan,
    ) -> tuple[list[str], list[str], dict[str, str]]:
        """The components to write, those of them that may be UNCHANGED (updated in place, no
        reference created by this run: a new prod id changes the content), and the prod ids
        references are rewritten to as far as they are known."""
        to_write = [cid for cid in order if not self.tree.components[cid].is_connection]
        created = {cid for cid in to_write if cid not in plan.usable}
        candidates = [
            cid
            for cid in to_write
            if cid in plan.usable and not (self.tree.references[cid] & created)
        ]
        id_map = dict(connection_ids)
        id_map.update({cid: mappings[cid].prod_component_id for cid in plan.usable})
        return to_write, candidates, id_map

    async def _find_known_unchanged(
        self,
        order: list[str],
        connection_ids: dict[str, str],
        mappings: dict[str, ComponentMapping],
        plan: ContinuityPlan,
    ) -> None:
        """Components main is known to hold as this promotion would write them
        (:mod:`~boomi_promo.engine.promoted_forms`): UNCHANGED before any document is read.

        Only for a branch that starts from main, and not when an earlier promotion of the root is
        about to be superseded (putting its mappings back may change what is updated in place).
        """
        if not self.ctx.settings.promotion.delta or plan.sources.package_id is not None:
            return
        _, candidates, id_map = self._delta_candidates(order, connection_ids, mappings, plan)
        forms: dict[str, KnownForm] = {}
        for cid in candidates:
            key = form_key(self.tree, cid, id_map)
            if key is not None:
                forms[cid] = KnownForm(mappings[cid].prod_component_id, key)
        if not forms:
            return
        async with self.ctx.unit_of_work() as uow:
            earlier = await uow.promotions.query(
                statuses=SUPERSEDABLE,
                dev_account_id=self.request.dev_account_id,
                root_component_id=self.tree.root_id,
                page_size=1,
            )
            if earlier.items:
                return
            known = await known_unchanged(
                self.ctx.boomi, uow, self.ctx.settings.boomi.primary_account_id, forms
            )
        for cid, version in known.items():
            self.unchanged[cid] = self._unchanged_result(cid, forms[cid].prod_component_id, version)
            self.form_keys[cid] = forms[cid].form_key
        if known:
            self.log.info("known unchanged", count=len(known))

    def _unchanged_result(self, cid: str, prod_id: str, version: int) -> ComponentOutcome:
        component = self.tree.components[cid]
        return ComponentOutcome(
            dev_component_id=cid,
            prod_component_id=prod_id,
            component_name=component.name,
            component_type=component.type,
            action=ComponentAction.UNCHANGED,
            version=version,
        )

    async def _find_unchanged(
        self,
        order: list[str],
        connection_ids: dict[str, str],
        mappings: dict[str, ComponentMapping],
        plan: ContinuityPlan,
        branch_id: str | None,
    ) -> None:
        """Which components the branch already holds as this promotion would write them.

        Those not known already are compared by reading. Anything that cannot be compared (a
        base that is not there or does not parse, a document the write would refuse) is
        written, so the write reports it as before. What main is found to hold is recorded
        for the next promotion. When nothing is left to write the run ends
        ``NOTHING_TO_PROMOTE``.
        """
        if not self.ctx.settings.promotion.delta:
            return
        to_write, candidates, id_map = self._delta_candidates(order, connection_ids, mappings, plan)
        candidates = [cid for cid in candidates if cid not in self.unchanged]
        if candidates:
            await self._compare_with_base(candidates, id_map, mappings, branch_id)
        self.log.info("delta", unchanged=len(self.unchanged), to_write=len(to_write))
        if len(self.unchanged) == len(to_write):
            results = [self.unchanged[cid] for cid in to_write]
            on_branch = branch_id is not None
            raise _RunFailed(
                nothing_to_promote_refusal(self.tree, len(results), on_branch=on_branch), results
            )

    async def _compare_with_base(
        self,
        candidates: list[str],
        id_map: dict[str, str],
        mappings: dict[str, ComponentMapping],
        branch_id: str | None,
    ) -> None:
        await self.ctx.progress.report(
            step="delta", message="Comparing components with the versions in production"
        )
        prod_ids = {cid: mappings[cid].prod_component_id for cid in candidates}
        bases = await read_base_documents(
            self.ctx.boomi,
            list(prod_ids.values()),
            branch_id=branch_id,
            bulk=self.ctx.settings.boomi.bulk_reads,
        )
        on_main: dict[str, tuple[str, int]] = {}
        for cid in candidates:
            component = self.tree.components[cid]
            base = bases.get(prod_ids[cid])
            try:
                promoted = self._promoted_form(component, await self.documents.xml_of(cid), id_map)
            except (BoomiError, ComponentXmlError, ValueError):
                continue
            self.promoted[cid] = promoted
            if base is None:
                continue
            try:
                delta = compare_documents(
                    promoted,
                    base.xml,
                    promoted_folder="/".join(promoted_path(component.folder_full_path)),
                )
            except ComponentXmlError as exc:
                self.log.warning("base not comparable; written", component=cid, error=str(exc))
                continue
            if delta.changed:
                self.log.debug("component changed", component=cid, changes=delta.differences)
                continue
            self.unchanged[cid] = self._unchanged_result(cid, prod_ids[cid], base.version or 0)
            key = form_key(self.tree, cid, id_map)
            if key is not None:
                self.form_keys[cid] = key
                if branch_id is None and base.version:
                    on_main[prod_ids[cid]] = (key, base.version)
        if on_main:
            async with self.ctx.unit_of_work() as uow:
                await record_main_forms(uow, self.ctx.settings.boomi.primary_account_id, on_main)
                await uow.commit()

    async def _check_branch_limit(self, needed: int) -> None:
        """Room for ``needed`` more branches under the soft limit (the promotion branch, and a
        temporary one while packages are merged into it)."""
        limit = self.ctx.settings.boomi.branch_soft_limit
        count = await count_branches(self.ctx.boomi)
        refusal = branch_limit_refusal(count, needed, limit)
        if refusal is not None:
            raise _RunFailed(refusal)

    async def _create_branch_and_folders(self, sources: BranchSources) -> None:
        """The branch, and meanwhile the mirrored folders (they live outside the branch)."""
        branch = asyncio.create_task(self._create_branch(sources))
        try:
            await self._prepare_folders()
        finally:
            await branch

    async def _prepare_folders(self) -> None:
        paths = {c.folder_full_path for c in self.tree.components.values() if not c.is_connection}
        try:
            await self.folders.prepare(paths)
        except (BoomiError, LookupError) as exc:
            # Left to the write that needs the folder: it reports it for its component.
            self.log.warning("folders not prepared ahead", error=str(exc))

    async def _create_branch(self, sources: BranchSources) -> None:
        self.branch_requested = True
        self.branch_requested_at = time.monotonic()
        branch = await assemble_branch(
            self.ctx.boomi,
            self.ctx.settings.boomi,
            promotion_id=self.promotion_id,
            sources=sources,
            description=f"Promotion {self.promotion_id} of {self.tree.root.name}",
            on_created=self._record_branch,
        )
        self.log.info(
            "branch ready",
            branch_id=branch.id,
            from_package=sources.package_id,
            merged_packages=list(sources.merged_package_ids),
        )

    async def _record_branch(self, branch: Branch) -> None:
        # Recorded before waiting, so a crash from here on finds the branch to delete.
        self.branch_id = branch.id
        async with self.ctx.unit_of_work() as uow:
            promotion = await uow.promotions.get_for_update(self.promotion_id)
            if promotion is not None:
                promotion.branch_id = branch.id
                promotion.branch_name = branch.name
                await uow.promotions.update(promotion)
                await uow.commit()

    # ------------------------------------------------------------------ writing

    async def _write_components(
        self,
        order: list[str],
        connection_ids: dict[str, str],
        mappings: dict[str, ComponentMapping],
        plan: ContinuityPlan,
    ) -> None:
        """Write each component once everything it references is written, a few at a time;
        after the first failure nothing new starts, the writes under way finish, and the
        failure ends the run."""
        to_write = [cid for cid in order if not self.tree.components[cid].is_connection]
        # UNCHANGED components are done already: their prod ids are known, nothing waits.
        self.results.update(self.unchanged)
        id_map = dict(connection_ids)
        id_map.update({cid: r.prod_component_id for cid, r in self.unchanged.items()})
        pending = [cid for cid in to_write if cid not in self.unchanged]
        position = {cid: index for index, cid in enumerate(pending)}
        waiting_on = {
            cid: {r for r in self.tree.references[cid] if r in position and r != cid}
            for cid in pending
        }
        dependents: dict[str, list[str]] = {cid: [] for cid in pending}
        for cid, needed in waiting_on.items():
            for reference in needed:
                dependents[reference].append(cid)
        ready = [(position[cid], cid) for cid in pending if not waiting_on[cid]]
        heapq.heapify(ready)
        writing: dict[asyncio.Task[ComponentOutcome], str] = {}
        # Creates of one name, type and folder never run together: a lost answer is looked up
        # by exactly that, and the sibling's id must be known (id_map) by then to be told apart.
        creating: dict[asyncio.Task[ComponentOutcome], tuple[str, str, str]] = {}
        held: list[tuple[int, str]] = []
        failures: list[tuple[TreeComponent, Exception]] = []
        unexpected: BaseException | None = None
        started = 0
        try:
            while ready or writing:
                while ready and len(writing) < WRITE_CONCURRENCY and not failures:
                    entry = heapq.heappop(ready)
                    dev_id = entry[1]
                    component = self.tree.components[dev_id]
                    prod_id = mappings[dev_id].prod_component_id if dev_id in plan.usable else None
                    key = _create_key(component)
                    if prod_id is None and key in creating.values():
                        held.append(entry)
                        continue
                    started += 1
                    await self.ctx.progress.report(
                        step="promote", current=started, total=len(pending), message=component.name
                    )
                    task = asyncio.create_task(self._write_one(component, prod_id, id_map))
                    writing[task] = dev_id
                    if prod_id is None:
                        creating[task] = key
                if not writing:
                    break
                done, _ = await asyncio.wait(writing, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    dev_id = writing.pop(task)
                    if creating.pop(task, None) is not None:
                        for entry in held:
                            heapq.heappush(ready, entry)
                        held.clear()
                    error = task.exception()
                    if isinstance(error, _DevReadFailed):
                        unexpected = unexpected or error.error
                        ready.clear()
                    elif isinstance(error, BoomiError | ValueError | LookupError):
                        failures.append((self.tree.components[dev_id], error))
                        ready.clear()
                    elif error is not None:
                        unexpected = unexpected or error
                        ready.clear()
                    else:
                        result = task.result()
                        self.results[dev_id] = result
                        id_map[dev_id] = result.prod_component_id
                        for dependent in dependents[dev_id]:
                            waiting_on[dependent].discard(dev_id)
                            if not waiting_on[dependent]:
                                heapq.heappush(ready, (position[dependent], dependent))
        finally:
            for task in writing:
                task.cancel()
            await asyncio.gather(*writing, return_exceptions=True)
        # Results in write order, as a one-by-one run would list them.
        self.results = {cid: self.results[cid] for cid in to_write if cid in self.results}
        if unexpected is not None:
            raise unexpected
        if failures:
            (first, exc), *others = failures
            for component, other in others:
                self.results[component.component_id] = _failed_result(component, other)
            not_written = [
                cid for cid in to_write if cid not in self.results and cid != first.component_id
            ]
            raise self._component_failed(first, exc, not_written) from exc

    async def _write_one(
        self,
        component: TreeComponent,
        prod_id: str | None,
        id_map: dict[str, str],
    ) -> ComponentOutcome:
        rewritten = self.promoted.get(component.component_id)
        if rewritten is None:
            try:
                document = await self.documents.xml_of(component.component_id)
            except BoomiError as exc:
                raise _DevReadFailed(exc) from exc
            rewritten = self._promoted_form(component, document, id_map)
        folder_id = await self.folders.folder_for(component.folder_full_path)
        body = prepare_for_write(
            rewritten, component_id=prod_id, folder_id=folder_id, branch_id=self.branch_id
        )
        if prod_id is None:
            written = await self.ctx.boomi.create_component(
                body, branch_id=self.branch_id, folder_id=folder_id, not_ids=id_map.values()
            )
            action = ComponentAction.CREATED
        else:
            written = await self.ctx.boomi.update_component(
                prod_id, body, branch_id=self.branch_id, folder_id=folder_id
            )
            action = ComponentAction.UPDATED
        if not written.component_id:
            raise ValueError("Boomi answered the write without a component id")
        key = form_key(self.tree, component.component_id, id_map)
        if key is not None:
            self.form_keys[component.component_id] = key
        return ComponentOutcome(
            dev_component_id=component.component_id,
            prod_component_id=written.component_id,
            component_name=component.name,
            component_type=component.type,
            action=action,
            version=written.version or 0,
        )

    def _promoted_form(
        self, component: TreeComponent, document: bytes, id_map: dict[str, str]
    ) -> bytes:
        """The dev document stripped of environment values, its references rewritten."""
        stripped = strip_secrets(document).xml
        rewritten = rewrite_references(stripped, id_map).xml
        left = remaining_ids(rewritten, set(self.tree.ids))
        if left:
            names = ", ".join(sorted(self.tree.components[cid].name for cid in left))
            raise ValueError(f"it still mentions dev components after rewriting: {names}")
        return rewritten

    def _component_failed(
        self, component: TreeComponent, exc: Exception, not_written: list[str]
    ) -> _RunFailed:
        reason = str(exc) or type(exc).__name__
        self.results[component.component_id] = ComponentOutcome(
            dev_component_id=component.component_id,
            prod_component_id="",
            component_name=component.name,
            component_type=component.type,
            action=ComponentAction.FAILED,
            version=0,
            error=reason,
        )
        dependents = dependents_of(component.component_id, self.tree.references)
        for dev_id in not_written:
            skipped = self.tree.components[dev_id]
            why = (
                f"depends on {component.name}, which failed"
                if dev_id in dependents
                else f"not written: the promotion stopped at {component.name}"
            )
            self.results[dev_id] = ComponentOutcome(
                dev_component_id=dev_id,
                prod_component_id="",
                component_name=skipped.name,
                component_type=skipped.type,
                action=ComponentAction.SKIPPED,
                version=0,
                error=why,
            )
        message = (
            f"Component '{component.name}' ({component.type}) could not be promoted: {reason}."
        )
        details: dict[str, Any] = {"failedComponentId": component.component_id}
        if isinstance(exc, BoomiError):
            details["causeErrorCode"] = exc.error_code
            status = exc.http_status
        else:
            status = 422
        return _RunFailed(
            PromotionFailed(message, status_code=status, details=details),
            list(self.results.values()),
        )

    # ------------------------------------------------------------------ endings

    async def _complete(self, plan: ContinuityPlan) -> None:
        now = datetime.now(UTC)
        results = list(self.results.values())
        async with self.ctx.unit_of_work() as uow:
            promotion = await uow.promotions.get_for_update(self.promotion_id)
            if promotion is None or promotion.status != PromotionStatus.IN_PROGRESS:
                raise LookupError(f"promotion {self.promotion_id} is no longer IN_PROGRESS")
            # What each mapping says now, kept for a restore if this promotion is discarded.
            current = await uow.mappings.get_many(
                self.request.dev_account_id, (r.dev_component_id for r in results)
            )
            for result in results:
                if result.action == ComponentAction.UNCHANGED:
                    # Still the prod component and version the mapping names: no change to
                    # record, and none for a discarded promotion to put back.
                    continue
                previous = current.get(result.dev_component_id)
                # Taken now: the upsert below refreshes ``previous`` in place.
                before = snapshot(previous) if previous is not None else None
                kept_on_main = (
                    previous is not None
                    and previous.on_main
                    and previous.prod_component_id == result.prod_component_id
                    and result.dev_component_id in plan.usable
                )
                written = await uow.mappings.upsert(
                    ComponentMapping(
                        dev_component_id=result.dev_component_id,
                        dev_account_id=self.request.dev_account_id,
                        prod_component_id=result.prod_component_id,
                        component_name=result.component_name,
                        component_type=result.component_type,
                        prod_account_id=self.ctx.settings.boomi.primary_account_id,
                        prod_latest_version=result.version,
                        last_promoted_at=now,
                        last_promoted_by=self.actor,
                        mapping_source=MappingSource.PROMOTION_ENGINE,
                        # An update leaves the earlier version on main; a new one is not there.
                        on_main=kept_on_main,
                        last_promotion_id=self.promotion_id,
                    )
                )
                await record_change(uow, self.promotion_id, before, written)
            created = _count(results, ComponentAction.CREATED)
            updated = _count(results, ComponentAction.UPDATED)
            unchanged = _count(results, ComponentAction.UNCHANGED)
            await change_status(
                uow,
                promotion,
                PromotionStatus.COMPLETED,
                actor=self.actor,
                process_name=self.ctx.process_name,
                detail={
                    "branchId": self.branch_id,
                    "created": created,
                    "updated": updated,
                    "unchanged": unchanged,
                },
                components_created=created,
                components_updated=updated,
                components_unchanged=unchanged,
                components_failed=0,
                result_detail=self._result_detail(results, plan.sources),
            )
            await uow.commit()
        self.log.info(
            "promotion completed",
            created=_count(results, ComponentAction.CREATED),
            updated=_count(results, ComponentAction.UPDATED),
            unchanged=_count(results, ComponentAction.UNCHANGED),
        )

    async def _fail(self, reason: str, results: list[ComponentOutcome]) -> str:
        """Delete the branch (if any) and end FAILED; a failure here is logged, not raised.

        The reason as recorded: once a branch was asked for, it says what became of it.
        """
        branch_deleted = True
        if self.branch_requested:
            settings = self.ctx.settings.boomi
            try:
                await delete_promotion_branch(
                    self.ctx.boomi,
                    self.promotion_id,
                    self.branch_id,
                    look_until=lookup_deadline(settings, self.branch_requested_at),
                    interval_seconds=settings.poll_interval_seconds,
                )
            except BoomiError as exc:
                branch_deleted = False
                self.log.error("could not delete the promotion branch", error=str(exc))
            reason = f"{reason} {_branch_outcome(branch_deleted)}"
        failure = FailureRecord(
            reason=reason,
            result_detail=self._result_detail(results, None),
            counts={
                "components_created": _count(results, ComponentAction.CREATED),
                "components_updated": _count(results, ComponentAction.UPDATED),
                "components_unchanged": _count(results, ComponentAction.UNCHANGED),
                "components_failed": _count(results, ComponentAction.FAILED),
            },
        )
        try:
            await record_failure(
                self.ctx.uow_factory,
                self.promotion_id,
                failure,
                actor=self.actor,
                process_name=self.ctx.process_name,
            )
            if not branch_deleted and self.branch_id is not None:
                await self._keep_branch_for_cleanup(self.branch_id)
        except Exception:
            self.log.exception("could not record the failed promotion")
        self.log.warning("promotion failed", reason=reason)
        return reason

    async def _keep_branch_for_cleanup(self, branch_id: str) -> None:
        # The branch could not be deleted: keep its id on the log for the reconciler.
        async with self.ctx.unit_of_work() as uow:
            promotion = await uow.promotions.get_for_update(self.promotion_id)
            if promotion is not None:
                promotion.branch_id = branch_id
                await uow.promotions.update(promotion)
                await uow.commit()

    def _result_detail(
        self, results: list[ComponentOutcome], sources: BranchSources | None
    ) -> dict[str, Any]:
        return ResultDetail(
            promotion_results=tuple(results),
            dev_package_version=self.dev_package_version,
            other={
                CONNECTIONS_KEY: [
                    {"devComponentId": c.component_id, "componentName": c.name}
                    for c in (self._tree.connections if self._tree is not None else [])
                ],
                "branchPackageId": sources.package_id if sources is not None else None,
                "mergedPackageIds": (
                    list(sources.merged_package_ids) if sources is not None else []
                ),
                FORMS_KEY: {
                    r.dev_component_id: self.form_keys[r.dev_component_id]
                    for r in results
                    if r.held and r.dev_component_id in self.form_keys
                },
            },
        ).to_json()


def _create_key(component: TreeComponent) -> tuple[str, str, str]:
    """What a lost create is looked up by (the mirrored folder follows the dev folder)."""
    return (component.name, component.type, component.folder_full_path)


def _branch_outcome(branch_deleted: bool) -> str:
    if branch_deleted:
        return "The branch was deleted and no mapping was written."
    return (
        "The branch could not be deleted; it stays on record for `promo reconcile` to remove. "
        "No mapping was written."
    )


def _failed_result(component: TreeComponent, exc: Exception) -> ComponentOutcome:
    return ComponentOutcome(
        dev_component_id=component.component_id,
        prod_component_id="",
        component_name=component.name,
        component_type=component.type,
        action=ComponentAction.FAILED,
        version=0,
        error=str(exc) or type(exc).__name__,
    )


def _count(results: list[ComponentOutcome], action: str) -> int:
    return sum(1 for r in results if r.action == action)


def _describe_unexpected(exc: Exception) -> str:
    if isinstance(exc, PromoError):
        return exc.message
    return f"The promotion stopped on an unexpected error ({type(exc).__name__})."
