"""What an action may use: the verified caller, the store, the Boomi client, the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog

from boomi_promo.jobs.progress import NullProgress, ProgressReporter

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
    process_name: str = ""
    """The action's seed name (``C · PROMO - Execute Promotion``) for audit entries and logs."""
    progress: ProgressReporter = field(default_factory=NullProgress)

    def unit_of_work(self) -> UnitOfWork:
        return self.uow_factory()
