"""The Peer Review lane reads PENDING_PEER_REVIEW promotions from the store."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from boomi_promo.store.tables import PromotionLog
from boomi_promo.store.uow import UnitOfWorkFactory
from tests.unit.web.support import FakeContainer, sign_in

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def promotion(process: str, initiated_by: str, status: str, **fields: object) -> PromotionLog:
    return PromotionLog(
        dev_account_id="acct-a",
        dev_account_name="Dev Team A",
        prod_account_id="primary",
        dev_package_id=f"pkg-{process}",
        root_component_id=f"root-{process}",
        process_name=process,
        package_version="2.0",
        initiated_by=initiated_by,
        initiated_at=datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
        status=status,
        target_environment="PRODUCTION",
        components_total=7,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
async def queue_client(
    client: httpx.AsyncClient, container: FakeContainer, uow_factory: UnitOfWorkFactory
) -> httpx.AsyncClient:
    container.uow_factory = uow_factory
    async with uow_factory() as uow:
        for log in (
            promotion("Orders to ERP", "bob@example.com", "PENDING_PEER_REVIEW", is_hotfix=True),
            promotion("Invoices <Nightly>", "dave@example.com", "PENDING_PEER_REVIEW"),
            promotion("Alice's own", "ALICE@example.com", "PENDING_PEER_REVIEW"),
            promotion(
                "Submitted by Alice",
                "dave@example.com",
                "PENDING_PEER_REVIEW",
                submitted_for_review_by="alice@example.com",
            ),
            promotion("Already reviewed", "bob@example.com", "PENDING_ADMIN_REVIEW"),
        ):
            await uow.promotions.add(log)
        await uow.commit()
    return client


async def test_the_queue_lists_others_pending_peer_reviews(
    queue_client: httpx.AsyncClient,
) -> None:
    await sign_in(queue_client, "alice@example.com")

    response = await queue_client.get("/reviews")

    assert response.status_code == 200
    text = response.text
    assert "Orders to ERP" in text
    assert "Hotfix" in text
    assert "Invoices &lt;Nightly&gt;" in text
    assert "Alice&#39;s own" not in text
    assert "Submitted by Alice" not in text
    assert "Already reviewed" not in text
    assert "2025-03-04 09:30 UTC" in text


async def test_the_queue_says_when_nothing_is_waiting(
    client: httpx.AsyncClient, container: FakeContainer, uow_factory: UnitOfWorkFactory
) -> None:
    container.uow_factory = uow_factory
    await sign_in(client, "dave@example.com")

    response = await client.get("/reviews")

    assert response.status_code == 200
    assert "No promotions are waiting for peer review." in response.text
