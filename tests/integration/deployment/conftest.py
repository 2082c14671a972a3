"""A fresh service per test on SQLite and PostgreSQL; variants with other Boomi bounds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from boomi_promo.service import create_app
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

SHORT_MERGE_BOUND_SECONDS = 1.0


@contextmanager
def tuned_service(
    emulator: EmulatorHandle, data_dir: Path, database_url: str, **boomi: Any
) -> Iterator[DemoService]:
    """The service with these Boomi settings changed (``merge_timeout_seconds=1.0``, ...)."""
    base = service_settings(emulator, data_dir, database_url)
    settings = base.model_copy(update={"boomi": base.boomi.model_copy(update=boomi)})
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=data_dir, settings=settings
        )


@pytest.fixture
def impatient_service(
    emulator: EmulatorHandle, tmp_path: Path, database_url: str
) -> Iterator[DemoService]:
    """The service waiting at most SHORT_MERGE_BOUND_SECONDS for a merge."""
    with tuned_service(
        emulator, tmp_path, database_url, merge_timeout_seconds=SHORT_MERGE_BOUND_SECONDS
    ) as service:
        yield service


@pytest.fixture
def one_look_service(
    emulator: EmulatorHandle, tmp_path: Path, database_url: str
) -> Iterator[DemoService]:
    """The service reading a release's status once after releasing (``release_status_polls``)."""
    with tuned_service(emulator, tmp_path, database_url, release_status_polls=1) as service:
        yield service
