"""A fresh service per test: its own database seeded from this test's emulator state.

Promotions write mappings and logs, and the demo's component ids are new in every emulator
state, so each test gets a database whose demo records (grants, connection mappings, the
mappings of the process promoted before) match the emulator it talks to. Each test runs on
SQLite and, when ``PROMO_TEST_POSTGRES_URL`` is set, on PostgreSQL (``database_url``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from boomi_promo.api.app import create_app
from boomi_promo.config import BoomiSettings
from boomi_promo.demo import demo_settings
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    TEST_BACKOFF_SECONDS,
    DemoService,
    prepare_database,
    run_in_fresh_loop,
)

# The product's limiter keeps to 10 requests/second against Boomi; the emulator's throttle is
# off in tests, so a higher rate only makes the suite faster.
TEST_REQUESTS_PER_SECOND = 500.0


@pytest.fixture
def promo_service(
    emulator: EmulatorHandle, tmp_path: Path, database_url: str
) -> Iterator[DemoService]:
    base = demo_settings(tmp_path, emulator.base_url, emulator.seed)
    settings = base.model_copy(
        update={
            "database_url": database_url,
            "boomi": BoomiSettings(
                **base.boomi.model_dump(
                    exclude={"backoff_seconds", "requests_per_second", "poll_interval_seconds"}
                ),
                backoff_seconds=TEST_BACKOFF_SECONDS,
                requests_per_second=TEST_REQUESTS_PER_SECOND,
                poll_interval_seconds=0.05,
            ),
        }
    )
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=tmp_path, settings=settings
        )
