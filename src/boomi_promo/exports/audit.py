"""The audit trail as CSV, a JSON array or JSON lines, streamed in time order.

Entries are read a batch at a time, each batch in its own short unit of work (on SQLite every
transaction holds the write lock), and written out as they arrive, so an export of any size
needs the memory of one batch. Every format carries the same fields: ``at`` (ISO 8601, UTC,
microseconds), ``actor_email``, ``action``, ``process_name``, ``target_type``, ``target_id``,
``before_status``, ``after_status`` and ``detail``. In CSV ``detail`` is JSON text and a value
that a spreadsheet would run as a formula (or that starts with ``'``) gets a leading ``'``,
as in the mappings export; JSON keeps ``detail`` an object.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TextIO

from boomi_promo.store import AuditEntry, UnitOfWorkFactory
from boomi_promo.store.repositories.audit import AuditCursor
from boomi_promo.store.repositories.base import MAX_PAGE_SIZE

COLUMNS = (
    "at",
    "actor_email",
    "action",
    "process_name",
    "target_type",
    "target_id",
    "before_status",
    "after_status",
    "detail",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to export; ``since`` inclusive, ``until`` exclusive (aware datetimes)."""

    since: datetime | None = None
    until: datetime | None = None
    actor_email: str | None = None
    target_type: str | None = None


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is UTC. ``ValueError`` if not."""
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 date or date-time (e.g. 2025-06-30 or "
            "2025-06-30T14:00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


async def stream_entries(
    uow_factory: UnitOfWorkFactory, where: AuditFilter, *, batch_size: int = MAX_PAGE_SIZE
) -> AsyncIterator[AuditEntry]:
    """Every entry matching ``where``, by time, read ``batch_size`` at a time."""
    cursor: AuditCursor | None = None
    while True:
        async with uow_factory() as uow:
            batch = await uow.audit.list_in_time_order(
                after=cursor,
                since=where.since,
                until=where.until,
                actor_email=where.actor_email,
                target_type=where.target_type,
                limit=batch_size,
            )
        for entry in batch:
            yield entry
        if len(batch) < batch_size:
            return
        cursor = AuditCursor.of(batch[-1])


def entry_fields(entry: AuditEntry) -> dict[str, Any]:
    """One entry as the export's fields, in column order."""
    return {
        "at": format_instant(entry.at),
        "actor_email": entry.actor_email,
        "action": entry.action,
        "process_name": entry.process_name,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before_status": entry.before_status,
        "after_status": entry.after_status,
        "detail": entry.detail,
    }


async def write_export(
    entries: AsyncIterator[AuditEntry], out: TextIO, export_format: ExportFormat
) -> int:
    """Write ``entries`` to ``out`` as they come; the number written."""
    if export_format is ExportFormat.CSV:
        return await _write_csv(entries, out)
    if export_format is ExportFormat.JSONL:
        count = 0
        async for entry in entries:
            out.write(_json(entry_fields(entry)) + "\n")
            count += 1
        return count
    return await _write_json_array(entries, out)


async def _write_csv(entries: AsyncIterator[AuditEntry], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    async for entry in entries:
        fields = entry_fields(entry)
        detail = fields["detail"]
        fields["detail"] = "" if detail is None else _json(detail)
        writer.writerow(_spreadsheet_safe(fields[column]) for column in COLUMNS)
        count += 1
    return count


async def _write_json_array(entries: AsyncIterator[AuditEntry], out: TextIO) -> int:
    out.write("[")
    count = 0
    async for entry in entries:
        out.write(("," if count else "") + "\n" + _json(entry_fields(entry)))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _spreadsheet_safe(value: str | None) -> str:
    if value is None:
        return ""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
