"""Long actions refuse before their job exists: an asynchronous caller gets the 403 at once."""

from __future__ import annotations

from tests.integration.promotion.support import DAVE, store_of, team_a
from tests.support.service import DemoService


async def test_an_asynchronous_promotion_of_another_teams_account_is_refused_at_once(
    promo_service: DemoService,
) -> None:
    body = {"devAccountId": team_a(promo_service), "devPackageId": "any-package"}
    async with promo_service.api(DAVE) as client:
        response = await client.post(
            "/api/v1/actions/executePromotion", json=body, headers={"Prefer": "respond-async"}
        )

    assert response.status_code == 403
    assert response.json()["errorCode"] == "UNAUTHORIZED_ACCOUNT_ACCESS"
    assert "Location" not in response.headers
    async with store_of(promo_service) as uow:
        assert await uow.jobs.list_unfinished() == []
        assert (await uow.audit.list_entries(target_type="job")).items == []
