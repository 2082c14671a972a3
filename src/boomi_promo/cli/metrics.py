"""``promo metrics export``: the Delivery Metrics page's figures as CSV or JSON.

Reads the configured database (``PROMO_DATABASE_URL``, else SQLite in ``PROMO_DATA_DIR``) and
never calls Boomi. The figures are those the dashboard shows for the same period
(:mod:`boomi_promo.exports.metrics`), computed from the audit trail ``promo audit export``
writes and the promotion records; a file given with ``--output`` appears only once complete.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from boomi_promo.bootstrap import SchemaOutOfDate, ensure_schema
from boomi_promo.config import Settings
from boomi_promo.domain.delivery_metrics import DEFAULT_PERIOD_DAYS, DeliveryMetrics, Period
from boomi_promo.errors import InvalidRequest
from boomi_promo.exports.metrics import (
    MetricsFormat,
    load_delivery_metrics,
    resolve_period,
    write_metrics,
)
from boomi_promo.store import UnitOfWorkFactory, create_engine

metrics_app = typer.Typer(
    help="Delivery metrics: lead time, failures, reviews.", no_args_is_help=True
)


@metrics_app.command("export")
def export_metrics(
    export_format: Annotated[
        MetricsFormat,
        typer.Option("--format", case_sensitive=False, help="csv or json."),
    ] = MetricsFormat.CSV,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=f"Start of the period, ISO 8601, UTC if no offset (default: {DEFAULT_PERIOD_DAYS}"
            " days before --until).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="End of the period, not included (default: now)."),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
) -> None:
    """Write the figures of the period: overall, per team, and lead time per week."""
    try:
        period = resolve_period(since, until, now=datetime.now(UTC))
    except InvalidRequest as error:
        raise typer.BadParameter(error.message, param_hint=f"'--{error.field}'") from error
    settings = Settings()
    try:
        metrics = asyncio.run(_load(settings, period))
        if output == "-":
            write_metrics(metrics, sys.stdout, export_format)
        else:
            _write_file(metrics, export_format, Path(output))
    except (SchemaOutOfDate, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from error
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        typer.echo(f"error: cannot read the metrics from the database: {reason}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(
        f"exported the delivery metrics of {len(metrics.teams)} teams and "
        f"{len(metrics.weeks)} weeks",
        err=True,
    )


def _write_file(metrics: DeliveryMetrics, export_format: MetricsFormat, path: Path) -> None:
    # Written beside the target and renamed at the end, as the audit export does.
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            write_metrics(metrics, out, export_format)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


async def _load(settings: Settings, period: Period) -> DeliveryMetrics:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    await ensure_schema(url)
    engine = create_engine(url)
    try:
        return await load_delivery_metrics(UnitOfWorkFactory(engine), period)
    finally:
        await engine.dispose()
