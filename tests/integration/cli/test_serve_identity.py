"""`promo serve` never falls back to a sign-in without passwords: identity is chosen explicitly,
local sign-in needs an opt-in, serves loopback only, and says so loudly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from boomi_promo.cli import app

BOOMI = {
    "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": "acme-PRIMARY",
    "PROMO_BOOMI__USERNAME": "ops@example.com",
    "PROMO_BOOMI__API_TOKEN": "token",
}


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What uvicorn was asked to serve (nothing is served)."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda _app, **options: calls.append(options))
    return calls


def serve(tmp_path: Path, *args: str, **env: str) -> Any:
    return CliRunner().invoke(
        app, ["serve", *args], env={**BOOMI, "PROMO_DATA_DIR": str(tmp_path), **env}
    )


def test_no_identity_mode_is_refused(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    result = serve(tmp_path)

    assert result.exit_code == 2
    assert "PROMO_IDENTITY_MODE is not set" in result.output
    assert served == []


def test_local_identity_without_the_opt_in_is_refused(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    result = serve(tmp_path, PROMO_IDENTITY_MODE="local")

    assert result.exit_code == 2
    assert "PROMO_ALLOW_LOCAL_IDENTITY=true" in result.output
    assert served == []


def test_local_identity_is_not_served_beyond_loopback(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    result = serve(
        tmp_path,
        "--host",
        "0.0.0.0",
        PROMO_IDENTITY_MODE="local",
        PROMO_ALLOW_LOCAL_IDENTITY="true",
    )

    assert result.exit_code == 2
    assert "loopback only" in result.output
    assert served == []


def test_local_identity_with_the_opt_in_serves_loopback_and_warns(
    tmp_path: Path, served: list[dict[str, Any]]
) -> None:
    result = serve(tmp_path, PROMO_IDENTITY_MODE="local", PROMO_ALLOW_LOCAL_IDENTITY="true")

    assert result.exit_code == 0, result.output
    assert "WARNING: local identity" in result.output
    assert [call["host"] for call in served] == ["127.0.0.1"]


def test_oidc_without_its_settings_is_refused(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    result = serve(tmp_path, PROMO_IDENTITY_MODE="oidc")

    assert result.exit_code == 2
    assert "PROMO_OIDC__ISSUER" in result.output
    assert served == []
