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


def start_demo(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [*PROMO, "demo", "--port", str(port), "--data-dir", str(data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def alice_token(data_dir: Path) -> str:
    return subprocess.run(
        [
            *PROMO,
            "token",
            "--data-dir",
            str(data_dir),
            "--email",
            "alice@example.com",
            "--groups",
            "ABC_BOOMI_FLOW_CONTRIBUTOR,ABC_BOOMI_FLOW_DEVTEAMA",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def promote_orders(
    manifest: dict[str, Any], token: str, package_id: str, status: int = 200
) -> dict[str, Any]:
    team_a = next(a["id"] for a in manifest["devAccounts"] if a["name"] == "Dev Team A")
    response = httpx.post(
        f"{manifest['serviceUrl']}/api/v1/actions/executePromotion",
        headers={"Authorization": f"Bearer {token}"},
        json={"devAccountId": team_a, "devPackageId": package_id},
        timeout=60,
    )
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


@only_on_sqlite("`promo demo` keeps its database in its data directory")
def test_demo_started_again_on_its_data_directory_continues_the_same_world(
    tmp_path: Path,
) -> None:
    """Issue 15, found 2: a restarted demo paired the old database with a fresh emulator, so
    the mappings named components (and a package) that no longer existed, and the next
    promotion failed. Even after a hard stop, the world goes on: the next promotion finds, in
    the test package, the components the first one created — unchanged, so nothing to promote
    (a broken world would create them again)."""
    data_dir = tmp_path / "demo"
    port = free_port()
    first = start_demo(data_dir, port, tmp_path / "demo.log")
    try:
        manifest = wait_for_manifest(first, data_dir / "demo.json")
        package_id = json.loads((data_dir / "demo-seed.json").read_text())["full_tree_package_id"]
        token = alice_token(data_dir)
        created = promote_orders(manifest, token, package_id)
        # To Test: the package now holds the components, the next promotion builds on it.
        packaged = httpx.post(
            f"{manifest['serviceUrl']}/api/v1/actions/packageAndDeploy",
            headers={"Authorization": f"Bearer {token}"},
            json={"promotionId": created["promotionId"]},
            timeout=60,
        )
        assert packaged.status_code == 200, packaged.text
        time.sleep(2.5)  # the emulator state is saved within a second of a change
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=15)
    (data_dir / "demo.json").unlink()

    again = start_demo(data_dir, port, tmp_path / "demo.log")
    try:
        manifest = wait_for_manifest(again, data_dir / "demo.json")
        again_promoted = promote_orders(manifest, alice_token(data_dir), package_id, status=409)
    finally:
        again.send_signal(signal.SIGINT)
        try:
            again.wait(timeout=15)
        except subprocess.TimeoutExpired:
            again.kill()

    def prod_ids(body: dict[str, Any]) -> dict[str, str]:
        return {r["devComponentId"]: r["prodComponentId"] for r in body["promotionResults"]}

    assert again_promoted["errorCode"] == "NOTHING_TO_PROMOTE"
    assert "the same as in its test deployment" in again_promoted["errorMessage"]
    assert {r["action"] for r in again_promoted["promotionResults"]} == {"UNCHANGED"}
    assert prod_ids(again_promoted) == prod_ids(created)


@only_on_sqlite("`promo demo` keeps its database in its data directory")
def test_demo_refuses_a_database_without_its_emulator_state(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    data_dir.mkdir()
    (data_dir / "promo.db").write_bytes(b"")

    refused = subprocess.run(
        [*PROMO, "demo", "--port", str(free_port()), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert refused.returncode == 2
    assert "emulator-state.json" in refused.stderr and "--data-dir" in refused.stderr
