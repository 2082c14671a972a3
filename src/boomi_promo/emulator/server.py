"""Running the emulator as a server (``promo emulator``, ``promo demo``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import uvicorn

from boomi_promo.emulator.app import create_app
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.emulator.state.world import EmulatorState


def load_or_seed(state_file: Path | None) -> EmulatorState:
    """The saved state when ``state_file`` exists, else a fresh demo seed."""
    if state_file is not None and state_file.exists():
        return EmulatorState.load(state_file)
    state, _seed = build_demo_state()
    return state


def _config(state: EmulatorState, host: str, port: int, state_file: Path | None) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(state, state_file=state_file),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )


async def serve(
    state: EmulatorState, *, host: str, port: int, state_file: Path | None = None
) -> None:
    """Serve ``state`` until cancelled or signalled; saves to ``state_file`` on shutdown."""
    await uvicorn.Server(_config(state, host, port, state_file)).serve()


def run_emulator(host: str, port: int, state_file: Path | None) -> None:
    """Blocking: load ``state_file`` (or the demo seed), serve, save on shutdown."""
    server = uvicorn.Server(_config(load_or_seed(state_file), host, port, state_file))
    # uvicorn re-raises Ctrl-C after its graceful shutdown (which saved the state); as
    # uvicorn.run does, treat it as a normal stop.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
