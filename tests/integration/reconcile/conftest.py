"""What the reconcile tests share: the service's database and a Boomi client on the primary
account, to damage the records or look at Boomi's truth behind the service's back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.store import UnitOfWorkFactory, create_engine
from tests.support.service import DemoService


@pytest.fixture
async def uow_factory(promo_service: DemoService) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(promo_service.settings.resolved_database_url())
    try:
        yield UnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def boomi(promo_service: DemoService) -> AsyncIterator[BoomiClient]:
    seed = promo_service.seed
    async with BoomiClient(
        base_url=promo_service.emulator_url,
        account_id=seed.primary_account_id,
        username=seed.username,
        api_token=seed.api_token,
    ) as client:
        yield client
