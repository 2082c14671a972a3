"""The migrations build exactly the schema of ``tables.py``, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import io
import warnings
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from boomi_promo.store.database import create_engine
from boomi_promo.store.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    is_store_object,
    upgrade_database,
)
from boomi_promo.store.tables import IN_PROGRESS_GUARD_INDEX, Base
from tests.support.database import only_on_sqlite

EXPECTED_TABLES = {
    "component_mapping",
    "dev_account_access",
    "promotion_log",
    "extension_access_mapping",
    "client_account_config",
    "jobs",
    "audit_log",
    "boomi_rate_limits",
    "pending_extension_edits",
    "notification_deliveries",
    "notification_cursor",
    "signed_out_sessions",
    "secret_allowlist",
    "main_component_form",
    "mapping_change",
}
QUEUE_TABLES = {"procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers"}


def _schema_diff(connection: Connection) -> Any:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": is_store_object}
    )
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; that index is checked on its own below.
        warnings.filterwarnings("ignore", message=".*expression-based index")
        return compare_metadata(context, Base.metadata)


def _expected_tables(database_url: str) -> set[str]:
    """The store's tables; on PostgreSQL also the task queue's (``promo worker``)."""
    queue = {"procrastinate_workers", *QUEUE_TABLES} if "postgresql" in database_url else set()
    return EXPECTED_TABLES | queue | {"alembic_version"}


def _tables_and_indexes(connection: Connection) -> tuple[set[str], set[str]]:
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index")
        indexes = {
            index["name"]
            for table in tables
            for index in inspector.get_indexes(table)
            if index["name"] is not None
        }
    return tables, indexes


async def test_fresh_database_has_no_revision_and_upgrade_reaches_head(database_url):
    assert await current_revision(database_url) is None

    await upgrade_database(database_url)

    assert await current_revision(database_url) == head_revision() == "0013"


async def test_migrated_schema_matches_the_table_definitions(database_url):
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_schema_diff)
            tables, indexes = await connection.run_sync(_tables_and_indexes)
            if engine.dialect.name == "sqlite":
                expression_index = await connection.scalar(
                    text("SELECT sql FROM sqlite_master WHERE name = :name"),
                    {"name": "ix_promotion_log_initiated_by_lower"},
                )
                assert "lower(initiated_by)" in expression_index
            else:
                assert "ix_promotion_log_initiated_by_lower" in indexes
    finally:
        await engine.dispose()

    assert diff == []
    assert tables == _expected_tables(database_url)
    assert set(Base.metadata.tables) == EXPECTED_TABLES
    assert IN_PROGRESS_GUARD_INDEX in indexes


async def test_upgrade_again_is_a_no_op_that_keeps_data(database_url):
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO jobs (id, action, process_name, state, request, principal_email,"
                    " created_at) VALUES ('job-1', 'executePromotion', 'C', 'QUEUED', '{}',"
                    " 'alice@example.com', CURRENT_TIMESTAMP)"
                )
            )

        await upgrade_database(database_url)
        await upgrade_database(database_url)

        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM jobs")) == 1
    finally:
        await engine.dispose()
    assert await current_revision(database_url) == head_revision()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_upgrading_a_history_keeps_the_planners_statistics_of_a_persons_promotions(
    database_url,
):
    # Migration 0013 rebuilds the initiator index; PostgreSQL keeps the statistics of its
    # lower(initiated_by) with the index, and without them the planner takes one person for
    # 0.5 % of the history, whatever the share (docs/performance.md: a 78 ms count).
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "0010")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO promotion_log (promotion_id, dev_account_id, prod_account_id,"
                    " dev_package_id, root_component_id, initiated_by, initiated_at, status,"
                    " target_environment, components_total, components_created,"
                    " components_updated, components_failed, is_hotfix, updated_at,"
                    " components_unchanged)"
                    " SELECT 'p-' || n, 'dev-a', 'primary', 'pkg', 'root',"
                    " CASE WHEN n % 4 = 0 THEN 'Bob@example.com' ELSE 'alice@example.com' END,"
                    " now(), 'COMPLETED', 'TEST', 1, 1, 0, 0, false, now(), 0"
                    " FROM generate_series(1, 400) AS n"
                )
            )
            await connection.execute(text("ANALYZE promotion_log"))

        await upgrade_database(database_url)

        async with engine.connect() as connection:
            bob_share = await connection.scalar(
                text(
                    "SELECT most_common_freqs[array_position(most_common_vals::text::text[],"
                    " 'bob@example.com')] FROM pg_stats"
                    " WHERE schemaname = current_schema()"
                    " AND tablename = 'ix_promotion_log_initiated_by_lower'"
                )
            )
    finally:
        await engine.dispose()
    assert bob_share == pytest.approx(0.25)


@only_on_sqlite("the directory of the database file")
async def test_sqlite_parent_directory_is_created(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'deep' / 'er' / 'promo.db'}"

    await upgrade_database(url)

    assert (tmp_path / "deep" / "er" / "promo.db").is_file()


async def test_alembic_command_line_path_opens_its_own_async_engine(database_url):
    # Alembic's own commands (no connection handed in) run env.py with asyncio.run; a thread
    # keeps that loop apart from the test's.
    await asyncio.to_thread(command.upgrade, alembic_config(database_url), "head")

    assert await current_revision(database_url) == head_revision()


def test_offline_mode_prints_the_sql_for_a_dba():
    config = alembic_config("postgresql+psycopg://promo@db.example/promo")
    config.output_buffer = io.StringIO()

    command.upgrade(config, "head", sql=True)

    script = config.output_buffer.getvalue()
    assert "CREATE TABLE promotion_log" in script
    assert "WHERE status = 'IN_PROGRESS'" in script
    assert "CREATE TRIGGER audit_log_append_only" in script
    assert "CREATE TABLE boomi_rate_limits" in script
    assert "CREATE TABLE procrastinate_jobs" in script


async def test_downgrade_removes_everything_and_upgrade_rebuilds_it(database_url):
    await upgrade_database(database_url)

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "base")

    assert await current_revision(database_url) is None
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables, _ = await connection.run_sync(_tables_and_indexes)
        assert tables == {"alembic_version"}
        await upgrade_database(database_url)
        async with engine.connect() as connection:
            tables, _ = await connection.run_sync(_tables_and_indexes)
        assert tables == _expected_tables(database_url)
    finally:
        await engine.dispose()
