"""The dispatcher reads the audit trail exactly once, across replicas and late commits."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from boomi_promo.config import Settings, WebhookChannel
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.notifications import NotificationDispatcher
from boomi_promo.store import PromotionLog, UnitOfWork, UnitOfWorkFactory
from tests.integration.notifications.support import HookReceiver


def dispatcher_for(
    uow_factory: UnitOfWorkFactory, hooks: HookReceiver, tmp_path: Path
) -> NotificationDispatcher:
    settings = Settings(data_dir=tmp_path, public_url="https://promo.example.test")
    settings.notifications.webhooks = [WebhookChannel(name="generic", url=hooks.url("generic"))]
    return NotificationDispatcher(settings, uow_factory)


async def deployed(uow: UnitOfWork, promotion_id: str) -> None:
    """A promotion record and the audit entry of its production deployment (not committed)."""
    await uow.promotions.add(
        PromotionLog(
            promotion_id=promotion_id,
            dev_account_id=f"dev-{promotion_id}",
            prod_account_id="primary",
            dev_package_id="package",
            root_component_id="root",
            process_name=f"Process {promotion_id[:8]}",
            initiated_by="alice@example.com",
            status=PromotionStatus.DEPLOYED,
            target_environment="PRODUCTION",
        )
    )
    await uow.audit.append(
        actor_email="erin@example.com",
        action="promotion.deployed",
        target_type="promotion",
        target_id=promotion_id,
        before_status=PromotionStatus.DEPLOYING,
        after_status=PromotionStatus.DEPLOYED,
        at=datetime.now(UTC),
    )


def announced(hooks: HookReceiver) -> list[str]:
    return sorted(str(p.body["promotionId"]) for p in hooks.posts_to("generic"))


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_an_entry_committed_after_a_later_one_is_still_announced(
    uow_factory: UnitOfWorkFactory, hooks: HookReceiver, tmp_path: Path
) -> None:
    dispatcher = dispatcher_for(uow_factory, hooks, tmp_path)
    try:
        await dispatcher.collect()  # the cursor starts at the end of the (empty) trail
        early, late = str(uuid.uuid4()), str(uuid.uuid4())
        async with uow_factory() as slow:
            await deployed(slow, early)  # takes the lower audit id, commits last
            async with uow_factory() as quick:
                await deployed(quick, late)
                await quick.commit()
            assert await dispatcher.collect() == 1, "only the committed entry is visible"
            await slow.commit()
        assert await dispatcher.collect() == 1, "the skipped id is looked for again"
        await dispatcher.deliver_due()
        assert announced(hooks) == sorted([early, late])
        assert await dispatcher.collect() == 0
    finally:
        await dispatcher.aclose()


async def test_replicas_collecting_and_sending_at_once_announce_each_event_once(
    uow_factory: UnitOfWorkFactory, hooks: HookReceiver, tmp_path: Path
) -> None:
    replicas = [dispatcher_for(uow_factory, hooks, tmp_path) for _ in range(3)]
    try:
        await replicas[0].collect()
        promotion_ids = [str(uuid.uuid4()) for _ in range(5)]
        for promotion_id in promotion_ids:
            async with uow_factory() as uow:
                await deployed(uow, promotion_id)
                await uow.commit()
        await asyncio.gather(*(replica.run_once() for replica in replicas))
        await asyncio.gather(*(replica.run_once() for replica in replicas))
        assert announced(hooks) == sorted(promotion_ids)
    finally:
        for replica in replicas:
            await replica.aclose()
