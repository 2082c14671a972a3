"""A witness of state changes that owes nothing to the product's code: database triggers.

:func:`install_probe` adds a table ``audit_probe`` and triggers that copy every change the
audit trail must account for into it — each status a promotion takes, each state a job takes,
each insert, update and delete of an admin record, each promotion branch id that is cleared —
whichever code path (ORM, bulk UPDATE, upsert) made it. A test then compares the audit
trail with what the probe saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# Per table: the columns the comparisons read, and the column whose change alone is
# recorded on an update (None: every update).
WATCHED: dict[str, tuple[tuple[str, ...], str | None]] = {
    "promotion_log": (("promotion_id", "status", "branch_id"), None),
    "jobs": (("id", "state", "action", "principal_email"), "state"),
    "component_mapping": (
        (
            "dev_account_id",
            "dev_component_id",
            "prod_component_id",
            "on_main",
            "mapping_source",
            "last_promotion_id",
        ),
        None,
    ),
    "dev_account_access": (("sso_group_id", "dev_account_id", "is_active"), None),
    "client_account_config": (
        ("client_account_id", "sso_group_id", "last_extension_sync_by"),
        None,
    ),
    "extension_access_mapping": (("environment_id", "prod_component_id"), None),
}

_PROBE_TABLE_SQLITE = """
CREATE TABLE audit_probe (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    table_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    old_row TEXT,
    new_row TEXT
)
"""
_PROBE_TABLE_POSTGRES = """
CREATE TABLE audit_probe (
    seq BIGSERIAL PRIMARY KEY,
    table_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    old_row TEXT,
    new_row TEXT
)
"""
_PROBE_FUNCTION_POSTGRES = """
CREATE FUNCTION audit_probe_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_ARGV[0] <> '' AND
            to_jsonb(OLD) -> TG_ARGV[0] IS NOT DISTINCT FROM to_jsonb(NEW) -> TG_ARGV[0] THEN
        RETURN NULL;
    END IF;
    INSERT INTO audit_probe (table_name, operation, old_row, new_row) VALUES (
        TG_TABLE_NAME,
        TG_OP,
        CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD)::text END,
        CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW)::text END
    );
    RETURN NULL;
END;
$$
"""


@dataclass(frozen=True)
class Change:
    """One row change the probe saw, in the order the database made them."""

    seq: int
    table: str
    operation: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None

    @property
    def row(self) -> dict[str, Any]:
        """The row after the change, or before it for a delete."""
        row = self.new if self.new is not None else self.old
        assert row is not None
        return row


def _sqlite_statements() -> list[str]:
    statements = [_PROBE_TABLE_SQLITE]
    for table, (columns, only_column) in WATCHED.items():
        for operation in ("INSERT", "UPDATE", "DELETE"):
            old = "NULL" if operation == "INSERT" else _sqlite_json("OLD", columns)
            new = "NULL" if operation == "DELETE" else _sqlite_json("NEW", columns)
            when = (
                f"WHEN OLD.{only_column} IS NOT NEW.{only_column} "
                if operation == "UPDATE" and only_column
                else ""
            )
            # Built from the WATCHED constant only: no outside input reaches this SQL.
            statements.append(
                f"CREATE TRIGGER audit_probe_{table}_{operation.lower()} "  # noqa: S608
                f"AFTER {operation} ON {table} {when}BEGIN "
                "INSERT INTO audit_probe (table_name, operation, old_row, new_row) "
                f"VALUES ('{table}', '{operation}', {old}, {new}); END"
            )
    return statements


def _sqlite_json(alias: str, columns: tuple[str, ...]) -> str:
    pairs = ", ".join(f"'{column}', {alias}.{column}" for column in columns)
    return f"json_object({pairs})"


def _postgres_statements() -> list[str]:
    statements = [_PROBE_TABLE_POSTGRES, _PROBE_FUNCTION_POSTGRES]
    for table, (_columns, only_column) in WATCHED.items():
        statements.append(
            f"CREATE TRIGGER audit_probe_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_probe_record('{only_column or ''}')"
        )
    return statements


async def install_probe(engine: AsyncEngine) -> None:
    statements = (
        _postgres_statements() if engine.dialect.name == "postgresql" else _sqlite_statements()
    )
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def probed_changes(engine: AsyncEngine) -> list[Change]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT seq, table_name, operation, old_row, new_row FROM audit_probe ORDER BY seq"
            )
        )
        return [
            Change(
                seq=row.seq,
                table=row.table_name,
                operation=row.operation,
                old=json.loads(row.old_row) if row.old_row is not None else None,
                new=json.loads(row.new_row) if row.new_row is not None else None,
            )
            for row in rows
        ]
