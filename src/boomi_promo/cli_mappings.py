"""``promo mappings export|import``: ComponentMappings as CSV, for bulk seeding by admins.

Both commands work on the configured database (``PROMO_DATABASE_URL``, else SQLite in
``PROMO_DATA_DIR``; SQLite is migrated first) and never call Boomi. Checking a mapping against
Boomi — the prod component exists in the primary account, the dev component in its dev
account, of the same type — is the manageMappings action's job; an import trusts the ids in
the file and checks only the file itself and what is stored. Format and rules:
:mod:`boomi_promo.mappings_csv`.

An import validates every line first and writes nothing if any line is wrong. Then, in one
transaction, it creates or updates the mapping of each line that says something new, with one
audit entry per written line (the actor is ``--actor``); lines that match what is stored are
left alone, so importing a fresh export reports ``created 0, updated 0, unchanged N``.
"""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from boomi_promo.actions.mappings import (
    MappingFilter,
    audit_mapping_change,
    find_mappings,
    mapping_snapshot,
)
from boomi_promo.actions.registry import get_action
from boomi_promo.config import Settings
from boomi_promo.domain.component_types import CONNECTION_TYPE
from boomi_promo.mappings_csv import (
    CsvProblem,
    MappingCsvError,
    MappingRow,
    format_mappings_csv,
    merge_row,
    parse_mappings_csv,
)
from boomi_promo.store import (
    ComponentMapping,
    UnitOfWork,
    UnitOfWorkFactory,
    create_engine,
    upgrade_database,
)
from boomi_promo.store.database import normalize_url
from boomi_promo.store.repositories import MAX_PAGE_SIZE

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


@dataclass
class ImportOutcome:
    created: list[MappingRow] = field(default_factory=list)
    updated: list[MappingRow] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class _Change:
    row: MappingRow
    before: dict[str, Any] | None
    mapping: ComponentMapping


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
    process_name = _process_name()
    now = datetime.now(UTC)
    outcome = ImportOutcome()
    try:
        async with uow_factory() as uow:
            stored = await _stored_mappings(uow, rows)
            changes: list[_Change] = []
            problems = _shared_target_problems(rows, await _mappings_of_targets(uow, rows))
            for row in rows:
                existing = stored.get(row.key)
                if existing is None and not prod_account_id:
                    problems.append(
                        CsvProblem(
                            row.line,
                            None,
                            "a new mapping needs the primary account id: set "
                            "PROMO_BOOMI__PRIMARY_ACCOUNT_ID or pass --prod-account-id",
                        )
                    )
                    continue
                mapping = merge_row(
                    existing, row, actor=actor, now=now, prod_account_id=prod_account_id
                )
                if mapping is None:
                    outcome.unchanged += 1
                    continue
                before = mapping_snapshot(existing) if existing is not None else None
                changes.append(_Change(row, before, mapping))
                (outcome.updated if existing is not None else outcome.created).append(row)
            if problems:
                raise MappingCsvError(sorted(problems, key=lambda p: p.line))
            if dry_run:
                return outcome
            for change in changes:
                written = await uow.mappings.upsert(change.mapping)
                await audit_mapping_change(
                    uow,
                    actor=actor,
                    action_name="mapping.imported",
                    process_name=process_name,
                    key=change.row.key,
                    before=change.before,
                    after=mapping_snapshot(written),
                )
            await uow.commit()
    finally:
        await uow_factory.engine.dispose()
    return outcome


def _process_name() -> str:
    spec = get_action("manageMappings")
    if spec is None:
        raise RuntimeError("the manageMappings action is not registered")
    return spec.process_name


async def _stored_mappings(
    uow: UnitOfWork, rows: list[MappingRow]
) -> dict[tuple[str, str], ComponentMapping]:
    by_account: defaultdict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_account[row.dev_account_id].append(row.dev_component_id)
    stored: dict[tuple[str, str], ComponentMapping] = {}
    for account_id, component_ids in by_account.items():
        found = await uow.mappings.get_many(account_id, component_ids)
        stored.update({(account_id, cid): mapping for cid, mapping in found.items()})
    return stored


async def _mappings_of_targets(uow: UnitOfWork, rows: list[MappingRow]) -> list[ComponentMapping]:
    """Stored mappings pointing at a non-connection prod component that a row names."""
    targets = {row.prod_component_id for row in rows if row.component_type != CONNECTION_TYPE}
    if not targets:
        return []
    found = await uow.session.scalars(
        select(ComponentMapping).where(ComponentMapping.prod_component_id.in_(targets))
    )
    return list(found)


def _shared_target_problems(
    rows: list[MappingRow], stored: list[ComponentMapping]
) -> list[CsvProblem]:
    """Only connections may be the target of several dev components, after the import too."""
    rows_by_key = {row.key: row for row in rows}
    owners: defaultdict[str, list[str]] = defaultdict(list)
    for mapping in stored:
        key = (mapping.dev_account_id, mapping.dev_component_id)
        if key not in rows_by_key and mapping.component_type != CONNECTION_TYPE:
            owners[mapping.prod_component_id].append(
                f"dev component {mapping.dev_component_id} in dev account "
                f"{mapping.dev_account_id} (stored)"
            )
    for row in rows:
        if row.component_type != CONNECTION_TYPE:
            owners[row.prod_component_id].append(f"line {row.line}")
    problems = []
    for row in rows:
        sharing = owners.get(row.prod_component_id, [])
        if row.component_type != CONNECTION_TYPE and len(sharing) > 1:
            others = ", ".join(owner for owner in sharing if owner != f"line {row.line}")
            problems.append(
                CsvProblem(
                    row.line,
                    "prodComponentId",
                    f"also the target of {others}; only connections ({CONNECTION_TYPE}) "
                    "may be shared by several dev components",
                )
            )
    return problems
