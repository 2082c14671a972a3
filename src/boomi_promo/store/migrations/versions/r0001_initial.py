"""Initial schema: the five records, jobs and the append-only audit trail.

Revision ID: 0001
Revises:
Create Date: 2025-11-29

Besides the tables this creates what the ORM metadata cannot express on its own:
the triggers that make ``audit_log`` append-only on both databases. The partial unique index
that allows one IN_PROGRESS promotion per dev account is an ordinary index with a WHERE.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_PROGRESS_ONLY = sa.text("status = 'IN_PROGRESS'")

_POSTGRES_AUDIT_TRIGGERS = (
    """
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
    """,
)

_SQLITE_AUDIT_TRIGGERS = (
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END
    """,
)


def _timestamp(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _created_updated() -> list[sa.Column[object]]:
    return [_timestamp("created_at", nullable=False), _timestamp("updated_at", nullable=False)]


def upgrade() -> None:
    op.create_table(
        "promotion_log",
        sa.Column("promotion_id", sa.String(36), nullable=False),
        sa.Column("dev_account_id", sa.String(100), nullable=False),
        sa.Column("dev_account_name", sa.String(255), nullable=True),
        sa.Column("prod_account_id", sa.String(100), nullable=False),
        sa.Column("dev_package_id", sa.String(100), nullable=False),
        sa.Column("prod_package_id", sa.String(100), nullable=True),
        sa.Column("package_version", sa.String(64), nullable=True),
        sa.Column("root_component_id", sa.String(100), nullable=False),
        sa.Column("process_name", sa.String(255), nullable=True),
        sa.Column("initiated_by", sa.String(320), nullable=False),
        _timestamp("initiated_at", nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("target_environment", sa.String(16), nullable=False),
        sa.Column("components_total", sa.Integer(), nullable=False),
        sa.Column("components_created", sa.Integer(), nullable=False),
        sa.Column("components_updated", sa.Integer(), nullable=False),
        sa.Column("components_failed", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("result_detail", sa.JSON(), nullable=True),
        sa.Column("branch_id", sa.String(100), nullable=True),
        sa.Column("branch_name", sa.String(255), nullable=True),
        sa.Column("is_hotfix", sa.Boolean(), nullable=False),
        sa.Column("hotfix_justification", sa.Text(), nullable=True),
        sa.Column("submitted_for_review_by", sa.String(320), nullable=True),
        _timestamp("submitted_for_review_at", nullable=True),
        sa.Column("peer_review_status", sa.String(32), nullable=True),
        sa.Column("peer_reviewed_by", sa.String(320), nullable=True),
        _timestamp("peer_reviewed_at", nullable=True),
        sa.Column("peer_review_comments", sa.Text(), nullable=True),
        sa.Column("admin_review_status", sa.String(32), nullable=True),
        sa.Column("admin_approved_by", sa.String(320), nullable=True),
        _timestamp("admin_approved_at", nullable=True),
        sa.Column("admin_comments", sa.Text(), nullable=True),
        sa.Column("integration_pack_id", sa.String(100), nullable=True),
        sa.Column("integration_pack_name", sa.String(255), nullable=True),
        sa.Column("release_id", sa.String(100), nullable=True),
        sa.Column("test_release_id", sa.String(100), nullable=True),
        sa.Column("test_promotion_id", sa.String(36), nullable=True),
        _timestamp("test_deployed_at", nullable=True),
        sa.Column("test_integration_pack_id", sa.String(100), nullable=True),
        sa.Column("test_integration_pack_name", sa.String(255), nullable=True),
        sa.Column("promoted_from_test_by", sa.String(320), nullable=True),
        _timestamp("withdrawn_at", nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("superseded_by", sa.String(36), nullable=True),
        _timestamp("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("promotion_id", name="pk_promotion_log"),
        sa.ForeignKeyConstraint(
            ["test_promotion_id"],
            ["promotion_log.promotion_id"],
            name="fk_promotion_log_test_promotion_id_promotion_log",
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["promotion_log.promotion_id"],
            name="fk_promotion_log_superseded_by_promotion_log",
        ),
    )
    op.create_index(
        "uq_promotion_log_in_progress_dev_account_id",
        "promotion_log",
        ["dev_account_id"],
        unique=True,
        sqlite_where=_IN_PROGRESS_ONLY,
        postgresql_where=_IN_PROGRESS_ONLY,
    )
    for column in (
        "dev_account_id",
        "status",
        "process_name",
        "initiated_at",
        "root_component_id",
        "test_promotion_id",
    ):
        op.create_index(f"ix_promotion_log_{column}", "promotion_log", [column])
    op.create_index(
        "ix_promotion_log_initiated_by_lower",
        "promotion_log",
        [sa.literal_column("lower(initiated_by)")],
    )

    op.create_table(
        "component_mapping",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dev_component_id", sa.String(100), nullable=False),
        sa.Column("dev_account_id", sa.String(100), nullable=False),
        sa.Column("prod_component_id", sa.String(100), nullable=False),
        sa.Column("component_name", sa.String(255), nullable=False),
        sa.Column("component_type", sa.String(64), nullable=False),
        sa.Column("prod_account_id", sa.String(100), nullable=False),
        sa.Column("prod_latest_version", sa.Integer(), nullable=False),
        _timestamp("last_promoted_at", nullable=False),
        sa.Column("last_promoted_by", sa.String(320), nullable=False),
        sa.Column("mapping_source", sa.String(32), nullable=True),
        sa.Column("on_main", sa.Boolean(), nullable=False),
        sa.Column("last_promotion_id", sa.String(36), nullable=True),
        *_created_updated(),
        sa.PrimaryKeyConstraint("id", name="pk_component_mapping"),
        sa.UniqueConstraint(
            "dev_component_id",
            "dev_account_id",
            name="uq_component_mapping_dev_component_id_dev_account_id",
        ),
        sa.ForeignKeyConstraint(
            ["last_promotion_id"],
            ["promotion_log.promotion_id"],
            name="fk_component_mapping_last_promotion_id_promotion_log",
            ondelete="SET NULL",
        ),
    )
    op.create_index("ix_component_mapping_dev_account_id", "component_mapping", ["dev_account_id"])
    op.create_index(
        "ix_component_mapping_prod_component_id", "component_mapping", ["prod_component_id"]
    )

    op.create_table(
        "dev_account_access",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("sso_group_id", sa.String(255), nullable=False),
        sa.Column("sso_group_name", sa.String(255), nullable=False),
        sa.Column("dev_account_id", sa.String(100), nullable=False),
        sa.Column("dev_account_name", sa.String(255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *_created_updated(),
        sa.PrimaryKeyConstraint("id", name="pk_dev_account_access"),
        sa.UniqueConstraint(
            "sso_group_id",
            "dev_account_id",
            name="uq_dev_account_access_sso_group_id_dev_account_id",
        ),
    )
    op.create_index(
        "ix_dev_account_access_dev_account_id", "dev_account_access", ["dev_account_id"]
    )

    op.create_table(
        "extension_access_mapping",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("environment_id", sa.String(100), nullable=False),
        sa.Column("prod_component_id", sa.String(100), nullable=False),
        sa.Column("component_name", sa.String(255), nullable=False),
        sa.Column("component_type", sa.String(64), nullable=False),
        sa.Column("owner_process_id", sa.String(100), nullable=False),
        sa.Column("owner_process_name", sa.String(255), nullable=False),
        sa.Column("dev_account_id", sa.String(100), nullable=False),
        sa.Column("dev_account_name", sa.String(255), nullable=False),
        sa.Column("authorized_sso_groups", sa.JSON(), nullable=False),
        sa.Column("is_connection_extension", sa.Boolean(), nullable=False),
        sa.Column("is_shared_component", sa.Boolean(), nullable=False),
        sa.Column("extension_group_id", sa.String(100), nullable=True),
        _timestamp("last_updated_at", nullable=False),
        sa.Column("last_updated_by", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_extension_access_mapping"),
        sa.UniqueConstraint(
            "environment_id",
            "prod_component_id",
            name="uq_extension_access_mapping_environment_id_prod_component_id",
        ),
    )
    op.create_index(
        "ix_extension_access_mapping_dev_account_id",
        "extension_access_mapping",
        ["dev_account_id"],
    )

    op.create_table(
        "client_account_config",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("client_account_id", sa.String(100), nullable=False),
        sa.Column("client_account_name", sa.String(255), nullable=False),
        sa.Column("test_environment_id", sa.String(100), nullable=False),
        sa.Column("test_environment_name", sa.String(255), nullable=False),
        sa.Column("prod_environment_id", sa.String(100), nullable=False),
        sa.Column("prod_environment_name", sa.String(255), nullable=False),
        sa.Column("sso_group_id", sa.String(255), nullable=False),
        sa.Column("sso_group_name", sa.String(255), nullable=False),
        sa.Column("integration_pack_instance_id", sa.String(100), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        _timestamp("last_extension_sync_at", nullable=True),
        sa.Column("last_extension_sync_by", sa.String(320), nullable=True),
        *_created_updated(),
        sa.PrimaryKeyConstraint("id", name="pk_client_account_config"),
        sa.UniqueConstraint(
            "client_account_id",
            "sso_group_id",
            name="uq_client_account_config_client_account_id_sso_group_id",
        ),
    )
    op.create_index(
        "ix_client_account_config_sso_group_id", "client_account_config", ["sso_group_id"]
    )

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("process_name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=True),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("principal_email", sa.String(320), nullable=False),
        sa.Column("promotion_id", sa.String(36), nullable=True),
        sa.Column("dev_account_id", sa.String(100), nullable=True),
        _timestamp("created_at", nullable=False),
        _timestamp("started_at", nullable=True),
        _timestamp("finished_at", nullable=True),
        sa.Column("owner", sa.String(255), nullable=True),
        _timestamp("heartbeat_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"])
    op.create_index("ix_jobs_promotion_id", "jobs", ["promotion_id"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _timestamp("at", nullable=False),
        sa.Column("actor_email", sa.String(320), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("process_name", sa.String(255), nullable=True),
        sa.Column("target_type", sa.String(64), nullable=False),
        sa.Column("target_id", sa.String(255), nullable=False),
        sa.Column("before_status", sa.String(32), nullable=True),
        sa.Column("after_status", sa.String(32), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target_type_target_id", "audit_log", ["target_type", "target_id"])
    op.create_index("ix_audit_log_actor_email", "audit_log", ["actor_email"])
    triggers = (
        _POSTGRES_AUDIT_TRIGGERS
        if op.get_context().dialect.name == "postgresql"
        else _SQLITE_AUDIT_TRIGGERS
    )
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    # Dropping a table drops its triggers and indexes with it.
    for table in (
        "audit_log",
        "jobs",
        "client_account_config",
        "extension_access_mapping",
        "dev_account_access",
        "component_mapping",
        "promotion_log",
    ):
        op.drop_table(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_refuse_change()")
