"""J listIntegrationPacks and P checkReleaseStatus over HTTP."""

from __future__ import annotations

import time
from typing import Any

from tests.integration.deployment.support import (
    admin_review,
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
    emulator_pack,
    production_record,
    record,
    releases_in_order,
)
from tests.integration.promotion.support import ALICE, BOB, CAROL, promote
from tests.support.service import DemoService


def create_pack(service: DemoService, name: str, installation_type: str = "MULTI") -> str:
    with service.emulator.client() as boomi:
        response = boomi.post(
            "/PublisherIntegrationPack",
            json={
                "name": name,
                "Description": f"{name} pack",
                "installationType": installation_type,
            },
        )
    response.raise_for_status()
    pack_id: str = response.json()["id"]
    return pack_id


async def packs(service: DemoService, **request: Any) -> dict[str, Any]:
    return body_of(await service.call(CAROL, "listIntegrationPacks", request))


async def test_packs_are_listed_by_purpose(promo_service: DemoService) -> None:
    billing = create_pack(promo_service, "Billing")
    billing_test = create_pack(promo_service, "Billing - TEST")
    create_pack(promo_service, "Legacy", installation_type="SINGLE")

    everything = await packs(promo_service)
    test_only = await packs(promo_service, packPurpose="TEST")
    production_only = await packs(promo_service, packPurpose="production")

    assert [(p["packId"], p["packPurpose"]) for p in everything["integrationPacks"]] == [
        (billing, "PRODUCTION"),
        (billing_test, "TEST"),
    ]
    assert everything["integrationPacks"][0] == {
        "packId": billing,
        "packName": "Billing",
        "packDescription": "Billing pack",
        "installationType": "MULTI",
        "packPurpose": "PRODUCTION",
    }
    assert [p["packName"] for p in test_only["integrationPacks"]] == ["Billing - TEST"]
    assert [p["packName"] for p in production_only["integrationPacks"]] == ["Billing"]
    assert everything["suggestedPackId"] == ""
    refused = await promo_service.call(BOB, "listIntegrationPacks", {})
    assert body_of(refused, 403)["errorCode"] == "INSUFFICIENT_TIER"


async def test_the_suggestion_comes_from_the_process_history(promo_service: DemoService) -> None:
    billing = create_pack(promo_service, "Billing")
    test_id = await deployed_to_test(promo_service)
    test_pack = (await record(promo_service, test_id)).test_integration_pack_id

    before_production = await packs(promo_service, suggestForProcess="Customer Sync")
    for_test = await packs(promo_service, suggestForProcess="Customer Sync", packPurpose="TEST")
    production_id = await production_record(promo_service, test_id)
    body_of(
        await admin_review(
            promo_service,
            CAROL,
            promotionId=production_id,
            decision="APPROVED",
            integrationPackId=billing,
        )
    )
    after_production = await packs(promo_service, suggestForProcess="Customer Sync")
    unknown = await packs(promo_service, suggestForProcess="Never Deployed")

    assert (before_production["suggestedPackId"], before_production["suggestedPackName"]) == (
        test_pack,
        "Customer Sync - TEST",
    ), "no production history yet: the test pack is what the process used"
    assert for_test["suggestedPackId"] == test_pack
    assert (after_production["suggestedPackId"], after_production["suggestedPackName"]) == (
        billing,
        "Billing",
    )
    assert unknown["suggestedPackId"] == ""


async def release_status(service: DemoService, email: str, **request: Any) -> dict[str, Any]:
    return body_of(await service.call(email, "checkReleaseStatus", request))


async def test_release_status_is_read_live_until_it_settles(promo_service: DemoService) -> None:
    await deployed_to_test(promo_service)
    state = promo_service.emulator.state
    state.settings.release_seconds = 60.0
    second = await completed_promotion(promo_service)

    deployed = body_of(await deploy(promo_service, ALICE, promotionId=second["promotionId"]))
    pending = await release_status(promo_service, BOB, promotionId=second["promotionId"])

    assert deployed["newStatus"] == "TEST_DEPLOYED"
    assert deployed["testReleaseStatus"] == "IN_PROGRESS", "the release is not waited for"
    [release] = pending["releases"]
    assert release["releaseId"] == deployed["testReleaseId"]
    assert (release["releaseType"], release["status"]) == ("TEST", "IN_PROGRESS")
    assert release["integrationPackName"] == "Customer Sync - TEST"
    assert release["packageVersion"] == deployed["packageVersion"]
    assert release["startTime"] and release["completionTime"] == ""

    state.clock = lambda: time.time() + 120
    settled = await release_status(
        promo_service, ALICE, promotionId=second["promotionId"], releaseType="TEST"
    )
    again = await release_status(promo_service, ALICE, promotionId=second["promotionId"])
    production_only = await release_status(
        promo_service, ALICE, promotionId=second["promotionId"], releaseType="PRODUCTION"
    )

    [done] = settled["releases"]
    assert done["status"] == "SUCCESS"
    assert done["completionTime"] >= done["startTime"]
    assert again["releases"] == settled["releases"], "the completion time is kept"
    assert production_only["releases"] == []


async def test_a_production_record_reports_its_release_and_its_test_release(
    promo_service: DemoService,
) -> None:
    test_id = await deployed_to_test(promo_service)
    production_id = await production_record(promo_service, test_id)
    deployed = body_of(
        await admin_review(
            promo_service,
            CAROL,
            promotionId=production_id,
            decision="APPROVED",
            createNewPack=True,
            newPackName="Customer Sync",
        )
    )

    body = await release_status(promo_service, ALICE, promotionId=production_id)

    by_type = {r["releaseType"]: r for r in body["releases"]}
    assert set(by_type) == {"PRODUCTION", "TEST"}
    assert by_type["PRODUCTION"]["releaseId"] == deployed["releaseId"]
    assert by_type["PRODUCTION"]["integrationPackName"] == "Customer Sync"
    assert by_type["TEST"]["releaseId"] == (await record(promo_service, test_id)).test_release_id
    assert {r["status"] for r in body["releases"]} == {"SUCCESS"}
    missing = await promo_service.call(ALICE, "checkReleaseStatus", {"promotionId": "nope"})
    assert body_of(missing, 404)["errorCode"] == "PROMOTION_NOT_FOUND"


async def test_two_processes_deployed_into_one_pack_both_stay_and_both_ship(
    promo_service: DemoService,
) -> None:
    """Boomi deletes the packaged components a pack update does not list: adding one process
    must not push out another that shares the pack, now or at its next release."""
    customers_id = await deployed_to_test(promo_service, pack_name="Shared")
    shared = (await record(promo_service, customers_id)).test_integration_pack_id
    customers_root = promo_service.seed.prior_promotion.prod_root_component_id
    orders = body_of(await promote(promo_service, promo_service.seed.full_tree_package_id))
    waiting = body_of(await deploy(promo_service, ALICE, promotionId=orders["promotionId"]))
    assert waiting["newStatus"] == "PENDING_PACK_ASSIGNMENT", "Orders Sync has no pack yet"

    assigned = body_of(
        await deploy(
            promo_service,
            CAROL,
            promotionId=orders["promotionId"],
            mode=4,
            integrationPackId=shared,
        )
    )

    assert assigned["newStatus"] == "TEST_DEPLOYED"
    orders_packages = {
        p["componentId"]: p["packageVersion"]
        for p in (await record(promo_service, orders["promotionId"])).result_detail["packages"]
    }
    assert len(orders_packages) == 3, "Orders Sync and the two processes its route calls"
    members = {m.component_id: m for m in emulator_pack(promo_service, shared).members}
    assert set(members) == {customers_root, *orders_packages}
    assert not any(m.deleted for m in members.values())
    shipped = {
        c.component_id: c.package_version for c in releases_in_order(promo_service)[-1].components
    }
    assert shipped == {
        customers_root: members[customers_root].released_version,
        **orders_packages,
    }, "the release ships the process that was there before too"

    # The next deployment of the first process finds the pack and keeps Orders Sync in it.
    again = await completed_promotion(promo_service, email=BOB)
    found = body_of(await deploy(promo_service, BOB, promotionId=again["promotionId"]))

    assert (found["newStatus"], found["autoDetectedPackId"]) == ("TEST_DEPLOYED", shared)
    members = {m.component_id: m for m in emulator_pack(promo_service, shared).members}
    assert set(members) == {customers_root, *orders_packages}
    assert not any(m.deleted for m in members.values())
    shipped = {
        c.component_id: c.package_version for c in releases_in_order(promo_service)[-1].components
    }
    assert shipped == {customers_root: found["packageVersion"], **orders_packages}
    assert {c: m.released_version for c, m in members.items()} == shipped


async def test_how_often_a_release_is_read_before_it_is_left_in_progress_is_a_setting(
    one_look_service: DemoService,
) -> None:
    service = one_look_service
    await deployed_to_test(service)
    service.emulator.state.settings.release_seconds = 0.5
    second = await completed_promotion(service)
    service.emulator.state.request_log.clear()

    deployed = body_of(await deploy(service, ALICE, promotionId=second["promotionId"]))

    assert deployed["newStatus"] == "TEST_DEPLOYED"
    assert deployed["testReleaseStatus"] == "IN_PROGRESS", "not waited for past one read"
    log = service.emulator.state.request_log
    assert log.count("GET", r"/ReleaseIntegrationPackStatus/") == 1
