"""`promo demo` and `promo token` as a newcomer runs them: separate processes, real ports."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.database import only_on_sqlite
from tests.support.process import free_port

PROMO = [sys.executable, "-m", "boomi_promo.cli"]


def wait_for_manifest(process: subprocess.Popen[bytes], path: Path) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "promo demo exited early"
        if path.exists():
            manifest: dict[str, Any] = json.loads(path.read_text())
            try:
                if httpx.get(f"{manifest['serviceUrl']}/readyz", timeout=1).status_code == 200:
                    return manifest
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    raise AssertionError("promo demo did not come up within a minute")


@only_on_sqlite("`promo demo` keeps its database in its data directory")
def test_demo_serves_the_seeded_product_and_tokens_work(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    port = free_port()
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen(
        [*PROMO, "demo", "--port", str(port), "--data-dir", str(data_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        manifest = wait_for_manifest(process, data_dir / "demo.json")
        assert manifest["serviceUrl"] == f"http://127.0.0.1:{port}"
        assert {a["name"] for a in manifest["devAccounts"]} == {"Dev Team A", "Dev Team B"}
        token = subprocess.run(
            [
                *PROMO,
                "token",
                "--data-dir",
                str(data_dir),
                "--email",
                "carol@example.com",
                "--groups",
                "ABC_BOOMI_FLOW_ADMIN",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

        response = httpx.post(
            f"{manifest['serviceUrl']}/api/v1/actions/getDevAccounts",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200
        assert response.json()["effectiveTier"] == "ADMIN"
        assert len(response.json()["devAccounts"]) == 2

        boomi = httpx.get(
            f"{manifest['emulatorUrl']}/partner/api/rest/v1/{manifest['primaryAccountId']}"
            f"/Account/{manifest['primaryAccountId']}",
            auth=(f"BOOMI_TOKEN.{manifest['boomiUsername']}", str(manifest["boomiApiToken"])),
            headers={"Accept": "application/json"},
            timeout=10,
        )
        assert boomi.status_code == 200
        login_page = httpx.get(f"{manifest['serviceUrl']}/login", timeout=10)
        assert "alice@example.com" in login_page.text
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
