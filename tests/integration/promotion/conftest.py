"""A fresh service per test: its own database seeded from this test's emulator state.

Each promotion test runs on SQLite and, when ``PROMO_TEST_POSTGRES_URL`` is set, on
PostgreSQL (``database_url``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import EmulatorHandle
from tests.support.service import DemoService, fresh_service


@pytest.fixture
def promo_service(
    emulator: EmulatorHandle, tmp_path: Path, database_url: str
) -> Iterator[DemoService]:
    with fresh_service(emulator, tmp_path, database_url) as service:
        yield service
