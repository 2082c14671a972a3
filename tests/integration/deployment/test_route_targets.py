"""The processes a process route calls ship in packages of their own, and every branch holds them.

Boomi packages a process with what it references DEPENDENT-ly; the processes its route calls
are INDEPENDENT references, deployed on their own. In the seed's "Orders Sync" the router
calls "Orders - Standard Route" and "Orders - Rush Route".
"""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    ERIN,
    admin_review,
    body_of,
    deploy,
    emulator_pack,
    main_version,
    record,
    releases_in_order,
)
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    promote,
    read_on_branch,
    revision_xml,
)
from tests.support.service import DemoService

ROOT = "Orders Sync"
ROUTER = "Order Type Router"
TARGETS = ("Orders - Standard Route", "Orders - Rush Route")


def by_name(promoted: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["componentName"]: r for r in promoted["promotionResults"]}


async def orders_promoted(service: DemoService) -> dict[str, Any]:
    return body_of(await promote(service, service.seed.full_tree_package_id))


async def orders_on_test(service: DemoService) -> dict[str, Any]:
    """Orders Sync promoted, packaged (mode 1) and released to a new test pack (mode 4)."""
    promoted = await orders_promoted(service)
    body_of(await deploy(service, ALICE, promotionId=promoted["promotionId"]))
    body_of(
        await deploy(
            service,
            CAROL,
            promotionId=promoted["promotionId"],
            mode=4,
            createNewPack=True,
            newPackName="Orders",
        )
    )
    return promoted


async def test_mode_1_packages_each_route_target_and_the_release_ships_them(
    promo_service: DemoService,
) -> None:
    promoted = await orders_promoted(promo_service)
    written = by_name(promoted)
    prod = {name: written[name]["prodComponentId"] for name in (ROOT, ROUTER, *TARGETS)}

    waiting = body_of(await deploy(promo_service, ALICE, promotionId=promoted["promotionId"]))

    assert waiting["newStatus"] == "PENDING_PACK_ASSIGNMENT"
    log = await record(promo_service, promoted["promotionId"])
    entries = {e["componentId"]: e for e in log.result_detail["packages"]}
    assert set(entries) == {prod[ROOT], *(prod[t] for t in TARGETS)}
    assert entries[prod[ROOT]]["packageId"] == log.prod_package_id == waiting["packageId"]
    assert log.result_detail["promotionResults"] == promoted["promotionResults"], "kept"
    packages = promo_service.emulator.state.packages
    root_package = packages[log.prod_package_id]
    assert prod[ROUTER] in root_package.snapshot
    assert not {prod[t] for t in TARGETS} & set(root_package.snapshot), (
        "a route target is not inside the root's package"
    )
    for target in TARGETS:
        entry = entries[prod[target]]
        package = packages[entry["packageId"]]
        assert (package.component_id, package.branch_name) == (
            prod[target],
            promoted["branchName"],
        ), "packaged from the promotion branch"
        assert package.shareable is True
        assert package.component_version == written[target]["version"]
        assert prod[target] in entry["prodComponentIds"]
        assert prod[target] not in entries[prod[ROOT]]["prodComponentIds"]

    assigned = body_of(
        await deploy(
            promo_service,
            CAROL,
            promotionId=promoted["promotionId"],
            mode=4,
            createNewPack=True,
            newPackName="Orders",
        )
    )

    assert assigned["newStatus"] == "TEST_DEPLOYED"
    pack = emulator_pack(promo_service, assigned["testIntegrationPackId"])
    shipped = {e["componentId"]: e["packageVersion"] for e in entries.values()}
    assert {m.component_id for m in pack.members} == set(shipped)
    release = releases_in_order(promo_service)[-1]
    assert {(c.component_id, c.package_version) for c in release.components} == set(shipped.items())
    assert {m.component_id: m.released_version for m in pack.members} == shipped


async def test_the_review_branch_holds_the_route_targets_and_production_ships_them(
    promo_service: DemoService,
) -> None:
    promoted = await orders_on_test(promo_service)
    written = by_name(promoted)

    submitted = body_of(
        await promo_service.call(
            ALICE, "submitForPeerReview", {"promotionId": promoted["promotionId"]}
        )
    )

    for name in (ROOT, ROUTER, *TARGETS):
        prod_id, version = written[name]["prodComponentId"], written[name]["version"]
        on_branch = read_on_branch(promo_service, prod_id, submitted["branchId"])
        assert on_branch.version is not None
        assert revision_xml(promo_service, prod_id, on_branch.version) == revision_xml(
            promo_service, prod_id, version
        ), f"the review branch holds {name} as tested"
    state = promo_service.emulator.state
    with state.lock:
        live = [b.name for b in state.branches.values() if not b.deleted]
    assert not [name for name in live if "-src-" in name], "temporary branches are gone"

    production_id = submitted["promotionId"]
    body_of(
        await promo_service.call(
            BOB, "submitPeerReview", {"promotionId": production_id, "decision": "APPROVED"}
        )
    )
    deployed = body_of(
        await admin_review(
            promo_service,
            ERIN,
            promotionId=production_id,
            decision="APPROVED",
            createNewPack=True,
            newPackName="Orders",
        )
    )

    assert deployed["newStatus"] == "DEPLOYED"
    production = await record(promo_service, production_id)
    entries = production.result_detail["packages"]
    assert {e["branchName"] for e in entries} == {"main"}, "production packages come from main"
    assert {e["componentId"] for e in entries} == {
        written[name]["prodComponentId"] for name in (ROOT, *TARGETS)
    }
    for target in TARGETS:
        prod_id = written[target]["prodComponentId"]
        assert revision_xml(promo_service, prod_id, main_version(promo_service, prod_id)) == (
            revision_xml(promo_service, prod_id, written[target]["version"])
        ), f"{target} reached main"
    pack = emulator_pack(promo_service, deployed["integrationPackId"])
    assert {m.component_id: m.released_version for m in pack.members} == {
        e["componentId"]: e["packageVersion"] for e in entries
    }
    assert production.status == PromotionStatus.DEPLOYED
