"""Secret allowlist: findings an admin accepted as false positives, so they no longer block.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08

A promotion is refused while a component carries a secret it cannot empty (SECRETS_DETECTED,
issue 14). An admin may accept one finding — a dev component and the finding's location —
with a reason (manageSecretAllowlist, audited); ``secret_allowlist`` keeps those, unique per
(component, SHA-256 of the location: an index on the location itself could outgrow
PostgreSQL's index row limit). The kind and the component name are kept as found, for people; the
value is never kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "secret_allowlist",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("component_id", sa.String(100), nullable=False),
        sa.Column("location", sa.String(2000), nullable=False),
        sa.Column("location_key", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("component_name", sa.String(255), nullable=False),
        sa.Column("dev_account_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_secret_allowlist"),
        sa.UniqueConstraint(
            "component_id", "location_key", name="uq_secret_allowlist_component_id_location_key"
        ),
    )


def downgrade() -> None:
    op.drop_table("secret_allowlist")
