"""Fixtures: real HTTP servers on 127.0.0.1 for ASGI apps (the Boomi emulator, the service).

``start_server(app)`` runs any ASGI app under uvicorn in a background thread on a free port
and yields its base URL. The ``emulator`` fixture serves the Boomi emulator once per session
and gives each test a fresh demo state (zero delays, throttling off; change
``emulator.state.settings`` to test those). It keeps the bodies of the test's exchanges and,
when the test ends, checks every JSON answer the emulator gave against Boomi's OpenAPI answer
schemas (tests/contract): an answer Boomi could not give fails the test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
import uvicorn

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.emulator.app import EmulatorApp, create_app
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.emulator.seed.world import DemoSeed
from boomi_promo.emulator.state.core import EmulatorSettings
from boomi_promo.emulator.state.world import EmulatorState
from tests.contract.support import violations


@dataclass(frozen=True)
class RunningServer:
    base_url: str
    server: uvicorn.Server


@contextmanager
def start_server(
    app: Any, *, lifespan: Literal["auto", "on", "off"] = "auto"
) -> Iterator[RunningServer]:
    """Serve ``app`` on a free loopback port until the block ends."""
    # proto IPPROTO_TCP (not 0) lets asyncio set TCP_NODELAY on accepted connections; without
    # it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def fast_settings() -> EmulatorSettings:
    """No waiting and no throttling unless a test asks for them; bodies kept for the contract.

    Deleted branches still pass through DELETING (the default delay) everywhere, since the
    product must live with them; a new branch shows in queries at once, since the branches a
    test plants stand for ones that exist long before the product looks.
    """
    return EmulatorSettings(
        log_bodies=True,
        branch_ready_seconds=0.0,
        branch_query_delay_seconds=0.0,
        merge_draft_seconds=0.0,
        merge_review_seconds=0.0,
        merge_execute_seconds=0.0,
        release_seconds=0.0,
        requests_per_second=None,
    )


@dataclass
class EmulatorHandle:
    base_url: str
    app: EmulatorApp
    state: EmulatorState
    seed: DemoSeed

    @property
    def api_url(self) -> str:
        """Partner API base for the primary account (``…/partner/api/rest/v1/{primary}``)."""
        return f"{self.base_url}/partner/api/rest/v1/{self.seed.primary_account_id}"

    @property
    def auth(self) -> tuple[str, str]:
        return f"BOOMI_TOKEN.{self.seed.username}", self.seed.api_token

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client on the Partner API base with the demo credentials, JSON by default."""
        kwargs.setdefault("headers", {"Accept": "application/json"})
        kwargs.setdefault("timeout", 10)
        return httpx.Client(base_url=self.api_url, auth=self.auth, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("headers", {"Accept": "application/json"})
        kwargs.setdefault("timeout", 10)
        return httpx.AsyncClient(base_url=self.api_url, auth=self.auth, **kwargs)

    def boomi_client(self, **options: Any) -> BoomiClient:
        """The product's client of the primary account (no retries unless ``options`` say)."""
        options.setdefault("max_retries", 0)
        return BoomiClient(
            base_url=self.base_url,
            account_id=self.seed.primary_account_id,
            username=self.seed.username,
            api_token=self.seed.api_token,
            **options,
        )

    def reset_faults(self) -> None:
        self.state.faults.clear()

    def use_state(self, state: EmulatorState) -> None:
        """Serve another state from the next request on."""
        self.state = state
        self.app.emulator_state = state


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[tuple[str, EmulatorApp]]:
    state, _seed = build_demo_state()
    app = create_app(state)
    with start_server(app) as running:
        yield running.base_url, app


@pytest.fixture
def emulator(emulator_server: tuple[str, EmulatorApp]) -> Iterator[EmulatorHandle]:
    """The emulator over HTTP with a fresh demo state for this test."""
    base_url, app = emulator_server
    state, seed = build_demo_state()
    state.settings = fast_settings()
    handle = EmulatorHandle(base_url, app, state, seed)
    handle.use_state(state)
    yield handle
    handle.reset_faults()
    problems = violations(handle.state.request_log.entries(), requests=False)
    if problems:
        pytest.fail("The emulator answered outside Boomi's OpenAPI:\n" + "\n".join(problems[:20]))
