"""Shared operation: the Boomi rate limit's state, queued jobs' callers, the task queue's schema.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

* ``boomi_rate_limits`` holds one number per Boomi account (the limiter's next free slot), so
  every process of a deployment draws from one limit.
* ``jobs`` keeps the caller's name and groups, so a worker in another process can act as them,
  and the task queue's job id, so a compensated job releases its queue lock.
* On PostgreSQL, procrastinate's schema (the task queue ``promo worker`` consumes), pinned to the
  procrastinate version in constraints.txt; a later procrastinate upgrade brings its own migration.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from procrastinate.schema import SchemaManager

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "boomi_rate_limits",
        sa.Column("account_key", sa.String(100), nullable=False),
        sa.Column("next_slot_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("account_key", name="pk_boomi_rate_limits"),
    )
    with op.batch_alter_table("jobs") as jobs:
        jobs.add_column(sa.Column("principal_name", sa.String(255), nullable=True))
        jobs.add_column(sa.Column("principal_groups", sa.JSON(), nullable=True))
        jobs.add_column(sa.Column("queue_job_id", sa.BigInteger(), nullable=True))
    _on_postgres(SchemaManager.get_schema())


def downgrade() -> None:
    _on_postgres(_DROP_PROCRASTINATE)
    with op.batch_alter_table("jobs") as jobs:
        jobs.drop_column("queue_job_id")
        jobs.drop_column("principal_groups")
        jobs.drop_column("principal_name")
    op.drop_table("boomi_rate_limits")


def _on_postgres(script: str) -> None:
    """Run a PL/pgSQL script as written (PostgreSQL only; printed as is in offline mode)."""
    if op.get_context().dialect.name != "postgresql":
        return
    if context.is_offline_mode():
        op.execute(script)
        return
    # Driver-level, so SQLAlchemy leaves the script's ':' alone; the driver still reads '%' as
    # a placeholder, hence the doubling.
    op.get_bind().exec_driver_sql(script.replace("%", "%%"))


_DROP_PROCRASTINATE = """
DO $$
DECLARE item record;
BEGIN
    FOR item IN SELECT tablename FROM pg_tables
        WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%'
    LOOP
        EXECUTE format('DROP TABLE %I CASCADE', item.tablename);
    END LOOP;
    FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
    LOOP
        EXECUTE format('DROP FUNCTION %s CASCADE', item.signature);
    END LOOP;
    FOR item IN SELECT t.typname FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
            AND t.typtype IN ('e', 'c')
    LOOP
        EXECUTE format('DROP TYPE %I CASCADE', item.typname);
    END LOOP;
END $$;
"""
