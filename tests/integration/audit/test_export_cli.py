"""``promo audit export`` against a real database (SQLite, and PostgreSQL when set up).

The trail is written by the product: ``promo mappings import`` (one entry per mapping), and
the store's own append for entries at chosen times, some written out of time order.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from boomi_promo.cli import app
from boomi_promo.exports.audit import AuditFilter, stream_entries
from boomi_promo.store import UnitOfWorkFactory, create_engine
from boomi_promo.store.repositories.base import MAX_PAGE_SIZE

CAROL = "carol@example.com"
ALICE = "alice@example.com"
T0 = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)
COLUMNS = [
    "at",
    "actor_email",
    "action",
    "process_name",
    "target_type",
    "target_id",
    "before_status",
    "after_status",
    "detail",
]
MAPPINGS_FILE = (
    "devComponentId,devAccountId,prodComponentId,componentName,componentType\n"
    'dev-http,team-a,prod-http,=HYPERLINK("x"),connector-settings\n'
    "dev-db,team-a,prod-db,Orders Database,connector-settings\n"
)


class Promo:
    """Runs ``promo`` with the environment of one database."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.env = {
            "PROMO_DATA_DIR": str(workdir / "data"),
            "PROMO_DATABASE_URL": database_url,
            "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": "primary-PRM001",
        }

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env)

    def append(self, *entries: dict[str, Any]) -> None:
        asyncio.run(self._append(entries))

    async def _append(self, entries: tuple[dict[str, Any], ...]) -> None:
        engine = create_engine(self.database_url)
        try:
            async with UnitOfWorkFactory(engine)() as uow:
                for entry in entries:
                    await uow.audit.append(**entry)
                await uow.commit()
        finally:
            await engine.dispose()


def status_entry(minute: float, actor: str, after: str, **extra: Any) -> dict[str, Any]:
    return {
        "actor_email": actor,
        "action": f"promotion.{after.lower()}",
        "process_name": "C · PROMO - Execute Promotion",
        "target_type": "promotion",
        "target_id": "p-1",
        "after_status": after,
        "at": T0 + timedelta(minutes=minute),
        **extra,
    }


@pytest.fixture
def promo(database_url: str, migrated_engine: AsyncEngine, tmp_path: Path) -> Promo:
    return Promo(database_url, tmp_path)


@pytest.fixture
def seeded(promo: Promo) -> Promo:
    """Two mapping imports by Carol (now), and a promotion's steps at T0 + minutes, written
    out of time order."""
    mappings = promo.workdir / "mappings.csv"
    mappings.write_text(MAPPINGS_FILE, encoding="utf-8")
    imported = promo("mappings", "import", str(mappings), "--actor", CAROL)
    assert imported.exit_code == 0, imported.output
    promo.append(
        status_entry(2, CAROL, "COMPLETED", before_status="IN_PROGRESS", detail={"created": 3}),
        status_entry(0, ALICE, "IN_PROGRESS", detail={"comment": 'né à Zürich, "quoted"'}),
        status_entry(5, "Erin@Example.com", "DEPLOYED", before_status="DEPLOYING"),
    )
    return promo


def csv_rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == COLUMNS
    return list(reader)


def test_csv_lists_every_entry_in_time_order_with_a_header(seeded: Promo) -> None:
    result = seeded("audit", "export")

    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    assert [(r["action"], r["actor_email"]) for r in rows] == [
        ("promotion.in_progress", ALICE),
        ("promotion.completed", CAROL),
        ("promotion.deployed", "Erin@Example.com"),
        ("mapping.imported", CAROL),
        ("mapping.imported", CAROL),
    ]
    first, second = rows[0], rows[1]
    assert first["at"] == "2025-06-30T09:00:00.000000Z"
    assert (first["before_status"], first["after_status"]) == ("", "IN_PROGRESS")
    assert json.loads(first["detail"]) == {"comment": 'né à Zürich, "quoted"'}
    assert (second["before_status"], second["after_status"]) == ("IN_PROGRESS", "COMPLETED")
    assert (second["target_type"], second["target_id"]) == ("promotion", "p-1")
    assert second["process_name"] == "C · PROMO - Execute Promotion"
    assert rows[2]["detail"] == ""
    imported = {r["target_id"]: json.loads(r["detail"]) for r in rows[3:]}
    assert imported["team-a/dev-http"]["after"]["componentName"] == '=HYPERLINK("x")'
    assert result.stderr.strip() == "exported 5 audit entries"


def test_json_array_and_json_lines_carry_the_same_entries(seeded: Promo) -> None:
    as_array = seeded("audit", "export", "--format", "json")
    as_lines = seeded("audit", "export", "--format", "jsonl")

    assert as_array.exit_code == 0, as_array.output
    assert as_lines.exit_code == 0, as_lines.output
    entries = json.loads(as_array.stdout)
    assert [json.loads(line) for line in as_lines.stdout.splitlines()] == entries
    assert [list(e) for e in entries] == [COLUMNS] * 5
    assert entries[1]["detail"] == {"created": 3}
    assert entries[0]["before_status"] is None
    assert entries[0]["at"] < entries[1]["at"] < entries[2]["at"]


def test_filters_combine(seeded: Promo) -> None:
    window = seeded(
        "audit",
        "export",
        "--format",
        "jsonl",
        "--since",
        "2025-06-30T09:01:00Z",
        "--until",
        "2025-06-30T11:05:00+02:00",
    )
    by_erin = seeded("audit", "export", "--format", "jsonl", "--actor", "erin@example.COM")
    mappings = seeded("audit", "export", "--format", "jsonl", "--target-type", "COMPONENT_MAPPING")
    from_day = seeded("audit", "export", "--format", "jsonl", "--since", "2025-07-01")

    def actions(result: Result) -> list[str]:
        assert result.exit_code == 0, result.output
        return [json.loads(line)["action"] for line in result.stdout.splitlines()]

    # --until 11:05+02:00 is 09:05 UTC, exclusive: the 09:05 entry is left out.
    assert actions(window) == ["promotion.completed"]
    assert actions(by_erin) == ["promotion.deployed"]
    assert actions(mappings) == ["mapping.imported"] * 2
    assert actions(from_day) == ["mapping.imported"] * 2


def test_output_file_and_an_empty_selection(seeded: Promo) -> None:
    target = seeded.workdir / "trail.csv"

    written = seeded("audit", "export", "--output", str(target))
    empty = seeded("audit", "export", "--format", "json", "--actor", "nobody@example.com")

    assert written.exit_code == 0, written.output
    assert written.stdout == ""
    assert len(csv_rows(target.read_text(encoding="utf-8"))) == 5
    assert not list(seeded.workdir.glob(".*.partial"))
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout) == []
    assert empty.stderr.strip() == "exported 0 audit entries"


@pytest.mark.parametrize(
    ("arguments", "option"),
    [
        (["--since", "yesterday"], "--since"),
        (["--until", "2025-13-01"], "--until"),
        (["--since", "2025-07-01", "--until", "2025-06-30"], "--until"),
        (["--format", "xml"], "--format"),
    ],
)
def test_bad_input_names_the_option_and_exits_2(
    promo: Promo, arguments: list[str], option: str
) -> None:
    target = promo.workdir / "never.csv"

    result = promo("audit", "export", "--output", str(target), *arguments)

    assert result.exit_code == 2, result.output
    assert f"'{option}'" in " ".join(result.stderr.split())
    assert not target.exists()


def test_a_trail_larger_than_a_batch_is_exported_whole_and_in_order(promo: Promo) -> None:
    # Written newest first, with several entries per instant: the export reorders by time and
    # keeps the written order within one instant, across batch boundaries.
    count = 2 * MAX_PAGE_SIZE + 1
    promo.append(
        *(
            status_entry(
                (count - i) // 3, f"user{i}@example.com", "IN_PROGRESS", target_id=f"p-{i}"
            )
            for i in range(count)
        )
    )

    result = promo("audit", "export", "--format", "jsonl")

    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(entries) == count
    assert len({e["target_id"] for e in entries}) == count
    order = [(e["at"], int(e["target_id"].removeprefix("p-"))) for e in entries]
    assert order == sorted(order), "by time, then in the order written"


async def test_stream_reads_batch_by_batch_and_sees_entries_appended_meanwhile(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        for minute in (3, 1, 1, 2, 0):
            await uow.audit.append(**status_entry(minute, ALICE, "IN_PROGRESS"))
        await uow.commit()

    seen = []
    async for entry in stream_entries(uow_factory, AuditFilter(), batch_size=2):
        seen.append(entry)
        if len(seen) == 1:
            # Appended while the export runs: later than everything read so far.
            async with uow_factory() as uow:
                await uow.audit.append(**status_entry(9, CAROL, "COMPLETED"))
                await uow.commit()

    assert [(e.at - T0) // timedelta(minutes=1) for e in seen] == [0, 1, 1, 2, 3, 9]
    ties = [e.id for e in seen if e.at == T0 + timedelta(minutes=1)]
    assert ties == sorted(ties)
    assert len({e.id for e in seen}) == 6
