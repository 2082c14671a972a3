"""Status changes go through the one transition table and leave an audit entry each."""

from __future__ import annotations

import pytest

from boomi_promo.domain.statuses import InvalidTransition, PromotionStatus
from boomi_promo.engine.lifecycle import change_status, load_for_update
from boomi_promo.errors import NotFound
from boomi_promo.store import UnitOfWorkFactory
from tests.integration.store.records import promotion

PROCESS = "E3 · PROMO - Submit Peer Review"


async def test_an_allowed_change_sets_fields_and_is_audited(uow_factory: UnitOfWorkFactory) -> None:
    record = promotion(status="PENDING_PEER_REVIEW")
    async with uow_factory() as uow:
        await uow.promotions.add(record)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await load_for_update(uow, record.promotion_id)
        await change_status(
            uow,
            loaded,
            PromotionStatus.PENDING_ADMIN_REVIEW,
            actor="bob@example.com",
            process_name=PROCESS,
            detail={"comments": "looks right"},
            peer_reviewed_by="bob@example.com",
        )
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.promotions.get(record.promotion_id)
        entries = (
            await uow.audit.list_entries(target_type="promotion", target_id=record.promotion_id)
        ).items
    assert stored is not None
    assert stored.status == "PENDING_ADMIN_REVIEW"
    assert stored.peer_reviewed_by == "bob@example.com"
    [entry] = entries
    assert (entry.before_status, entry.after_status) == (
        "PENDING_PEER_REVIEW",
        "PENDING_ADMIN_REVIEW",
    )
    assert entry.actor_email == "bob@example.com"
    assert entry.process_name == PROCESS


async def test_a_refused_change_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    record = promotion(status="DEPLOYED")
    async with uow_factory() as uow:
        await uow.promotions.add(record)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await load_for_update(uow, record.promotion_id)
        with pytest.raises(InvalidTransition) as refused:
            await change_status(
                uow,
                loaded,
                PromotionStatus.WITHDRAWN,
                actor="alice@example.com",
                process_name=PROCESS,
            )
    assert refused.value.status_code == 409
    assert refused.value.error_code == "INVALID_PROMOTION_STATUS"

    async with uow_factory() as uow:
        stored = await uow.promotions.get(record.promotion_id)
        entries = (
            await uow.audit.list_entries(target_type="promotion", target_id=record.promotion_id)
        ).items
    assert stored is not None and stored.status == "DEPLOYED"
    assert entries == []


async def test_an_unknown_promotion_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound) as missing:
            await load_for_update(uow, "no-such-promotion")
    assert missing.value.error_code == "PROMOTION_NOT_FOUND"
