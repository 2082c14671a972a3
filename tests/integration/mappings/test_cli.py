"""``promo mappings export|import`` against a real database (SQLite, and PostgreSQL when set up)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner, Result

from boomi_promo.cli import app
from boomi_promo.store import AuditEntry, ComponentMapping, UnitOfWorkFactory, create_engine
from tests.support.database import only_on_sqlite

HEADER = "devComponentId,devAccountId,prodComponentId,componentName,componentType"
CAROL = "carol@example.com"
SEED_FILE = (
    f"{HEADER},mappingSource,notes\n"
    "dev-http,team-a,prod-http,Orders API,connector-settings,,shared\n"
    "dev-db,team-a,prod-db,Orders Database,connector-settings,,\n"
    "dev-inv,team-b,prod-http,Inventory API,connector-settings,,same prod connection\n"
    "dev-map,team-a,prod-map,Orders Map,transform.map,PROMOTION_ENGINE,\n"
)


class Promo:
    """Runs ``promo`` with the environment of one database."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.workdir = workdir
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args), env=self.env)

    def write(self, name: str, text: str) -> Path:
        path = self.workdir / name
        path.write_text(text, encoding="utf-8")
        return path

    def read_store(self) -> tuple[list[ComponentMapping], list[AuditEntry]]:
        return asyncio.run(self._read_store())

    async def _read_store(self) -> tuple[list[ComponentMapping], list[AuditEntry]]:
        engine = create_engine(self.env["PROMO_DATABASE_URL"] or self._sqlite_url())
        try:
            async with UnitOfWorkFactory(engine)() as uow:
                mappings = [
                    *await uow.mappings.list_for_dev_account("team-a"),
                    *await uow.mappings.list_for_dev_account("team-b"),
                ]
                audit = await uow.audit.list_entries(target_type="component_mapping")
        finally:
            await engine.dispose()
        return mappings, audit.items

    def _sqlite_url(self) -> str:
        return f"sqlite+aiosqlite:///{Path(self.env['PROMO_DATA_DIR']) / 'promo.db'}"


@pytest.fixture
def promo(database_url: str, migrated_engine: AsyncEngine, tmp_path: Path) -> Promo:
    """The CLI on a migrated database of this test (SQLite file, or a PostgreSQL schema)."""
    return Promo(
        {
            "PROMO_DATA_DIR": str(tmp_path / "data"),
            "PROMO_DATABASE_URL": database_url,
            "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": "primary-PRM001",
        },
        tmp_path,
    )


def test_import_seeds_every_row_with_one_audit_entry_each(promo: Promo) -> None:
    result = promo("mappings", "import", str(promo.write("seed.csv", SEED_FILE)), "--actor", CAROL)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "created 4, updated 0, unchanged 0"
    mappings, audit = promo.read_store()
    by_dev = {m.dev_component_id: m for m in mappings}
    assert set(by_dev) == {"dev-http", "dev-db", "dev-inv", "dev-map"}
    assert by_dev["dev-inv"].prod_component_id == by_dev["dev-http"].prod_component_id
    assert by_dev["dev-http"].mapping_source == "ADMIN_SEEDING"
    assert by_dev["dev-map"].mapping_source == "PROMOTION_ENGINE"
    assert {m.prod_account_id for m in mappings} == {"primary-PRM001"}
    assert {m.last_promoted_by for m in mappings} == {CAROL}
    assert [(e.action, e.actor_email) for e in audit] == [("mapping.imported", CAROL)] * 4
    assert {e.target_id for e in audit} == {
        "team-a/dev-http",
        "team-a/dev-db",
        "team-b/dev-inv",
        "team-a/dev-map",
    }
    assert all(e.detail is not None and e.detail["before"] is None for e in audit)


def test_export_then_import_changes_nothing(promo: Promo) -> None:
    promo("mappings", "import", str(promo.write("seed.csv", SEED_FILE)), "--actor", CAROL)
    exported = promo.workdir / "export.csv"

    export = promo("mappings", "export", "--output", str(exported))
    again = promo("mappings", "import", str(exported), "--actor", "erin@example.com")

    assert export.exit_code == 0, export.output
    assert export.stderr.strip() == "exported 4 mappings"
    lines = exported.read_text().splitlines()
    assert lines[0] == (
        "devComponentId,devAccountId,prodComponentId,componentName,componentType,"
        "mappingSource,prodLatestVersion,onMain,lastPromotedAt,lastPromotedBy"
    )
    assert len(lines) == 5
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == "created 0, updated 0, unchanged 4"
    _, audit = promo.read_store()
    assert len(audit) == 4, "an unchanged row writes no audit entry"


def test_export_to_standard_output_filtered_by_dev_account(promo: Promo) -> None:
    promo("mappings", "import", str(promo.write("seed.csv", SEED_FILE)), "--actor", CAROL)

    result = promo("mappings", "export", "--dev-account", "team-b")

    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert len(rows) == 2
    assert rows[1].startswith("dev-inv,team-b,prod-http,Inventory API,connector-settings,")


def test_a_file_with_a_bad_line_writes_nothing(promo: Promo) -> None:
    bad = promo.write(
        "bad.csv",
        f"{HEADER}\n"
        "dev-http,team-a,prod-http,Orders API,connector-settings\n"
        "dev-db,team-a,prod-db,Orders Database,connector-settings\n"
        "dev-x,team-a,,Orders X,connector-settings\n"
        "dev-http,team-a,prod-other,Orders API,connector-settings\n",
    )

    result = promo("mappings", "import", str(bad), "--actor", CAROL)

    assert result.exit_code == 1
    assert f"error: {bad}: line 4, column prodComponentId: empty" in result.stderr
    assert f"error: {bad}: line 5, column devComponentId: duplicate of line 2" in result.stderr
    assert "nothing was imported" in result.stderr
    assert promo.read_store() == ([], [])


def test_changed_rows_are_updated_and_audited_with_before_and_after(promo: Promo) -> None:
    promo("mappings", "import", str(promo.write("seed.csv", SEED_FILE)), "--actor", CAROL)
    change = promo.write(
        "change.csv",
        f"{HEADER}\n"
        "dev-http,team-a,prod-http-2,Orders API,connector-settings\n"
        "dev-db,team-a,prod-db,Orders Database,connector-settings\n"
        "dev-new,team-b,prod-db,Orders Database,connector-settings\n",
    )

    dry = promo("mappings", "import", str(change), "--actor", "erin@example.com", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.strip() == (
        "dry run, nothing written: would have created 1, updated 1, unchanged 1"
    )
    assert len(promo.read_store()[1]) == 4

    real = promo("mappings", "import", str(change), "--actor", "erin@example.com")

    assert real.stdout.strip() == "created 1, updated 1, unchanged 1"
    mappings, audit = promo.read_store()
    assert {m.dev_component_id: m.prod_component_id for m in mappings}["dev-http"] == "prod-http-2"
    later = audit[4:]
    assert [(e.target_id, e.actor_email) for e in later] == [
        ("team-a/dev-http", "erin@example.com"),
        ("team-b/dev-new", "erin@example.com"),
    ]
    detail = later[0].detail or {}
    assert detail["before"]["prodComponentId"] == "prod-http"
    assert detail["after"]["prodComponentId"] == "prod-http-2"


def test_non_connection_targets_cannot_be_shared(promo: Promo) -> None:
    promo("mappings", "import", str(promo.write("seed.csv", SEED_FILE)), "--actor", CAROL)
    clash = promo.write(
        "clash.csv", f"{HEADER}\ndev-map-2,team-b,prod-map,Orders Map,transform.map\n"
    )

    result = promo("mappings", "import", str(clash), "--actor", CAROL)

    assert result.exit_code == 1
    assert (
        "line 2, column prodComponentId: also the target of dev component dev-map in dev "
        "account team-a (stored)"
    ) in result.stderr
    assert len(promo.read_store()[0]) == 4


def test_new_mappings_need_the_primary_account(promo: Promo) -> None:
    promo.env["PROMO_BOOMI__PRIMARY_ACCOUNT_ID"] = ""
    seed = promo.write("seed.csv", SEED_FILE)

    refused = promo("mappings", "import", str(seed), "--actor", CAROL)
    accepted = promo(
        "mappings", "import", str(seed), "--actor", CAROL, "--prod-account-id", "primary-X"
    )

    assert refused.exit_code == 1
    assert "PROMO_BOOMI__PRIMARY_ACCOUNT_ID" in refused.stderr
    assert accepted.stdout.strip() == "created 4, updated 0, unchanged 0"


@only_on_sqlite("the embedded database file migrates itself; a server is migrated by an operator")
def test_a_fresh_data_directory_is_migrated_first(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh"
    env = {"PROMO_DATA_DIR": str(data_dir), "PROMO_DATABASE_URL": ""}
    promo = Promo({**env, "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": "primary-1"}, tmp_path)

    imported = promo(
        "mappings", "import", str(promo.write("seed.csv", SEED_FILE)), "--actor", CAROL
    )
    exported = promo("mappings", "export")

    assert imported.exit_code == 0, imported.output
    assert (data_dir / "promo.db").exists()
    assert len(exported.stdout.splitlines()) == 5
