"""``promo mappings export|import``: ComponentMappings as CSV, for bulk seeding by admins.

Both commands work on the configured database (``PROMO_DATABASE_URL``, else SQLite in
``PROMO_DATA_DIR``; SQLite is migrated first) and never call Boomi. Checking a mapping against
Boomi — the prod component exists in the primary account, the dev component in its dev
account, of the same type — is the manageMappings action's job; an import trusts the ids in
the file and checks only the file itself and what is stored. Format and rules:
:mod:`boomi_promo.exports.mappings_csv`.

An import validates every line first and writes nothing if any line is wrong. Then, in one
transaction, it creates or updates the mapping of each line that says something new, with one
audit entry per written line (the actor is ``--actor``); lines that match what is stored are
left alone, so importing a fresh export reports ``created 0, updated 0, unchanged N``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from boomi_promo.actions.catalog import get_action
from boomi_promo.actions.mapping_import import ImportOutcome, import_mapping_rows
from boomi_promo.actions.mappings import (
    MappingFilter,
    find_mappings,
)
from boomi_promo.config import Settings
from boomi_promo.exports.mappings_csv import (
    MappingCsvError,
    MappingRow,
    format_mappings_csv,
    parse_mappings_csv,
)
from boomi_promo.store import (
    ComponentMapping,
    UnitOfWorkFactory,
    create_engine,
    upgrade_database,
)
from boomi_promo.store.database import normalize_url
from boomi_promo.store.repositories.base import MAX_PAGE_SIZE

mappings_app = typer.Typer(
    help="ComponentMappings as CSV: export them, or bulk-seed them from a file.",
    no_args_is_help=True,
)


@mappings_app.command("export")
def export_mappings(
    dev_account: Annotated[
        str | None, typer.Option("--dev-account", help="Only the mappings of this dev account.")
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="CSV file to write, or - for standard output.")
    ] = "-",
) -> None:
    """Write the stored mappings as CSV, ordered by dev account and component name."""
    mappings = asyncio.run(_export(Settings(), dev_account))
    text = format_mappings_csv(mappings)
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8", newline="")
    typer.echo(f"exported {len(mappings)} mappings", err=True)


@mappings_app.command("import")
def import_mappings(
    file: Annotated[Path, typer.Argument(help="CSV file with a header line.", dir_okay=False)],
    actor: Annotated[
        str, typer.Option("--actor", help="E-mail of the admin the audit entries name.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and report; write nothing.")
    ] = False,
    prod_account_id: Annotated[
        str | None,
        typer.Option(
            "--prod-account-id",
            help="Primary account of new mappings (default: PROMO_BOOMI__PRIMARY_ACCOUNT_ID).",
        ),
    ] = None,
) -> None:
    """Create or update mappings from a CSV file: all lines, or none if any is wrong."""
    if "@" not in actor:
        raise typer.BadParameter("give the e-mail address of the admin", param_hint="--actor")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        typer.echo(f"error: cannot read {file}: {error}", err=True)
        raise typer.Exit(code=1) from error
    settings = Settings()
    try:
        rows = parse_mappings_csv(text)
        outcome = asyncio.run(
            _import(
                settings,
                rows,
                actor=actor,
                dry_run=dry_run,
                prod_account_id=prod_account_id or settings.boomi.primary_account_id,
            )
        )
    except MappingCsvError as error:
        for problem in error.problems:
            typer.echo(f"error: {file}: {problem}", err=True)
        if not (prod_account_id or settings.boomi.primary_account_id):
            typer.echo(
                "hint: set PROMO_BOOMI__PRIMARY_ACCOUNT_ID or pass --prod-account-id", err=True
            )
        typer.echo("nothing was imported", err=True)
        raise typer.Exit(code=1) from error
    counts = (
        f"created {len(outcome.created)}, updated {len(outcome.updated)}, "
        f"unchanged {outcome.unchanged}"
    )
    if dry_run:
        typer.echo(f"dry run, nothing written: would have {counts}")
    else:
        typer.echo(counts)


async def _open_store(settings: Settings) -> UnitOfWorkFactory:
    url = settings.resolved_database_url()
    if normalize_url(url).get_backend_name() == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await upgrade_database(url)
    return UnitOfWorkFactory(create_engine(url))


async def _export(settings: Settings, dev_account: str | None) -> list[ComponentMapping]:
    uow_factory = await _open_store(settings)
    where = MappingFilter(dev_account_ids=None if dev_account is None else [dev_account])
    found: list[ComponentMapping] = []
    try:
        async with uow_factory() as uow:
            page = 1
            while True:
                batch = await find_mappings(uow, where, page=page, page_size=MAX_PAGE_SIZE)
                found += batch.items
                if len(found) >= batch.total or not batch.items:
                    break
                page += 1
    finally:
        await uow_factory.engine.dispose()
    return sorted(found, key=lambda m: (m.dev_account_id, m.component_name, m.dev_component_id))


async def _import(
    settings: Settings,
    rows: list[MappingRow],
    *,
    actor: str,
    dry_run: bool,
    prod_account_id: str,
) -> ImportOutcome:
    """Raises :class:`MappingCsvError` (nothing written) when the rows clash with the store."""
    uow_factory = await _open_store(settings)
    try:
        async with uow_factory() as uow:
            return await import_mapping_rows(
                uow,
                rows,
                actor=actor,
                process_name=_process_name(),
                dry_run=dry_run,
                prod_account_id=prod_account_id,
            )
    finally:
        await uow_factory.engine.dispose()


def _process_name() -> str:
    spec = get_action("manageMappings")
    if spec is None:
        raise RuntimeError("the manageMappings action is not registered")
    return spec.process_name
