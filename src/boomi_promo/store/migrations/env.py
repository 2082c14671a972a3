"""Alembic environment: migrates over the connection handed in by ``migrate.py``, or opens one.

``upgrade_database`` passes an open synchronous connection (from an async engine, via
``run_sync``) in ``config.attributes["connection"]``. When Alembic's own command line runs
this file, there is none: an async engine is created from ``sqlalchemy.url`` instead.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from boomi_promo.store.database import create_engine
from boomi_promo.store.migrate import is_store_object
from boomi_promo.store.tables import Base

target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=is_store_object,
    )


def _run_on(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_new_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def _run_offline(url: str) -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    given: Connection | None = config.attributes.get("connection")
    if given is not None:
        _run_on(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection")
    if context.is_offline_mode():
        _run_offline(url)
    else:
        asyncio.run(_run_with_new_engine(url))


_main()
