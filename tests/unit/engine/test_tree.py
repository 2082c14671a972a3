"""The dependency walk: breadth-first, each component read once, cycles reported not looped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import pytest

from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.models import BulkItem, Component, ComponentReference, Folder
from boomi_promo.domain.graph import ReferenceCycleError
from boomi_promo.engine.errors import ComponentNotFound, DependencyTreeTooLarge
from boomi_promo.engine.tree import find_cycles, resolve_tree

ACCOUNT = "dev-account"
VERSION = 4


class FakeDevAccount:
    """Components with types and references; counts every read."""

    def __init__(self, components: dict[str, tuple[str, list[tuple[str, str]]]]) -> None:
        self.components = components
        self.reads: Counter[str] = Counter()
        self.reference_queries: list[list[str]] = []
        self.calls = 0

    async def get_component(
        self, component_id: str, *, override_account: str | None = None
    ) -> Component:
        assert override_account == ACCOUNT
        self.calls += 1
        return self._component(component_id)

    async def bulk_get_components(
        self, component_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Component]]:
        assert override_account == ACCOUNT
        assert len(component_ids) <= 5, "Boomi's limit for a Component bulk GET"
        self.calls += 1
        items: list[BulkItem[Component]] = []
        for component_id in component_ids:
            try:
                items.append(BulkItem(component_id, 200, self._component(component_id)))
            except BoomiNotFoundError:
                items.append(BulkItem(component_id, 400, None, "invalid"))
        return items

    def _component(self, component_id: str) -> Component:
        self.reads[f"component {component_id}"] += 1
        if component_id not in self.components:
            raise BoomiNotFoundError("no such component", method="GET", path="/", status_code=404)
        component_type = self.components[component_id][0]
        return Component(
            component_id=component_id,
            version=VERSION,
            name=component_id.title(),
            type=component_type,
            folder_id=f"folder-{component_type}",
            xml=b"<x/>",
        )

    async def query_child_references(
        self, parents: Mapping[str, int], *, override_account: str | None = None
    ) -> dict[str, list[ComponentReference]]:
        assert override_account == ACCOUNT
        assert set(parents.values()) == {VERSION}, "each parent at the version just read"
        self.reads[f"references {sorted(parents)}"] += 1
        self.calls += 1
        self.reference_queries.append(sorted(parents))
        return {
            parent: [
                ComponentReference(
                    parent_component_id=parent,
                    parent_version=VERSION,
                    component_id=child,
                    type=kind,
                )
                for child, kind in self.components[parent][1]
            ]
            for parent in parents
        }

    async def get_folder(self, folder_id: str, *, override_account: str | None = None) -> Folder:
        self.calls += 1
        return self._folder(folder_id)

    async def bulk_get_folders(
        self, folder_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Folder]]:
        assert override_account == ACCOUNT
        self.calls += 1
        return [BulkItem(folder_id, 200, self._folder(folder_id)) for folder_id in folder_ids]

    def _folder(self, folder_id: str) -> Folder:
        self.reads[f"folder {folder_id}"] += 1
        return Folder(id=folder_id, name=folder_id, full_path=f"Dev/{folder_id}")


D, IND = "DEPENDENT", "INDEPENDENT"
TREE = {
    "root": ("process", [("sub", D), ("router", D), ("profile", D)]),
    "sub": ("process", [("profile", D), ("connection", D)]),
    "router": ("processroute", [("routed", IND)]),
    "routed": ("process", [("connection", D)]),
    "profile": ("profile.json", []),
    "connection": ("connector-settings", []),
}


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one per call"])
async def test_walk_gives_shortest_depths_and_reads_each_component_once(bulk: bool) -> None:
    account = FakeDevAccount(TREE)

    tree = await resolve_tree(account, ACCOUNT, "root", bulk=bulk)

    depths = {cid: c.depth for cid, c in tree.components.items()}
    assert depths == {
        "root": 0,
        "sub": 1,
        "router": 1,
        "profile": 1,
        "connection": 2,
        "routed": 2,
    }
    assert tree.components["routed"].dependency_type == "INDEPENDENT"
    assert tree.components["root"].dependency_type == "ROOT"
    assert tree.components["profile"].folder_full_path == "Dev/folder-profile.json"
    assert max(account.reads.values()) == 1, "no component, reference list or folder read twice"
    assert account.reference_queries == [
        ["root"],
        ["profile", "router", "sub"],
        ["connection", "routed"],
    ], "one reference query per level"
    assert [c.component_id for c in tree.connections] == ["connection"]
    order = tree.write_order()
    assert order.index("connection") < order.index("sub") < order.index("root")


async def test_bulk_reads_take_a_call_per_level_for_documents_folders_and_references() -> None:
    bulk, single = FakeDevAccount(TREE), FakeDevAccount(TREE)

    await resolve_tree(bulk, ACCOUNT, "root")
    await resolve_tree(single, ACCOUNT, "root", bulk=False)

    # Three levels: a document bulk GET, a folder bulk GET and a reference query each.
    assert bulk.calls == 9
    assert single.calls == len(TREE) + len({c[0] for c in TREE.values()}) + 3


async def test_cycles_are_reported_and_refused_as_an_order() -> None:
    account = FakeDevAccount(
        {
            "root": ("process", [("a", D)]),
            "a": ("process", [("b", D)]),
            "b": ("process", [("a", D)]),
        }
    )

    tree = await resolve_tree(account, ACCOUNT, "root")

    assert tree.cycles() == [["a", "b"]]
    with pytest.raises(ReferenceCycleError):
        tree.write_order()


async def test_a_tree_over_the_limit_is_refused() -> None:
    with pytest.raises(DependencyTreeTooLarge):
        await resolve_tree(FakeDevAccount(TREE), ACCOUNT, "root", max_components=5)


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one per call"])
async def test_an_unknown_root_is_component_not_found(bulk: bool) -> None:
    with pytest.raises(ComponentNotFound) as caught:
        await resolve_tree(FakeDevAccount(TREE), ACCOUNT, "missing", bulk=bulk)

    assert caught.value.status_code == 404
    assert caught.value.details == {"componentId": "missing"}


def test_find_cycles_names_self_references_and_circles() -> None:
    references = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d"}, "e": {"a"}}

    assert find_cycles(references) == [["a", "b", "c"], ["d"]]


async def test_a_tree_read_ahead_from_what_it_held_takes_a_few_calls_and_is_the_same() -> None:
    walked, ahead = FakeDevAccount(TREE), FakeDevAccount(TREE)

    plain = await resolve_tree(walked, ACCOUNT, "root")
    hinted = await resolve_tree(ahead, ACCOUNT, "root", expected=sorted(TREE))

    assert hinted == plain
    # Six documents in two bulk GETs, their folders in one, their references in one query.
    assert ahead.calls == 4 < walked.calls
    assert max(ahead.reads.values()) == 1


async def test_a_stale_expectation_still_gives_the_tree_as_it_is_now() -> None:
    account = FakeDevAccount({**TREE, "retired": ("profile.json", [])})
    expected = [cid for cid in TREE if cid != "routed"] + ["retired", "gone"]

    tree = await resolve_tree(account, ACCOUNT, "root", expected=expected)

    assert tree == await resolve_tree(FakeDevAccount(TREE), ACCOUNT, "root")
    assert "retired" not in tree.components, "read ahead, but no longer referenced"
    assert tree.components["routed"].depth == 2, "found by the walk, not expected"
