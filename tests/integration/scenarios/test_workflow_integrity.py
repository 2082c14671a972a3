"""Issue 15: ordinary steps in an unplanned order keep the records true.

Each test is a sequence a team produced that used to leave the mappings pointing at
components that no longer exist (every later promotion of the package then failed with a
Boomi 400); each now ends with mappings that name what main (or a live promotion) holds and
with the next promotion going through.
"""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store import MappingChangeOutcome
from tests.integration.promotion.support import ALICE, BOB, CAROL, promote, store_of, team_a
from tests.integration.scenarios.test_journeys import assert_no_orphan_branches
from tests.support.service import DemoService
from tests.support.workflow import (
    add_process_sharing,
    dev_component,
    edit_dev_component,
    mappings,
    ok,
    on_main,
    package,
    refused,
)

ERIN = "erin@example.com"
WHY = "Orders are stuck in production since 06:00."
_S = PromotionStatus


async def submit_hotfix(service: DemoService, promotion_id: str) -> Any:
    return await service.call(
        ALICE,
        "submitForPeerReview",
        {"promotionId": promotion_id, "isHotfix": True, "hotfixJustification": WHY},
    )


async def approve_hotfix(service: DemoService, promotion_id: str) -> dict[str, Any]:
    ok(
        await service.call(
            BOB, "submitPeerReview", {"promotionId": promotion_id, "decision": "APPROVED"}
        )
    )
    return ok(
        await service.call(
            ERIN,
            "submitAdminReview",
            {
                "promotionId": promotion_id,
                "decision": "APPROVED",
                "hotfixAcknowledged": True,
                "createNewPack": True,
                "newPackName": "Orders",
            },
        )
    )


def prod_ids(body: dict[str, Any]) -> dict[str, str]:
    return {r["devComponentId"]: r["prodComponentId"] for r in body["promotionResults"]}


async def promotion_count(service: DemoService) -> int:
    async with store_of(service) as uow:
        return (await uow.promotions.query(dev_account_id=team_a(service))).total


async def test_a_second_promotion_of_a_package_under_review_is_refused_naming_the_first(
    promo_service: DemoService,
) -> None:
    """Found 1: promote and submit as a hotfix, promote the same package again (nothing
    warned), submit that too, withdraw the second, approve the first. Now the second
    promotion is refused at once, naming the first and how to withdraw it; the first reaches
    production, the mappings name what main holds, and the package (and one sharing a
    component with it) promotes again."""
    service = promo_service
    package = service.seed.full_tree_package_id
    first = ok(await promote(service, package))
    ok(await submit_hotfix(service, first["promotionId"]))
    before = await promotion_count(service)

    again = refused(await promote(service, package), 409, "PROMOTION_IN_REVIEW")
    assert again["blockingPromotionId"] == first["promotionId"]
    assert first["promotionId"] in again["errorMessage"]
    assert "withdrawPromotion" in again["errorMessage"]
    async with service.api(ALICE) as client:
        queued = await client.post(
            "/api/v1/actions/executePromotion",
            json={"devAccountId": team_a(service), "devPackageId": package},
            headers={"Prefer": "respond-async"},
        )
    refused(queued, 409, "PROMOTION_IN_REVIEW")
    assert await promotion_count(service) == before, "a refused promotion leaves no record"

    deployed = await approve_hotfix(service, first["promotionId"])
    assert deployed["newStatus"] == _S.DEPLOYED
    written = prod_ids(first)
    found = await mappings(service)
    for dev_id, prod_id in written.items():
        assert found[dev_id].prod_component_id == prod_id
        assert found[dev_id].on_main and on_main(service, prod_id), "the mapping names main"

    review = ok(
        await service.call(
            ALICE,
            "resolveDependencies",
            {
                "devAccountId": team_a(service),
                "rootComponentId": service.seed.full_tree_process_id,
            },
        )
    )
    for item in review["dependencies"]:
        if not item["isConnection"]:
            assert item["action"] == "UPDATE"
            assert on_main(service, item["prodComponentId"]), item
    # A change to promote: an unchanged tree is nothing to promote (issue 16).
    await edit_dev_component(service, dev_component(service, "Orders Sync"), "after the hotfix")
    second = ok(await promote(service, package))
    assert prod_ids(second) == written, "one prod component per dev component, updated"
    sharing = await add_process_sharing(
        service, "Order Reprocessing", [dev_component(service, "Order JSON to XML")]
    )
    shared = ok(await promote(service, sharing))
    map_id = dev_component(service, "Order JSON to XML")
    assert prod_ids(shared)[map_id] == written[map_id]
    await assert_no_orphan_branches(service)


async def test_withdrawing_a_hotfix_puts_the_mappings_back(promo_service: DemoService) -> None:
    """The process promoted before (its components on main): a hotfix updates them in place;
    withdrawing it restores every mapping as it was, each restore audited."""
    service = promo_service
    prior = service.seed.prior_promotion
    before = await mappings(service)
    promoted = ok(await promote(service, prior.dev_package_id))
    changed = await mappings(service)
    assert {changed[d].last_promotion_id for d in prod_ids(promoted)} == {promoted["promotionId"]}
    ok(await submit_hotfix(service, promoted["promotionId"]))

    ok(await service.call(ALICE, "withdrawPromotion", {"promotionId": promoted["promotionId"]}))

    after = await mappings(service)
    for dev_id in prod_ids(promoted):
        was, now = before[dev_id], after[dev_id]
        assert (now.prod_component_id, now.on_main, now.last_promotion_id) == (
            was.prod_component_id,
            was.on_main,
            was.last_promotion_id,
        )
        assert now.prod_latest_version == was.prod_latest_version
    async with store_of(service) as uow:
        changes = await uow.mapping_changes.for_promotion(promoted["promotionId"])
        entries = await uow.audit.list_entries(target_type="component_mapping", page_size=500)
    assert {c.outcome for c in changes} == {MappingChangeOutcome.RESTORED}
    restored = [e for e in entries.items if e.action == "mapping.restored"]
    assert len(restored) == len(changes) == len(prod_ids(promoted))
    assert {e.actor_email for e in restored} == {ALICE}


async def test_a_rejected_hotfix_of_new_components_leaves_no_mapping_to_them(
    promo_service: DemoService,
) -> None:
    service = promo_service
    package = service.seed.full_tree_package_id
    first = ok(await promote(service, package))
    ok(await submit_hotfix(service, first["promotionId"]))
    ok(
        await service.call(
            BOB,
            "submitPeerReview",
            {"promotionId": first["promotionId"], "decision": "REJECTED", "comments": "no"},
        )
    )

    found = await mappings(service)
    assert not set(prod_ids(first)) & set(found), "no mapping names a deleted component"
    again = ok(await promote(service, package))
    assert all(r["action"] == "CREATED" for r in again["promotionResults"])
    await assert_no_orphan_branches(service)


async def test_a_cancelled_test_deployment_keeps_its_packaged_components(
    promo_service: DemoService,
) -> None:
    """The package made for Test still holds the components: the mappings keep naming them
    (SPEC §5, one prod id per dev component), and the next promotion updates them in place."""
    service = promo_service
    package = service.seed.full_tree_package_id
    first = ok(await promote(service, package))
    ok(await service.call(ALICE, "packageAndDeploy", {"promotionId": first["promotionId"]}))
    ok(
        await service.call(
            CAROL,
            "packageAndDeploy",
            {
                "promotionId": first["promotionId"],
                "createNewPack": True,
                "newPackName": "Orders - TEST",
            },
        )
    )
    ok(await service.call(ALICE, "cancelTestDeployment", {"promotionId": first["promotionId"]}))

    async with store_of(service) as uow:
        changes = await uow.mapping_changes.for_promotion(first["promotionId"])
    assert {c.outcome for c in changes} == {MappingChangeOutcome.KEPT}
    await edit_dev_component(service, dev_component(service, "Orders Sync"), "after the cancel")
    second = ok(await promote(service, package))
    assert prod_ids(second) == prod_ids(first)
    # Updated in place (the one edited written, the rest left UNCHANGED), none created again.
    actions = {r["componentName"]: r["action"] for r in second["promotionResults"]}
    assert actions.pop("Orders Sync") == "UPDATED"
    assert set(actions.values()) == {"UNCHANGED"}


async def test_a_test_deployment_is_not_submitted_while_a_hotfix_of_it_is_in_review(
    promo_service: DemoService,
) -> None:
    service = promo_service
    package = service.seed.full_tree_package_id
    tested = ok(await promote(service, package))
    ok(await service.call(ALICE, "packageAndDeploy", {"promotionId": tested["promotionId"]}))
    ok(
        await service.call(
            CAROL,
            "packageAndDeploy",
            {
                "promotionId": tested["promotionId"],
                "createNewPack": True,
                "newPackName": "Orders - TEST",
            },
        )
    )
    await edit_dev_component(service, dev_component(service, "Orders Sync"), "the hotfix")
    hotfix = ok(await promote(service, package))
    ok(await submit_hotfix(service, hotfix["promotionId"]))

    submitted = await service.call(
        ALICE, "submitForPeerReview", {"promotionId": tested["promotionId"]}
    )
    body = refused(submitted, 409, "PROMOTION_IN_REVIEW")
    assert body["blockingPromotionId"] == hotfix["promotionId"]
    await assert_no_orphan_branches(service)


async def test_a_package_sharing_a_component_held_only_on_a_review_branch_waits(
    promo_service: DemoService,
) -> None:
    """A hotfix of Orders Sync created a map that exists only on its branch; a new process
    using the same dev map must not create a second prod map (both would reach main)."""
    service = promo_service
    first = ok(await promote(service, service.seed.full_tree_package_id))
    ok(await submit_hotfix(service, first["promotionId"]))
    sharing = await add_process_sharing(
        service, "Order Reprocessing", [dev_component(service, "Order JSON to XML")]
    )

    body = refused(await promote(service, sharing), 409, "PROMOTION_IN_REVIEW")
    assert body["blockingPromotionId"] == first["promotionId"]
    await approve_hotfix(service, first["promotionId"])
    shared = ok(await promote(service, sharing))
    map_id = dev_component(service, "Order JSON to XML")
    assert prod_ids(shared)[map_id] == prod_ids(first)[map_id]


async def test_a_promotion_whose_tree_cannot_be_read_is_on_record_as_failed(
    promo_service: DemoService,
) -> None:
    """Found 3: Boomi answering the tree walk with something the product refuses (a hostile
    component) failed the promotion before a PromotionLog existed: nothing in queryStatus,
    nothing audited. It now ends FAILED on record, with the reason."""
    service = promo_service
    service.emulator.state.faults.add(
        r"/ComponentReference/query$", method="POST", status=400, count=1
    )

    failed = await promote(service, service.seed.full_tree_package_id)

    assert failed.status_code == 502, failed.text
    body = failed.json()
    assert body["success"] is False and body["promotionId"]
    async with store_of(service) as uow:
        promotion = await uow.promotions.get(body["promotionId"])
        entries = await uow.audit.list_entries(target_id=body["promotionId"], page_size=50)
    assert promotion is not None and promotion.status == _S.FAILED
    assert promotion.error_message
    assert [e.after_status for e in entries.items] == [_S.IN_PROGRESS, _S.FAILED]
    listed = ok(await service.call(ALICE, "queryStatus", {}))
    assert body["promotionId"] in {p["promotionId"] for p in listed["promotions"]}


async def to_test(service: DemoService, promotion_id: str) -> None:
    deployed = ok(await service.call(ALICE, "packageAndDeploy", {"promotionId": promotion_id}))
    if deployed["needsPackAssignment"]:
        ok(
            await service.call(
                CAROL,
                "packageAndDeploy",
                {"promotionId": promotion_id, "createNewPack": True, "newPackName": "Orders"},
            )
        )


async def to_production(service: DemoService, test_id: str) -> Any:
    submitted = await service.call(ALICE, "submitForPeerReview", {"promotionId": test_id})
    if submitted.status_code != 200:
        return submitted
    production = submitted.json()["promotionId"]
    ok(
        await service.call(
            BOB, "submitPeerReview", {"promotionId": production, "decision": "APPROVED"}
        )
    )
    pack = {"createNewPack": True, "newPackName": "Orders Production"}
    async with store_of(service) as uow:
        earlier = await uow.promotions.query(statuses=[_S.DEPLOYED], page_size=1)
    if earlier.items and earlier.items[0].integration_pack_id:
        pack = {"integrationPackId": earlier.items[0].integration_pack_id}
    return await service.call(
        ERIN, "submitAdminReview", {"promotionId": production, "decision": "APPROVED", **pack}
    )


async def test_an_older_test_deployment_does_not_go_to_production_after_a_newer_one(
    promo_service: DemoService,
) -> None:
    """Two test deployments of one process; the newer reaches production first. Taking the
    older one to production afterwards would merge nothing (main is newer), package main —
    the newer content — and record it as the older promotion's release."""
    service = promo_service
    root = service.seed.full_tree_process_id
    older = ok(await promote(service, service.seed.full_tree_package_id))
    await to_test(service, older["promotionId"])
    await edit_dev_component(service, dev_component(service, "Get Orders"), "v2 of the orders")
    newer = ok(await promote(service, await package(service, root)))
    await to_test(service, newer["promotionId"])
    ok(await to_production(service, newer["promotionId"]))

    late = await to_production(service, older["promotionId"])

    body = refused(late, 409, "NEWER_PROMOTION_IN_PRODUCTION")
    assert newer["promotionId"] in body["errorMessage"]
