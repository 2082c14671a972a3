"""The continuity rule: which mappings are updated in place, and where the branch comes from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from boomi_promo.engine.continuity import PackagedPromotion, plan_continuity, written_prod_ids

ROOT = "dev-root"
OTHER_ROOT = "dev-other-root"


@dataclass(frozen=True)
class Mapping:
    prod_component_id: str
    on_main: bool = False


def packaged(
    promotion_id: str, package_id: str, *prod_ids: str, root: str = ROOT, day: int = 1
) -> PackagedPromotion:
    return PackagedPromotion(
        promotion_id=promotion_id,
        prod_package_id=package_id,
        root_component_id=root,
        initiated_at=datetime(2025, 1, day, tzinfo=UTC),
        prod_component_ids=frozenset(prod_ids),
    )


def test_components_on_main_are_updated_and_the_branch_comes_from_main() -> None:
    plan = plan_continuity(
        {"dev-a": Mapping("prod-a", on_main=True), "dev-b": Mapping("prod-b", on_main=True)},
        [],
        root_component_id=ROOT,
    )

    assert plan.usable == {"dev-a", "dev-b"}
    assert plan.stale == set()
    assert plan.branch_package_id is None


def test_a_component_that_reached_neither_main_nor_a_package_is_stale() -> None:
    plan = plan_continuity(
        {"dev-a": Mapping("prod-a", on_main=True), "dev-b": Mapping("prod-b")},
        [packaged("p1", "pkg-1", "prod-x")],
        root_component_id=ROOT,
    )

    assert plan.usable == {"dev-a"}
    assert plan.stale == {"dev-b"}
    assert plan.branch_package_id is None


def test_a_packaged_component_is_updated_on_a_branch_from_its_package() -> None:
    plan = plan_continuity(
        {"dev-a": Mapping("prod-a", on_main=True), "dev-b": Mapping("prod-b")},
        [packaged("p1", "pkg-1", "prod-b")],
        root_component_id=ROOT,
    )

    assert plan.usable == {"dev-a", "dev-b"}
    assert plan.branch_package_id == "pkg-1"


def test_the_newest_package_of_the_same_root_is_chosen() -> None:
    plan = plan_continuity(
        {"dev-b": Mapping("prod-b")},
        [
            packaged("p1", "pkg-old", "prod-b", day=1),
            packaged("p3", "pkg-other-root", "prod-b", root=OTHER_ROOT, day=9),
            packaged("p2", "pkg-new", "prod-b", day=5),
        ],
        root_component_id=ROOT,
    )

    assert plan.branch_package_id == "pkg-new"
    assert plan.usable == {"dev-b"}


def test_a_component_held_only_by_another_package_cannot_be_updated_on_that_branch() -> None:
    plan = plan_continuity(
        {"dev-b": Mapping("prod-b"), "dev-c": Mapping("prod-c")},
        [
            packaged("p1", "pkg-root", "prod-b", day=1),
            packaged("p2", "pkg-other", "prod-c", root=OTHER_ROOT, day=3),
        ],
        root_component_id=ROOT,
    )

    assert plan.branch_package_id == "pkg-root"
    assert plan.usable == {"dev-b"}
    assert plan.stale == {"dev-c"}


def test_written_prod_ids_are_read_from_stored_results() -> None:
    detail = {
        "promotionResults": [
            {"prodComponentId": "prod-a", "action": "CREATED"},
            {"prodComponentId": "prod-b", "action": "UPDATED"},
            {"prodComponentId": "", "action": "SKIPPED"},
            {"prodComponentId": "prod-c", "action": "FAILED"},
        ]
    }

    assert written_prod_ids(detail) == {"prod-a", "prod-b"}
    assert written_prod_ids(None) == set()
