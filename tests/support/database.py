"""Database fixtures: a test that uses them runs once on SQLite and once on PostgreSQL.

* ``database_url`` — a fresh, empty database per test; parametrized ``sqlite`` / ``postgres``.
  SQLite: a file under ``tmp_path``. PostgreSQL: a uniquely named schema, created in the
  database named by ``PROMO_TEST_POSTGRES_URL`` (``scripts/postgres-up`` prints it) and
  dropped after the test; the URL selects it through ``search_path``, so the code under test
  sees an empty database of its own (a schema costs milliseconds, a database a third of a
  second). Without that variable the postgres run is skipped, unless ``CI=true``, where it
  fails: CI must never silently test one database only.
* ``migrated_engine`` — an ``AsyncEngine`` on that database after ``upgrade_database``.
* ``uow_factory`` — a ``UnitOfWorkFactory`` on ``migrated_engine``.

Only SQLite: ``pytest -m "not postgres"``. To pin one test or module to one database:
``@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from boomi_promo.store.database import create_engine
from boomi_promo.store.migrate import upgrade_database
from boomi_promo.store.uow import UnitOfWorkFactory

POSTGRES_URL_ENV = "PROMO_TEST_POSTGRES_URL"
TEST_SCHEMA_PREFIX = "promo_t_"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'store' / 'promo.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        reason = (
            f"{POSTGRES_URL_ENV} is not set: start PostgreSQL with scripts/postgres-up and "
            f"export {POSTGRES_URL_ENV}=<the URL it prints>"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
        pytest.skip(reason)
    schema = f"{TEST_SCHEMA_PREFIX}{uuid.uuid4().hex[:16]}"
    await _postgres_admin(server_url, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    # Every connection of the test lives in its own schema; the application name finds them.
    url = make_url(server_url).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        await _drop_postgres_schema(server_url, schema)


@pytest.fixture
async def migrated_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def uow_factory(migrated_engine: AsyncEngine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(migrated_engine)


async def _postgres_admin(
    server_url: str, statement: sql.SQL | sql.Composed, params: tuple[str, ...] = ()
) -> None:
    conninfo = (
        make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
        await connection.execute(statement, params)


async def _drop_postgres_schema(server_url: str, schema: str) -> None:
    # A test that forgot to dispose an engine, or left a transaction open, must neither leave
    # its schema behind nor block the drop: its connections are ended first.
    await _postgres_admin(
        server_url,
        sql.SQL(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND usename = current_user AND pid <> pg_backend_pid()"
        ),
        (schema,),
    )
    await _postgres_admin(
        server_url, sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
    )
