"""Pending extension edits in the store, so any service replica can confirm them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

The dashboard shows an extension update for confirmation before sending it. The update, which
may hold a secret typed in, waits here sealed (encrypted with the session secret every replica
shares) for at most half an hour; it is deleted when confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_extension_edits",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("principal_email", sa.String(320), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_pending_extension_edits"),
    )
    op.create_index(
        "ix_pending_extension_edits_created_at", "pending_extension_edits", ["created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_pending_extension_edits_created_at", "pending_extension_edits")
    op.drop_table("pending_extension_edits")
