"""The continuity rule: which mappings are updated in place, and what the branch is built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boomi_promo.domain.result_detail import ResultDetail
from boomi_promo.engine.branches import BranchSources
from boomi_promo.engine.continuity import (
    PackagedPromotion,
    RecordedPackage,
    package_entry,
    plan_continuity,
    recorded_packages,
    review_sources,
)
from boomi_promo.store import PromotionLog

ROOT = "dev-root"
OTHER_ROOT = "dev-other-root"


@dataclass(frozen=True)
class Mapping:
    prod_component_id: str
    on_main: bool = False


def package(package_id: str, *prod_ids: str) -> RecordedPackage:
    return RecordedPackage(
        package_id=package_id,
        component_id=prod_ids[0] if prod_ids else "",
        package_version="1.0",
        branch_name="promo-x",
        prod_component_ids=frozenset(prod_ids),
    )


def packaged(
    promotion_id: str, *packages: RecordedPackage, root: str = ROOT, day: int = 1
) -> PackagedPromotion:
    return PackagedPromotion(
        promotion_id=promotion_id,
        root_component_id=root,
        initiated_at=datetime(2025, 1, day, tzinfo=UTC),
        packages=packages,
    )


def log(**fields: Any) -> PromotionLog:
    values: dict[str, Any] = {
        "promotion_id": "p1",
        "dev_account_id": "dev",
        "prod_account_id": "prod",
        "dev_package_id": "dev-package",
        "root_component_id": ROOT,
        "initiated_by": "alice@example.com",
        "status": "TEST_DEPLOYED",
        "target_environment": "TEST",
    }
    return PromotionLog(**{**values, **fields})


def test_components_on_main_are_updated_and_the_branch_comes_from_main() -> None:
    plan = plan_continuity(
        {"dev-a": Mapping("prod-a", on_main=True), "dev-b": Mapping("prod-b", on_main=True)},
        [],
        root_component_id=ROOT,
    )

    assert plan.usable == {"dev-a", "dev-b"}
    assert plan.stale == set()
    assert plan.sources == BranchSources(package_id=None)
    assert plan.sources.branches_needed == 1


def test_a_component_that_reached_neither_main_nor_a_package_is_stale() -> None:
    plan = plan_continuity(
        {"dev-a": Mapping("prod-a", on_main=True), "dev-b": Mapping("prod-b")},
        [packaged("p1", package("pkg-1", "prod-x"))],
        root_component_id=ROOT,
    )

    assert plan.usable == {"dev-a"}
    assert plan.stale == {"dev-b"}
    assert plan.sources.package_id is None


def test_a_packaged_component_is_updated_on_a_branch_from_its_package() -> None:
    plan = plan_continuity(
        {"dev-a": Mapping("prod-a", on_main=True), "dev-b": Mapping("prod-b")},
        [packaged("p1", package("pkg-1", "prod-b"))],
        root_component_id=ROOT,
    )

    assert plan.usable == {"dev-a", "dev-b"}
    assert plan.sources == BranchSources(package_id="pkg-1")


def test_the_newest_package_of_the_same_root_is_chosen() -> None:
    plan = plan_continuity(
        {"dev-b": Mapping("prod-b")},
        [
            packaged("p1", package("pkg-old", "prod-b"), day=1),
            packaged("p3", package("pkg-other-root", "prod-b"), root=OTHER_ROOT, day=9),
            packaged("p2", package("pkg-new", "prod-b"), day=5),
        ],
        root_component_id=ROOT,
    )

    assert plan.sources == BranchSources(package_id="pkg-new")
    assert plan.usable == {"dev-b"}


def test_route_targets_in_packages_of_their_own_are_merged_into_the_branch() -> None:
    """The first deployment packaged the root and, separately, the process its route calls."""
    plan = plan_continuity(
        {
            ROOT: Mapping("prod-root"),
            "dev-route": Mapping("prod-route"),
            "dev-target": Mapping("prod-target"),
            "dev-profile": Mapping("prod-profile"),
        },
        [
            packaged(
                "p1",
                package("pkg-target", "prod-target", "prod-profile"),
                package("pkg-root", "prod-root", "prod-route", "prod-profile"),
            )
        ],
        root_component_id=ROOT,
    )

    assert plan.usable == {ROOT, "dev-route", "dev-target", "dev-profile"}
    assert plan.stale == set()
    assert plan.sources == BranchSources(package_id="pkg-root", merged_package_ids=("pkg-target",))
    assert plan.sources.branches_needed == 2


def test_the_branch_comes_from_the_package_holding_the_root_even_if_another_is_newer() -> None:
    plan = plan_continuity(
        {ROOT: Mapping("prod-root"), "dev-shared": Mapping("prod-shared")},
        [
            packaged("p1", package("pkg-root", "prod-root", "prod-shared"), day=1),
            packaged(
                "p2", package("pkg-other", "prod-other", "prod-shared"), root=OTHER_ROOT, day=7
            ),
        ],
        root_component_id=ROOT,
    )

    assert plan.sources == BranchSources(package_id="pkg-root")


def test_a_component_held_only_by_another_process_package_is_merged_from_the_newest() -> None:
    plan = plan_continuity(
        {"dev-b": Mapping("prod-b"), "dev-c": Mapping("prod-c")},
        [
            packaged("p1", package("pkg-root", "prod-b"), day=1),
            packaged("p2", package("pkg-other-old", "prod-c"), root=OTHER_ROOT, day=2),
            packaged("p3", package("pkg-other-new", "prod-c"), root=OTHER_ROOT, day=3),
        ],
        root_component_id=ROOT,
    )

    assert plan.sources == BranchSources(
        package_id="pkg-root", merged_package_ids=("pkg-other-new",)
    )
    assert plan.usable == {"dev-b", "dev-c"}


def test_packages_recorded_by_a_deployment_are_read_back() -> None:
    entries = [
        package_entry(
            package_id="pkg-target",
            component_id="prod-target",
            package_version="2.0",
            branch_name="promo-1",
            prod_component_ids=["prod-target"],
        ),
        package_entry(
            package_id="pkg-root",
            component_id="prod-root",
            package_version="2.0",
            branch_name="promo-1",
            prod_component_ids=["prod-root", "prod-route"],
        ),
    ]
    test = log(prod_package_id="pkg-root", result_detail={"packages": entries})

    found = recorded_packages(test)

    assert [(p.package_id, p.prod_component_ids) for p in found] == [
        ("pkg-target", frozenset({"prod-target"})),
        ("pkg-root", frozenset({"prod-root", "prod-route"})),
    ]
    assert review_sources(test) == BranchSources(
        package_id="pkg-root", merged_package_ids=("pkg-target",)
    )


def test_a_record_from_before_packages_were_listed_holds_all_it_wrote_in_one_package() -> None:
    detail = {
        "promotionResults": [
            {"devComponentId": ROOT, "prodComponentId": "prod-root", "action": "UPDATED"},
            {"devComponentId": "dev-map", "prodComponentId": "prod-map", "action": "CREATED"},
        ]
    }
    old = log(prod_package_id="pkg-1", package_version="3.0", result_detail=detail)

    [only] = recorded_packages(old)

    assert (only.package_id, only.package_version) == ("pkg-1", "3.0")
    assert only.prod_component_ids == {"prod-root", "prod-map"}
    assert review_sources(old) == BranchSources(package_id="pkg-1")
    assert recorded_packages(log(result_detail=detail)) == []


def test_held_prod_ids_are_read_from_stored_results() -> None:
    detail = {
        "promotionResults": [
            {"prodComponentId": "prod-a", "action": "CREATED"},
            {"prodComponentId": "prod-b", "action": "UPDATED"},
            {"prodComponentId": "", "action": "SKIPPED"},
            {"prodComponentId": "prod-c", "action": "FAILED"},
        ]
    }

    assert ResultDetail.parse(detail).held_prod_ids() == {"prod-a", "prod-b"}
    assert ResultDetail.parse(None).held_prod_ids() == set()
