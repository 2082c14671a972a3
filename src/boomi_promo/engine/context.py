"""What an action may use: the verified caller, the store, the Boomi client, the settings.

:func:`action_context` is the one place a context is built, for a call made in the caller's
request, for a job and for a job's compensation alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import structlog

from boomi_promo.engine.progress import NullProgress, ProgressReporter

if TYPE_CHECKING:
    from boomi_promo.boomi.client import BoomiClient
    from boomi_promo.config import Settings
    from boomi_promo.identity.principal import Principal
    from boomi_promo.store.uow import UnitOfWork, UnitOfWorkFactory


class Services(Protocol):
    """The wired adapters an action runs with (``bootstrap.Container`` is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def boomi(self) -> BoomiClient: ...

    @property
    def uow_factory(self) -> UnitOfWorkFactory: ...


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


def action_context(
    services: Services,
    principal: Principal,
    *,
    process_name: str,
    log: structlog.typing.FilteringBoundLogger,
    progress: ProgressReporter | None = None,
) -> ActionContext:
    return ActionContext(
        principal=principal,
        settings=services.settings,
        boomi=services.boomi,
        uow_factory=services.uow_factory,
        log=log,
        process_name=process_name,
        progress=progress or NullProgress(),
    )
