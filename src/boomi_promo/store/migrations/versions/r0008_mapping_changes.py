"""Mapping history: each mapping a promotion wrote, with what it said before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10

A promotion that ends without reaching main (withdrawn, rejected, cancelled, superseded)
puts back what the mappings said before it; ``mapping_change`` keeps, per promotion,
each mapping it wrote (``before`` null: there was none) and what became of it (``outcome``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mapping_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("promotion_id", sa.String(36), nullable=False),
        sa.Column("dev_component_id", sa.String(100), nullable=False),
        sa.Column("dev_account_id", sa.String(100), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["promotion_id"],
            ["promotion_log.promotion_id"],
            name="fk_mapping_change_promotion_id_promotion_log",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mapping_change"),
        sa.UniqueConstraint(
            "promotion_id",
            "dev_component_id",
            "dev_account_id",
            name="uq_mapping_change_promotion_id_dev_component_id_dev_account_id",
        ),
    )
    op.create_index(
        "ix_mapping_change_dev_account_id_dev_component_id",
        "mapping_change",
        ["dev_account_id", "dev_component_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_mapping_change_dev_account_id_dev_component_id",
        table_name="mapping_change",
    )
    op.drop_table("mapping_change")
