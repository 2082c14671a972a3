"""Whole journeys through the status machine, as users drive them over the API.

Each journey ends by checking the invariant every path must keep: the emulator holds no
``promo-*`` branch that no live promotion owns.
"""

from __future__ import annotations

from typing import Any

import httpx

from boomi_promo.domain.statuses import TERMINAL, PromotionStatus
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    describe_again,
    dev_id_named,
    promote,
    read_on_main,
    store_of,
)
from tests.support.service import DemoService

ERIN = "erin@example.com"


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True, body
    return body


async def deploy_to_test(service: DemoService, promotion_id: str) -> dict[str, Any]:
    return ok(
        await service.call(ALICE, "packageAndDeploy", {"promotionId": promotion_id, "mode": 1})
    )


async def assign_test_pack(service: DemoService, promotion_id: str, pack_name: str) -> None:
    ok(
        await service.call(
            CAROL,
            "packageAndDeploy",
            {
                "promotionId": promotion_id,
                "mode": 4,
                "createNewPack": True,
                "newPackName": pack_name,
            },
        )
    )


async def to_production(service: DemoService, test_promotion_id: str, pack_name: str) -> str:
    submitted = ok(
        await service.call(ALICE, "submitForPeerReview", {"promotionId": test_promotion_id})
    )
    production_id: str = submitted["promotionId"]
    assert production_id != test_promotion_id
    ok(
        await service.call(
            BOB, "submitPeerReview", {"promotionId": production_id, "decision": "APPROVED"}
        )
    )
    ok(
        await service.call(
            ERIN,
            "submitAdminReview",
            {
                "promotionId": production_id,
                "decision": "APPROVED",
                "createNewPack": True,
                "newPackName": pack_name,
            },
        )
    )
    return production_id


async def status_of(service: DemoService, promotion_id: str) -> str:
    async with store_of(service) as uow:
        promotion = await uow.promotions.get(promotion_id)
    assert promotion is not None
    return promotion.status


async def assert_no_orphan_branches(service: DemoService) -> None:
    """Every promo-* branch in the primary account belongs to a promotion that is still live."""
    state = service.emulator.state
    with state.lock:
        branches = {
            b.name: b.branch_id
            for b in state.branches.values()
            if b.account_id == service.seed.primary_account_id
            and not b.deleted
            and b.name.startswith("promo-")
        }
    async with store_of(service) as uow:
        for name, branch_id in branches.items():
            promotion = await uow.promotions.get(name.removeprefix("promo-"))
            assert promotion is not None, f"{name} belongs to no promotion"
            assert promotion.status not in TERMINAL, f"{name} outlived its promotion"
            assert promotion.branch_id == branch_id


def object_xml(service: DemoService, component_id: str, version: int) -> str:
    state = service.emulator.state
    with state.lock:
        xml: str = state.components[component_id].revisions[version].object_xml
    return xml


def prod_ids(body: dict[str, Any]) -> dict[str, str]:
    return {r["devComponentId"]: r["prodComponentId"] for r in body["promotionResults"]}


def versions(body: dict[str, Any]) -> dict[str, int]:
    return {r["devComponentId"]: r["version"] for r in body["promotionResults"]}


async def test_continuity_through_two_test_deployments_and_production(
    promo_service: DemoService,
) -> None:
    """promote → Test → promote again → Test → Production keeps one prod id per dev component."""
    package = promo_service.seed.full_tree_package_id

    first = ok(await promote(promo_service, package))
    assert (await deploy_to_test(promo_service, first["promotionId"]))["needsPackAssignment"]
    await assign_test_pack(promo_service, first["promotionId"], "Orders - TEST")
    assert await status_of(promo_service, first["promotionId"]) == PromotionStatus.TEST_DEPLOYED

    edited = dev_id_named(promo_service, "Order JSON")
    await describe_again(promo_service, edited)
    second = ok(await promote(promo_service, package))
    assert prod_ids(second) == prod_ids(first), "every dev component kept its prod id"
    assert versions(second)[edited] > versions(first)[edited], "the change added a version"
    actions = {r["devComponentId"]: r["action"] for r in second["promotionResults"]}
    assert {dev for dev, action in actions.items() if action != "UNCHANGED"} == {edited}
    for dev_id, prod_id in prod_ids(second).items():
        if dev_id != edited:
            # The version the branch holds: the first one's, or its copy merged in from a
            # route target's package.
            kept = object_xml(promo_service, prod_id, versions(second)[dev_id])
            assert kept == object_xml(promo_service, prod_id, versions(first)[dev_id])
    deployed = await deploy_to_test(promo_service, second["promotionId"])
    assert deployed["needsPackAssignment"] is False, "the Test pack is found from history"
    assert await status_of(promo_service, second["promotionId"]) == PromotionStatus.TEST_DEPLOYED

    production = await to_production(promo_service, second["promotionId"], "Orders")
    assert await status_of(promo_service, production) == PromotionStatus.DEPLOYED

    for dev_id, prod_id in prod_ids(second).items():
        promoted = object_xml(promo_service, prod_id, versions(second)[dev_id])
        on_main = read_on_main(promo_service, prod_id)
        assert on_main.version is not None
        assert object_xml(promo_service, prod_id, on_main.version) == promoted, (
            f"main holds the last promoted content of {dev_id}"
        )
    await assert_no_orphan_branches(promo_service)


async def test_rejected_production_promotion_offers_the_test_deployment_again(
    promo_service: DemoService,
) -> None:
    promoted = ok(await promote(promo_service, promo_service.seed.full_tree_package_id))
    await deploy_to_test(promo_service, promoted["promotionId"])
    await assign_test_pack(promo_service, promoted["promotionId"], "Orders - TEST")
    submitted = ok(
        await promo_service.call(
            ALICE, "submitForPeerReview", {"promotionId": promoted["promotionId"]}
        )
    )

    async def offered() -> set[str]:
        body = ok(await promo_service.call(BOB, "queryTestDeployments", {}))
        return {d["promotionId"] for d in body["testDeployments"]}

    assert promoted["promotionId"] not in await offered()
    ok(
        await promo_service.call(
            BOB,
            "submitPeerReview",
            {"promotionId": submitted["promotionId"], "decision": "REJECTED", "comments": "no"},
        )
    )
    assert promoted["promotionId"] in await offered()
    await assert_no_orphan_branches(promo_service)


async def test_hotfix_goes_to_production_then_test(promo_service: DemoService) -> None:
    promoted = ok(await promote(promo_service, promo_service.seed.full_tree_package_id))
    ok(
        await promo_service.call(
            ALICE,
            "submitForPeerReview",
            {
                "promotionId": promoted["promotionId"],
                "isHotfix": True,
                "hotfixJustification": "Orders are stuck in production since 06:00.",
            },
        )
    )
    ok(
        await promo_service.call(
            BOB,
            "submitPeerReview",
            {"promotionId": promoted["promotionId"], "decision": "APPROVED"},
        )
    )
    unacknowledged = await promo_service.call(
        ERIN,
        "submitAdminReview",
        {
            "promotionId": promoted["promotionId"],
            "decision": "APPROVED",
            "createNewPack": True,
            "newPackName": "Orders",
        },
    )
    assert unacknowledged.status_code == 400
    assert unacknowledged.json()["errorCode"] == "HOTFIX_ACKNOWLEDGEMENT_REQUIRED"

    approved = ok(
        await promo_service.call(
            ERIN,
            "submitAdminReview",
            {
                "promotionId": promoted["promotionId"],
                "decision": "APPROVED",
                "hotfixAcknowledged": True,
                "createNewPack": True,
                "newPackName": "Orders",
                "hotfixCreateNewTestPack": True,
                "hotfixNewTestPackName": "Orders - TEST",
            },
        )
    )
    assert await status_of(promo_service, promoted["promotionId"]) == PromotionStatus.DEPLOYED
    assert approved["promotionId"] == promoted["promotionId"]
    await assert_no_orphan_branches(promo_service)
