"""Delta promotions (issue 16): a promotion writes what changed, and a component it leaves
UNCHANGED goes through test, review, production and rollback as the version it keeps."""

from __future__ import annotations

import re
from typing import Any

import pytest

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    ERIN,
    body_of,
    deploy,
    deployed_to_test,
    main_version,
    record,
    to_production,
)
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    count_component_reads,
    edit_dev_component,
    live_branch_ids,
    primary_revisions,
    promote,
    revision_xml,
    store_of,
    team_a,
)
from tests.support.service import DemoService

PROFILE = "Customer JSON"
COMPONENT_WRITE = re.compile(r"/Component(/(?!bulk$)[^/]+)?$")


def component_writes(service: DemoService) -> list[str]:
    return [
        e.path
        for e in service.emulator.state.request_log.entries()
        if e.method == "POST" and COMPONENT_WRITE.search(e.path)
    ]


async def mapping_facts(service: DemoService) -> dict[str, tuple[str, int, bool, str | None]]:
    """Each mapping of Customer Sync's components: prod id, version, on main, last promotion."""
    prior = service.seed.prior_promotion
    async with store_of(service) as uow:
        found = await uow.mappings.get_many(
            team_a(service), [c.dev_component_id for c in prior.components]
        )
    return {
        dev: (m.prod_component_id, m.prod_latest_version, m.on_main, m.last_promotion_id)
        for dev, m in found.items()
    }


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["componentName"]: r for r in body["promotionResults"]}


async def customer_sync_in_production(service: DemoService) -> str:
    """The seed's Customer Sync promoted again (its dev descriptions are newer than main's) and
    taken to production: main holds what its dev account holds now."""
    test_id = await deployed_to_test(service)
    return await to_production(service, test_id, createNewPack=True, newPackName="Customer Sync")


async def test_an_unchanged_tree_is_nothing_to_promote_with_no_branch_and_no_version(
    promo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    prior = promo_service.seed.prior_promotion
    await customer_sync_in_production(promo_service)
    async with store_of(promo_service) as uow:
        mappings_before = await uow.mappings.get_many(
            team_a(promo_service), [c.dev_component_id for c in prior.components]
        )
        before = {
            dev: (m.prod_latest_version, m.last_promotion_id) for dev, m in mappings_before.items()
        }
    revisions, branches = primary_revisions(promo_service), live_branch_ids(promo_service)
    promo_service.emulator.state.request_log.clear()
    reads = count_component_reads(promo_service.emulator.state, monkeypatch)

    response = await promote(promo_service, prior.dev_package_id)

    # Main holds what the production merge brought, at the versions recorded then: neither
    # side's documents are read (engine.promoted_forms).
    assert not reads, "no component document read"
    body = body_of(response, 409)
    assert body["errorCode"] == "NOTHING_TO_PROMOTE"
    assert body["errorMessage"].startswith("Nothing to promote: all 5 component(s)")
    assert {r["action"] for r in body["promotionResults"]} == {"UNCHANGED"}
    assert {r["prodComponentId"] for r in body["promotionResults"]} == {
        c.prod_component_id for c in prior.components
    }
    for result in body["promotionResults"]:
        assert result["version"] == main_version(promo_service, result["prodComponentId"])
    assert component_writes(promo_service) == []
    assert primary_revisions(promo_service) == revisions, "no component gained a version"
    assert live_branch_ids(promo_service) == branches, "no branch was made"
    assert not [
        e for e in promo_service.emulator.state.request_log.entries() if "/Branch" in e.path
    ]
    log = await record(promo_service, body["promotionId"])
    assert log.status == PromotionStatus.FAILED
    assert log.components_unchanged == 5
    assert log.error_message.startswith("Nothing to promote")
    async with store_of(promo_service) as uow:
        mappings_after = await uow.mappings.get_many(team_a(promo_service), list(before))
    after = {dev: (m.prod_latest_version, m.last_promotion_id) for dev, m in mappings_after.items()}
    assert after == before, "no mapping changed"


async def test_one_change_writes_one_component_and_the_rest_ship_as_they_are(
    promo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    prior = promo_service.seed.prior_promotion
    released = await customer_sync_in_production(promo_service)
    released_ids = {c.prod_component_id for c in prior.components}
    main_before = {pid: main_version(promo_service, pid) for pid in released_ids}
    mappings_before = await mapping_facts(promo_service)
    profile = next(c for c in prior.components if c.component_name == PROFILE)
    await edit_dev_component(
        promo_service, profile.dev_component_id, 'name="country"', 'name="countryCode"'
    )
    promo_service.emulator.state.request_log.clear()
    reads = count_component_reads(promo_service.emulator.state, monkeypatch)

    # C: one write; the others UNCHANGED at main's versions, their mappings as they were.
    promoted = body_of(await promote(promo_service, prior.dev_package_id))
    # Only the changed profile is read (its dev document and main's): main is known to hold
    # the others as they would be written (engine.promoted_forms).
    assert set(reads) == {
        (team_a(promo_service), profile.dev_component_id),
        (promo_service.seed.primary_account_id, profile.prod_component_id),
    }
    assert max(reads.values()) == 1, "no document read twice"

    results = by_name(promoted)
    assert results[PROFILE]["action"] == "UPDATED"
    unchanged = {n: r for n, r in results.items() if n != PROFILE}
    assert {r["action"] for r in unchanged.values()} == {"UNCHANGED"}
    for result in unchanged.values():
        assert result["version"] == main_before[result["prodComponentId"]]
    assert component_writes(promo_service) == [
        f"/partner/api/rest/v1/{promo_service.seed.primary_account_id}/Component/"
        f"{profile.prod_component_id}"
    ]
    test_id = promoted["promotionId"]
    log = await record(promo_service, test_id)
    assert (log.components_updated, log.components_unchanged, log.components_created) == (1, 4, 0)
    async with store_of(promo_service) as uow:
        mappings = await uow.mappings.get_many(
            team_a(promo_service), [c.dev_component_id for c in prior.components]
        )
    owners = {m.component_name: m.last_promotion_id for m in mappings.values()}
    assert owners.pop(PROFILE) == test_id
    assert test_id not in owners.values(), "an UNCHANGED component's mapping is left alone"
    status = body_of(await promo_service.call(ALICE, "queryStatus", {"promotionId": test_id}))
    assert status["promotions"][0]["componentsUnchanged"] == 4

    # G: an UNCHANGED component says so and shows no difference; the change shows.
    for name, result in results.items():
        diff = body_of(
            await promo_service.call(
                BOB,
                "generateComponentDiff",
                {"promotionId": test_id, "prodComponentId": result["prodComponentId"]},
            )
        )
        if name == PROFILE:
            assert diff["componentAction"] == "UPDATE"
            assert diff["diff"]["summary"]["changed"] == 1
        else:
            assert diff["componentAction"] == "UNCHANGED"
            assert diff["diff"]["hunks"] == [], name
            assert diff["branchVersion"] == diff["mainVersion"] == result["version"]

    # D mode 1: the package holds the whole process, unchanged components at their versions.
    body_of(await deploy(promo_service, ALICE, promotionId=test_id))
    tested = await record(promo_service, test_id)
    assert tested.status == PromotionStatus.TEST_DEPLOYED
    [package] = tested.result_detail["packages"]
    assert set(package["prodComponentIds"]) == released_ids

    # R, E3, S: the review branch, the merge, the production package.
    pack_id = (await record(promo_service, released)).integration_pack_id
    production_id = await to_production(promo_service, test_id, integrationPackId=pack_id)
    production = await record(promo_service, production_id)
    assert production.status == PromotionStatus.DEPLOYED
    assert production.components_unchanged == 4
    for pid in released_ids - {profile.prod_component_id}:
        assert main_version(promo_service, pid) == main_before[pid], "main gained no version"
    assert (
        main_version(promo_service, profile.prod_component_id)
        > main_before[profile.prod_component_id]
    )
    # Mappings after the merge: every one names the prod component main holds, on main; an
    # UNCHANGED one still says what it said before the promotion.
    mappings_after = await mapping_facts(promo_service)
    for dev_id, (prod_id, version, on_main, owner) in mappings_after.items():
        assert on_main, dev_id
        assert prod_id == mappings_before[dev_id][0]
        if dev_id == profile.dev_component_id:
            # The merge gave main a version of its own: the mapping names it, not the branch's.
            assert version == main_version(promo_service, prod_id) > results[PROFILE]["version"]
            assert owner == test_id
        else:
            assert (version, owner) == (mappings_before[dev_id][1], mappings_before[dev_id][3])

    # Rollback: back to the release before, whose components are all on record; the restore
    # goes through review and main holds the profile as it was released before.
    branches_before_rollback = live_branch_ids(promo_service)
    preview = body_of(
        await promo_service.call(
            CAROL,
            "rollbackRelease",
            {"processName": "Customer Sync", "environment": "PRODUCTION", "dryRun": True},
        )
    )
    assert preview["currentPromotionId"] == production_id
    assert preview["previousPromotionId"] == released
    done = body_of(
        await promo_service.call(
            CAROL,
            "rollbackRelease",
            {"processName": "Customer Sync", "environment": "PRODUCTION", "reason": "undo"},
        )
    )
    assert done["releaseStatus"] == "SUCCESS"
    restore_id = done["restorePromotionId"]
    restore = await record(promo_service, restore_id)
    assert restore.status == PromotionStatus.PENDING_PEER_REVIEW
    body_of(
        await promo_service.call(
            BOB, "submitPeerReview", {"promotionId": restore_id, "decision": "APPROVED"}
        )
    )
    approved = body_of(
        await promo_service.call(
            ERIN, "submitAdminReview", {"promotionId": restore_id, "decision": "APPROVED"}
        )
    )
    assert approved["newStatus"] == "DEPLOYED"
    on_main_now = revision_xml(
        promo_service,
        profile.prod_component_id,
        main_version(promo_service, profile.prod_component_id),
    )
    assert 'name="country"' in on_main_now and 'name="countryCode"' not in on_main_now
    assert live_branch_ids(promo_service) <= branches_before_rollback


async def test_the_plan_of_an_unchanged_tree_says_nothing_to_promote(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    await customer_sync_in_production(promo_service)
    profile = next(c for c in prior.components if c.component_name == PROFILE)

    nothing = body_of(
        await promo_service.call(
            ALICE,
            "planPromotion",
            {"devAccountId": team_a(promo_service), "devPackageId": prior.dev_package_id},
        )
    )
    await edit_dev_component(
        promo_service, profile.dev_component_id, 'name="country"', 'name="countryCode"'
    )
    one = body_of(
        await promo_service.call(
            ALICE,
            "planPromotion",
            {"devAccountId": team_a(promo_service), "devPackageId": prior.dev_package_id},
        )
    )

    assert nothing["wouldPromote"] is False
    assert [f["code"] for f in nothing["findings"]] == ["NOTHING_TO_PROMOTE"]
    assert nothing["unchanged"] == 5
    assert [s["step"] for s in nothing["boomiCalls"]["steps"]][-1] == "supersede"
    assert one["wouldPromote"] is True
    assert (one["toUpdate"], one["unchanged"], one["toCreate"]) == (1, 4, 0)
    planned = {c["componentName"]: c for c in one["components"]}
    assert planned[PROFILE]["action"] == "UPDATE"
    assert all(c["action"] == "UNCHANGED" for n, c in planned.items() if n != PROFILE)
    for component in planned.values():
        if component["action"] == "UNCHANGED":
            assert component["resultingVersion"] == component["currentProdVersion"]


async def test_a_discarded_promotion_puts_back_what_it_wrote_and_leaves_the_unchanged_alone(
    promo_service: DemoService,
) -> None:
    prior = promo_service.seed.prior_promotion
    await customer_sync_in_production(promo_service)
    before = await mapping_facts(promo_service)
    profile = next(c for c in prior.components if c.component_name == PROFILE)
    await edit_dev_component(
        promo_service, profile.dev_component_id, 'name="country"', 'name="countryCode"'
    )
    promoted = body_of(await promote(promo_service, prior.dev_package_id))
    assert by_name(promoted)[PROFILE]["action"] == "UPDATED"
    promotion_id = promoted["promotionId"]
    while_live = await mapping_facts(promo_service)
    assert while_live[profile.dev_component_id][3] == promotion_id
    assert {dev: facts for dev, facts in while_live.items() if dev != profile.dev_component_id} == {
        dev: facts for dev, facts in before.items() if dev != profile.dev_component_id
    }

    body_of(
        await promo_service.call(
            ALICE,
            "submitForPeerReview",
            {
                "promotionId": promotion_id,
                "isHotfix": True,
                "hotfixJustification": "Customers are waiting: the fix cannot wait for Test.",
            },
        )
    )
    body_of(
        await promo_service.call(
            ALICE, "withdrawPromotion", {"promotionId": promotion_id, "reason": "not this one"}
        )
    )

    assert (await record(promo_service, promotion_id)).status == PromotionStatus.WITHDRAWN
    assert await mapping_facts(promo_service) == before, "every mapping names main's again"


async def test_an_unchanged_tree_after_a_test_deployment_is_nothing_to_promote_on_no_branch(
    promo_service: DemoService,
) -> None:
    """Orders Sync was never on main: its components live in the test package, so the next
    branch starts from that package and the delta is known once the branch is assembled."""
    package_id = promo_service.seed.full_tree_package_id
    first = body_of(await promote(promo_service, package_id))
    test_id = first["promotionId"]
    body_of(await deploy(promo_service, ALICE, promotionId=test_id))
    body_of(
        await deploy(
            promo_service,
            CAROL,
            promotionId=test_id,
            createNewPack=True,
            newPackName="Orders - TEST",
        )
    )
    assert (await record(promo_service, test_id)).status == PromotionStatus.TEST_DEPLOYED
    async with store_of(promo_service) as uow:
        ids = [r["devComponentId"] for r in first["promotionResults"]]
        before = {
            dev: (m.prod_component_id, m.prod_latest_version, m.on_main, m.last_promotion_id)
            for dev, m in (await uow.mappings.get_many(team_a(promo_service), ids)).items()
        }
    branches = live_branch_ids(promo_service)
    promo_service.emulator.state.request_log.clear()

    response = await promote(promo_service, package_id)

    body = body_of(response, 409)
    assert body["errorCode"] == "NOTHING_TO_PROMOTE"
    assert "the same as in its test deployment" in body["errorMessage"]
    assert "branch was deleted" in body["errorMessage"]
    assert {r["action"] for r in body["promotionResults"]} == {"UNCHANGED"}
    assert len(body["promotionResults"]) == len(first["promotionResults"])
    assert component_writes(promo_service) == []
    assert any(
        e.method == "POST" and e.path.endswith("/Branch")
        for e in promo_service.emulator.state.request_log.entries()
    ), "a branch was assembled to compare with"
    assert live_branch_ids(promo_service) == branches, "and it is gone"
    async with store_of(promo_service) as uow:
        after = {
            dev: (m.prod_component_id, m.prod_latest_version, m.on_main, m.last_promotion_id)
            for dev, m in (await uow.mappings.get_many(team_a(promo_service), ids)).items()
        }
    assert after == before, "no mapping changed"
    assert (await record(promo_service, test_id)).status == PromotionStatus.TEST_DEPLOYED
    log = await record(promo_service, body["promotionId"])
    assert log.status == PromotionStatus.FAILED
    assert log.components_unchanged == len(first["promotionResults"])
