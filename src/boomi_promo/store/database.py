"""Engines and sessions for the two supported databases: SQLite (embedded) and PostgreSQL.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE``: a transaction that reads and then writes (read a promotion, check its
status, change it) would otherwise fail with "database is locked" when another writer
committed in between. Taking the write lock up front makes transactions queue on the busy
timeout instead, which also makes ``SELECT ... FOR UPDATE`` (ignored by SQLite) unnecessary.
Keep units of work short on SQLite for the same reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+psycopg"
SQLITE_BUSY_TIMEOUT_MS = 30_000

_DRIVER_ALIASES = {
    "sqlite": SQLITE_DRIVER,
    "sqlite+aiosqlite": SQLITE_DRIVER,
    "postgres": POSTGRES_DRIVER,
    "postgresql": POSTGRES_DRIVER,
    "postgresql+psycopg": POSTGRES_DRIVER,
}


class UnsupportedDatabaseError(ValueError):
    """The database URL names a database or driver the store does not support."""


def normalize_url(url: str | URL) -> URL:
    """The URL with its async driver: ``postgresql://`` and ``sqlite://`` are accepted too."""
    parsed = make_url(url)
    driver = _DRIVER_ALIASES.get(parsed.drivername)
    if driver is None:
        raise UnsupportedDatabaseError(
            f"Database URL scheme {parsed.drivername!r} is not supported; "
            f"use {SQLITE_DRIVER}:///path/to/file.db or {POSTGRES_DRIVER}://user:pass@host/db."
        )
    return parsed.set(drivername=driver)


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine configured for the store; SQLite's parent directory is created if missing."""
    normalized = normalize_url(url)
    if normalized.get_backend_name() == "sqlite":
        return _create_sqlite_engine(normalized)
    return _create_async_engine(
        normalized,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_recycle=1800,
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Objects stay readable after commit: there is no lazy loading in async code to refresh them.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def _create_sqlite_engine(url: URL) -> AsyncEngine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = _create_async_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy emit BEGIN itself (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # Without it, INSERT OR REPLACE deletes the audit entry it overwrites without
            # firing the append-only DELETE trigger, and would rewrite the trail.
            cursor.execute("PRAGMA recursive_triggers=ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
