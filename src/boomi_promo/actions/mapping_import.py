"""Bulk import of ComponentMappings from CSV rows, shared by ``promo mappings import`` and the
Mapping Viewer's upload (manageMappings ``importCsv``).

Every row is checked against the file and the store first; nothing is written if any row is
wrong. Rows that say nothing new are left alone. Each written row leaves one audit entry.
The ids are trusted as given: checking them against Boomi is manageMappings ``update``'s job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from boomi_promo.actions.mapping_records import audit_mapping_change, mapping_snapshot
from boomi_promo.domain.component_types import CONNECTION_TYPE
from boomi_promo.exports.mappings_csv import CsvProblem, MappingCsvError, MappingRow, merge_row
from boomi_promo.store import ComponentMapping, UnitOfWork


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


async def import_mapping_rows(
    uow: UnitOfWork,
    rows: list[MappingRow],
    *,
    actor: str,
    process_name: str,
    dry_run: bool,
    prod_account_id: str,
) -> ImportOutcome:
    """Check ``rows`` and, unless ``dry_run``, write and commit them in ``uow``.

    Raises :class:`MappingCsvError` (nothing written) when the rows clash with the store, or
    when a row would create a mapping and ``prod_account_id`` is empty.
    """
    now = datetime.now(UTC)
    outcome = ImportOutcome()
    stored = await _stored_mappings(uow, rows)
    changes: list[_Change] = []
    problems = _shared_target_problems(rows, await _mappings_of_targets(uow, rows))
    for row in rows:
        existing = stored.get(row.key)
        if existing is None and not prod_account_id:
            problems.append(
                CsvProblem(row.line, None, "a new mapping needs the primary account id")
            )
            continue
        mapping = merge_row(existing, row, actor=actor, now=now, prod_account_id=prod_account_id)
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
    return outcome


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
