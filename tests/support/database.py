"""Database fixtures, and the switch that says which databases the suite runs on.

``PROMO_TEST_DATABASE`` picks the databases:

* ``both`` (the default): tests that take ``database_url`` run once on SQLite and once on
  PostgreSQL; every other service or database a test starts (``demo_service``, ``promo
  serve`` processes, the CLI) uses SQLite, the product's default.
* ``sqlite``: everything on SQLite; the PostgreSQL variants are not generated.
* ``postgres``: everything on PostgreSQL: ``database_url`` has only its PostgreSQL variant,
  and ``service_database_url`` (which ``demo_service`` and every other fixture that starts a
  service uses) is a fresh PostgreSQL schema too. ``scripts/test`` runs the suite once with
  ``sqlite`` and once with ``postgres``.

A test pinned to a database the switch leaves out is skipped, naming the switch; a test that
only makes sense on SQLite (a file path, the embedded self-migration) carries
``only_on_sqlite(reason)`` and is skipped in ``postgres`` mode.

Fixtures:

* ``database_url`` — a fresh, empty database per test; parametrized ``sqlite`` / ``postgres``.
  SQLite: a file under ``tmp_path``. PostgreSQL: a uniquely named schema, created in the
  database named by ``PROMO_TEST_POSTGRES_URL`` (``scripts/postgres-up`` prints it) and
  dropped after the test; the URL selects it through ``search_path``, so the code under test
  sees an empty database of its own (a schema costs milliseconds, a database a third of a
  second). Without that variable the postgres run is skipped, unless ``CI=true``, where it
  fails: CI must never silently test one database only.
* ``service_database_url`` — the ``database_url`` setting for a service a test starts: ``""``
  (SQLite in the service's data directory) unless ``PROMO_TEST_DATABASE=postgres``, then a
  fresh PostgreSQL schema as above.
* ``migrated_engine`` — an ``AsyncEngine`` on ``database_url`` after ``upgrade_database``.
* ``uow_factory`` — a ``UnitOfWorkFactory`` on ``migrated_engine``.

Only SQLite: ``PROMO_TEST_DATABASE=sqlite`` (or ``pytest -m "not postgres"``). To pin one test
or module to one database: ``@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from boomi_promo.store.database import create_engine
from boomi_promo.store.migrate import upgrade_database
from boomi_promo.store.uow import UnitOfWorkFactory

TEST_DATABASE_ENV = "PROMO_TEST_DATABASE"
POSTGRES_URL_ENV = "PROMO_TEST_POSTGRES_URL"
TEST_SCHEMA_PREFIX = "promo_t_"
SQLITE = "sqlite"
POSTGRES = "postgres"
DATABASES_BY_CHOICE = {
    "both": (SQLITE, POSTGRES),
    SQLITE: (SQLITE,),
    POSTGRES: (POSTGRES,),
}


def database_choice() -> str:
    """The value of ``PROMO_TEST_DATABASE``: ``both`` (default), ``sqlite`` or ``postgres``."""
    choice = os.environ.get(TEST_DATABASE_ENV, "").strip().lower() or "both"
    if choice not in DATABASES_BY_CHOICE:
        raise pytest.UsageError(
            f"{TEST_DATABASE_ENV}={choice!r}: expected one of {', '.join(DATABASES_BY_CHOICE)}"
        )
    return choice


def selected_databases() -> tuple[str, ...]:
    return DATABASES_BY_CHOICE[database_choice()]


def service_database() -> str:
    """The database of services, the CLI and ad-hoc databases: PostgreSQL only when chosen alone."""
    return POSTGRES if database_choice() == POSTGRES else SQLITE


def only_on_sqlite(reason: str) -> pytest.MarkDecorator:
    """For a test that can only mean something on SQLite: skipped in ``postgres`` mode."""
    return pytest.mark.skipif(
        service_database() == POSTGRES,
        reason=f"SQLite only ({reason}); runs when {TEST_DATABASE_ENV} is sqlite or both",
    )


def _database_params() -> list[object]:
    marks = {POSTGRES: [pytest.mark.postgres]}
    return [pytest.param(name, id=name, marks=marks.get(name, [])) for name in selected_databases()]


@pytest.fixture(params=_database_params())
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param not in selected_databases():
        pytest.skip(f"pinned to {request.param}, which {TEST_DATABASE_ENV} leaves out")
    if request.param == SQLITE:
        yield f"sqlite+aiosqlite:///{tmp_path / 'store' / 'promo.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
def service_database_url() -> Iterator[str]:
    if service_database() == SQLITE:
        yield ""
        return
    with fresh_postgres_schema() as url:
        yield url


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


def postgres_server_url() -> str:
    """``PROMO_TEST_POSTGRES_URL``; skips the test without it (fails it in CI)."""
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if server_url:
        return server_url
    reason = (
        f"{POSTGRES_URL_ENV} is not set: start PostgreSQL with scripts/postgres-up and "
        f"export {POSTGRES_URL_ENV}=<the URL it prints>"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """The URL of a new, empty schema on the test server, dropped (with its connections) after."""
    server_url = postgres_server_url()
    schema = f"{TEST_SCHEMA_PREFIX}{uuid.uuid4().hex[:16]}"
    _postgres_admin(server_url, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    # Every connection of the test lives in its own schema; the application name finds them.
    url = make_url(server_url).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _drop_postgres_schema(server_url, schema)


def _postgres_admin(
    server_url: str, statement: sql.SQL | sql.Composed, params: tuple[str, ...] = ()
) -> None:
    # Blocking on purpose: a statement of a few milliseconds, usable from sync and async
    # fixtures alike, and from the thread of a test that runs no event loop.
    conninfo = (
        make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(statement, params)


def _drop_postgres_schema(server_url: str, schema: str) -> None:
    # A test that forgot to dispose an engine, or left a transaction open, must neither leave
    # its schema behind nor block the drop: its connections are ended first.
    _postgres_admin(
        server_url,
        sql.SQL(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND usename = current_user AND pid <> pg_backend_pid()"
        ),
        (schema,),
    )
    _postgres_admin(
        server_url, sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
    )
