"""A change as people think of it: its Test and Production steps in one row, and the story of
who did what, when and why — over the API, against the emulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.integration.deployment.support import ERIN, deployed_to_test
from tests.integration.promotion.support import ALICE, BOB, CAROL
from tests.integration.scenarios.test_journeys import ok
from tests.support.service import DemoService

DAVE = "dave@example.com"  # team B


async def to_production(service: DemoService, test_id: str) -> str:
    submitted = ok(
        await service.call(
            ALICE, "submitForPeerReview", {"promotionId": test_id, "deploymentNotes": "Adds VAT"}
        )
    )
    production_id: str = submitted["promotionId"]
    ok(
        await service.call(
            BOB,
            "submitPeerReview",
            {"promotionId": production_id, "decision": "APPROVED", "comments": "Checked the map"},
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
                "newPackName": "Customer Sync",
                "comments": "Ship it",
            },
        )
    )
    return production_id


async def test_a_change_is_one_row_with_its_test_and_production_steps(
    promo_service: DemoService,
) -> None:
    test_id = await deployed_to_test(promo_service)
    production_id = await to_production(promo_service, test_id)

    changes = ok(await promo_service.call(CAROL, "queryStatus", {"changesOnly": True}))
    deployed = ok(
        await promo_service.call(CAROL, "queryStatus", {"changesOnly": True, "status": "DEPLOYED"})
    )
    everything = ok(await promo_service.call(CAROL, "queryStatus", {}))

    rows: dict[str, Any] = {p["promotionId"]: p for p in changes["promotions"]}
    assert production_id not in rows, "the production step is folded into its test row"
    step = rows[test_id]["productionStep"]
    assert (step["promotionId"], step["status"], step["adminApprovedBy"]) == (
        production_id,
        "DEPLOYED",
        ERIN,
    )
    assert [p["promotionId"] for p in deployed["promotions"]] == [test_id]
    assert {test_id, production_id} <= {p["promotionId"] for p in everything["promotions"]}


async def test_the_history_tells_who_did_what_with_their_words_and_the_jobs(
    promo_service: DemoService,
) -> None:
    test_id = await deployed_to_test(promo_service)
    production_id = await to_production(promo_service, test_id)

    from_test = ok(await promo_service.call(ALICE, "getPromotionHistory", {"promotionId": test_id}))
    from_production = ok(
        await promo_service.call(CAROL, "getPromotionHistory", {"promotionId": production_id})
    )
    other_team = await promo_service.call(DAVE, "getPromotionHistory", {"promotionId": test_id})

    assert from_test["entries"] == from_production["entries"], "one change, one story"
    steps = [(e["actor"], e["afterStatus"]) for e in from_test["entries"] if e["afterStatus"]]
    assert (ALICE, "COMPLETED") in steps
    assert (BOB, "PENDING_ADMIN_REVIEW") in steps
    assert (ERIN, "ADMIN_APPROVED") in steps
    assert steps[-1][1] == "DEPLOYED"
    notes = [n for e in from_test["entries"] for n in e["notes"]]
    assert "comments: Checked the map" in notes
    assert "comments: Ship it" in notes
    times = [e["at"] for e in from_test["entries"]]
    assert times == sorted(times)
    assert {j["action"] for j in from_test["jobs"]} >= {"executePromotion", "submitAdminReview"}
    assert all(j["jobUrl"] == f"/api/v1/jobs/{j['jobId']}" for j in from_test["jobs"])
    assert other_team.status_code == 404
