"""``promo extensions rebuild-access``: recompute who may edit client environment extensions.

Runs against the configured database and Boomi account (the same settings as ``promo serve``)
and writes the ExtensionAccessMapping records of one client environment, or of every active
client account's Test and Prod environments, each with an audit entry by ``--actor``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.boomi.limiter import LocalRateLimiter
from boomi_promo.bootstrap import ensure_schema
from boomi_promo.config import Settings
from boomi_promo.engine.extension_access import rebuild_extension_access
from boomi_promo.errors import PromoError
from boomi_promo.store import UnitOfWorkFactory, create_engine

extensions_app = typer.Typer(
    help="Environment extensions of client accounts.", no_args_is_help=True
)


@extensions_app.command("rebuild-access")
def rebuild_access(
    actor: Annotated[
        str, typer.Option("--actor", help="E-mail of the admin running the rebuild (audited).")
    ],
    environment: Annotated[
        str | None,
        typer.Option("--environment", help="One client environment id; default: all of them."),
    ] = None,
) -> None:
    """Rebuild the extension access records from mappings, grants and Boomi references."""
    if not actor.strip():
        raise typer.BadParameter("an e-mail address is needed", param_hint="--actor")
    try:
        written = asyncio.run(_rebuild(Settings(), environment, actor.strip()))
    except (PromoError, BoomiError) as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"rebuilt extension access: {written} records")


async def _rebuild(settings: Settings, environment_id: str | None, actor: str) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    await ensure_schema(url)
    engine = create_engine(url)
    boomi = BoomiClient.from_settings(
        settings.boomi, limiter=LocalRateLimiter(rate=settings.boomi.requests_per_second)
    )
    try:
        return await rebuild_extension_access(
            boomi,
            UnitOfWorkFactory(engine),
            environment_ids=[environment_id] if environment_id else None,
            actor=actor,
        )
    finally:
        await boomi.aclose()
        await engine.dispose()
