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
among changes only (the promotions list), is an index-only scan (2 to 4 ms); the index grows
from 6 to 10 MB at 100,000 records. The table is analyzed afterwards, as the statistics of
``lower(initiated_by)`` belong to the index. SQLite has no included columns; its index is
unchanged (its count looks up each matching row and still takes under 10 ms there).
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
    _gather_expression_statistics()


def downgrade() -> None:
    op.drop_index(INDEX, "promotion_log")
    op.create_index(INDEX, "promotion_log", KEYS)
    _gather_expression_statistics()


def _gather_expression_statistics() -> None:
    # PostgreSQL keeps the statistics of lower(initiated_by) with the index: a new one starts
    # without them, and until autovacuum analyzes the table again (once a tenth of it has
    # changed) the planner takes one person for 0.5 % of the rows. At 100,000 records that
    # guess (500 where 20,000 match) made the peer-review queue's count 78 ms instead of 4-12.
    if op.get_context().dialect.name == "postgresql":
        op.execute("ANALYZE promotion_log")
