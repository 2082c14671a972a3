"""`promo doctor` against the emulator over HTTP, as an operator runs it after installing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from boomi_promo.cli import app
from boomi_promo.config import GroupSettings
from boomi_promo.demo import seed_demo_records
from boomi_promo.emulator.seed.world import DemoSeed
from boomi_promo.store import DevAccountAccess, UnitOfWorkFactory, create_engine, upgrade_database
from tests.support.database import only_on_sqlite
from tests.support.process import free_port
from tests.support.servers import EmulatorHandle

BOOMI_CHECKS = ["Boomi credentials", "Partner API", "branching", "branch headroom"]


@dataclass
class Deployment:
    database_url: str
    env: dict[str, str]
    runner: CliRunner = field(default_factory=CliRunner)

    def doctor(self, *args: str, **overrides: str) -> Result:
        return self.runner.invoke(app, ["doctor", *args], env={**self.env, **overrides})

    def lines(self, result: Result) -> dict[str, str]:
        """Check name → its whole output line."""
        found = {}
        for line in result.stdout.splitlines():
            name = line[5:].split(":", 1)[0]
            found[name] = line
        return found


async def migrate_and_seed(url: str, seed: DemoSeed, extra: list[DevAccountAccess]) -> None:
    await upgrade_database(url)
    factory = UnitOfWorkFactory(create_engine(url))
    try:
        await seed_demo_records(factory, seed, GroupSettings())
        async with factory() as uow:
            for access in extra:
                await uow.access.upsert(access)
            await uow.commit()
    finally:
        await factory.engine.dispose()


def deployment_env(emulator: EmulatorHandle, data_dir: Path, database_url: str) -> dict[str, str]:
    return {
        "PROMO_DATA_DIR": str(data_dir),
        "PROMO_DATABASE_URL": database_url,
        "PROMO_IDENTITY_MODE": "local",
        "PROMO_ALLOW_LOCAL_IDENTITY": "true",
        "PROMO_BOOMI__BASE_URL": emulator.base_url,
        "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": emulator.seed.primary_account_id,
        "PROMO_BOOMI__USERNAME": emulator.seed.username,
        "PROMO_BOOMI__API_TOKEN": emulator.seed.api_token,
        "PROMO_BOOMI__MAX_RETRIES": "0",
    }


def deployment_database_url(service_database_url: str, data_dir: Path) -> str:
    """The test's PostgreSQL schema, or the SQLite file of a deployment's data directory."""
    return service_database_url or f"sqlite+aiosqlite:///{data_dir / 'promo.db'}"


def empty_sqlite_database(path: Path) -> str:
    sqlite3.connect(path).close()
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def deployment(emulator: EmulatorHandle, tmp_path: Path, service_database_url: str) -> Deployment:
    data_dir = tmp_path / "data"
    url = deployment_database_url(service_database_url, data_dir)
    asyncio.run(migrate_and_seed(url, emulator.seed, []))
    return Deployment(url, deployment_env(emulator, data_dir, url))


def test_the_demo_deployment_passes_every_check(
    deployment: Deployment, emulator: EmulatorHandle
) -> None:
    result = deployment.doctor()

    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("ok   ") for line in lines), result.stdout
    names = list(deployment.lines(result))
    assert names[:6] == ["settings", "database", *BOOMI_CHECKS]
    for account in emulator.seed.dev_accounts:
        assert f"dev account {account.name} ({account.account_id})" in names
    client = emulator.seed.client_accounts[0]
    assert f"client account {client.name} ({client.account_id})" in names


def test_json_output_lists_every_check(deployment: Deployment, emulator: EmulatorHandle) -> None:
    result = deployment.doctor("--json")

    assert result.exit_code == 0, result.stdout
    checks = json.loads(result.stdout)
    assert [c["name"] for c in checks[:6]] == ["settings", "database", *BOOMI_CHECKS]
    assert all(c["ok"] is True and c["detail"] for c in checks)
    assert len(checks) == 6 + len(emulator.seed.dev_accounts) + len(emulator.seed.client_accounts)


def test_a_refused_token_fails_the_credential_check_in_plain_words(
    deployment: Deployment,
) -> None:
    result = deployment.doctor(PROMO_BOOMI__API_TOKEN="not-the-token")

    assert result.exit_code == 1
    lines = deployment.lines(result)
    assert lines["Boomi credentials"].startswith(
        "FAIL Boomi credentials: the API token was refused; it may be expired"
    )
    assert lines["settings"].startswith("ok")
    assert lines["database"].startswith("ok")


def test_branching_switched_off_fails_the_branching_check(
    deployment: Deployment, emulator: EmulatorHandle
) -> None:
    emulator.state.faults.add(r"/Branch/query$", method="POST", status=403)

    result = deployment.doctor()

    assert result.exit_code == 1
    lines = deployment.lines(result)
    assert lines["branching"].startswith(
        "FAIL branching: branch & merge is not enabled for the primary account"
    )
    assert lines["branch headroom"].startswith("FAIL")
    assert lines["Boomi credentials"].startswith("ok")
    assert lines["Partner API"].startswith("ok")


def test_too_many_branches_fails_the_headroom_check(deployment: Deployment) -> None:
    result = deployment.doctor(PROMO_BOOMI__BRANCH_SOFT_LIMIT="0")

    assert result.exit_code == 1
    lines = deployment.lines(result)
    assert lines["branch headroom"].startswith("FAIL branch headroom: the primary account has")
    assert "soft limit is 0" in lines["branch headroom"]
    assert lines["branching"].startswith("ok")


def test_a_granted_account_that_is_not_a_sub_account_fails_its_own_check(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str
) -> None:
    stranger = DevAccountAccess(
        sso_group_id="ABC_BOOMI_FLOW_DEVTEAMZ",
        sso_group_name="ABC_BOOMI_FLOW_DEVTEAMZ",
        dev_account_id="someone-elses-account-Z9",
        dev_account_name="Dev Team Z",
        is_active=True,
    )
    url = deployment_database_url(service_database_url, tmp_path)
    asyncio.run(migrate_and_seed(url, emulator.seed, [stranger]))
    deployment = Deployment(url, deployment_env(emulator, tmp_path, url))

    result = deployment.doctor()

    assert result.exit_code == 1
    lines = deployment.lines(result)
    assert lines["dev account Dev Team Z (someone-elses-account-Z9)"].startswith(
        "FAIL dev account Dev Team Z (someone-elses-account-Z9): not a sub-account of the "
        "primary, or the API user lacks access"
    )
    for account in emulator.seed.dev_accounts:
        assert lines[f"dev account {account.name} ({account.account_id})"].startswith("ok")


def test_a_database_never_migrated_fails_the_schema_check(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str
) -> None:
    url = service_database_url or empty_sqlite_database(tmp_path / "empty.db")
    deployment = Deployment(url, deployment_env(emulator, tmp_path, url))

    result = deployment.doctor()

    assert result.exit_code == 1
    lines = deployment.lines(result)
    assert lines["database"].startswith("FAIL database: the database at")
    assert lines["database"].endswith("has never been migrated; run `promo db upgrade`")
    assert lines["dev accounts"].startswith("FAIL dev accounts: cannot list them")
    assert all(lines[name].startswith("ok") for name in BOOMI_CHECKS)


@only_on_sqlite("a database file that does not exist")
def test_a_missing_database_file_is_not_created(emulator: EmulatorHandle, tmp_path: Path) -> None:
    database = tmp_path / "nowhere" / "promo.db"
    url = f"sqlite+aiosqlite:///{database}"
    deployment = Deployment(url, deployment_env(emulator, tmp_path, url))

    result = deployment.doctor()

    assert result.exit_code == 1
    assert deployment.lines(result)["database"] == (
        f"FAIL database: the database file {database} does not exist; run `promo db upgrade`"
    )
    assert not database.exists()


def test_missing_settings_are_named_and_boomi_is_not_asked(
    deployment: Deployment, emulator: EmulatorHandle
) -> None:
    result = deployment.doctor(PROMO_BOOMI__PRIMARY_ACCOUNT_ID="", PROMO_BOOMI__API_TOKEN="")

    assert result.exit_code == 1
    lines = deployment.lines(result)
    assert "PROMO_BOOMI__PRIMARY_ACCOUNT_ID is not set" in lines["settings"]
    assert "PROMO_BOOMI__API_TOKEN" in lines["settings"]
    assert lines["database"].startswith("ok")
    assert all(lines[name].startswith("FAIL") for name in BOOMI_CHECKS)


def test_a_missing_privilege_is_named(deployment: Deployment, emulator: EmulatorHandle) -> None:
    emulator.state.faults.add(r"/Account/[^/]+$", method="GET", status=403)

    result = deployment.doctor()

    assert result.exit_code == 1
    assert deployment.lines(result)["Boomi credentials"].startswith(
        "FAIL Boomi credentials: the API user is missing a privilege"
    )


def test_an_unreachable_boomi_is_reported_for_every_boomi_check(deployment: Deployment) -> None:
    closed = f"http://127.0.0.1:{free_port()}"

    result = deployment.doctor(PROMO_BOOMI__BASE_URL=closed)

    assert result.exit_code == 1
    lines = deployment.lines(result)
    for name in BOOMI_CHECKS:
        assert "Boomi is unreachable (PROMO_BOOMI__BASE_URL)" in lines[name]
    assert lines["database"].startswith("ok")
