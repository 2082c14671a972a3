"""A fresh service per test on SQLite and PostgreSQL; one variant gives merges a short bound."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from boomi_promo.api.app import create_app
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

SHORT_MERGE_BOUND_SECONDS = 1.0


@pytest.fixture
def impatient_service(
    emulator: EmulatorHandle, tmp_path: Path, database_url: str
) -> Iterator[DemoService]:
    """The service waiting at most SHORT_MERGE_BOUND_SECONDS for a merge (and a branch)."""
    base = service_settings(emulator, tmp_path, database_url)
    settings = base.model_copy(
        update={
            "boomi": base.boomi.model_copy(
                update={"branch_ready_timeout_seconds": SHORT_MERGE_BOUND_SECONDS}
            )
        }
    )
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=tmp_path, settings=settings
        )
