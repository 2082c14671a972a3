"""A person's promotions counted from the index alone on PostgreSQL, at 100,000 records.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06

queryStatus by initiator answers one page and the total of a person's promotions. Migration
0010 made the page an index read; the total stayed a sequential scan of the whole table
(53 to 64 ms at 100,000 records, 20,000 of them one person's; docs/performance.md), because
PostgreSQL reads an expression index's rows without the table only when the columns the query
names are in the index, and ``lower(initiated_by)`` names ``initiated_by``. The index keeps
its name and keys and carries ``initiated_by``, ``dev_account_id`` and ``test_promotion_id``
as included columns: a person's count, also within a team's accounts ("My promotions") or
among changes only (the promotions list), is an index-only scan (2 to 4 ms). None of the three
columns changes once a promotion is stored, so updates stay HOT. SQLite has no included
columns; its index is unchanged (its count looks up each matching row and still takes under
10 ms there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_promotion_log_initiated_by_lower"
KEYS: list[str | sa.ColumnElement[Any]] = [sa.literal_column("lower(initiated_by)"), "initiated_at"]
INCLUDED = ["initiated_by", "dev_account_id", "test_promotion_id"]


def upgrade() -> None:
    op.drop_index(INDEX, "promotion_log")
    op.create_index(INDEX, "promotion_log", KEYS, postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index(INDEX, "promotion_log")
    op.create_index(INDEX, "promotion_log", KEYS)
