"""The dependency tree of a dev component: every component it reaches through ComponentReference.

The walk is breadth-first from the root, so a component's depth is its shortest distance from
the root, and each component is read exactly once: its Component document (name, type, folder
and the content a promotion writes) and its direct references, then each distinct folder once
for its full path. Reads of one level run concurrently, a few at a time, so the shared rate
limiter stays busy without hundreds of requests queueing at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Protocol, TypeVar

from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.models import Component, ComponentReference, Folder
from boomi_promo.domain.graph import NodeInfo, order_components
from boomi_promo.engine.errors import ComponentNotFound, DependencyTreeTooLarge

MAX_TREE_COMPONENTS = 500
"""Largest tree a review or promotion accepts; a bigger one is refused before any write."""
WALK_CONCURRENCY = 4
CONNECTION_TYPE = "connector-settings"
ROOT_DEPENDENCY = "ROOT"
DEPENDENT = "DEPENDENT"

T = TypeVar("T")


class ComponentSource(Protocol):
    """The reads the walk needs (the Boomi client in production, a fake in unit tests)."""

    async def get_component(
        self, component_id: str, *, override_account: str | None = None
    ) -> Component: ...

    async def get_component_references(
        self, component_id: str, *, override_account: str | None = None
    ) -> list[ComponentReference]: ...

    async def get_folder(
        self, folder_id: str, *, override_account: str | None = None
    ) -> Folder: ...


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
    """The dev Component document as read during the walk."""

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


async def resolve_tree(
    source: ComponentSource,
    dev_account_id: str,
    root_id: str,
    *,
    max_components: int = MAX_TREE_COMPONENTS,
    concurrency: int = WALK_CONCURRENCY,
) -> DependencyTree:
    """Walk the tree of ``root_id`` in a dev account.

    Raises :class:`ComponentNotFound` when the root (or a referenced component) does not exist
    or is deleted, and :class:`DependencyTreeTooLarge` past ``max_components``.
    """
    semaphore = asyncio.Semaphore(concurrency)
    documents: dict[str, Component] = {}
    edges: dict[str, list[ComponentReference]] = {}

    async def read(component_id: str, referenced_by: str | None) -> None:
        async with semaphore:
            try:
                document = await source.get_component(component_id, override_account=dev_account_id)
            except BoomiNotFoundError:
                document = None
            if document is None or document.deleted:
                raise _not_found(component_id, dev_account_id, referenced_by)
            documents[component_id] = document
        async with semaphore:
            edges[component_id] = await source.get_component_references(
                component_id, override_account=dev_account_id
            )

    depth = {root_id: 0}
    kind = {root_id: ROOT_DEPENDENCY}
    parent_of: dict[str, str | None] = {root_id: None}
    level = [root_id]
    while level:
        await _run_all(read(cid, parent_of[cid]) for cid in level)
        found: dict[str, str] = {}
        for parent in level:
            for reference in edges[parent]:
                child = reference.component_id
                if child in depth:
                    continue
                if child not in found:
                    parent_of[child] = parent
                if found.get(child) != DEPENDENT:
                    found[child] = reference.type or DEPENDENT
        if len(depth) + len(found) > max_components:
            raise DependencyTreeTooLarge(
                f"The tree of component {root_id} has more than {max_components} components; "
                "promote smaller processes.",
                details={"maxComponents": max_components},
            )
        next_depth = depth[level[0]] + 1
        for child, reference_type in found.items():
            depth[child] = next_depth
            kind[child] = reference_type
        level = list(found)

    folder_paths = await _folder_paths(
        source, dev_account_id, {d.folder_id for d in documents.values() if d.folder_id}, semaphore
    )
    components = {
        cid: _tree_component(documents[cid], cid, depth[cid], kind[cid], folder_paths)
        for cid in depth
    }
    references = {
        cid: frozenset(r.component_id for r in edges[cid] if r.component_id in components)
        for cid in components
    }
    return DependencyTree(root_id=root_id, components=components, references=references)


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


async def _folder_paths(
    source: ComponentSource,
    dev_account_id: str,
    folder_ids: set[str],
    semaphore: asyncio.Semaphore,
) -> dict[str, str]:
    paths: dict[str, str] = {}

    async def read(folder_id: str) -> None:
        async with semaphore:
            folder = await source.get_folder(folder_id, override_account=dev_account_id)
        paths[folder_id] = folder.full_path or folder.name or ""

    await _run_all(read(folder_id) for folder_id in sorted(folder_ids))
    return paths


def _tree_component(
    document: Component, component_id: str, depth: int, kind: str, folder_paths: dict[str, str]
) -> TreeComponent:
    folder_id = document.folder_id or ""
    return TreeComponent(
        component_id=component_id,
        name=document.name or component_id,
        type=document.type or "",
        version=document.version,
        folder_id=folder_id,
        folder_full_path=folder_paths.get(folder_id) or document.folder_full_path or "",
        depth=depth,
        dependency_type=kind,
        xml=document.xml,
    )


def _not_found(
    component_id: str, dev_account_id: str, referenced_by: str | None
) -> ComponentNotFound:
    where = f" (referenced by {referenced_by})" if referenced_by else ""
    return ComponentNotFound(
        f"Component {component_id}{where} does not exist in dev account {dev_account_id}.",
        details={"componentId": component_id},
    )


async def _run_all(jobs: Iterable[Awaitable[None]]) -> None:
    """Run concurrently; the first failure is raised as itself, not inside an ExceptionGroup."""
    try:
        async with asyncio.TaskGroup() as group:
            for job in jobs:
                group.create_task(_awaited(job))
    except BaseExceptionGroup as failures:
        raise _first_leaf(failures) from None


async def _awaited(job: Awaitable[T]) -> T:
    return await job


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first
