"""`promo doctor` runs in-process here (Typer's CliRunner) and configures logging for an
operator (warnings only); that must not outlive the test, or later tests that read the
client's info logs see none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)
