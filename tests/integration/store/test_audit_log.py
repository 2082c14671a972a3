"""The audit trail can be appended to and read; the database itself refuses changes to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from .records import T0


async def _append_two(uow_factory) -> None:
    async with uow_factory() as uow:
        await uow.audit.append(
            actor_email="Alice@Example.com",
            action="executePromotion",
            process_name="C · PROMO - Execute Promotion",
            target_type="promotion",
            target_id="p-1",
            after_status="IN_PROGRESS",
            at=T0,
        )
        await uow.audit.append(
            actor_email="carol@example.com",
            action="submitAdminReview",
            target_type="promotion",
            target_id="p-1",
            before_status="PENDING_ADMIN_REVIEW",
            after_status="ADMIN_APPROVED",
            detail={"comments": "ship it"},
            at=T0 + timedelta(minutes=5),
        )
        await uow.commit()


async def test_entries_read_back_in_order_with_filters(uow_factory):
    await _append_two(uow_factory)

    async with uow_factory() as uow:
        for_promotion = await uow.audit.list_entries(target_type="promotion", target_id="p-1")
        by_alice = await uow.audit.list_entries(actor_email="alice@example.com")
        elsewhere = await uow.audit.list_entries(target_id="p-2")

    assert [entry.action for entry in for_promotion.items] == [
        "executePromotion",
        "submitAdminReview",
    ]
    second = for_promotion.items[1]
    assert (second.before_status, second.after_status) == ("PENDING_ADMIN_REVIEW", "ADMIN_APPROVED")
    assert second.detail == {"comments": "ship it"}
    assert second.at == T0 + timedelta(minutes=5)
    assert [entry.actor_email for entry in by_alice.items] == ["Alice@Example.com"]
    assert elsewhere.total == 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET after_status = 'DEPLOYED'",
        "DELETE FROM audit_log",
    ],
)
async def test_database_refuses_to_change_or_delete_entries(uow_factory, statement):
    await _append_two(uow_factory)

    async with uow_factory() as uow:
        with pytest.raises(DBAPIError, match="append-only"):
            await uow.session.execute(text(statement))

    async with uow_factory() as uow:
        entries = await uow.audit.list_entries()
    assert [entry.after_status for entry in entries.items] == ["IN_PROGRESS", "ADMIN_APPROVED"]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_postgres_refuses_truncate(uow_factory):
    await _append_two(uow_factory)

    async with uow_factory() as uow:
        with pytest.raises(DBAPIError, match="append-only"):
            await uow.session.execute(text("TRUNCATE audit_log"))

    async with uow_factory() as uow:
        assert (await uow.audit.list_entries()).total == 2
