"""rollbackRelease over HTTP: a process back to its previous release, and main restored through
a reviewed promotion of the old content."""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    ERIN,
    PROCESS,
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
    emulator_pack,
    main_version,
    record,
    to_production,
)
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    live_branch_ids,
    store_of,
    team_a,
)
from tests.support.service import DemoService

XML = {"Accept": "application/xml", "Content-Type": "application/xml"}
PROFILE = "Customer JSON"
"""A component of the process; v2 renames one of its fields."""


async def edit_dev_component(service: DemoService, component_id: str, old: str, new: str) -> None:
    """Change a dev component through the emulator's API, as a developer saving it would."""
    params = {"overrideAccount": team_a(service)}
    async with service.emulator.async_client(headers=XML) as boomi:
        current = await boomi.get(f"/Component/{component_id}", params=params)
        current.raise_for_status()
        saved = await boomi.post(
            f"/Component/{component_id}", params=params, content=current.text.replace(old, new)
        )
        saved.raise_for_status()


async def rollback(service: DemoService, email: str, **body: Any) -> Any:
    return await service.call(email, "rollbackRelease", {"processName": PROCESS, **body})


def released_version(service: DemoService, pack_id: str, component_id: str) -> str | None:
    pack = emulator_pack(service, pack_id)
    return next(m.released_version for m in pack.members if m.component_id == component_id)


def content_on_main(service: DemoService, component_id: str) -> str:
    with service.emulator.client(headers=XML) as boomi:
        response = boomi.get(f"/Component/{component_id}")
    response.raise_for_status()
    return response.text


def main_history(service: DemoService, component_id: str) -> list[int]:
    """The component's versions on main, as Boomi's ComponentMetadata query lists them."""
    query = {
        "QueryFilter": {
            "expression": {
                "operator": "EQUALS",
                "property": "componentId",
                "argument": [component_id],
            }
        }
    }
    with service.emulator.client() as boomi:
        response = boomi.post("/ComponentMetadata/query", json=query)
    response.raise_for_status()
    return sorted(r["version"] for r in response.json()["result"] if r["branchName"] == "main")


def revision_object(service: DemoService, component_id: str, version: int) -> str:
    state = service.emulator.state
    with state.lock:
        xml: str = state.components[component_id].revisions[version].object_xml
    return xml


async def audit_actions(service: DemoService, promotion_id: str) -> list[tuple[str, Any]]:
    async with store_of(service) as uow:
        entries = await uow.audit.list_entries(
            target_type="promotion", target_id=promotion_id, page_size=500
        )
    return [(e.actor_email, e.action) for e in entries.items]


async def promo_branches(service: DemoService) -> set[str]:
    state = service.emulator.state
    with state.lock:
        return {
            b.name
            for b in state.branches.values()
            if b.account_id == service.seed.primary_account_id
            and not b.deleted
            and b.name.startswith("promo-")
        }


async def test_production_goes_back_to_v1_and_main_gets_v1_back_after_review(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    profile = next(c for c in prior.components if c.component_name == PROFILE)
    first_test = await deployed_to_test(promo_service)
    first = await to_production(
        promo_service, first_test, createNewPack=True, newPackName="Customer Sync"
    )
    v1 = await record(promo_service, first)
    root = next(
        r["prodComponentId"]
        for r in v1.result_detail["promotionResults"]
        if r["devComponentId"] == v1.root_component_id
    )
    v1_main = main_version(promo_service, profile.prod_component_id)
    v1_content = revision_object(promo_service, profile.prod_component_id, v1_main)

    await edit_dev_component(
        promo_service, profile.dev_component_id, 'name="country"', 'name="countryCode"'
    )
    second_test = str((await completed_promotion(promo_service))["promotionId"])
    body_of(await deploy(promo_service, ALICE, promotionId=second_test))
    second = await to_production(
        promo_service, second_test, integrationPackId=v1.integration_pack_id
    )
    v2 = await record(promo_service, second)
    v2_main = main_version(promo_service, profile.prod_component_id)
    assert 'name="countryCode"' in content_on_main(promo_service, profile.prod_component_id)
    assert released_version(promo_service, v1.integration_pack_id, root) == v2.package_version

    # A contributor may not; the preview changes nothing.
    refused = await rollback(promo_service, BOB, environment="PRODUCTION", dryRun=True)
    assert body_of(refused, 403)["errorCode"] == "INSUFFICIENT_TIER"
    branches_before = live_branch_ids(promo_service)
    audit_before = await audit_actions(promo_service, second)
    preview = body_of(await rollback(promo_service, CAROL, environment="production", dryRun=True))

    assert preview["dryRun"] is True
    assert (preview["currentPromotionId"], preview["currentPackageVersion"]) == (
        second,
        v2.package_version,
    )
    assert (preview["previousPromotionId"], preview["previousPackageVersion"]) == (
        first,
        v1.package_version,
    )
    assert {
        (c["componentId"], c["releasedVersion"], c["rollbackVersion"])
        for c in preview["components"]
    } >= {(root, v2.package_version, v1.package_version)}
    restoring = {c["prodComponentId"]: c for c in preview["restoreComponents"]}
    assert restoring[profile.prod_component_id]["mainVersion"] == v2_main
    assert restoring[profile.prod_component_id]["restoredVersion"] is None
    assert any("peer review" in step for step in preview["steps"])
    assert preview["releaseId"] == preview["restorePromotionId"] == ""
    assert released_version(promo_service, v1.integration_pack_id, root) == v2.package_version
    assert live_branch_ids(promo_service) == branches_before
    assert await audit_actions(promo_service, second) == audit_before

    done = body_of(
        await rollback(
            promo_service,
            CAROL,
            environment="PRODUCTION",
            expectedPackageVersion=v2.package_version,
            reason="v2 drops customers without a country code",
        )
    )

    assert done["dryRun"] is False
    assert done["releaseStatus"] == "SUCCESS"
    assert released_version(promo_service, v1.integration_pack_id, root) == v1.package_version, (
        "production runs v1's package again"
    )
    assert main_version(promo_service, profile.prod_component_id) == v2_main, (
        "main waits for the reviewed restore"
    )
    restore_id = done["restorePromotionId"]
    restore = await record(promo_service, restore_id)
    assert restore.status == PromotionStatus.PENDING_PEER_REVIEW
    assert restore.result_detail["rollback"]["restores"] == first
    assert await promo_branches(promo_service) == {f"promo-{restore_id}"}
    again = await rollback(promo_service, CAROL, environment="PRODUCTION", dryRun=True)
    assert body_of(again, 409)["errorCode"] == "NO_PREVIOUS_RELEASE", "nothing before v1"

    queue = body_of(await promo_service.call(BOB, "queryPeerReviewQueue", {}))
    assert restore_id in {item["promotionId"] for item in queue["pendingReviews"]}
    body_of(
        await promo_service.call(
            BOB, "submitPeerReview", {"promotionId": restore_id, "decision": "APPROVED"}
        )
    )
    own = await promo_service.call(
        CAROL, "submitAdminReview", {"promotionId": restore_id, "decision": "APPROVED"}
    )
    assert body_of(own, 403)["errorCode"] == "SELF_APPROVAL_NOT_ALLOWED"
    approved = body_of(
        await promo_service.call(
            ERIN, "submitAdminReview", {"promotionId": restore_id, "decision": "APPROVED"}
        )
    )

    assert approved["newStatus"] == "DEPLOYED"
    v3_main = main_version(promo_service, profile.prod_component_id)
    history = main_history(promo_service, profile.prod_component_id)
    assert v1_main < v2_main < v3_main
    assert {v1_main, v2_main, v3_main} <= set(history)
    assert history[-1] == v3_main
    assert revision_object(promo_service, profile.prod_component_id, v3_main) == v1_content, (
        "main holds v1's content as a new version"
    )
    assert 'name="countryCode"' not in content_on_main(promo_service, profile.prod_component_id)
    assert await promo_branches(promo_service) == set()

    rolled_back = await audit_actions(promo_service, second)
    assert (CAROL, "promotion.rolled_back") in rolled_back
    async with store_of(promo_service) as uow:
        entries = await uow.audit.list_entries(
            target_type="promotion", target_id=second, page_size=500
        )
    [entry] = [e for e in entries.items if e.action == "promotion.rolled_back"]
    assert entry.detail is not None
    assert entry.detail["before"] == {"promotionId": second, "packageVersion": v2.package_version}
    assert entry.detail["after"] == {"promotionId": first, "packageVersion": v1.package_version}
    assert entry.detail["restorePromotionId"] == restore_id
    assert (CAROL, "promotion.release_requested") in await audit_actions(promo_service, first)
    restore_trail = [action for _, action in await audit_actions(promo_service, restore_id)]
    assert restore_trail[:3] == [
        "promotion.pending_peer_review",
        "promotion.pending_admin_review",
        "promotion.admin_approved",
    ]
    assert "promotion.deployed" in restore_trail


async def test_test_goes_back_to_the_previous_test_release_and_a_failed_release_is_typed(
    promo_service: DemoService,
) -> None:
    first = await deployed_to_test(promo_service)
    nothing = await rollback(promo_service, CAROL, environment="TEST")
    assert body_of(nothing, 409)["errorCode"] == "NO_PREVIOUS_RELEASE"

    second = str((await completed_promotion(promo_service))["promotionId"])
    body_of(await deploy(promo_service, ALICE, promotionId=second))
    v1, v2 = await record(promo_service, first), await record(promo_service, second)
    pack_id = v2.test_integration_pack_id
    root = next(
        r["prodComponentId"]
        for r in v2.result_detail["promotionResults"]
        if r["devComponentId"] == v2.root_component_id
    )
    assert released_version(promo_service, pack_id, root) == v2.package_version

    promo_service.emulator.state.release_faults.add(r" - TEST$", message="Runtime unreachable")
    failed = await rollback(promo_service, CAROL, environment="TEST")
    assert failed.status_code == 502, failed.text
    assert failed.json()["errorCode"] == "RELEASE_FAILED"
    assert "Runtime unreachable" in failed.json()["errorMessage"]
    assert released_version(promo_service, pack_id, root) == v2.package_version
    assert (CAROL, "rollback.failed") in await audit_actions(promo_service, second)
    changed = await rollback(promo_service, CAROL, environment="TEST", expectedPackageVersion="9.9")
    assert body_of(changed, 409)["errorCode"] == "RELEASE_CHANGED"

    promo_service.emulator.state.release_faults.clear()
    done = body_of(await rollback(promo_service, ERIN, environment="TEST"))

    assert (done["currentPromotionId"], done["previousPromotionId"]) == (second, first)
    assert released_version(promo_service, pack_id, root) == v1.package_version
    assert done["restorePromotionId"] == "" and done["restoreComponents"] == [], (
        "main is not touched by test deployments, so there is nothing to restore"
    )
    rolled_back = await record(promo_service, second)
    assert rolled_back.result_detail["rolledBack"]["by"] == ERIN
    assert rolled_back.status == PromotionStatus.TEST_CANCELLED, "Test no longer runs it"
    offered = body_of(await promo_service.call(BOB, "queryTestDeployments", {}))
    assert second not in {d["promotionId"] for d in offered["testDeployments"]}
    assert await promo_branches(promo_service) == set()
