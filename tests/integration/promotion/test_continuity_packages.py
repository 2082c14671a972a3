"""Continuity across packages: a promotion branch holds what every earlier test package held.

"Orders Sync" ships in three packages after its first test deployment: the root's and one
for each process its route calls. The next promotion's branch comes from the root's package
and gets the route targets by merging the other two in (through temporary branches).
"""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.emulator.records import MergeRequest
from tests.integration.promotion.support import (
    ALICE,
    describe_again,
    dev_id_named,
    promote,
    revision_xml,
    store_of,
)
from tests.support.service import DemoService

TARGETS = ("Orders - Standard Route", "Orders - Rush Route")


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_name(promoted: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["componentName"]: r for r in promoted["promotionResults"]}


def live_branch_names(service: DemoService) -> set[str]:
    state = service.emulator.state
    with state.lock:
        return {
            b.name
            for b in state.branches.values()
            if b.account_id == service.seed.primary_account_id and not b.deleted
        }


def merges_into(service: DemoService, branch_id: str) -> list[MergeRequest]:
    state = service.emulator.state
    with state.lock:
        return [m for m in state.merge_requests.values() if m.destination_branch_id == branch_id]


def branch_name_of(service: DemoService, branch_id: str) -> str:
    state = service.emulator.state
    with state.lock:
        return state.branches[branch_id].name


async def result_detail(service: DemoService, promotion_id: str) -> dict[str, Any]:
    async with store_of(service) as uow:
        log = await uow.promotions.get(promotion_id)
    assert log is not None and log.result_detail is not None
    return log.result_detail


async def orders_packaged_for_test(service: DemoService) -> dict[str, Any]:
    """Orders Sync promoted and packaged for Test (mode 1): three packages recorded."""
    first = ok(await promote(service, service.seed.full_tree_package_id))
    ok(await service.call(ALICE, "packageAndDeploy", {"promotionId": first["promotionId"]}))
    return first


async def test_the_next_branch_holds_the_route_targets_as_first_promoted_before_the_write(
    promo_service: DemoService,
) -> None:
    first = await orders_packaged_for_test(promo_service)
    for target in TARGETS:
        await describe_again(promo_service, dev_id_named(promo_service, target))

    second = ok(await promote(promo_service, promo_service.seed.full_tree_package_id))

    earlier, now = by_name(first), by_name(second)
    merges = merges_into(promo_service, second["branchId"])
    assert sorted(branch_name_of(promo_service, m.source_branch_id) for m in merges) == [
        f"promo-{second['promotionId']}-src-1",
        f"promo-{second['promotionId']}-src-2",
    ]
    merged = {d.component_id: d for m in merges for d in m.details}
    for target in TARGETS:
        prod_id = earlier[target]["prodComponentId"]
        assert now[target]["prodComponentId"] == prod_id, "one prod id across promotions"
        detail = merged[prod_id]
        assert detail.merge_revision is not None
        assert revision_xml(promo_service, prod_id, detail.merge_revision) == revision_xml(
            promo_service, prod_id, earlier[target]["version"]
        ), f"{target} was on the branch as the first promotion wrote it"
        assert now[target]["action"] == "UPDATED"
        assert now[target]["version"] > detail.merge_revision, "updated after the merge"
    assert not {n for n in live_branch_names(promo_service) if "-src-" in n}
    first_packages = {
        e["componentId"]: e["packageId"]
        for e in (await result_detail(promo_service, first["promotionId"]))["packages"]
    }
    recorded = await result_detail(promo_service, second["promotionId"])
    assert recorded["branchPackageId"] == first_packages[earlier["Orders Sync"]["prodComponentId"]]
    assert set(recorded["mergedPackageIds"]) == {
        first_packages[earlier[t]["prodComponentId"]] for t in TARGETS
    }


async def test_temporary_branches_are_deleted_when_the_merge_fails(
    promo_service: DemoService,
) -> None:
    first = await orders_packaged_for_test(promo_service)
    await describe_again(promo_service, dev_id_named(promo_service, "Order JSON"))
    promo_service.emulator.state.faults.add(r"/MergeRequest$", method="POST", status=503)

    failed = await promote(promo_service, promo_service.seed.full_tree_package_id)

    assert failed.status_code == 503, failed.text
    promotion_id = failed.json()["promotionId"]
    state = promo_service.emulator.state
    with state.lock:
        made = {b.name for b in state.branches.values()}
    assert f"promo-{promotion_id}-src-1" in made, "the merge was attempted from a temporary branch"
    assert not {n for n in live_branch_names(promo_service) if promotion_id in n}, (
        "the promotion branch and its temporary branch are both gone"
    )
    async with store_of(promo_service) as uow:
        log = await uow.promotions.get(promotion_id)
    assert log is not None
    assert log.status == PromotionStatus.FAILED
    assert log.branch_id is None

    promo_service.emulator.state.faults.clear()
    again = ok(await promote(promo_service, promo_service.seed.full_tree_package_id))
    assert {r["prodComponentId"] for r in again["promotionResults"]} == {
        r["prodComponentId"] for r in first["promotionResults"]
    }, "the failed attempt changed no mapping"


async def test_a_branch_to_assemble_needs_room_for_its_temporary_branch(
    promo_service: DemoService,
) -> None:
    await orders_packaged_for_test(promo_service)
    limit = promo_service.settings.boomi.branch_soft_limit
    with promo_service.emulator.client() as boomi:
        while len(live_branch_names(promo_service)) < limit - 1:
            name = f"busy-{len(live_branch_names(promo_service))}"
            boomi.post("/Branch", json={"name": name}).raise_for_status()

    refused = await promote(promo_service, promo_service.seed.full_tree_package_id)

    assert refused.status_code == 409, refused.text
    assert refused.json()["errorCode"] == "BRANCH_LIMIT_REACHED"
    assert len(live_branch_names(promo_service)) == limit - 1, "no branch was created"
