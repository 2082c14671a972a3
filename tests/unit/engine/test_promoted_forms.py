"""The key of a promoted form changes with everything the form is made of, and nothing else."""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.promoted_form import promoted_form_key
from boomi_promo.engine.promoted_forms import RULES, form_key
from boomi_promo.engine.tree import DependencyTree, TreeComponent

BASE: dict[str, Any] = {
    "rules": "r1",
    "dev_component_id": "map-1",
    "dev_version": 7,
    "folder": "Promoted/Team/Orders",
    "references": {"profile-1": "prod-p1", "conn-1": "prod-c1"},
}


def key(**changes: Any) -> str:
    return promoted_form_key(**{**BASE, **changes})


def test_the_same_inputs_give_the_same_key_whatever_the_order_of_references() -> None:
    assert key() == key(references={"conn-1": "prod-c1", "profile-1": "prod-p1"})


def test_each_input_changes_the_key() -> None:
    others = [
        key(rules="r2"),
        key(dev_component_id="map-2"),
        key(dev_version=8),
        key(folder="Promoted/Team/Billing"),
        key(references={"profile-1": "prod-p1", "conn-1": "prod-c2"}),
        key(references={"profile-1": "prod-p1"}),
    ]
    assert key() not in others
    assert len(set(others)) == len(others)


def component(cid: str, version: int | None = 3, folder: str = "Dev/Team/Orders") -> TreeComponent:
    return TreeComponent(
        component_id=cid,
        name=cid,
        type="process",
        version=version,
        folder_id="f",
        folder_full_path=folder,
        depth=0,
        dependency_type="ROOT",
        xml=b"",
    )


def tree(**components: TreeComponent) -> DependencyTree:
    return DependencyTree(
        root_id="root",
        components={"root": components.get("root", component("root")), "child": component("child")},
        references={"root": frozenset({"child"}), "child": frozenset()},
    )


def test_a_tree_components_key_uses_its_references_prod_ids_and_the_current_rules() -> None:
    walked = tree()
    mine = form_key(walked, "root", {"child": "prod-child"})
    assert mine == promoted_form_key(
        rules=RULES,
        dev_component_id="root",
        dev_version=3,
        folder="Promoted/Team/Orders",
        references={"child": "prod-child"},
    )
    assert form_key(walked, "root", {"child": "prod-other"}) != mine
    # Other components' prod ids are not part of it.
    assert form_key(walked, "root", {"child": "prod-child", "else": "x"}) == mine


def test_no_key_while_a_reference_has_no_prod_id_or_the_version_is_unknown() -> None:
    assert form_key(tree(), "root", {}) is None
    assert form_key(tree(root=component("root", version=None)), "root", {"child": "p"}) is None
    assert form_key(tree(), "child", {}) is not None
