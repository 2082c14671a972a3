"""Signed-out dashboard sessions, refused until their cookie would have expired.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signed_out_sessions",
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name="pk_signed_out_sessions"),
    )
    op.create_index("ix_signed_out_sessions_expires_at", "signed_out_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_signed_out_sessions_expires_at", table_name="signed_out_sessions")
    op.drop_table("signed_out_sessions")
