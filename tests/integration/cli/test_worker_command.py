"""`promo worker` refuses a configuration it cannot run with, saying what to change."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from boomi_promo.cli import app

BOOMI = {
    "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": "acme-PRIMARY",
    "PROMO_BOOMI__USERNAME": "ops@example.com",
    "PROMO_BOOMI__API_TOKEN": "token",
}


def test_worker_without_the_task_queue_says_how_to_turn_it_on(tmp_path: Path) -> None:
    env = {**BOOMI, "PROMO_DATA_DIR": str(tmp_path)}

    result = CliRunner().invoke(app, ["worker"], env=env)

    assert result.exit_code == 2
    assert "PROMO_JOBS__QUEUE=procrastinate" in result.output


def test_the_task_queue_on_sqlite_is_refused_for_worker_and_service(tmp_path: Path) -> None:
    env = {**BOOMI, "PROMO_DATA_DIR": str(tmp_path), "PROMO_JOBS__QUEUE": "procrastinate"}

    for command in (["worker"], ["serve"]):
        result = CliRunner().invoke(app, command, env=env)
        assert result.exit_code == 2
        assert "needs PostgreSQL" in result.output
        assert "PROMO_DATABASE_URL" in result.output
