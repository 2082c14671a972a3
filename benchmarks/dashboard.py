"""Query actions and dashboard pages on a large history, on SQLite and on PostgreSQL.

Seeds ``--records`` PromotionLog records (each size given, in a fresh database: ``--large``
adds 100,000 to show how the times grow) and ``--mappings`` ComponentMappings (bulk, through
the ORM) into a fresh database, then times the query actions (run in-process, as the API runs
them) and each dashboard page (GET over HTTP on loopback with a signed-in session) and
reports p50 / p95 in milliseconds. Boomi is the emulator (``promo emulator``, in a process of
its own as Boomi is remote: its objects must not weigh on this process's garbage collections)
with no latency or throttling: pages that read Boomi measure the service, not the network.
Each database is measured twice: with its schema taken back to ``--baseline-revision`` (the
indexes before the listing indexes of migration 0004) and at the head revision.

    .venv/bin/python -m benchmarks.dashboard --databases sqlite postgres

PostgreSQL needs ``PROMO_TEST_POSTGRES_URL`` (``scripts/postgres-up`` prints it); the run
creates a schema of its own there and drops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn
from alembic import command
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from benchmarks.reporting import percentile, table, write_results
from boomi_promo.actions.runner import execute_action
from boomi_promo.bootstrap import Container, bootstrap
from boomi_promo.cli.main import freeze_startup_objects
from boomi_promo.demo import demo_settings, seed_demo_records
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.emulator.seed.world import DEMO_API_TOKEN, DEMO_USERNAME, DemoSeed
from boomi_promo.identity.local import demo_users
from boomi_promo.identity.principal import Principal
from boomi_promo.service import create_app
from boomi_promo.store import ComponentMapping, MappingSource, PromotionLog, upgrade_database
from boomi_promo.store.migrate import alembic_config

LARGE_HISTORY = 100_000
"""The history ``--large`` adds (issue 16: how page times grow)."""
QUERY_TARGET_MS = 50.0
PAGE_TARGET_MS = 150.0
POSTGRES_URL_ENV = "PROMO_TEST_POSTGRES_URL"
SCHEMA_PREFIX = "promo_bench_"
INSERT_BATCH = 1_000
EXTRA_DEV_ACCOUNTS = 8
INITIATORS = (
    "alice@example.com",
    "bob@example.com",
    "dave@example.com",
    "frank@example.com",
    "grace@example.com",
)
# Roughly a busy installation's history: most records ended long ago, a few wait for people.
STATUS_WEIGHTS: dict[PromotionStatus, int] = {
    PromotionStatus.COMPLETED: 12,
    PromotionStatus.FAILED: 8,
    PromotionStatus.SUPERSEDED: 20,
    PromotionStatus.TEST_DEPLOYED: 8,
    PromotionStatus.TEST_CANCELLED: 3,
    PromotionStatus.WITHDRAWN: 3,
    PromotionStatus.PEER_REJECTED: 2,
    PromotionStatus.ADMIN_REJECTED: 1,
    PromotionStatus.DEPLOYED: 40,
    PromotionStatus.PENDING_PEER_REVIEW: 2,
    PromotionStatus.PENDING_ADMIN_REVIEW: 1,
}
PAGES: tuple[tuple[str, str], ...] = (
    ("/packages", "alice@example.com"),
    ("/promotions", "alice@example.com"),
    ("/reviews", "bob@example.com"),
    ("/readiness", "carol@example.com"),
    ("/admin/approvals", "carol@example.com"),
    ("/admin/mappings", "carol@example.com"),
    ("/admin/packs", "carol@example.com"),
    ("/admin/accounts", "carol@example.com"),
)


HEAD = "head"


@dataclass(frozen=True)
class Timing:
    database: str
    schema: str
    """The schema revision measured (``head``, or the baseline)."""
    kind: str
    """``action`` or ``page``."""
    name: str
    samples_ms: list[float]
    status: int | str
    records: int = 0
    """The promotion records in the database measured."""

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 0.95)

    @property
    def target_ms(self) -> float:
        return QUERY_TARGET_MS if self.kind == "action" else PAGE_TARGET_MS

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "records": self.records,
            "schema": self.schema,
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "samples": len(self.samples_ms),
            "p50Ms": round(self.p50, 2),
            "p95Ms": round(self.p95, 2),
            "targetMs": self.target_ms,
        }


# ----------------------------------------------------------------------------- databases


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema on the PostgreSQL server of ``PROMO_TEST_POSTGRES_URL``, dropped after."""
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        raise SystemExit(f"{POSTGRES_URL_ENV} is not set: run scripts/postgres-up first")
    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    admin = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    url = make_url(server_url).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s AND pid <> pg_backend_pid()",
                (schema,),
            )
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


@contextlib.asynccontextmanager
async def service(
    database: str, schema: str, data_dir: Path, emulator_url: str, seed: DemoSeed
) -> AsyncIterator[Container]:
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(postgres_schema()) if database == "postgres" else ""
        settings = demo_settings(data_dir, emulator_url, seed).model_copy(
            update={"database_url": database_url, "log_json": True}
        )
        if database_url:
            await upgrade_database(database_url)
        container = await bootstrap(settings)
        try:
            if schema != HEAD:
                async with container.engine.begin() as connection:
                    await connection.run_sync(_downgrade, schema)
            yield container
        finally:
            await container.aclose()


def _downgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


@contextlib.contextmanager
def emulator_process(log: Any) -> Iterator[str]:
    """``promo emulator`` (the demo seed) on a free loopback port, unthrottled; its base URL."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    promo = Path(sys.executable).with_name("promo")
    process = subprocess.Popen(
        [str(promo), "emulator", "--port", str(port)], stdout=log, stderr=log
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(
                    f"{base_url}/__emulator__/settings",
                    json={"requests_per_second": None},
                    auth=(f"BOOMI_TOKEN.{DEMO_USERNAME}", DEMO_API_TOKEN),
                    timeout=2,
                ).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("promo emulator did not start") from None
                time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=10)


# ----------------------------------------------------------------------------- seeding


async def seed_history(container: Container, seed: DemoSeed, records: int, mappings: int) -> None:
    await seed_demo_records(container.uow_factory, seed, container.settings.groups)
    rng = random.Random(8)
    accounts = [(a.account_id, a.name) for a in seed.dev_accounts] + [
        (f"benchdev{n}-GEN{n:03d}", f"Bench Team {n}") for n in range(EXTRA_DEV_ACCOUNTS)
    ]
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    now = datetime.now(UTC)
    logs: list[PromotionLog] = []
    for number in range(records):
        account_id, account_name = rng.choice(accounts)
        status = rng.choices(statuses, weights)[0]
        initiated_at = now - timedelta(minutes=rng.randint(10, 2 * 365 * 24 * 60))
        components = [
            {
                "devComponentId": str(uuid.UUID(int=rng.getrandbits(128))),
                "prodComponentId": str(uuid.UUID(int=rng.getrandbits(128))),
                "componentName": f"Component {n}",
                "componentType": "process",
                "action": "CREATED",
                "version": 1,
                "error": "",
            }
            for n in range(rng.randint(3, 12))
        ]
        reviewing = status in (
            PromotionStatus.PENDING_PEER_REVIEW,
            PromotionStatus.PENDING_ADMIN_REVIEW,
        )
        logs.append(
            PromotionLog(
                dev_account_id=account_id,
                dev_account_name=account_name,
                prod_account_id=seed.primary_account_id,
                dev_package_id=f"package-{number}",
                root_component_id=f"root-{number % 700}",
                process_name=f"Process {number % 700:03d}",
                initiated_by=rng.choice(INITIATORS),
                initiated_at=initiated_at,
                status=status,
                target_environment="PRODUCTION" if reviewing or rng.random() < 0.4 else "TEST",
                components_total=len(components),
                components_created=len(components),
                result_detail={"promotionResults": components, "deploymentNotes": "Weekly"},
                submitted_for_review_by=rng.choice(INITIATORS) if reviewing else None,
                submitted_for_review_at=initiated_at + timedelta(hours=1) if reviewing else None,
            )
        )
    await _insert(container, logs)
    rows = [
        ComponentMapping(
            dev_component_id=str(uuid.UUID(int=rng.getrandbits(128))),
            dev_account_id=rng.choice(accounts)[0],
            prod_component_id=str(uuid.UUID(int=rng.getrandbits(128))),
            component_name=f"{rng.choice(['Orders', 'Invoices', 'Customers'])} map {n:05d}",
            component_type=rng.choice(["transform.map", "profile.json", "process"]),
            prod_account_id=seed.primary_account_id,
            prod_latest_version=rng.randint(1, 9),
            last_promoted_at=now - timedelta(days=rng.randint(0, 700)),
            last_promoted_by=rng.choice(INITIATORS),
            mapping_source=MappingSource.PROMOTION_ENGINE,
            on_main=rng.random() < 0.8,
        )
        for n in range(mappings)
    ]
    await _insert(container, rows)
    if container.settings.uses_postgres:
        # As autovacuum does to a table that grew like this (it vacuums after inserts too):
        # ANALYZE for the planner's statistics, VACUUM for the visibility map that index-only
        # scans need. Left to autovacuum, whether and how far it had run varied between runs.
        async with container.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM (ANALYZE) promotion_log, component_mapping"))
    # As `promo serve` does once started: the seeding's garbage collected, what start-up built
    # frozen out of later collections (cli.freeze_startup_objects).
    freeze_startup_objects()


async def _insert(container: Container, rows: list[Any]) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        async with container.uow_factory() as uow:
            uow.session.add_all(rows[start : start + INSERT_BATCH])
            await uow.commit()


# ----------------------------------------------------------------------------- timing


def principal(container: Container, email: str) -> Principal:
    groups = container.settings.groups
    user = next(u for u in demo_users(groups) if u.email == email)
    return Principal.from_groups(
        email=user.email, name=user.name, groups=user.groups, settings=groups
    )


async def timed(call: Callable[[], Awaitable[Any]], samples: int) -> tuple[list[float], Any]:
    result: Any = None
    for _ in range(2):
        result = await call()
    durations: list[float] = []
    for _ in range(samples):
        started = time.perf_counter()
        result = await call()
        durations.append((time.perf_counter() - started) * 1000)
    return durations, result


async def time_actions(
    container: Container, database: str, schema: str, samples: int
) -> list[Timing]:
    alice, bob, carol = (
        principal(container, email)
        for email in ("alice@example.com", "bob@example.com", "carol@example.com")
    )
    cases: list[tuple[str, str, dict[str, Any], Principal]] = [
        ("queryStatus (contributor, page 1)", "queryStatus", {}, alice),
        ("queryStatus (admin, page 1)", "queryStatus", {}, carol),
        ("queryStatus (admin, page 40)", "queryStatus", {"page": 40}, carol),
        (
            "queryStatus (admin, review stage)",
            "queryStatus",
            {"reviewStage": "ALL"},
            carol,
        ),
        ("queryStatus (by process)", "queryStatus", {"processName": "Process 123"}, carol),
        ("queryStatus (by initiator)", "queryStatus", {"initiatedBy": "BOB@example.com"}, carol),
        ("queryPeerReviewQueue", "queryPeerReviewQueue", {}, bob),
        ("manageMappings query (page 1)", "manageMappings", {"action": "query"}, carol),
        (
            "manageMappings query (name filter)",
            "manageMappings",
            {"action": "query", "componentName": "invoices"},
            carol,
        ),
    ]
    timings: list[Timing] = []
    for label, name, payload, caller in cases:

        async def call(name: str = name, payload: Any = payload, caller: Principal = caller) -> Any:
            return await execute_action(container, name, payload, caller)

        durations, _ = await timed(call, samples)
        timings.append(Timing(database, schema, "action", label, durations, "ok"))
    return timings


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if found is None:
        raise RuntimeError(f"the sign-in page answered {page.status_code} without a CSRF token")
    answer = await client.post(
        "/login", data={"email": email, "csrf_token": found.group(1), "next": "/"}
    )
    if answer.status_code != 303:
        raise RuntimeError(f"signing in as {email} answered {answer.status_code}")


async def time_pages(
    container: Container, database: str, schema: str, samples: int
) -> list[Timing]:
    timings: list[Timing] = []
    async with serve_here(create_app(container=container)) as base_url:
        clients: dict[str, httpx.AsyncClient] = {}
        try:
            for _path, email in PAGES:
                if email not in clients:
                    clients[email] = httpx.AsyncClient(base_url=base_url, timeout=30)
                    await sign_in(clients[email], email)
            for path, email in PAGES:
                client = clients[email]

                async def call(client: httpx.AsyncClient = client, path: str = path) -> Any:
                    return await client.get(path)

                durations, last = await timed(call, samples)
                timings.append(Timing(database, schema, "page", path, durations, last.status_code))
        finally:
            for client in clients.values():
                await client.aclose()
    return timings


@contextlib.asynccontextmanager
async def serve_here(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` on this event loop (it shares the container's database engine)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="on")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


# ----------------------------------------------------------------------------- the run


async def benchmark(
    databases: list[str],
    schemas: list[str],
    sizes: list[int],
    mappings: int,
    samples: int,
    log_file: Path,
) -> list[Timing]:
    # The same seed as the emulator process serves (the demo state's ids are fixed).
    _, seed = build_demo_state()
    timings: list[Timing] = []
    with (
        log_file.open("a") as log,
        emulator_process(log) as emulator_url,
        contextlib.redirect_stderr(log),
    ):
        for records in sizes:
            for database in databases:
                for schema in schemas:
                    with tempfile.TemporaryDirectory(prefix="promo-bench-") as scratch:
                        async with service(
                            database, schema, Path(scratch), emulator_url, seed
                        ) as container:
                            started = time.perf_counter()
                            await seed_history(container, seed, records, mappings)
                            print(
                                f"  {database} at {schema}: seeded {records} promotions and "
                                f"{mappings} mappings in {time.perf_counter() - started:.1f} s",
                                flush=True,
                            )
                            measured = await time_actions(container, database, schema, samples)
                            measured += await time_pages(container, database, schema, samples)
                            timings += [replace(t, records=records) for t in measured]
    return timings


def report(timings: list[Timing]) -> str:
    rows = [
        [
            t.records,
            t.database,
            t.schema,
            t.kind,
            t.name,
            t.status,
            t.p50,
            t.p95,
            t.target_ms,
            "yes" if t.p95 <= t.target_ms else "NO",
        ]
        for t in timings
    ]
    headers = [
        "records",
        "database",
        "schema",
        "kind",
        "name",
        "status",
        "p50 ms",
        "p95 ms",
        "target",
        "met",
    ]
    return table(headers, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgres"), default=["sqlite", "postgres"]
    )
    parser.add_argument(
        "--baseline-revision",
        default="0003",
        help="also measure with the schema at this revision ('none': head only)",
    )
    parser.add_argument(
        "--records", type=int, nargs="+", default=[10_000], help="history sizes, each measured"
    )
    parser.add_argument(
        "--large",
        action="store_true",
        help=f"also measure {LARGE_HISTORY:,} records (seeding takes minutes per database)",
    )
    parser.add_argument("--mappings", type=int, default=5_000)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--label", default="", help="stored with the results (e.g. 'before')")
    args = parser.parse_args()
    log_file = Path(tempfile.gettempdir()) / "promo-bench-dashboard.log"
    print(f"Service logs: {log_file}")
    schemas = [HEAD] if args.baseline_revision == "none" else [args.baseline_revision, HEAD]
    sizes = sorted(set(args.records) | ({LARGE_HISTORY} if args.large else set()))
    timings = asyncio.run(
        benchmark(args.databases, schemas, sizes, args.mappings, args.samples, log_file)
    )
    print(report(timings))
    path = write_results(
        "dashboard",
        {
            "label": args.label,
            "records": sizes,
            "mappings": args.mappings,
            "samplesPerCase": args.samples,
            "timings": [t.to_json() for t in timings],
        },
    )
    print(f"\nWritten: {path}")


if __name__ == "__main__":
    main()
