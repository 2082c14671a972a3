"""A production-shaped deployment as OS processes: `promo serve` replicas and `promo worker`s.

Every process reads the same ``PROMO_*`` environment: one PostgreSQL (a fresh schema per test),
jobs on the procrastinate queue, the emulator as Boomi. Tests kill them with SIGKILL.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from boomi_promo.config import JobQueue, Settings
from tests.support.process import free_port, service_environment


def queue_environment(settings: Settings) -> dict[str, str]:
    env = service_environment(settings)
    env["PROMO_JOBS__QUEUE"] = JobQueue.PROCRASTINATE.value
    env["PROMO_JOBS__SHUTDOWN_GRACE_SECONDS"] = str(settings.jobs.shutdown_grace_seconds)
    env["PROMO_BOOMI__BRANCH_SOFT_LIMIT"] = str(settings.boomi.branch_soft_limit)
    env["PROMO_BOOMI__BRANCH_HARD_LIMIT"] = str(settings.boomi.branch_hard_limit)
    return env


@dataclass
class Fleet:
    """The running processes of one test; ``service_urls`` in start order."""

    settings: Settings
    logs: Path
    service_urls: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _stack: ExitStack = field(default_factory=ExitStack)

    def start_service(self) -> str:
        port = free_port()
        process = self._spawn(["serve", "--port", str(port)], f"service-{port}")
        base_url = f"http://127.0.0.1:{port}"
        _wait_ready(process, f"{base_url}/readyz", self.logs)
        self.service_urls.append(base_url)
        return base_url

    def start_worker(self, *, concurrency: int = 4) -> subprocess.Popen[bytes]:
        name = f"worker-{len(self.workers) + 1}"
        process = self._spawn(["worker", "--concurrency", str(concurrency)], name)
        self.workers.append(process)
        return process

    def _spawn(self, arguments: list[str], name: str) -> subprocess.Popen[bytes]:
        log = self._stack.enter_context((self.logs / f"{name}.log").open("ab"))
        process = subprocess.Popen(
            [sys.executable, "-m", "boomi_promo.cli", *arguments],
            env=queue_environment(self.settings),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._stack.callback(_kill, process)
        return process

    def close(self) -> None:
        self._stack.close()


@contextmanager
def fleet(settings: Settings, logs: Path) -> Iterator[Fleet]:
    logs.mkdir(parents=True, exist_ok=True)
    running = Fleet(settings=settings, logs=logs)
    try:
        yield running
    finally:
        running.close()


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no shutdown code runs, exactly like a machine losing power."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        kill(process)


def _wait_ready(process: subprocess.Popen[bytes], url: str, logs: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"promo serve exited early; see the logs in {logs}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"promo serve did not become ready; see the logs in {logs}")
        time.sleep(0.1)
