"""A person's promotions, newest first, from an index at 100,000 records.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10

queryStatus by initiator (and "My promotions") reads one person's promotions newest first; the
index on ``lower(initiated_by)`` alone found them but left a sort of every one of them, which
at 100,000 records (some 10,000 a person) took 65 ms on PostgreSQL (docs/performance.md). The
index keeps its name and gains ``initiated_at``, so a page is read in order.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_promotion_log_initiated_by_lower"


def upgrade() -> None:
    op.drop_index(INDEX, "promotion_log")
    op.create_index(
        INDEX, "promotion_log", [sa.literal_column("lower(initiated_by)"), "initiated_at"]
    )


def downgrade() -> None:
    op.drop_index(INDEX, "promotion_log")
    op.create_index(INDEX, "promotion_log", [sa.literal_column("lower(initiated_by)")])
