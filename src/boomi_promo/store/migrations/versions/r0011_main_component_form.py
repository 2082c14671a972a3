"""What main holds: the promoted form of a prod component and its version there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

A re-promotion compared every component by reading its dev document and main's version of it
(issue 16). ``main_component_form`` records, per prod component, the key of the promoted form
main holds and the version it holds it at — when a production merge brings it there, or a
comparison finds it there — so a promotion whose form has the same key, while main is still at
that version, knows the component is unchanged without reading either side. Nothing is recorded
for the past: the first comparison of each component records it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "main_component_form",
        sa.Column("prod_account_id", sa.String(100), nullable=False),
        sa.Column("prod_component_id", sa.String(100), nullable=False),
        sa.Column("form_key", sa.String(64), nullable=False),
        sa.Column("main_version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "prod_account_id", "prod_component_id", name="pk_main_component_form"
        ),
    )


def downgrade() -> None:
    op.drop_table("main_component_form")
