"""Figures for ``docs/reliability.md``: each reliability suite records what it tried and what held.

A test takes the ``reliability`` fixture and records one row per kind of trial::

    reliability.record("Fault matrix", "executePromotion x 503 burst", tried=3, held=3,
                       detail="typed error or completed; no orphan branch")

``held`` counts the trials whose every check passed; a test still asserts on its own, so a row
with ``held < tried`` is also a failed test. Rows of the same suite and case add up. With
``PROMO_RELIABILITY_REPORT=path.json`` set, the session writes the rows there;
``scripts/reliability-report`` runs the suites and renders the page from that file.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

REPORT_ENV = "PROMO_RELIABILITY_REPORT"


@dataclass
class Trial:
    suite: str
    case: str
    tried: int
    held: int
    detail: str = ""


class ReliabilityLog:
    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Trial] = {}

    def record(self, suite: str, case: str, *, tried: int, held: int, detail: str = "") -> None:
        if not 0 <= held <= tried:
            raise ValueError(f"held ({held}) must be between 0 and tried ({tried})")
        row = self._rows.get((suite, case))
        if row is None:
            self._rows[(suite, case)] = Trial(suite, case, tried, held, detail)
        else:
            row.tried += tried
            row.held += held
            row.detail = row.detail or detail

    def rows(self) -> list[Trial]:
        return sorted(self._rows.values(), key=lambda row: (row.suite, row.case))


_LOG = ReliabilityLog()


@pytest.fixture(scope="session")
def reliability() -> Iterator[ReliabilityLog]:
    yield _LOG


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(REPORT_ENV)
    if not target or not _LOG.rows():
        return
    document = {
        "finishedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "exitStatus": int(exitstatus),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "database": os.environ.get("PROMO_TEST_DATABASE", "both"),
        "rows": [asdict(row) for row in _LOG.rows()],
    }
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def render_markdown(document: dict[str, object]) -> str:
    """The figures as the tables of ``docs/reliability.md``, one per suite."""
    rows = document["rows"]
    assert isinstance(rows, list)
    lines = [
        f"Last run: {document['finishedAt']} on {document['machine']}, "
        f"database mode `{document['database']}`, pytest exit status {document['exitStatus']}.",
        "",
    ]
    suites: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        suites.setdefault(str(row["suite"]), []).append(row)
    for suite, entries in suites.items():
        lines += [f"### {suite}", "", "| what was tried | times | held | what held means |"]
        lines.append("|---|---:|---:|---|")
        for entry in entries:
            lines.append(
                f"| {entry['case']} | {entry['tried']} | {entry['held']} | {entry['detail']} |"
            )
        lines.append("")
    return "\n".join(lines)


FIGURES_START = "<!-- figures:start -->"
FIGURES_END = "<!-- figures:end -->"


def update_page(figures: Path, page: Path) -> None:
    """Replace the figures between the page's markers with those of the last run."""
    text = page.read_text()
    head, _, rest = text.partition(FIGURES_START)
    _, found, tail = rest.partition(FIGURES_END)
    if not found:
        raise SystemExit(f"{page} lacks the {FIGURES_START} … {FIGURES_END} markers")
    table = render_markdown(json.loads(figures.read_text()))
    page.write_text(f"{head}{FIGURES_START}\n{table}\n{FIGURES_END}{tail}")


if __name__ == "__main__":
    import sys

    update_page(Path(sys.argv[1]), Path(sys.argv[2]))
