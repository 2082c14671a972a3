"""ComponentMapping rows as CSV, for bulk seeding: format, parse, validate, merge. No I/O.

The file has one header line naming its columns (any order; unknown columns are ignored):

    devComponentId, devAccountId, prodComponentId, componentName, componentType,  (required)
    mappingSource, prodLatestVersion, onMain, lastPromotedAt, lastPromotedBy      (optional)

Every row is checked before any is used; each problem names its line (1 is the header) and
column, e.g. ``line 7, column prodComponentId: empty``. The same dev component twice for one
dev account is an error. What a row says is merged into the stored mapping by
:func:`merge_row`; a row that says nothing new is *unchanged* and not written, so importing
what was just exported changes nothing.

Values starting with ``= + - @`` (which spreadsheets run as formulas) are exported with a
leading ``'``; the import removes it again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from boomi_promo.domain.component_types import COMPONENT_TYPES
from boomi_promo.store.tables import CODE, EMAIL, ID, NAME, ComponentMapping, MappingSource

COLUMNS = (
    "devComponentId",
    "devAccountId",
    "prodComponentId",
    "componentName",
    "componentType",
    "mappingSource",
    "prodLatestVersion",
    "onMain",
    "lastPromotedAt",
    "lastPromotedBy",
)
REQUIRED_COLUMNS = COLUMNS[:5]

"""Boomi's component ``type`` values (the SDK's ComponentType enum)."""


_MAX_LENGTHS = {
    "devComponentId": ID,
    "devAccountId": ID,
    "prodComponentId": ID,
    "componentName": NAME,
    "componentType": CODE * 2,
    "lastPromotedBy": EMAIL,
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"

T = TypeVar("T")


def format_timestamp(moment: datetime) -> str:
    """``yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`` in UTC, the record format of the public design."""
    return moment.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)[:-3] + "Z"


def same_millisecond(first: datetime, second: datetime) -> bool:
    """Equal at the precision the CSV and the API carry timestamps."""
    return format_timestamp(first) == format_timestamp(second)


@dataclass(frozen=True)
class CsvProblem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class MappingCsvError(ValueError):
    """The file cannot be imported; ``problems`` lists every problem found, in line order."""

    def __init__(self, problems: list[CsvProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class MappingRow:
    """One validated line. Optional values the line leaves empty are ``None``."""

    line: int
    dev_component_id: str
    dev_account_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    mapping_source: MappingSource
    """ADMIN_SEEDING unless the line says PROMOTION_ENGINE."""
    prod_latest_version: int | None = None
    on_main: bool | None = None
    last_promoted_at: datetime | None = None
    last_promoted_by: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return self.dev_account_id, self.dev_component_id


def format_mappings_csv(mappings: Iterable[ComponentMapping]) -> str:
    """The CSV text of ``mappings`` (header first), in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for mapping in mappings:
        writer.writerow(
            _escape(value)
            for value in (
                mapping.dev_component_id,
                mapping.dev_account_id,
                mapping.prod_component_id,
                mapping.component_name,
                mapping.component_type,
                mapping.mapping_source or "",
                str(mapping.prod_latest_version),
                "true" if mapping.on_main else "false",
                format_timestamp(mapping.last_promoted_at),
                mapping.last_promoted_by,
            )
        )
    return out.getvalue()


def parse_mappings_csv(text: str) -> list[MappingRow]:
    """Every row of the file, or :class:`MappingCsvError` with every problem in it."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    problems: list[CsvProblem] = []
    try:
        header = next(reader)
    except StopIteration:
        raise MappingCsvError([CsvProblem(1, None, "the file is empty")]) from None
    except csv.Error as error:
        raise MappingCsvError([CsvProblem(1, None, f"not valid CSV ({error})")]) from None
    names = [name.strip() for name in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in COLUMNS and name in positions:
            problems.append(CsvProblem(1, name, "the column appears twice"))
        positions.setdefault(name, index)
    problems.extend(
        CsvProblem(1, column, "required column is missing")
        for column in REQUIRED_COLUMNS
        if column not in positions
    )
    if problems:
        raise MappingCsvError(problems)

    rows: list[MappingRow] = []
    first_line_of: dict[tuple[str, str], int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(CsvProblem(line, None, f"not valid CSV ({error})"))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            problems.append(
                CsvProblem(
                    line,
                    None,
                    f"{len(cells)} values but the header names {len(names)} columns "
                    "(quote values that contain commas)",
                )
            )
            continue
        values = {
            column: _unescape(cells[index].strip()) if index < len(cells) else ""
            for column, index in positions.items()
            if column in COLUMNS
        }
        row, row_problems = _validate(line, values)
        problems.extend(row_problems)
        if row is None:
            continue
        first = first_line_of.setdefault(row.key, line)
        if first != line:
            problems.append(
                CsvProblem(
                    line,
                    "devComponentId",
                    f"duplicate of line {first} (same devComponentId and devAccountId)",
                )
            )
            continue
        rows.append(row)
    if problems:
        raise MappingCsvError(problems)
    return rows


def merge_row(
    existing: ComponentMapping | None,
    row: MappingRow,
    *,
    actor: str,
    now: datetime,
    prod_account_id: str,
) -> ComponentMapping | None:
    """The mapping to store for ``row``, or ``None`` when the stored one already says it all.

    Values the row leaves empty keep their stored value while the mapping still points at the
    same prod component; otherwise a seeded mapping is on main at version 1 or more (it names
    a component that exists in the primary account), stamped with ``now`` and ``actor``.
    ``prod_account_id`` is used for new mappings only.
    """
    if existing is not None and _says_nothing_new(existing, row):
        return None
    same_target = existing is not None and existing.prod_component_id == row.prod_component_id
    return ComponentMapping(
        dev_component_id=row.dev_component_id,
        dev_account_id=row.dev_account_id,
        prod_component_id=row.prod_component_id,
        component_name=row.component_name,
        component_type=row.component_type,
        prod_account_id=existing.prod_account_id if existing is not None else prod_account_id,
        prod_latest_version=_first(
            row.prod_latest_version,
            existing.prod_latest_version if existing is not None and same_target else None,
            1,
        ),
        on_main=_first(
            row.on_main, existing.on_main if existing is not None and same_target else None, True
        ),
        last_promoted_at=row.last_promoted_at or now,
        last_promoted_by=row.last_promoted_by or actor,
        mapping_source=row.mapping_source,
        # The promotion that wrote the old prod component says nothing about a new one.
        last_promotion_id=existing.last_promotion_id
        if existing is not None and same_target
        else None,
    )


def _first(*values: T | None) -> T:
    return next(value for value in values if value is not None)


def _says_nothing_new(existing: ComponentMapping, row: MappingRow) -> bool:
    if (
        existing.prod_component_id,
        existing.component_name,
        existing.component_type,
        existing.mapping_source,
    ) != (row.prod_component_id, row.component_name, row.component_type, row.mapping_source):
        return False
    if row.prod_latest_version is not None and row.prod_latest_version != (
        existing.prod_latest_version
    ):
        return False
    if row.on_main is not None and row.on_main != existing.on_main:
        return False
    if row.last_promoted_by is not None and row.last_promoted_by != existing.last_promoted_by:
        return False
    return row.last_promoted_at is None or same_millisecond(
        row.last_promoted_at, existing.last_promoted_at
    )


def _validate(line: int, values: dict[str, str]) -> tuple[MappingRow | None, list[CsvProblem]]:
    problems: list[CsvProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(CsvProblem(line, column, message))

    for column in REQUIRED_COLUMNS:
        if not values[column]:
            problem(column, "empty")
    for column, limit in _MAX_LENGTHS.items():
        if len(values.get(column, "")) > limit:
            problem(column, f"longer than {limit} characters")
    component_type = values["componentType"]
    if component_type and component_type not in COMPONENT_TYPES:
        problem(
            "componentType",
            f"'{component_type}' is not a Boomi component type "
            "(for example connector-settings, transform.map, process)",
        )

    source = MappingSource.ADMIN_SEEDING
    raw_source = values.get("mappingSource", "")
    if raw_source:
        try:
            source = MappingSource(raw_source.upper())
        except ValueError:
            problem("mappingSource", f"'{raw_source}' is not ADMIN_SEEDING or PROMOTION_ENGINE")

    version: int | None = None
    raw_version = values.get("prodLatestVersion", "")
    if raw_version:
        if raw_version.isascii() and raw_version.isdigit() and int(raw_version) >= 1:
            version = int(raw_version)
        else:
            problem("prodLatestVersion", f"'{raw_version}' is not a whole number of 1 or more")

    on_main: bool | None = None
    raw_on_main = values.get("onMain", "").lower()
    if raw_on_main in ("true", "false"):
        on_main = raw_on_main == "true"
    elif raw_on_main:
        problem("onMain", f"'{values['onMain']}' is not true or false")

    promoted_at: datetime | None = None
    raw_promoted_at = values.get("lastPromotedAt", "")
    if raw_promoted_at:
        try:
            promoted_at = datetime.fromisoformat(raw_promoted_at)
        except ValueError:
            problem("lastPromotedAt", f"'{raw_promoted_at}' is not an ISO-8601 timestamp")
        else:
            if promoted_at.tzinfo is None:
                problem("lastPromotedAt", "the timestamp needs a time zone, e.g. a trailing Z")
                promoted_at = None

    if problems:
        return None, problems
    return (
        MappingRow(
            line=line,
            dev_component_id=values["devComponentId"],
            dev_account_id=values["devAccountId"],
            prod_component_id=values["prodComponentId"],
            component_name=values["componentName"],
            component_type=component_type,
            mapping_source=source,
            prod_latest_version=version,
            on_main=on_main,
            last_promoted_at=promoted_at.astimezone(UTC) if promoted_at is not None else None,
            last_promoted_by=values.get("lastPromotedBy") or None,
        ),
        [],
    )


def _escape(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _unescape(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value
