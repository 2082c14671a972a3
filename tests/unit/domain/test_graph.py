"""Write order over the reference graph, cycles, and who depends on a failed component."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boomi_promo.domain.graph import (
    NodeInfo,
    ReferenceCycleError,
    UnknownComponentError,
    dependents_of,
    order_components,
)


def test_a_component_comes_after_everything_it_references() -> None:
    nodes = {
        "root": NodeInfo("process", "Orders"),
        "map": NodeInfo("transform.map", "Order map"),
        "profile": NodeInfo("profile.json", "Order"),
    }
    edges = {"root": {"map"}, "map": {"profile"}}

    assert order_components(nodes, edges, root_id="root") == ["profile", "map", "root"]


def test_ties_follow_the_type_rank_and_the_root_comes_last() -> None:
    nodes = {
        "root": NodeInfo("process", "Main"),
        "route": NodeInfo("processroute", "Router"),
        "sub": NodeInfo("process", "Sub"),
        "map": NodeInfo("transform.map", "Map"),
        "xref": NodeInfo("crossref", "Codes"),
        "script": NodeInfo("script.processing", "Trim"),
        "cache": NodeInfo("documentcache", "Cache"),
        "op": NodeInfo("connector-action", "Op"),
        "conn": NodeInfo("connector-settings", "Conn"),
        "profile": NodeInfo("profile.xml", "Row"),
    }
    # The root references everything directly, so only the tie-break decides.
    edges = {"root": set(nodes) - {"root"}}

    assert order_components(nodes, edges, root_id="root") == [
        "profile",
        "conn",
        "op",
        "cache",
        "xref",
        "script",
        "map",
        "sub",
        "route",
        "root",
    ]


def test_equal_ranks_are_ordered_by_name_then_id() -> None:
    nodes = {
        "root": NodeInfo("process", "Main"),
        "id-b": NodeInfo("profile.json", "beta"),
        "id-a2": NodeInfo("profile.json", "Alpha"),
        "id-a1": NodeInfo("profile.json", "alpha"),
    }
    edges = {"root": {"id-b", "id-a2", "id-a1"}}

    assert order_components(nodes, edges, root_id="root") == ["id-a1", "id-a2", "id-b", "root"]


def test_references_override_the_type_rank() -> None:
    # A profile that (unusually) references a script: the script must still come first.
    nodes = {
        "root": NodeInfo("process", "Main"),
        "profile": NodeInfo("profile.flatfile", "Lines"),
        "script": NodeInfo("script.mapping", "Pad"),
    }
    edges = {"root": {"profile"}, "profile": {"script"}}

    assert order_components(nodes, edges, root_id="root") == ["script", "profile", "root"]


def test_a_diamond_places_the_shared_component_once_and_first() -> None:
    nodes = {
        "root": NodeInfo("process", "Main"),
        "sub": NodeInfo("process", "Sub"),
        "map": NodeInfo("transform.map", "Map"),
        "shared": NodeInfo("profile.json", "Shared"),
    }
    edges = {"root": {"sub", "map"}, "sub": {"shared"}, "map": {"shared"}}

    assert order_components(nodes, edges, root_id="root") == ["shared", "map", "sub", "root"]


def test_the_same_tree_always_gives_the_same_order() -> None:
    names = ["e", "d", "c", "b", "a"]
    nodes = {name: NodeInfo("profile.json", name) for name in names} | {
        "root": NodeInfo("process", "Main")
    }
    edges = {"root": set(names)}
    reversed_nodes = dict(reversed(list(nodes.items())))

    first = order_components(nodes, edges, root_id="root")

    assert first == order_components(reversed_nodes, edges, root_id="root")
    assert first == ["a", "b", "c", "d", "e", "root"]


def test_isolated_components_are_still_ordered_and_nothing_is_lost() -> None:
    nodes = {"root": NodeInfo("process", "Main"), "lone": NodeInfo("crossref", "Codes")}

    assert order_components(nodes, {}, root_id="root") == ["lone", "root"]
    assert order_components({}, {}, root_id="root") == []


class TestCycles:
    def test_a_cycle_is_reported_with_its_members_in_reference_order(self) -> None:
        nodes = {
            "root": NodeInfo("process", "Main"),
            "a": NodeInfo("process", "A"),
            "b": NodeInfo("processroute", "B"),
            "c": NodeInfo("process", "C"),
            "leaf": NodeInfo("profile.json", "Leaf"),
        }
        edges = {"root": {"a"}, "a": {"b", "leaf"}, "b": {"c"}, "c": {"a"}}

        started = time.monotonic()
        with pytest.raises(ReferenceCycleError) as raised:
            order_components(nodes, edges, root_id="root")

        assert time.monotonic() - started < 1
        # Each member references the next, the last references the first; the walk starts at
        # the first blocked component in tie-break order, so the answer is stable.
        assert raised.value.cycle == ["a", "b", "c"]
        assert str(raised.value) == "reference cycle: a → b → c → a"

    def test_a_component_referencing_itself_is_a_cycle(self) -> None:
        nodes = {"root": NodeInfo("process", "Main"), "self": NodeInfo("process", "Loop")}

        with pytest.raises(ReferenceCycleError) as raised:
            order_components(nodes, {"root": {"self"}, "self": {"self"}}, root_id="root")

        assert raised.value.cycle == ["self"]

    def test_a_cycle_through_the_root_is_reported(self) -> None:
        nodes = {"root": NodeInfo("process", "Main"), "sub": NodeInfo("process", "Sub")}

        with pytest.raises(ReferenceCycleError) as raised:
            order_components(nodes, {"root": {"sub"}, "sub": {"root"}}, root_id="root")

        assert sorted(raised.value.cycle) == ["root", "sub"]


def test_edges_to_unknown_components_are_refused() -> None:
    nodes = {"root": NodeInfo("process", "Main")}

    with pytest.raises(UnknownComponentError, match="ghost"):
        order_components(nodes, {"root": {"ghost"}}, root_id="root")


class TestDependents:
    EDGES = {
        "root": {"sub", "map"},
        "sub": {"shared", "op"},
        "map": {"shared"},
        "op": {"conn"},
        "other": {"conn"},
    }

    def test_every_transitive_referrer_is_a_dependent(self) -> None:
        assert dependents_of("shared", self.EDGES) == {"sub", "map", "root"}
        assert dependents_of("conn", self.EDGES) == {"op", "sub", "root", "other"}

    def test_the_root_and_leaves_nobody_references_have_no_dependents(self) -> None:
        assert dependents_of("root", self.EDGES) == set()
        assert dependents_of("unknown", self.EDGES) == set()

    def test_a_failed_component_in_a_cycle_is_its_own_dependent(self) -> None:
        assert dependents_of("a", {"a": {"b"}, "b": {"a"}}) == {"a", "b"}


TYPES = ["profile.json", "connector-action", "crossref", "transform.map", "process", "processroute"]


@st.composite
def acyclic_graphs(draw: st.DrawFn) -> tuple[dict[str, NodeInfo], dict[str, set[str]]]:
    count = draw(st.integers(1, 25))
    ids = [f"c{index:02d}" for index in range(count)]
    nodes = {
        node_id: NodeInfo(draw(st.sampled_from(TYPES)), draw(st.text(max_size=3)))
        for node_id in ids
    }
    # Edges only point to later ids, so the graph has no cycle whatever is drawn.
    edges = {
        parent: set(draw(st.lists(st.sampled_from(ids[index + 1 :]), max_size=4)))
        for index, parent in enumerate(ids[:-1])
    }
    return nodes, edges


@settings(max_examples=200, deadline=None)
@given(acyclic_graphs())
def test_any_acyclic_tree_is_ordered_children_first(
    graph: tuple[dict[str, NodeInfo], dict[str, set[str]]],
) -> None:
    nodes, edges = graph

    order = order_components(nodes, edges, root_id="c00")

    assert sorted(order) == sorted(nodes)
    position = {node_id: index for index, node_id in enumerate(order)}
    for parent, children in edges.items():
        for child in children:
            assert position[child] < position[parent]
