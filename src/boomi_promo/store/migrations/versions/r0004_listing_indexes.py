"""Indexes for the lists a large history is read through, newest or by name first.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Measured with 10,000 promotions and 5,000 mappings (docs/performance.md):

* a dev account's promotions, newest first (queryStatus for a team, "My promotions"):
  ``(dev_account_id, initiated_at)`` reads one page in order instead of sorting the account's
  whole history; it replaces the index on ``dev_account_id`` alone;
* promotions in some statuses, newest first (review queues, approvals, readiness):
  ``(status, initiated_at)``, replacing the index on ``status`` alone;
* mappings by name (manageMappings, the mappings page): ``(component_name, dev_account_id,
  dev_component_id)``, the order those lists use, so a page stops after its rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_promotion_log_dev_account_id_initiated_at",
        "promotion_log",
        ["dev_account_id", "initiated_at"],
    )
    op.drop_index("ix_promotion_log_dev_account_id", "promotion_log")
    op.create_index(
        "ix_promotion_log_status_initiated_at", "promotion_log", ["status", "initiated_at"]
    )
    op.drop_index("ix_promotion_log_status", "promotion_log")
    op.create_index(
        "ix_component_mapping_name_order",
        "component_mapping",
        ["component_name", "dev_account_id", "dev_component_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_component_mapping_name_order", "component_mapping")
    op.create_index("ix_promotion_log_status", "promotion_log", ["status"])
    op.drop_index("ix_promotion_log_status_initiated_at", "promotion_log")
    op.create_index("ix_promotion_log_dev_account_id", "promotion_log", ["dev_account_id"])
    op.drop_index("ix_promotion_log_dev_account_id_initiated_at", "promotion_log")
