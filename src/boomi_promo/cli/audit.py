"""``promo audit export``: the audit trail, in time order, as CSV, JSON or JSON lines.

Reads the configured database (``PROMO_DATABASE_URL``, else SQLite in ``PROMO_DATA_DIR``)
and never calls Boomi. Entries are streamed a batch at a time (:mod:`boomi_promo.exports.audit`);
a file given with ``--output`` appears only once the export is complete.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer
from sqlalchemy.exc import SQLAlchemyError

from boomi_promo.bootstrap import SchemaOutOfDate, ensure_schema
from boomi_promo.config import Settings
from boomi_promo.exports.audit import (
    AuditFilter,
    ExportFormat,
    parse_instant,
    stream_entries,
    write_export,
)
from boomi_promo.store import UnitOfWorkFactory, create_engine

audit_app = typer.Typer(help="The append-only audit trail.", no_args_is_help=True)


@audit_app.command("export")
def export_audit(
    export_format: Annotated[
        ExportFormat,
        typer.Option("--format", case_sensitive=False, help="csv, json (an array) or jsonl."),
    ] = ExportFormat.CSV,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Entries at or after this ISO 8601 time (UTC if no offset)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Entries before this ISO 8601 time (UTC if no offset)."),
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only entries by this e-mail (any case).")
    ] = None,
    target_type: Annotated[
        str | None,
        typer.Option(
            "--target-type", help="Only entries about this kind of record, e.g. promotion."
        ),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
) -> None:
    """Write the audit entries that match, oldest first."""
    where = AuditFilter(
        since=_instant(since, "--since"),
        until=_instant(until, "--until"),
        actor_email=actor.strip() if actor else None,
        target_type=target_type.strip() if target_type else None,
    )
    if where.since is not None and where.until is not None and where.until <= where.since:
        raise typer.BadParameter("must be later than --since", param_hint="'--until'")
    settings = Settings()
    try:
        if output == "-":
            count = asyncio.run(_export(settings, where, export_format, sys.stdout))
        else:
            count = _export_to_file(settings, where, export_format, Path(output))
    except (SchemaOutOfDate, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from error
    except SQLAlchemyError as error:
        reason = getattr(error, "orig", None) or error
        typer.echo(f"error: cannot read the audit trail from the database: {reason}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(f"exported {count} audit entries", err=True)


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=f"'{option}'") from error


def _export_to_file(
    settings: Settings, where: AuditFilter, export_format: ExportFormat, path: Path
) -> int:
    # Written beside the target and renamed at the end: an interrupted export leaves no
    # truncated file that could pass for the whole trail.
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            count = asyncio.run(_export(settings, where, export_format, out))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count


async def _export(
    settings: Settings, where: AuditFilter, export_format: ExportFormat, out: TextIO
) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    await ensure_schema(url)
    engine = create_engine(url)
    try:
        return await write_export(
            stream_entries(UnitOfWorkFactory(engine), where), out, export_format
        )
    finally:
        await engine.dispose()
