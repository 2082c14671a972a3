"""Schema migrations from code: no ``alembic.ini`` on disk, the Alembic config is built here."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import NameFilterParentNames, NameFilterType
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from boomi_promo.store.database import create_engine, normalize_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Any fixed number: replicas that start together take turns at migrating PostgreSQL.
_POSTGRES_MIGRATION_LOCK = 7_304_551_118


QUEUE_TABLE_PREFIX = "procrastinate"


def is_store_object(
    name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
) -> bool:
    """Alembic's filter: the task queue's tables (installed by migration 0002) are its own."""
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table or "").startswith(QUEUE_TABLE_PREFIX)


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration of the store, for ``upgrade_database`` and Alembic's own API."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        rendered = normalize_url(url).render_as_string(hide_password=False)
        # ConfigParser interpolation would read a "%" in a password as a reference.
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


async def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; at that revision already, a no-op."""
    config = alembic_config()
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, config, revision)
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The revision the database is at; ``None`` when it has never been migrated."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Held until the transaction ends, i.e. until the migration is committed.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_MIGRATION_LOCK}
        )
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
