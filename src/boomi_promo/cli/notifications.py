"""``promo notifications test``: send a test message to every configured channel, say how it went.

Uses the PROMO_NOTIFICATIONS__* settings like ``promo serve`` and needs no database: one
attempt per channel, no retries, so a wrong host or URL shows at once. Exit code 0 when every
channel took its message, 1 when one did not, 2 when nothing is configured or a setting is wrong.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import typer
from pydantic import ValidationError

from boomi_promo.config import Settings
from boomi_promo.notifications.channels import build_channels, send_to_each
from boomi_promo.notifications.events import sample_notification

notifications_app = typer.Typer(help="E-mail and webhook notifications.", no_args_is_help=True)


@notifications_app.command("test")
def send_test() -> None:
    """Send a test notification to every configured channel and print each outcome."""
    try:
        settings = Settings()
        channels = build_channels(settings.notifications)
    except ValidationError as error:
        typer.echo(f"error: the notification settings are not valid: {error}", err=True)
        raise typer.Exit(code=2) from error
    if not channels:
        typer.echo(
            "error: no notification channel is configured: set PROMO_NOTIFICATIONS__EMAILS "
            "or PROMO_NOTIFICATIONS__WEBHOOKS.",
            err=True,
        )
        raise typer.Exit(code=2)
    notification = sample_notification(now=datetime.now(UTC), public_url=settings.public_url)
    outcomes = asyncio.run(send_to_each(channels, notification))
    for channel, failure in outcomes:
        where = channel.target_for(notification)
        if failure is None:
            typer.echo(f"SENT    {channel.name}: {where}")
        else:
            typer.echo(f"FAILED  {channel.name}: {where}: {failure}")
    failed = sum(1 for _channel, failure in outcomes if failure is not None)
    typer.echo(f"{len(outcomes) - failed} of {len(outcomes)} channel(s) took the test message.")
    if failed:
        raise typer.Exit(code=1)
