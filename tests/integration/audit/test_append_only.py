"""The database itself refuses every way of changing or removing audit entries.

Each statement runs through the product's own engine (SQLite: its connection settings;
PostgreSQL: a plain connection) and must fail without changing a single entry. SQLite has no
TRUNCATE: its equivalent is an unqualified DELETE, which SQLite would run as a truncate
if no trigger were in the way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from boomi_promo.store import UnitOfWorkFactory
from tests.support.reliability import ReliabilityLog

SUITE = "Audit trail"
T0 = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)

_COMMON = {
    "UPDATE one field": "UPDATE audit_log SET actor_email = 'mallory@example.com' WHERE id = 1",
    "UPDATE every row": "UPDATE audit_log SET after_status = 'DEPLOYED'",
    "DELETE one entry": "DELETE FROM audit_log WHERE id = 2",
    "DELETE every entry": "DELETE FROM audit_log",
    "upsert over an entry": (
        "INSERT INTO audit_log (id, at, actor_email, action, target_type, target_id) "
        "VALUES (1, '2025-06-30 09:00:00', 'mallory@example.com', 'forged', 'promotion', 'p-1') "
        "ON CONFLICT (id) DO UPDATE SET actor_email = excluded.actor_email"
    ),
}
TAMPERING = {
    "sqlite": {
        **_COMMON,
        "INSERT OR REPLACE over an entry": (
            "INSERT OR REPLACE INTO audit_log "
            "(id, at, actor_email, action, target_type, target_id) "
            "VALUES (1, '2025-06-30 09:00:00', 'mallory@example.com', 'forged', 'promotion', "
            "'p-1')"
        ),
    },
    "postgresql": {
        **_COMMON,
        "TRUNCATE": "TRUNCATE audit_log",
        "TRUNCATE ... CASCADE": "TRUNCATE audit_log CASCADE",
    },
}


async def _seed(uow_factory: UnitOfWorkFactory) -> list[tuple[object, ...]]:
    async with uow_factory() as uow:
        for minute, (actor, after) in enumerate(
            [("alice@example.com", "IN_PROGRESS"), ("carol@example.com", "ADMIN_APPROVED")]
        ):
            await uow.audit.append(
                actor_email=actor,
                action=f"promotion.{after.lower()}",
                target_type="promotion",
                target_id="p-1",
                after_status=after,
                at=T0 + timedelta(minutes=minute),
            )
        await uow.commit()
    return await _snapshot(uow_factory)


async def _snapshot(uow_factory: UnitOfWorkFactory) -> list[tuple[object, ...]]:
    async with uow_factory() as uow:
        entries = (await uow.audit.list_entries()).items
    return [(e.id, e.at, e.actor_email, e.action, e.after_status) for e in entries]


async def test_no_statement_changes_or_removes_an_entry(
    uow_factory: UnitOfWorkFactory, reliability: ReliabilityLog
) -> None:
    before = await _seed(uow_factory)
    dialect = uow_factory.engine.dialect.name
    accepted: list[str] = []

    for name, statement in TAMPERING[dialect].items():
        async with uow_factory() as uow:
            try:
                await uow.session.execute(text(statement))
                await uow.commit()
            except DBAPIError as error:
                assert "append-only" in str(error), f"{name}: refused for another reason: {error}"
            else:
                accepted.append(name)
        assert await _snapshot(uow_factory) == before, f"{name} changed the trail"

    tried = len(TAMPERING[dialect])
    reliability.record(
        SUITE,
        f"audit: tampering statements refused ({dialect})",
        tried=tried,
        held=tried - len(accepted),
        detail="UPDATE, DELETE, TRUNCATE and overwriting inserts fail; every entry unchanged",
    )
    assert accepted == []


async def test_an_entry_changed_through_the_orm_is_refused_at_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    before = await _seed(uow_factory)

    async with uow_factory() as uow:
        [first, *_] = (await uow.audit.list_entries()).items
        first.actor_email = "mallory@example.com"
        with pytest.raises(DBAPIError, match="append-only"):
            await uow.commit()

    assert await _snapshot(uow_factory) == before


async def test_appending_still_works_after_refusals(uow_factory: UnitOfWorkFactory) -> None:
    before = await _seed(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(DBAPIError):
            await uow.session.execute(text("DELETE FROM audit_log"))

    async with uow_factory() as uow:
        await uow.audit.append(
            actor_email="erin@example.com",
            action="promotion.deployed",
            target_type="promotion",
            target_id="p-1",
            after_status="DEPLOYED",
        )
        await uow.commit()

    after = await _snapshot(uow_factory)
    assert after[:2] == before
    assert [row[2] for row in after[2:]] == ["erin@example.com"]
