"""Reliability suites: bounded in CI, longer on demand with ``PROMO_RELIABILITY_LONG=1``."""

from __future__ import annotations

import os

LONG_ENV = "PROMO_RELIABILITY_LONG"


def long_run() -> bool:
    """Whether this is an on-demand long run (``scripts/reliability-report`` sets it)."""
    return os.environ.get(LONG_ENV, "") not in ("", "0", "false")


def repetitions(ci: int, long: int) -> int:
    """How many times to try something: ``ci`` in CI, ``long`` on a long run."""
    return long if long_run() else ci
