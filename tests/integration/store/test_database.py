"""Engine set-up: URLs, SQLite pragmas, and timestamps that stay timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from boomi_promo.store.database import UnsupportedDatabaseError, create_engine, normalize_url

from .records import access, promotion


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///promo.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///promo.db", "sqlite+aiosqlite"),
        ("postgresql://u:p@db/promo", "postgresql+psycopg"),
        ("postgres://u:p@db/promo", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@db/promo", "postgresql+psycopg"),
    ],
)
def test_urls_get_the_async_driver(given, driver):
    assert normalize_url(given).drivername == driver


def test_unsupported_database_is_refused_with_a_clear_message():
    with pytest.raises(UnsupportedDatabaseError, match="mysql"):
        normalize_url("mysql://u:p@db/promo")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_runs_in_wal_mode_with_foreign_keys(database_url):
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            journal = await connection.scalar(text("PRAGMA journal_mode"))
            foreign_keys = await connection.scalar(text("PRAGMA foreign_keys"))
            busy_timeout = await connection.scalar(text("PRAGMA busy_timeout"))
    finally:
        await engine.dispose()
    assert (journal, foreign_keys) == ("wal", 1)
    assert busy_timeout >= 1000


async def test_foreign_keys_are_enforced(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
            await uow.promotions.add(promotion(status="COMPLETED", test_promotion_id="missing"))


async def test_timestamps_come_back_aware_and_in_utc(uow_factory):
    paris_morning = datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    async with uow_factory() as uow:
        log = await uow.promotions.add(promotion(status="COMPLETED", initiated_at=paris_morning))
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.promotions.get(log.promotion_id)
        window = await uow.promotions.query(
            initiated_from=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
            initiated_to=datetime(2026, 3, 1, 9, 31, tzinfo=UTC),
        )
        access_row = await uow.access.upsert(access())
    assert stored is not None
    assert stored.initiated_at == paris_morning
    assert stored.initiated_at.tzinfo == UTC
    assert [row.promotion_id for row in window.items] == [log.promotion_id]
    assert access_row.created_at.tzinfo == UTC


async def test_naive_datetimes_are_refused(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.promotions.add(promotion(initiated_at=datetime(2026, 3, 1, 9, 0)))
