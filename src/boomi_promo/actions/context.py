"""What an action may use: the verified caller, the store, the Boomi client, the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from boomi_promo.boomi.client import BoomiClient
    from boomi_promo.config import Settings
    from boomi_promo.identity.principal import Principal
    from boomi_promo.store.uow import UnitOfWork, UnitOfWorkFactory


@dataclass
class ActionContext:
    principal: Principal
    settings: Settings
    boomi: BoomiClient
    uow_factory: UnitOfWorkFactory
    log: structlog.typing.FilteringBoundLogger

    def unit_of_work(self) -> UnitOfWork:
        return self.uow_factory()
