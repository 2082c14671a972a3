"""The service as a separate OS process (`promo serve`), for tests that kill it with SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from boomi_promo.config import Settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def service_environment(settings: Settings) -> dict[str, str]:
    """The PROMO_* variables that make `promo serve` use these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}
    env.update(
        {
            "PROMO_DATA_DIR": str(settings.data_dir),
            "PROMO_DATABASE_URL": settings.resolved_database_url(),
            "PROMO_IDENTITY_MODE": settings.identity_mode.value,
            "PROMO_ALLOW_LOCAL_IDENTITY": "true",
            "PROMO_BOOMI__BASE_URL": settings.boomi.base_url,
            "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": settings.boomi.primary_account_id,
            "PROMO_BOOMI__USERNAME": settings.boomi.username,
            "PROMO_BOOMI__API_TOKEN": settings.boomi.api_token.get_secret_value(),
            "PROMO_BOOMI__BACKOFF_SECONDS": str(settings.boomi.backoff_seconds),
            "PROMO_BOOMI__REQUESTS_PER_SECOND": str(settings.boomi.requests_per_second),
            "PROMO_BOOMI__POLL_INTERVAL_SECONDS": str(settings.boomi.poll_interval_seconds),
            "PROMO_JOBS__HEARTBEAT_SECONDS": str(settings.jobs.heartbeat_seconds),
            "PROMO_JOBS__STALE_AFTER_SECONDS": str(settings.jobs.stale_after_seconds),
            "PROMO_JOBS__SWEEP_SECONDS": str(settings.jobs.sweep_seconds),
        }
    )
    return env


@contextmanager
def service_process(
    settings: Settings, log_file: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`promo serve` on a free port; yields its URL and process. Killed at the end if alive."""
    port = free_port()
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "boomi_promo.cli", "serve", "--port", str(port)],
            env=service_environment(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"promo serve exited early; see {log_file}")
            try:
                if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"promo serve did not become ready; see {log_file}")
            time.sleep(0.1)
        yield base_url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
