"""The emulator's control API (``/__emulator__/…``) as tests call it: over loopback, with the
emulator's credentials, which it requires (issue 14)."""

from __future__ import annotations

from typing import Any

import httpx

from boomi_promo.emulator.seed.world import DEMO_API_TOKEN, DEMO_USERNAME

CONTROL_AUTH = (f"BOOMI_TOKEN.{DEMO_USERNAME}", DEMO_API_TOKEN)


def get(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(url, auth=CONTROL_AUTH, **kwargs)


def post(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, auth=CONTROL_AUTH, **kwargs)


def delete(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.delete(url, auth=CONTROL_AUTH, **kwargs)
