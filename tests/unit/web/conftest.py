"""Dashboard routes over HTTP (httpx + ASGI) with the actions replaced by :class:`FakeActions`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from boomi_promo.config import Settings
from boomi_promo.web import gateway
from boomi_promo.web.routes import mount_dashboard
from tests.unit.web.support import SESSION_SECRET, FakeActions, FakeContainer


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch) -> FakeActions:
    fake = FakeActions()
    monkeypatch.setattr(gateway, "execute_action", fake)
    return fake


@pytest.fixture
def container(tmp_path: Path) -> FakeContainer:
    return FakeContainer(settings=Settings(data_dir=tmp_path))


@pytest.fixture
def app(container: FakeContainer, actions: FakeActions) -> FastAPI:
    application = FastAPI()
    mount_dashboard(application, session_secret=SESSION_SECRET)
    application.state.container = container
    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http
