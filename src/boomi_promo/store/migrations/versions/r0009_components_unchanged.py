"""Delta promotions: how many components a promotion left as they were (UNCHANGED).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10

A promotion no longer writes a component whose promoted form equals the version its branch
starts from (issue 16); ``components_unchanged`` counts those beside ``components_created``
and ``components_updated``. Records from before count none.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("promotion_log") as batch:
        batch.add_column(
            sa.Column("components_unchanged", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("promotion_log") as batch:
        batch.drop_column("components_unchanged")
