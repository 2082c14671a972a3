"""The dependency tree of a dev component: every component it reaches through ComponentReference.

The walk is breadth-first from the root, so a component's depth is its shortest distance from
the root, and each component is read exactly once: what it is (name, type, folder, version),
then what that version references, then each distinct folder once for its full path. What a
level references comes from one ComponentReference QUERY by ``parentComponentId`` and
``parentVersion`` for the whole level (per :data:`~boomi_promo.boomi.client.REFERENCE_QUERY_PARENTS`
components) — Boomi's GET of ComponentReference answers the other way round, who uses a
component. Reads run a few at a time, so the shared rate limiter stays busy without hundreds
of requests queueing at once; a level's new folders are read as soon as the level is
described, while its references are asked for.

Two ways to learn what a component is:

* :func:`resolve_tree` reads each Component document (the content too: a review needs it);
* :func:`resolve_tree_outline` asks ComponentMetadata for a whole level and leaves the
  documents unread (``xml`` is empty): a promotion reads each one later, pinned to the walked
  version.

With ``bulk`` (the default) both use Boomi's bulk GET: five Component documents, or a hundred
ComponentMetadata or Folders, a call. Without it they read as before issue 16 — a document and
a folder a call, metadata by query — the baseline the benchmarks compare with.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Protocol

from boomi_promo.boomi.client import BULK_COMPONENT_MAX, BULK_MAX
from boomi_promo.boomi.errors import BoomiNotFoundError, BoomiResponseError
from boomi_promo.boomi.models import (
    BulkItem,
    Component,
    ComponentMetadata,
    ComponentReference,
    Folder,
)
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.domain.graph import NodeInfo, order_components
from boomi_promo.engine.errors import ComponentNotFound, DependencyTreeTooLarge

MAX_TREE_COMPONENTS = 500
"""Largest tree a review or promotion accepts; a bigger one is refused before any write."""
WALK_CONCURRENCY = 6
"""Calls in flight at once: enough to cover Boomi's latency at the rate limit."""
METADATA_BATCH = BULK_MAX
"""Component ids per ComponentMetadata query or bulk GET: one page of answers."""
CONNECTION_TYPE = "connector-settings"
ROOT_DEPENDENCY = "ROOT"
DEPENDENT = "DEPENDENT"


class _ReferenceSource(Protocol):
    async def query_child_references(
        self, parents: Mapping[str, int], *, override_account: str | None = None
    ) -> dict[str, list[ComponentReference]]: ...

    async def get_folder(
        self, folder_id: str, *, override_account: str | None = None
    ) -> Folder: ...

    async def bulk_get_folders(
        self, folder_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Folder]]: ...


class ComponentSource(_ReferenceSource, Protocol):
    """The reads the walk needs (the Boomi client in production, a fake in unit tests)."""

    async def get_component(
        self, component_id: str, *, override_account: str | None = None
    ) -> Component: ...

    async def bulk_get_components(
        self, component_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Component]]: ...


class OutlineSource(_ReferenceSource, Protocol):
    """The reads of :func:`resolve_tree_outline`: metadata instead of documents."""

    def query_component_metadata(
        self, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[ComponentMetadata]: ...

    async def bulk_get_component_metadata(
        self, component_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[ComponentMetadata]]: ...


@dataclass(frozen=True, slots=True)
class TreeComponent:
    component_id: str
    name: str
    type: str
    version: int | None
    folder_id: str
    folder_full_path: str
    """As Boomi gives it: the account's root folder first (``Dev Team A/DevTeamA/Orders``)."""
    depth: int
    dependency_type: str
    """ROOT for the root; else the reference type it was first reached by (DEPENDENT wins)."""
    xml: bytes
    """The dev Component document as read during the walk; empty for an outline."""

    @property
    def is_connection(self) -> bool:
        return self.type == CONNECTION_TYPE


@dataclass(frozen=True)
class DependencyTree:
    root_id: str
    components: dict[str, TreeComponent]
    """Every component once, in walk order (by depth)."""
    references: dict[str, frozenset[str]]
    """Component → the tree components it references directly."""

    @property
    def root(self) -> TreeComponent:
        return self.components[self.root_id]

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self.components)

    @property
    def connections(self) -> list[TreeComponent]:
        return [c for c in self.components.values() if c.is_connection]

    def write_order(self) -> list[str]:
        """Each component after everything it references; ``ReferenceCycleError`` otherwise."""
        nodes = {cid: NodeInfo(c.type, c.name) for cid, c in self.components.items()}
        return order_components(nodes, self.references, root_id=self.root_id)

    def cycles(self) -> list[list[str]]:
        return find_cycles(self.references)


@dataclass(frozen=True, slots=True)
class _Described:
    """What the walk learned about one component, by either way of reading."""

    name: str | None
    type: str | None
    version: int | None
    folder_id: str | None
    folder_full_path: str | None
    deleted: bool
    xml: bytes


LevelReader = Callable[[list[str]], Awaitable[dict[str, _Described | None]]]
"""Describes the components of one level; ``None`` for one that does not exist."""


async def resolve_tree(
    source: ComponentSource,
    dev_account_id: str,
    root_id: str,
    *,
    max_components: int = MAX_TREE_COMPONENTS,
    concurrency: int = WALK_CONCURRENCY,
    bulk: bool = True,
    expected: Sequence[str] = (),
) -> DependencyTree:
    """Walk the tree of ``root_id`` in a dev account, reading every Component document.

    ``expected``: the components the tree held last time (a review's, or the last
    promotion's): read ahead together, they spare the walk a few calls per level.

    Raises :class:`ComponentNotFound` when the root (or a referenced component) does not exist
    or is deleted, and :class:`DependencyTreeTooLarge` past ``max_components``.
    """
    semaphore = asyncio.Semaphore(concurrency)

    async def describe(component_id: str) -> _Described | None:
        async with semaphore:
            try:
                document = await source.get_component(component_id, override_account=dev_account_id)
            except BoomiNotFoundError:
                return None
        return _of_document(document)

    async def describe_bulk(batch: list[str]) -> list[_Described | None]:
        async with semaphore:
            items = await source.bulk_get_components(batch, override_account=dev_account_id)
        # Boomi answers a missing component inside the bulk answer (400 or 404 for its id).
        return [_of_document(i.result) if i.result is not None else None for i in items]

    async def read_level(level: list[str]) -> dict[str, _Described | None]:
        if not bulk:
            found = await asyncio.gather(*(describe(cid) for cid in level))
            return dict(zip(level, found, strict=True))
        batches = [
            level[i : i + BULK_COMPONENT_MAX] for i in range(0, len(level), BULK_COMPONENT_MAX)
        ]
        parts = await asyncio.gather(*(describe_bulk(batch) for batch in batches))
        return dict(zip(level, [d for part in parts for d in part], strict=True))

    return await _walk(
        source,
        dev_account_id,
        root_id,
        read_level,
        semaphore,
        max_components=max_components,
        bulk=bulk,
        expected=expected,
    )


async def resolve_tree_outline(
    source: OutlineSource,
    dev_account_id: str,
    root_id: str,
    *,
    max_components: int = MAX_TREE_COMPONENTS,
    concurrency: int = WALK_CONCURRENCY,
    bulk: bool = True,
    expected: Sequence[str] = (),
) -> DependencyTree:
    """As :func:`resolve_tree`, but each level is described by one ComponentMetadata bulk GET
    or query (per :data:`METADATA_BATCH` ids) and no document is read: every ``xml`` is
    empty."""
    semaphore = asyncio.Semaphore(concurrency)

    async def describe_bulk(batch: list[str]) -> dict[str, _Described]:
        async with semaphore:
            items = await source.bulk_get_component_metadata(batch, override_account=dev_account_id)
        return {
            item.id: _of_metadata(item.result)
            for item in items
            if item.result is not None and item.result.current_version is not False
        }

    async def describe(batch: list[str]) -> dict[str, _Described]:
        ids = [QueryFilter.where("componentId", Operator.EQUALS, cid) for cid in batch]
        current = QueryFilter.where("currentVersion", Operator.EQUALS, "true").and_(
            ids[0].or_(*ids[1:])
        )
        found: dict[str, _Described] = {}
        async with semaphore:
            async for row in source.query_component_metadata(
                current, override_account=dev_account_id
            ):
                if row.component_id in batch and row.current_version is not False:
                    found[row.component_id] = _of_metadata(row)
        return found

    async def read_level(level: list[str]) -> dict[str, _Described | None]:
        batches = [level[i : i + METADATA_BATCH] for i in range(0, len(level), METADATA_BATCH)]
        described: dict[str, _Described] = {}
        reader = describe_bulk if bulk else describe
        for part in await asyncio.gather(*(reader(batch) for batch in batches)):
            described.update(part)
        return {cid: described.get(cid) for cid in level}

    return await _walk(
        source,
        dev_account_id,
        root_id,
        read_level,
        semaphore,
        max_components=max_components,
        bulk=bulk,
        expected=expected,
    )


def _of_document(document: Component) -> _Described:
    return _Described(
        name=document.name,
        type=document.type,
        version=document.version,
        folder_id=document.folder_id,
        folder_full_path=document.folder_full_path,
        deleted=document.deleted,
        xml=document.xml,
    )


def _of_metadata(row: ComponentMetadata) -> _Described:
    return _Described(
        name=row.name,
        type=row.type,
        version=row.version,
        folder_id=row.folder_id,
        folder_full_path=row.folder_full_path,
        deleted=row.deleted,
        xml=b"",
    )


async def _walk(
    source: _ReferenceSource,
    dev_account_id: str,
    root_id: str,
    read_level: LevelReader,
    semaphore: asyncio.Semaphore,
    *,
    max_components: int,
    bulk: bool,
    expected: Sequence[str],
) -> DependencyTree:
    described: dict[str, _Described] = {}
    known: dict[str, _Described] = {}
    """Described ahead from ``expected``: the walk takes them from here, not from Boomi."""
    edges: dict[str, list[ComponentReference]] = {}
    folder_paths: dict[str, str] = {}

    async def folder(folder_id: str) -> None:
        async with semaphore:
            found = await source.get_folder(folder_id, override_account=dev_account_id)
        folder_paths[folder_id] = found.full_path or found.name or ""

    async def folders_in_bulk(folder_ids: list[str]) -> None:
        for start in range(0, len(folder_ids), BULK_MAX):
            async with semaphore:
                items = await source.bulk_get_folders(
                    folder_ids[start : start + BULK_MAX], override_account=dev_account_id
                )
            for item in items:
                # A folder Boomi does not give leaves the component's own folderFullPath.
                if item.result is not None:
                    folder_paths[item.id] = item.result.full_path or item.result.name or ""

    def read_folders(descriptions: Iterable[_Described]) -> None:
        """Each folder read once, as soon as it is first seen: it overlaps the walk. A
        Component document names its folder's full path itself; metadata does not."""
        new_folders: list[str] = []
        for description in descriptions:
            if bulk and description.folder_full_path:
                continue
            if description.folder_id and description.folder_id not in seen_folders:
                seen_folders.add(description.folder_id)
                new_folders.append(description.folder_id)
                if not bulk:
                    folders.create_task(folder(description.folder_id))
        if bulk and new_folders:
            folders.create_task(folders_in_bulk(new_folders))

    async def describe(level: list[str], parent_of: dict[str, str | None]) -> dict[str, int]:
        """Describe a level; the version of each of its components."""
        versions: dict[str, int] = {}
        found: dict[str, _Described | None] = {cid: known[cid] for cid in level if cid in known}
        missing = [cid for cid in level if cid not in known]
        if missing:
            found.update(await read_level(missing))
        for cid in level:
            description = found[cid]
            if description is None or description.deleted:
                raise _not_found(cid, dev_account_id, parent_of[cid])
            if description.version is None:
                raise BoomiResponseError(
                    f"Boomi gave no version of component {cid}; its references cannot be read.",
                    method="GET",
                    path=f"/Component/{cid}",
                )
            described[cid] = description
            versions[cid] = description.version
        read_folders(described[cid] for cid in level)
        return versions

    async def references(versions: dict[str, int]) -> None:
        asked = {cid: version for cid, version in versions.items() if cid not in edges}
        if not asked:
            return
        async with semaphore:
            edges.update(
                await source.query_child_references(asked, override_account=dev_account_id)
            )

    async def read_ahead(hinted: list[str]) -> None:
        """Describe the components the tree is expected to hold and ask what they reference,
        each in as few calls as the batches allow, instead of level by level; what the walk
        then meets beyond them it reads as usual, and what it no longer meets is left out."""
        for cid, description in (await read_level(hinted)).items():
            if description is not None and not description.deleted and description.version:
                known[cid] = description
        read_folders(known.values())
        await references({cid: d.version for cid, d in known.items() if d.version is not None})

    depth = {root_id: 0}
    kind = {root_id: ROOT_DEPENDENCY}
    parent_of: dict[str, str | None] = {root_id: None}
    level = [root_id]
    seen_folders: set[str] = set()
    try:
        async with asyncio.TaskGroup() as folders:
            if expected:
                hinted = list(dict.fromkeys([root_id, *expected]))
                await read_ahead(hinted[: max_components + 1])
            while level:
                # The reference query names each parent's version, so it follows the level's
                # descriptions; a component that does not exist is reported as such.
                await references(await describe(level, parent_of))
                found: dict[str, str] = {}
                for parent in level:
                    for reference in edges.get(parent, []):
                        child = reference.component_id
                        if child in depth:
                            continue
                        if child not in found:
                            parent_of[child] = parent
                        if found.get(child) != DEPENDENT:
                            found[child] = reference.type or DEPENDENT
                if len(depth) + len(found) > max_components:
                    raise DependencyTreeTooLarge(
                        f"The tree of component {root_id} has more than {max_components} "
                        "components; promote smaller processes.",
                        details={"maxComponents": max_components},
                    )
                next_depth = depth[level[0]] + 1
                for child, reference_type in found.items():
                    depth[child] = next_depth
                    kind[child] = reference_type
                level = list(found)
    except BaseExceptionGroup as failures:
        raise _first_leaf(failures) from None

    components = {
        cid: _tree_component(described[cid], cid, depth[cid], kind[cid], folder_paths)
        for cid in depth
    }
    references_of = {
        cid: frozenset(r.component_id for r in edges.get(cid, []) if r.component_id in components)
        for cid in components
    }
    return DependencyTree(root_id=root_id, components=components, references=references_of)


def find_cycles(references: Mapping[str, Set[str]]) -> list[list[str]]:
    """Groups of components that reference each other in a circle (each group sorted).

    Every strongly connected group of two or more, and any component referencing itself.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(references):
        if start in index:
            continue
        # Iterative Tarjan: (node, iterator over its children) frames instead of recursion.
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        frames = [(start, iter(sorted(references.get(start, ()))))]
        while frames:
            node, children = frames[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    frames.append((child, iter(sorted(references.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            frames.pop()
            if frames:
                parent = frames[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in references.get(node, ()):
                    groups.append(sorted(group))
    return sorted(groups)


def _tree_component(
    described: _Described,
    component_id: str,
    depth: int,
    kind: str,
    folder_paths: dict[str, str],
) -> TreeComponent:
    folder_id = described.folder_id or ""
    return TreeComponent(
        component_id=component_id,
        name=described.name or component_id,
        type=described.type or "",
        version=described.version,
        folder_id=folder_id,
        folder_full_path=folder_paths.get(folder_id) or described.folder_full_path or "",
        depth=depth,
        dependency_type=kind,
        xml=described.xml,
    )


def _not_found(
    component_id: str, dev_account_id: str, referenced_by: str | None
) -> ComponentNotFound:
    where = f" (referenced by {referenced_by})" if referenced_by else ""
    return ComponentNotFound(
        f"Component {component_id}{where} does not exist in dev account {dev_account_id}.",
        details={"componentId": component_id},
    )


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
