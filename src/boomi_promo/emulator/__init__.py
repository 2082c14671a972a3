"""A local emulator of the Boomi Platform (Partner) REST API, with a demo seed.

``create_app(state)`` is the ASGI app; ``run_emulator(host, port, state_file)`` serves it
(``promo emulator``); ``build_demo_state()`` builds the demo world and its manifest.
"""

from boomi_promo.emulator.app import EmulatorApp, create_app
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.emulator.seed.world import DemoSeed
from boomi_promo.emulator.server import load_or_seed, run_emulator, serve
from boomi_promo.emulator.state.core import EmulatorSettings
from boomi_promo.emulator.state.world import EmulatorState

__all__ = [
    "DemoSeed",
    "EmulatorApp",
    "EmulatorSettings",
    "EmulatorState",
    "build_demo_state",
    "create_app",
    "load_or_seed",
    "run_emulator",
    "serve",
]
