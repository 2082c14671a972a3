"""A dry run of executePromotion: what it would write and where, and the Boomi calls it takes.

Nothing is written, neither to Boomi nor to the store. The plan takes the run's own read
paths: the package is checked and the tree walked as the run walks it
(:func:`~boomi_promo.engine.promotion.walk_for_promotion`: its documents read in bulk, or
outlined and the documents read pinned to the walked versions by
:class:`~boomi_promo.engine.documents.DocumentPrefetch`), the store asked the same questions
(connection mappings, :func:`~boomi_promo.engine.continuity.plan_continuity`, the earlier
promotions a run would supersede), the mirrored folders looked up by a
:class:`~boomi_promo.engine.folders.FolderMirror` whose creations are only recorded, and the
primary account's branches counted. Each document is stripped and rewritten in memory, as the
run would before writing it, to list the environment values emptied (kind and path, never the
value) and the references rewritten.

The delta (issue 16) is the run's own: when the branch would start from main, each component
to update is compared with main's version as the run compares it and an equal one is planned
UNCHANGED (all of them: the ``NOTHING_TO_PROMOTE`` finding). A branch built from test
packages starts where the plan cannot read, so there each component to update is planned
UPDATE and ``delta_on_branch`` says the run decides on the branch which of them are UNCHANGED.

What the run would refuse before writing (a connection without a mapping, a reference cycle,
the branch limit, a secret stripping cannot take out — listed in ``secret_findings``) and what
it would fail on (a component that cannot be stripped or still names a dev component) are
findings of the plan, not errors; a wrong package or account is still an error, as it is for
the run.

The Boomi calls are counted from the run's algorithm for a run that goes through. Waiting for
Boomi (a new branch to be ready, a merge to finish) polls once per ``poll_interval_seconds``
until Boomi is done; those waits are counted as one call each, the fewest they take, and
:attr:`CallEstimate.waits` says how many there are.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from boomi_promo.boomi.client import BULK_COMPONENT_MAX, REFERENCE_QUERY_PARENTS
from boomi_promo.boomi.models import Folder
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.domain.component_xml import ComponentXmlError
from boomi_promo.domain.delta import compare_documents
from boomi_promo.domain.graph import ReferenceCycleError
from boomi_promo.domain.references import remaining_ids, rewrite_references
from boomi_promo.domain.secrets import find_environment_values, strip_secrets
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.branches import count_branches
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import ContinuityPlan, packaged_promotions, plan_continuity
from boomi_promo.engine.documents import DocumentPrefetch, read_base_documents
from boomi_promo.engine.errors import PromotionFailed
from boomi_promo.engine.folders import SEARCH_BATCH, BoomiFolders, FolderMirror, promoted_path
from boomi_promo.engine.promotion import (
    MissingConnection,
    PromotionRequest,
    branch_limit_refusal,
    cycle_refusal,
    expected_tree,
    missing_connections_refusal,
    nothing_to_promote_refusal,
    package_root,
    walk_for_promotion,
)
from boomi_promo.engine.recovery import branch_name_for
from boomi_promo.engine.secret_check import (
    ComponentSecret,
    blocking,
    component_secrets,
    mark_allowlisted,
    secrets_refusal,
)
from boomi_promo.engine.tree import (
    METADATA_BATCH,
    DependencyTree,
    TreeComponent,
)
from boomi_promo.errors import PromoError
from boomi_promo.store import ComponentMapping

CREATE = "CREATE"
UPDATE = "UPDATE"
UNCHANGED = "UNCHANGED"
"""Equal to the version the branch starts from: the run leaves it unwritten (issue 16)."""
QUERY_PAGE_SIZE = 100
"""Results per Boomi query page: a longer answer costs a ``queryMore`` call per page."""
MERGE_CALLS = 7
"""Bringing one more package into the branch: its temporary branch created, polled once and
deleted; the merge request created, polled until REVIEWING, executed, polled until MERGED."""
MERGE_WAITS = 3
DEV_ACCOUNT = "dev"
PRIMARY_ACCOUNT = "primary"


class ReferenceTarget:
    """What a dev id in a component is rewritten to."""

    CONNECTION = "CONNECTION"
    """The shared production connection the mapping names."""
    UPDATED = "UPDATED"
    """The prod component this promotion updates."""
    CREATED = "CREATED"
    """The prod component this promotion creates (its id is known only once written)."""
    UNMAPPED_CONNECTION = "UNMAPPED_CONNECTION"
    """A connection without a mapping: the run refuses before writing anything."""


@dataclass(frozen=True, slots=True)
class PlannedSecret:
    """An environment-specific value the run empties: where and what kind, never the value."""

    kind: str
    path: str


@dataclass(frozen=True, slots=True)
class PlannedReference:
    dev_component_id: str
    component_name: str
    target: str
    """One of :class:`ReferenceTarget`."""
    prod_component_id: str
    """Empty for a component still to be created and for an unmapped connection."""
    occurrences: int


@dataclass(frozen=True, slots=True)
class PlannedComponent:
    dev_component_id: str
    component_name: str
    component_type: str
    dev_version: int | None
    action: str
    """CREATE, UPDATE or UNCHANGED."""
    prod_component_id: str
    """The prod component updated; empty for a create."""
    current_prod_version: int | None
    merged_from_package_id: str
    """The package whose merge brings the component onto the branch: the merge makes a
    version of its own before the update; empty when the branch has it from the start."""
    resulting_version: int
    folder_full_path: str
    """The mirrored folder it is written to, in the primary account."""
    environment_values: list[PlannedSecret]
    references: list[PlannedReference]
    error: str = ""
    """Why the run would fail on this component; empty when it would be written."""


@dataclass(frozen=True, slots=True)
class PlannedConnection:
    dev_component_id: str
    component_name: str
    component_type: str
    prod_component_id: str
    """The shared connection used instead; empty when there is no mapping."""

    @property
    def mapped(self) -> bool:
        return bool(self.prod_component_id)


@dataclass(frozen=True, slots=True)
class SupersededPromotion:
    promotion_id: str
    branch_id: str
    """The branch the run deletes; empty when the promotion holds none."""


@dataclass(frozen=True, slots=True)
class PlannedBranch:
    name: str
    """``promo-{promotionId}``: the id is given when the run starts."""
    from_package_id: str | None
    """Created from this package (it holds components to update); ``None``: from main."""
    merged_package_ids: tuple[str, ...]
    branches_needed: int
    branch_count: int
    """Branches in the primary account once the superseded promotions' ones are deleted."""
    branch_limit: int

    @property
    def within_limit(self) -> bool:
        return self.branch_count + self.branches_needed <= self.branch_limit


@dataclass(frozen=True, slots=True)
class CallStep:
    step: str
    account: str
    """``dev`` or ``primary``: each account has its own rate limit."""
    calls: int
    waits: int
    """Polls counted once each here; each takes one call more per poll interval Boomi needs."""
    note: str


@dataclass(frozen=True, slots=True)
class CallEstimate:
    steps: list[CallStep]

    @property
    def total(self) -> int:
        return sum(step.calls for step in self.steps)

    @property
    def waits(self) -> int:
        return sum(step.waits for step in self.steps)


@dataclass(frozen=True, slots=True)
class Finding:
    """Something that stops the run: the refusal it would give, or a component it fails on."""

    code: str
    message: str
    component_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PromotionPlan:
    root_component_id: str
    root_component_name: str
    components: list[PlannedComponent]
    """Every component the run writes, in write order (walk order when there is a cycle)."""
    connections: list[PlannedConnection]
    missing_connections: list[MissingConnection]
    folders_to_create: list[str]
    """Full paths in the primary account, parents first."""
    branch: PlannedBranch
    superseded: list[SupersededPromotion]
    calls: CallEstimate
    findings: list[Finding]
    secret_findings: list[ComponentSecret] = field(default_factory=list)
    """Credentials stripping cannot take out; those not allowlisted refuse the run."""
    delta_on_branch: bool = False
    """The branch starts from test packages: which updates are UNCHANGED is decided there."""

    @property
    def would_promote(self) -> bool:
        return not self.findings


async def plan_promotion(ctx: ActionContext, request: PromotionRequest) -> PromotionPlan:
    """What :func:`~boomi_promo.engine.promotion.execute_promotion` would do, read-only."""
    root_id = await package_root(ctx, request)
    expected = await expected_tree(ctx, request, root_id)
    tree = await walk_for_promotion(ctx, request, root_id)
    return await _Planner(ctx, request, tree, expected).plan()


class _SearchOnlyFolders:
    """The folder API of a :class:`FolderMirror` that only looks: a folder the mirror would
    create is recorded (parents first) and answered with a stand-in id."""

    def __init__(self, folders: BoomiFolders) -> None:
        self._folders = folders
        self._paths: dict[str, str] = {}
        """Folder id (real or stand-in) → full path."""
        self.root_path = ""
        self.searched = 0
        """Paths looked up by search (the run looks up the same ones)."""
        self.to_create: list[str] = []

    async def root_folder(self) -> Folder:
        root = await self._folders.root_folder()
        self.root_path = self._remember(root)
        return root

    async def find_folder(self, full_path: str) -> Folder | None:
        found = await self._folders.find_folder(full_path)
        if found is not None:
            self._remember(found)
        return found

    async def find_folders(self, full_paths: Iterable[str]) -> dict[str, Folder]:
        wanted = set(full_paths)
        self.searched += len(wanted)
        found = await self._folders.find_folders(wanted)
        for folder in found.values():
            self._remember(folder)
        return found

    async def create_folder(self, name: str, parent_id: str) -> Folder:
        full_path = f"{self._paths[parent_id]}/{name}"
        self.to_create.append(full_path)
        stand_in = Folder(id=f"planned:{full_path}", name=name, full_path=full_path)
        self._remember(stand_in)
        return stand_in

    def mirror_of(self, dev_folder_full_path: str) -> str:
        return "/".join([self.root_path, *promoted_path(dev_folder_full_path)])

    def _remember(self, folder: Folder) -> str:
        path = folder.full_path or folder.name or ""
        self._paths[folder.id] = path
        return path


@dataclass
class _Store:
    """What the run asks the store, asked once."""

    connection_mappings: dict[str, ComponentMapping]
    mappings: dict[str, ComponentMapping]
    continuity: ContinuityPlan
    package_contents: dict[str, frozenset[str]]
    """Recorded package id → the prod components it holds."""
    superseded: list[SupersededPromotion]


class _Planner:
    def __init__(
        self,
        ctx: ActionContext,
        request: PromotionRequest,
        tree: DependencyTree,
        expected: list[str],
    ) -> None:
        self.ctx = ctx
        self.expected = expected
        """What the walk read ahead (the last promotion's tree): its calls differ."""
        self.request = request
        self.tree = tree
        self.findings: list[Finding] = []
        self.folders = _SearchOnlyFolders(BoomiFolders(ctx.boomi))

    async def plan(self) -> PromotionPlan:
        order = self._write_order()
        to_write = [cid for cid in order if not self.tree.components[cid].is_connection]
        documents = DocumentPrefetch(
            self.ctx.boomi,
            self.request.dev_account_id,
            self.tree,
            bulk=self.ctx.settings.boomi.bulk_reads,
        )
        documents.start(to_write)
        try:
            store = await self._ask_store(to_write)
            connections = self._connections(store)
            missing = [
                MissingConnection(
                    c.dev_component_id,
                    c.component_name,
                    c.component_type,
                    self.request.dev_account_id,
                )
                for c in connections
                if not c.mapped
            ]
            if missing:
                refusal = missing_connections_refusal(missing)
                self._find(refusal, [m.dev_component_id for m in missing])
            # The primary account's reads, at once (the documents are read meanwhile).
            candidates = self._delta_candidates(to_write, store)
            counting = asyncio.create_task(self._count_branches())
            reading = asyncio.create_task(self._main_versions(store))
            bases = asyncio.create_task(self._bases(store, candidates))
            await _settle(
                counting, reading, bases, asyncio.create_task(self._prepare_folders(to_write))
            )
            versions = reading.result()
            branch = self._branch(store, counting.result())
            id_map = self._planned_ids(store, connections)
            components = [
                self._component(
                    cid, await documents.xml_of(cid), store, versions, id_map, bases.result()
                )
                for cid in to_write
            ]
            if components and all(c.action == UNCHANGED for c in components):
                self._find(
                    nothing_to_promote_refusal(self.tree, len(components), on_branch=False), []
                )
            secrets = await self._secrets(to_write, documents)
        finally:
            await documents.aclose()
        return PromotionPlan(
            root_component_id=self.tree.root_id,
            root_component_name=self.tree.root.name,
            components=components,
            connections=connections,
            missing_connections=missing,
            folders_to_create=list(self.folders.to_create),
            branch=branch,
            superseded=store.superseded,
            calls=self._estimate(
                to_write,
                store,
                branch,
                compared=len(candidates),
                unchanged=sum(1 for c in components if c.action == UNCHANGED),
            ),
            findings=self.findings,
            secret_findings=secrets,
            delta_on_branch=bool(candidates) and store.continuity.sources.package_id is not None,
        )

    def _delta_candidates(self, to_write: list[str], store: _Store) -> list[str]:
        """The components the run compares: updated in place, no reference created anew."""
        if not self.ctx.settings.promotion.delta:
            return []
        usable = store.continuity.usable
        created = {cid for cid in to_write if cid not in usable}
        return [
            cid for cid in to_write if cid in usable and not (self.tree.references[cid] & created)
        ]

    async def _bases(self, store: _Store, candidates: list[str]) -> dict[str, bytes]:
        """Prod id → main's document of each candidate, when the branch would start from main."""
        if not candidates or store.continuity.sources.package_id is not None:
            return {}
        prod_ids = [store.mappings[cid].prod_component_id for cid in candidates]
        found = await read_base_documents(
            self.ctx.boomi, prod_ids, bulk=self.ctx.settings.boomi.bulk_reads
        )
        return {prod_id: doc.xml for prod_id, doc in found.items() if doc is not None}

    async def _secrets(
        self, to_write: list[str], documents: DocumentPrefetch
    ) -> list[ComponentSecret]:
        """What the run would refuse as SECRETS_DETECTED, allowlisted findings marked."""
        found: list[ComponentSecret] = []
        for cid in to_write:
            found.extend(component_secrets(self.tree.components[cid], await documents.xml_of(cid)))
        async with self.ctx.unit_of_work() as uow:
            found = await mark_allowlisted(uow, found)
        remaining = blocking(found)
        if remaining:
            self._find(secrets_refusal(remaining), sorted({f.component_id for f in remaining}))
        return found

    def _find(self, refusal: PromoError, component_ids: list[str]) -> None:
        self.findings.append(Finding(refusal.error_code, refusal.message, component_ids))

    def _write_order(self) -> list[str]:
        try:
            return self.tree.write_order()
        except ReferenceCycleError as exc:
            self._find(cycle_refusal(self.tree, exc.cycle), list(exc.cycle))
            return list(self.tree.components)

    async def _ask_store(self, to_write: list[str]) -> _Store:
        async with self.ctx.unit_of_work() as uow:
            connection_mappings = await uow.mappings.get_many(
                self.request.dev_account_id, (c.component_id for c in self.tree.connections)
            )
            mappings = await uow.mappings.get_many(self.request.dev_account_id, to_write)
            packaged = await packaged_promotions(uow, self.request.dev_account_id)
            earlier = await uow.promotions.query(
                statuses=[PromotionStatus.COMPLETED],
                dev_account_id=self.request.dev_account_id,
                root_component_id=self.tree.root_id,
                page_size=500,
            )
        return _Store(
            connection_mappings=connection_mappings,
            mappings=mappings,
            continuity=plan_continuity(mappings, packaged, root_component_id=self.tree.root_id),
            package_contents={
                package.package_id: package.prod_component_ids
                for promotion in packaged
                for package in promotion.packages
            },
            superseded=[
                SupersededPromotion(p.promotion_id, p.branch_id or "") for p in earlier.items
            ],
        )

    def _connections(self, store: _Store) -> list[PlannedConnection]:
        planned: list[PlannedConnection] = []
        for connection in self.tree.connections:
            mapping = store.connection_mappings.get(connection.component_id)
            planned.append(
                PlannedConnection(
                    dev_component_id=connection.component_id,
                    component_name=connection.name,
                    component_type=connection.type,
                    prod_component_id=mapping.prod_component_id if mapping is not None else "",
                )
            )
        return planned

    async def _count_branches(self) -> int:
        return await count_branches(self.ctx.boomi)

    async def _main_versions(self, store: _Store) -> dict[str, int]:
        """Prod id → the current version on main of each prod component to update."""
        prod_ids = sorted(
            {store.mappings[cid].prod_component_id for cid in store.continuity.usable}
        )
        versions: dict[str, int] = {}
        for start in range(0, len(prod_ids), METADATA_BATCH):
            batch = prod_ids[start : start + METADATA_BATCH]
            ids = [QueryFilter.where("componentId", Operator.EQUALS, pid) for pid in batch]
            current = QueryFilter.where("currentVersion", Operator.EQUALS, "true").and_(
                ids[0].or_(*ids[1:])
            )
            async for row in self.ctx.boomi.query_component_metadata(current):
                if row.component_id in batch and row.version is not None and not row.deleted:
                    versions[row.component_id] = max(versions.get(row.component_id, 0), row.version)
        return versions

    async def _prepare_folders(self, to_write: list[str]) -> None:
        # The mirror the run uses, searching as the run does; its creations are only recorded.
        mirror = FolderMirror(self.folders, search=self.folders)
        await mirror.prepare(self.tree.components[cid].folder_full_path for cid in to_write)

    def _branch(self, store: _Store, branch_count: int) -> PlannedBranch:
        sources = store.continuity.sources
        # The run deletes the superseded promotions' branches before it counts.
        remaining = branch_count - sum(1 for s in store.superseded if s.branch_id)
        branch = PlannedBranch(
            name=branch_name_for("{promotionId}"),
            from_package_id=sources.package_id,
            merged_package_ids=sources.merged_package_ids,
            branches_needed=sources.branches_needed,
            branch_count=remaining,
            branch_limit=self.ctx.settings.boomi.branch_soft_limit,
        )
        refusal = branch_limit_refusal(remaining, branch.branches_needed, branch.branch_limit)
        if refusal is not None:
            self._find(refusal, [])
        return branch

    def _planned_ids(
        self, store: _Store, connections: list[PlannedConnection]
    ) -> dict[str, tuple[str, str]]:
        """Dev id → (what it becomes, the id written in its place). A component still to be
        created, or an unmapped connection, gets a stand-in id: rewriting then counts and
        checks exactly what the run's rewriting does."""
        planned: dict[str, tuple[str, str]] = {}
        for connection in connections:
            if connection.mapped:
                planned[connection.dev_component_id] = (
                    ReferenceTarget.CONNECTION,
                    connection.prod_component_id,
                )
            else:
                planned[connection.dev_component_id] = (
                    ReferenceTarget.UNMAPPED_CONNECTION,
                    str(uuid.uuid4()),
                )
        for cid, component in self.tree.components.items():
            if component.is_connection:
                continue
            if cid in store.continuity.usable:
                prod_id = store.mappings[cid].prod_component_id
                planned[cid] = (ReferenceTarget.UPDATED, prod_id)
            else:
                planned[cid] = (ReferenceTarget.CREATED, str(uuid.uuid4()))
        return planned

    def _component(
        self,
        dev_id: str,
        xml: bytes,
        store: _Store,
        main_versions: dict[str, int],
        planned: dict[str, tuple[str, str]],
        bases: dict[str, bytes],
    ) -> PlannedComponent:
        component = self.tree.components[dev_id]
        error = ""
        secrets: list[PlannedSecret] = []
        references: list[PlannedReference] = []
        promoted = b""
        try:
            secrets = [PlannedSecret(v.kind.value, v.path) for v in find_environment_values(xml)]
            references, promoted = self._references(strip_secrets(xml).xml, planned)
        except (ComponentXmlError, ValueError) as exc:
            error = str(exc) or type(exc).__name__
        if error:
            self._find(_component_failure(component, error), [dev_id])
        folder = self.folders.mirror_of(component.folder_full_path)
        if dev_id not in store.continuity.usable:
            return PlannedComponent(
                dev_component_id=dev_id,
                component_name=component.name,
                component_type=component.type,
                dev_version=component.version,
                action=CREATE,
                prod_component_id="",
                current_prod_version=None,
                merged_from_package_id="",
                resulting_version=1,
                folder_full_path=folder,
                environment_values=secrets,
                references=references,
                error=error,
            )
        mapping = store.mappings[dev_id]
        prod_id = mapping.prod_component_id
        # The store knows what promotions wrote; main may be ahead (an edit in production).
        on_main = main_versions.get(prod_id)
        current = max(mapping.prod_latest_version, on_main or 0)
        merged_from = _merged_from(store, prod_id)
        # A merge copies a package's version onto the branch as a new version, unless main
        # already holds that one.
        merge_versions = 1 if merged_from and (on_main is None or on_main < current) else 0
        base = bases.get(prod_id)
        unchanged = (
            base is not None
            and bool(promoted)
            and not error
            and not _changed(promoted, base, "/".join(promoted_path(component.folder_full_path)))
        )
        return PlannedComponent(
            dev_component_id=dev_id,
            component_name=component.name,
            component_type=component.type,
            dev_version=component.version,
            action=UNCHANGED if unchanged else UPDATE,
            prod_component_id=mapping.prod_component_id,
            current_prod_version=current,
            merged_from_package_id=merged_from,
            resulting_version=current + merge_versions + (0 if unchanged else 1),
            folder_full_path=folder,
            environment_values=secrets,
            references=references,
            error=error,
        )

    def _references(
        self, stripped: bytes, planned: dict[str, tuple[str, str]]
    ) -> tuple[list[PlannedReference], bytes]:
        """The references the run rewrites in this (stripped) document, and the document
        rewritten; ``ValueError`` when a dev id would be left, as the run fails then."""
        rewritten = rewrite_references(stripped, {dev: new for dev, (_, new) in planned.items()})
        left = remaining_ids(rewritten.xml, set(self.tree.ids))
        if left:
            names = ", ".join(sorted(self.tree.components[cid].name for cid in left))
            raise ValueError(f"it still mentions dev components after rewriting: {names}")
        references: list[PlannedReference] = []
        for dev_id, occurrences in sorted(rewritten.replaced.items()):
            target, new_id = planned[dev_id]
            shown = (
                new_id if target in (ReferenceTarget.CONNECTION, ReferenceTarget.UPDATED) else ""
            )
            references.append(
                PlannedReference(
                    dev_component_id=dev_id,
                    component_name=self.tree.components[dev_id].name,
                    target=target,
                    prod_component_id=shown,
                    occurrences=occurrences,
                )
            )
        return references, rewritten.xml

    def _estimate(
        self,
        to_write: list[str],
        store: _Store,
        branch: PlannedBranch,
        *,
        compared: int,
        unchanged: int,
    ) -> CallEstimate:
        """The calls of a run that goes through, step by step (see the module docstring)."""
        bulk = self.ctx.settings.boomi.bulk_reads
        components = self.tree.components.values()
        levels = Counter(c.depth for c in components)
        # With bulk reads the walk reads the documents (five a call), which name their folders'
        # paths; without, it reads metadata (a hundred a call), then folders and documents.
        describe_batch = BULK_COMPONENT_MAX if bulk else METADATA_BATCH
        ahead = set(self.expected) | {self.tree.root_id} if self.expected else set()
        walked = Counter(c.depth for c in components if c.component_id not in ahead)
        walk = sum(
            math.ceil(size / describe_batch) + math.ceil(size / REFERENCE_QUERY_PARENTS)
            for size in walked.values()
        )
        if ahead:
            walk += math.ceil(len(ahead) / describe_batch)
            walk += math.ceil(len(ahead) / REFERENCE_QUERY_PARENTS)
        folders_read = 0 if bulk else self._folder_reads()
        document_batch = BULK_COMPONENT_MAX if bulk else 1
        documents = 0 if bulk else len(to_write)
        bases = math.ceil(compared / document_batch)
        writes = len(to_write) - unchanged
        deleted = sum(1 for s in store.superseded if s.branch_id)
        branch_pages = max(1, math.ceil(branch.branch_count / QUERY_PAGE_SIZE))
        merges = len(branch.merged_package_ids)
        folder_searches = math.ceil(self.folders.searched / SEARCH_BATCH)
        steps = [
            CallStep(
                "package",
                DEV_ACCOUNT,
                2,
                0,
                "the dev package read: once before the job starts, again inside it",
            ),
            CallStep(
                "walk",
                DEV_ACCOUNT,
                walk + folders_read,
                0,
                f"{len(levels)} level(s): "
                + ("the documents" if bulk else "a metadata query")
                + f" and a reference query per level; {folders_read} folder(s) read",
            ),
            CallStep(
                "documents",
                DEV_ACCOUNT,
                documents,
                0,
                "each component's document, pinned to the walked version"
                if not bulk
                else "read by the walk already",
            ),
            CallStep(
                "delta",
                PRIMARY_ACCOUNT,
                bases,
                0,
                f"the version the branch starts from of {compared} component(s) to update",
            ),
            CallStep(
                "supersede",
                PRIMARY_ACCOUNT,
                deleted,
                0,
                "the branches of the earlier promotions of this process deleted",
            ),
        ]
        if to_write and unchanged == len(to_write):
            return CallEstimate(steps)  # nothing to promote: the run stops before the branch
        steps += [
            CallStep(
                "branch limit",
                PRIMARY_ACCOUNT,
                branch_pages,
                0,
                "the primary account's branches counted",
            ),
            CallStep(
                "branch",
                PRIMARY_ACCOUNT,
                3 + merges * MERGE_CALLS,
                1 + merges * MERGE_WAITS,
                "main looked up, the branch created and polled until ready"
                + (f"; {merges} package(s) merged in" if merges else ""),
            ),
            CallStep(
                "folders",
                PRIMARY_ACCOUNT,
                1 + folder_searches + len(self.folders.to_create),
                0,
                f"the root folder and one search; {len(self.folders.to_create)} folder(s) created",
            ),
            CallStep(
                "writes",
                PRIMARY_ACCOUNT,
                writes,
                0,
                "each component created or updated"
                + (f"; {unchanged} UNCHANGED not written" if unchanged else ""),
            ),
        ]
        return CallEstimate(steps)

    def _folder_reads(self) -> int:
        """Dev folders the metadata walk reads: each once."""
        return len({c.folder_id for c in self.tree.components.values() if c.folder_id})


def _changed(promoted: bytes, base: bytes, folder: str) -> bool:
    """Whether the run would write this component (a base it cannot compare: it would)."""
    try:
        return compare_documents(promoted, base, promoted_folder=folder).changed
    except ComponentXmlError:
        return True


def _merged_from(store: _Store, prod_id: str) -> str:
    """The first merged package holding ``prod_id`` when the branch's own package lacks it."""
    sources = store.continuity.sources
    if sources.package_id is None or prod_id in store.package_contents[sources.package_id]:
        return ""
    return next((p for p in sources.merged_package_ids if prod_id in store.package_contents[p]), "")


def _component_failure(component: TreeComponent, reason: str) -> PromoError:
    # Worded as the run's failure of that component.
    return PromotionFailed(
        f"Component '{component.name}' ({component.type}) could not be promoted: {reason}.",
        status_code=422,
        details={"failedComponentId": component.component_id},
    )


async def _settle(*tasks: asyncio.Task[Any]) -> None:
    """Wait for all of ``tasks``; then raise the first failure, if any."""
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome
