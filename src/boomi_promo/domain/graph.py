"""The order in which a component tree is written, and who depends on whom.

Edges point from a component to the components it references (parent → children). A
component is written only after everything it references, so that each reference can be
rewritten to a prod id that already exists. Among the components that are ready at the same
time, the type rank decides (profiles first, the root process last), then the name, then
the id, so the same tree always gives the same order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass

_SortKey = Callable[[str], tuple[int, str, str]]


PROFILE_RANK = 0
OTHER_RANK = 3
ROOT_RANK = 7
_TYPE_RANKS = {
    "connector-settings": 1,
    "connector-action": 2,
    "transform.map": 4,
    "process": 5,
    "processroute": 6,
}


@dataclass(frozen=True, slots=True)
class NodeInfo:
    type: str
    name: str = ""


class ReferenceCycleError(ValueError):
    """Components reference each other in a circle; ``cycle`` lists it in reference order
    (each id references the next, the last references the first)."""

    def __init__(self, cycle: list[str]) -> None:
        self.cycle = cycle
        super().__init__("reference cycle: " + " → ".join([*cycle, cycle[0]]))


class UnknownComponentError(ValueError):
    """An edge names a component that is not among the nodes."""


def type_rank(component_type: str, *, is_root: bool) -> int:
    """Tie-break rank: profile → connection → operation → cross-reference, script and other
    types → map → sub-process → process route → the root process."""
    if is_root:
        return ROOT_RANK
    if component_type.startswith("profile."):
        return PROFILE_RANK
    return _TYPE_RANKS.get(component_type, OTHER_RANK)


def order_components(
    nodes: Mapping[str, NodeInfo], edges: Mapping[str, Set[str]], *, root_id: str
) -> list[str]:
    """Every node, each after all the nodes it references (a topological order).

    Raises :class:`ReferenceCycleError` naming one cycle when there is no such order, and
    :class:`UnknownComponentError` when an edge mentions an id missing from ``nodes``.
    """
    _check_edges(nodes, edges)
    waiting_on = {node_id: set(edges.get(node_id, ())) for node_id in nodes}
    referenced_by: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for parent, children in edges.items():
        for child in children:
            referenced_by[child].add(parent)

    def sort_key(node_id: str) -> tuple[int, str, str]:
        info = nodes[node_id]
        return (type_rank(info.type, is_root=node_id == root_id), info.name.casefold(), node_id)

    ready = [sort_key(node_id) for node_id, children in waiting_on.items() if not children]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node_id = heapq.heappop(ready)[2]
        order.append(node_id)
        for parent in sorted(referenced_by[node_id]):
            waiting_on[parent].discard(node_id)
            if not waiting_on[parent]:
                heapq.heappush(ready, sort_key(parent))
    if len(order) < len(nodes):
        blocked = {node_id: children for node_id, children in waiting_on.items() if children}
        raise ReferenceCycleError(_find_cycle(blocked, sort_key))
    return order


def dependents_of(failed_id: str, edges: Mapping[str, Set[str]]) -> set[str]:
    """Every component that references ``failed_id``, directly or through others.

    ``failed_id`` itself is included only when it references itself through a cycle.
    """
    referenced_by: dict[str, set[str]] = {}
    for parent, children in edges.items():
        for child in children:
            referenced_by.setdefault(child, set()).add(parent)
    found: set[str] = set()
    frontier = [failed_id]
    while frontier:
        current = frontier.pop()
        for parent in referenced_by.get(current, ()):
            if parent not in found:
                found.add(parent)
                frontier.append(parent)
    return found


def _check_edges(nodes: Mapping[str, NodeInfo], edges: Mapping[str, Set[str]]) -> None:
    unknown = {parent for parent in edges if parent not in nodes}
    unknown.update(child for children in edges.values() for child in children if child not in nodes)
    if unknown:
        raise UnknownComponentError(f"edges name unknown components: {sorted(unknown)}")


def _find_cycle(blocked: Mapping[str, set[str]], sort_key: _SortKey) -> list[str]:
    # Every blocked node waits on another blocked node, so walking "first blocked child"
    # from any of them must revisit a node; the revisited stretch is a cycle.
    current = min(blocked, key=sort_key)
    position: dict[str, int] = {}
    walk: list[str] = []
    while current not in position:
        position[current] = len(walk)
        walk.append(current)
        current = min(blocked[current], key=sort_key)
    return walk[position[current] :]
