"""Fixtures: the product's service over real HTTP, against the emulator over real HTTP.

``demo_service`` is what ``promo demo`` runs — the emulator with its demo seed, the service on
SQLite with the demo's admin records (on a PostgreSQL schema instead when
``PROMO_TEST_DATABASE=postgres``; see tests/support/database.py). Every test gets a fresh
emulator state (the ``emulator`` fixture) and a fresh database, so nothing one test writes or
injects reaches another.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from boomi_promo.config import BoomiSettings, JobSettings, Settings
from boomi_promo.demo import demo_settings, seed_demo_records
from boomi_promo.emulator.seed.world import DemoSeed
from boomi_promo.identity.local import LocalIdentity, demo_users
from boomi_promo.service import create_app
from boomi_promo.store import UnitOfWorkFactory, create_engine, upgrade_database
from tests.support.servers import EmulatorHandle, start_server

# Retries keep their 1 s / 2 s / 4 s shape in production; tests shrink the base so a
# four-attempt failure takes well under a second.
TEST_BACKOFF_SECONDS = 0.05
# The product's limiter keeps to 10 requests/second against real Boomi; the emulator's own
# throttle is off in tests unless a test turns it on, so a higher rate only saves time.
TEST_REQUESTS_PER_SECOND = 500.0
# Dead jobs are found within a fraction of a second instead of half a minute.
TEST_JOB_SETTINGS = JobSettings(heartbeat_seconds=0.5, stale_after_seconds=5, sweep_seconds=0.2)


def run_in_fresh_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run set-up work on its own loop and thread, away from the test loop."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


async def prepare_database(settings: Settings, seed: DemoSeed) -> None:
    url = settings.resolved_database_url()
    await upgrade_database(url)
    engine = create_engine(url)
    try:
        await seed_demo_records(UnitOfWorkFactory(engine), seed, settings.groups)
    finally:
        await engine.dispose()


@dataclass
class DemoService:
    base_url: str
    emulator: EmulatorHandle
    data_dir: Path
    settings: Settings

    @property
    def emulator_url(self) -> str:
        return self.emulator.base_url

    @property
    def seed(self) -> DemoSeed:
        return self.emulator.seed

    def token_for(self, email: str) -> str:
        user = next(u for u in demo_users(self.settings.groups) if u.email == email)
        identity = LocalIdentity(self.data_dir, groups=self.settings.groups)
        return identity.issue_token(user.email, user.name, list(user.groups))

    def api(self, email: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.token_for(email)}"} if email else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def call(
        self, email: str | None, action: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        async with self.api(email) as client:
            return await client.post(f"/api/v1/actions/{action}", json=body or {})


def service_settings(
    emulator: EmulatorHandle, data_dir: Path, database_url: str | None = None
) -> Settings:
    """The demo's settings with the test timings (short back-off and job sweeps)."""
    base = demo_settings(data_dir, emulator.base_url, emulator.seed)
    return base.model_copy(
        update={
            "database_url": database_url or "",
            "boomi": BoomiSettings(
                **base.boomi.model_dump(
                    exclude={
                        "backoff_seconds",
                        "requests_per_second",
                        "poll_interval_seconds",
                        "branch_query_delay_seconds",
                    }
                ),
                backoff_seconds=TEST_BACKOFF_SECONDS,
                requests_per_second=TEST_REQUESTS_PER_SECOND,
                poll_interval_seconds=0.05,
                # The test emulator lists new branches at once unless a test delays it.
                branch_query_delay_seconds=1.0,
            ),
            "jobs": TEST_JOB_SETTINGS,
        }
    )


@contextmanager
def fresh_service(
    emulator: EmulatorHandle, data_dir: Path, database_url: str | None = None
) -> Iterator[DemoService]:
    """The service on its own database, seeded with the demo records of this emulator state."""
    settings = service_settings(emulator, data_dir, database_url)
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=data_dir, settings=settings
        )


@pytest.fixture
def demo_service(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str
) -> Iterator[DemoService]:
    """What `promo demo` runs, fresh for this test, on ``service_database_url``, seeded."""
    with fresh_service(emulator, tmp_path, service_database_url) as service:
        yield service


@pytest.fixture
def promo_service(
    emulator: EmulatorHandle, tmp_path: Path, database_url: str
) -> Iterator[DemoService]:
    """Like ``demo_service``, once on each database ``database_url`` is parametrized with."""
    with fresh_service(emulator, tmp_path, database_url) as service:
        yield service
