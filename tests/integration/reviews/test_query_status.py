"""E queryStatus over HTTP: filters, review stages, paging, and who sees what."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.promotion.support import ALICE, BOB, CAROL, DAVE
from tests.integration.reviews.support import add_record, completed, ok, refused
from tests.support.service import DemoService

E = "queryStatus"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def result(dev_id: str, prod_id: str) -> dict[str, Any]:
    return {
        "devComponentId": dev_id,
        "prodComponentId": prod_id,
        "componentName": f"Component {dev_id}",
        "componentType": "transform.map",
        "action": "UPDATED",
        "version": 3,
        "error": "",
    }


class History:
    """Promotions of both teams across statuses, days and environments."""

    def __init__(self, service: DemoService) -> None:
        self.service = service
        self.team_a = service.seed.prior_promotion.dev_account_id
        self.team_b = next(
            a.account_id for a in service.seed.dev_accounts if a.name == "Dev Team B"
        )
        self.ids: dict[str, str] = {}

    async def add(self, key: str, **fields: Any) -> None:
        self.ids[key] = (await add_record(self.service, **fields)).promotion_id

    async def build(self) -> History:
        await self.add(
            "a_completed",
            initiated_at=T0,
            status="COMPLETED",
            result_detail={"promotionResults": [result("dev-map-1", "prod-map-1")]},
        )
        await self.add(
            "a_peer",
            initiated_at=T0 + timedelta(days=1),
            status="PENDING_PEER_REVIEW",
            initiated_by="BOB@Example.com",
            target_environment="PRODUCTION",
            process_name="Orders Sync",
        )
        await self.add(
            "a_admin",
            initiated_at=T0 + timedelta(days=2),
            status="PENDING_ADMIN_REVIEW",
            target_environment="PRODUCTION",
        )
        await self.add(
            "a_failed",
            initiated_at=T0 + timedelta(days=3),
            status="FAILED",
            result_detail={"promotionResults": [result("dev-map-10", "prod-map-10")]},
        )
        await self.add(
            "b_peer",
            initiated_at=T0 + timedelta(days=4),
            status="PENDING_PEER_REVIEW",
            initiated_by=DAVE,
            dev_account_id=self.team_b,
            root_component_id="dev-b-root",
            process_name="Invoices",
        )
        return self

    async def ids_for(self, email: str, body: dict[str, Any]) -> list[str]:
        answer = ok(await self.service.call(email, E, body))
        names = {value: key for key, value in self.ids.items()}
        return [names[item["promotionId"]] for item in answer["promotions"]]


async def test_contributors_see_their_teams_promotions_and_admins_all(
    promo_service: DemoService,
) -> None:
    history = await History(promo_service).build()

    assert await history.ids_for(ALICE, {}) == ["a_failed", "a_admin", "a_peer", "a_completed"]
    assert await history.ids_for(DAVE, {}) == ["b_peer"]
    assert await history.ids_for(CAROL, {}) == [
        "b_peer",
        "a_failed",
        "a_admin",
        "a_peer",
        "a_completed",
    ]
    assert await history.ids_for(CAROL, {"devAccountId": history.team_b}) == ["b_peer"]
    refused(
        await promo_service.call(DAVE, E, {"devAccountId": history.team_a}),
        403,
        "UNAUTHORIZED_ACCOUNT_ACCESS",
    )
    refused(await promo_service.call("olivia@example.com", E, {}), 403, "INSUFFICIENT_TIER")


async def test_each_filter_narrows_the_answer(promo_service: DemoService) -> None:
    history = await History(promo_service).build()

    async def carol(body: dict[str, Any]) -> list[str]:
        return await history.ids_for(CAROL, body)

    assert await carol({"promotionId": history.ids["a_admin"]}) == ["a_admin"]
    assert await carol({"processName": "Orders Sync"}) == ["a_peer"]
    assert await carol({"componentId": "dev-map-1"}) == ["a_completed"]
    assert await carol({"componentId": "prod-map-10"}) == ["a_failed"]
    assert await carol({"componentId": "dev-b-root"}) == ["b_peer"]
    assert await carol({"componentId": "map-1"}) == [], "whole ids only"
    assert await carol({"status": "FAILED"}) == ["a_failed"]
    assert await carol({"statuses": ["FAILED", "COMPLETED"]}) == ["a_failed", "a_completed"]
    assert await carol({"status": "FAILED", "statuses": ["COMPLETED"]}) == [
        "a_failed",
        "a_completed",
    ]
    assert await carol({"initiatedBy": "bob@EXAMPLE.com"}) == ["a_peer"]
    assert await carol({"targetEnvironment": "PRODUCTION"}) == ["a_admin", "a_peer"]
    assert await carol({"reviewStage": "PENDING_PEER_REVIEW"}) == ["b_peer", "a_peer"]
    assert await carol({"reviewStage": "PENDING_ADMIN_REVIEW"}) == ["a_admin"]
    assert await carol({"reviewStage": "ALL"}) == ["b_peer", "a_admin", "a_peer"]
    assert await carol({"reviewStage": "ALL", "status": "PENDING_ADMIN_REVIEW"}) == ["a_admin"]
    assert await carol({"reviewStage": "ALL", "status": "FAILED"}) == []
    window = {
        "startDate": (T0 + timedelta(days=1)).isoformat(),
        "endDate": (T0 + timedelta(days=3)).isoformat(),
    }
    assert await carol(window) == ["a_failed", "a_admin", "a_peer"]
    naive_start = {"startDate": "2026-03-05T09:00:01"}
    assert await carol(naive_start) == ["b_peer"]
    flow_style = {"processName": "", "componentId": "", "reviewStage": "", "status": ""}
    assert len(await carol(flow_style)) == 5
    assert await history.ids_for(ALICE, {"reviewStage": "PENDING_PEER_REVIEW"}) == ["a_peer"]


async def test_pages_and_bad_filters(promo_service: DemoService) -> None:
    history = await History(promo_service).build()

    first = ok(await promo_service.call(CAROL, E, {"pageSize": 2}))
    third = ok(await promo_service.call(CAROL, E, {"pageSize": 2, "page": 3}))

    assert first["totalCount"] == third["totalCount"] == 5
    assert [p["promotionId"] for p in first["promotions"]] == [
        history.ids["b_peer"],
        history.ids["a_failed"],
    ]
    assert [p["promotionId"] for p in third["promotions"]] == [history.ids["a_completed"]]
    bad_filters: list[tuple[dict[str, Any], str]] = [
        ({"pageSize": 501}, "pageSize"),
        ({"status": "DONE"}, "status"),
        ({"reviewStage": "PEER"}, "reviewStage"),
        ({"targetEnvironment": "DEV"}, "targetEnvironment"),
        ({"startDate": T0.isoformat(), "endDate": (T0 - timedelta(days=1)).isoformat()}, "endDate"),
    ]
    for body, field in bad_filters:
        answer = refused(await promo_service.call(CAROL, E, body), 400, "INVALID_REQUEST")
        assert answer["errorField"] == field


async def test_a_promotion_reads_back_with_its_results(promo_service: DemoService) -> None:
    promoted = await completed(promo_service, ALICE)

    body = ok(await promo_service.call(BOB, E, {"componentId": promoted.root_prod_id}))

    [item] = body["promotions"]
    assert item["promotionId"] == promoted.promotion_id
    assert item["status"] == "COMPLETED"
    assert item["processName"] == "Customer Sync"
    assert item["initiatedBy"] == ALICE
    assert item["branchId"] == promoted.branch_id
    assert item["targetEnvironment"] == "TEST"
    assert item["isHotfix"] is False
    assert item["initiatedAt"].endswith("Z")
    detail = json.loads(item["resultDetail"])
    assert detail["promotionResults"] == item["promotionResults"]
    root = next(
        r for r in item["promotionResults"] if r["prodComponentId"] == promoted.root_prod_id
    )
    assert (root["action"], root["version"]) == ("UPDATED", promoted.root_version)
    by_dev_id = ok(await promo_service.call(BOB, E, {"componentId": root["devComponentId"]}))
    assert [p["promotionId"] for p in by_dev_id["promotions"]] == [promoted.promotion_id]
