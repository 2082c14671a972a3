"""The store's tables: the five records of the public design, plus jobs and the audit trail.

Columns are the record fields in snake_case. Field types follow the record specs in
``reference/datahub-models``: ``Date`` becomes a timezone-aware timestamp (always UTC in
Python), ``Number`` an integer, the ``'true'``/``'false'`` strings booleans and JSON carried in
strings (``resultDetail``, ``authorizedSsoGroups``) JSON columns. Required fields are NOT NULL
and match keys are UNIQUE constraints. The schema itself is created by the Alembic migrations
in ``migrations/``, which must stay in step with this module (a test compares them).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column
from sqlalchemy.types import TypeDecorator

from boomi_promo.domain.result_detail import ResultDetail
from boomi_promo.domain.statuses import PromotionStatus

ID = 100
"""Boomi ids (UUIDs, account ids such as ``acme-A1B2C3``, base64 branch and folder ids)."""
NAME = 255
EMAIL = 320
CODE = 32
"""Statuses, component types, sources and similar upper-case codes."""


class StatusCode(TypeDecorator[PromotionStatus]):
    """A promotion's status: :class:`PromotionStatus` in Python, its plain string in the database
    (the same ``VARCHAR(32)`` and the same values as ever: no migration)."""

    impl = String(CODE)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        # Any string binds as is: a filter may name a status no promotion has.
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> PromotionStatus | None:
        return None if value is None else PromotionStatus(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored as UTC and always read back as an aware UTC datetime.

    SQLite keeps no offset, so values are normalised to UTC before they are stored (which
    also keeps its text comparisons correct); naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware one")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(MappedAsDataclass, DeclarativeBase, kw_only=True, eq=False):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[str]: JSON(),
    }


class TimestampedMixin(MappedAsDataclass, kw_only=True, eq=False):
    created_at: Mapped[datetime] = mapped_column(default_factory=utcnow, init=False)
    updated_at: Mapped[datetime] = mapped_column(
        default_factory=utcnow, onupdate=utcnow, init=False
    )


class MappingSource(StrEnum):
    PROMOTION_ENGINE = "PROMOTION_ENGINE"
    ADMIN_SEEDING = "ADMIN_SEEDING"


class ComponentMapping(TimestampedMixin, Base, kw_only=True):
    """A dev component and the one production component it is promoted into."""

    __tablename__ = "component_mapping"
    __table_args__ = (
        UniqueConstraint("dev_component_id", "dev_account_id"),
        Index("ix_component_mapping_dev_account_id", "dev_account_id"),
        Index("ix_component_mapping_prod_component_id", "prod_component_id"),
        # The order mapping lists use: a page is read in order, not sorted (migration 0004).
        Index(
            "ix_component_mapping_name_order",
            "component_name",
            "dev_account_id",
            "dev_component_id",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default_factory=new_id)
    dev_component_id: Mapped[str] = mapped_column(String(ID))
    dev_account_id: Mapped[str] = mapped_column(String(ID))
    prod_component_id: Mapped[str] = mapped_column(String(ID))
    component_name: Mapped[str] = mapped_column(String(NAME))
    component_type: Mapped[str] = mapped_column(String(CODE * 2))
    prod_account_id: Mapped[str] = mapped_column(String(ID))
    prod_latest_version: Mapped[int] = mapped_column(Integer)
    last_promoted_at: Mapped[datetime]
    last_promoted_by: Mapped[str] = mapped_column(String(EMAIL))
    mapping_source: Mapped[str | None] = mapped_column(String(CODE), default=None)
    on_main: Mapped[bool] = mapped_column(Boolean)
    """Whether the prod component exists on main; when not, it lives only on a branch or package."""
    last_promotion_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("promotion_log.promotion_id", ondelete="SET NULL"), default=None
    )
    """The promotion that last wrote the prod component (none for admin-seeded mappings)."""


class MainComponentForm(Base, kw_only=True):
    """Main holds, at ``main_version``, the promoted form of key ``form_key`` of a prod component
    (``domain.promoted_form``): recorded when a merge brought it there or a comparison found it
    there, so a later promotion of the same form needs to read neither side (issue 16)."""

    __tablename__ = "main_component_form"

    prod_account_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    prod_component_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    form_key: Mapped[str] = mapped_column(String(64))
    main_version: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(default_factory=utcnow, onupdate=utcnow)


class MappingChangeOutcome(StrEnum):
    """What became of a mapping a promotion wrote (``MappingChange.outcome``)."""

    ON_MAIN = "ON_MAIN"
    """The promotion's component reached main: the change stands for good."""
    KEPT = "KEPT"
    """The promotion was discarded, but its component lives on in a package it made."""
    RESTORED = "RESTORED"
    """The promotion was discarded: the mapping went back to what it said before."""
    REPLACED = "REPLACED"
    """The promotion was discarded after a later promotion (or an admin) rewrote the mapping."""


class MappingChange(Base, kw_only=True):
    """One mapping a promotion wrote: what it said before (``None``: no mapping) and after.

    A promotion that ends without reaching main (withdrawn, rejected, cancelled, superseded)
    restores from here what the mappings said before it; ``outcome`` records what happened.
    """

    __tablename__ = "mapping_change"
    __table_args__ = (
        UniqueConstraint("promotion_id", "dev_component_id", "dev_account_id"),
        Index(
            "ix_mapping_change_dev_account_id_dev_component_id",
            "dev_account_id",
            "dev_component_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, init=False)
    promotion_id: Mapped[str] = mapped_column(String(36), ForeignKey("promotion_log.promotion_id"))
    dev_component_id: Mapped[str] = mapped_column(String(ID))
    dev_account_id: Mapped[str] = mapped_column(String(ID))
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any]]
    written_at: Mapped[datetime] = mapped_column(default_factory=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(CODE), default=None)
    """``None`` while the promotion is live; a :class:`MappingChangeOutcome` once settled."""
    settled_at: Mapped[datetime | None] = mapped_column(default=None)


class DevAccountAccess(TimestampedMixin, Base, kw_only=True):
    """A team SSO group granted a dev sub-account."""

    __tablename__ = "dev_account_access"
    __table_args__ = (
        UniqueConstraint("sso_group_id", "dev_account_id"),
        Index("ix_dev_account_access_dev_account_id", "dev_account_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default_factory=new_id)
    sso_group_id: Mapped[str] = mapped_column(String(NAME))
    sso_group_name: Mapped[str] = mapped_column(String(NAME))
    dev_account_id: Mapped[str] = mapped_column(String(ID))
    dev_account_name: Mapped[str] = mapped_column(String(NAME))
    is_active: Mapped[bool] = mapped_column(Boolean)


IN_PROGRESS = "IN_PROGRESS"
"""The status guarded by the one-running-promotion-per-dev-account index."""
IN_PROGRESS_GUARD_INDEX = "uq_promotion_log_in_progress_dev_account_id"


class PromotionLog(Base, kw_only=True):
    """One promotion run and everything that happens to it until a terminal status."""

    __tablename__ = "promotion_log"
    __table_args__ = (
        # SPEC §5.2: at most one IN_PROGRESS promotion per dev account, decided by the database.
        Index(
            IN_PROGRESS_GUARD_INDEX,
            "dev_account_id",
            unique=True,
            sqlite_where=text(f"status = '{IN_PROGRESS}'"),
            postgresql_where=text(f"status = '{IN_PROGRESS}'"),
        ),
        # Lists by account or by status are newest first (migration 0004).
        Index("ix_promotion_log_dev_account_id_initiated_at", "dev_account_id", "initiated_at"),
        Index("ix_promotion_log_status_initiated_at", "status", "initiated_at"),
        Index("ix_promotion_log_process_name", "process_name"),
        Index("ix_promotion_log_initiated_at", "initiated_at"),
        # A person's promotions newest first (0010), counted from the index alone (0013).
        Index(
            "ix_promotion_log_initiated_by_lower",
            func.lower(text("initiated_by")),
            "initiated_at",
            postgresql_include=["initiated_by", "dev_account_id", "test_promotion_id"],
        ),
        Index("ix_promotion_log_root_component_id", "root_component_id"),
        Index("ix_promotion_log_test_promotion_id", "test_promotion_id"),
    )

    promotion_id: Mapped[str] = mapped_column(String(36), primary_key=True, default_factory=new_id)
    dev_account_id: Mapped[str] = mapped_column(String(ID))
    dev_account_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    prod_account_id: Mapped[str] = mapped_column(String(ID))
    dev_package_id: Mapped[str] = mapped_column(String(ID))
    prod_package_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    package_version: Mapped[str | None] = mapped_column(String(CODE * 2), default=None)
    root_component_id: Mapped[str] = mapped_column(String(ID))
    """The dev account's root process component that was promoted."""
    process_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    initiated_by: Mapped[str] = mapped_column(String(EMAIL))
    initiated_at: Mapped[datetime] = mapped_column(default_factory=utcnow)
    status: Mapped[PromotionStatus] = mapped_column(StatusCode())
    target_environment: Mapped[str] = mapped_column(String(16))
    components_total: Mapped[int] = mapped_column(Integer, default=0)
    components_created: Mapped[int] = mapped_column(Integer, default=0)
    components_updated: Mapped[int] = mapped_column(Integer, default=0)
    components_unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Equal to the version the branch started from: not written (issue 16)."""
    components_failed: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)
    result_detail: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    branch_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    branch_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    is_hotfix: Mapped[bool] = mapped_column(Boolean, default=False)
    hotfix_justification: Mapped[str | None] = mapped_column(Text, default=None)
    submitted_for_review_by: Mapped[str | None] = mapped_column(String(EMAIL), default=None)
    submitted_for_review_at: Mapped[datetime | None] = mapped_column(default=None)
    peer_review_status: Mapped[str | None] = mapped_column(String(CODE), default=None)
    peer_reviewed_by: Mapped[str | None] = mapped_column(String(EMAIL), default=None)
    peer_reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    peer_review_comments: Mapped[str | None] = mapped_column(Text, default=None)
    admin_review_status: Mapped[str | None] = mapped_column(String(CODE), default=None)
    admin_approved_by: Mapped[str | None] = mapped_column(String(EMAIL), default=None)
    admin_approved_at: Mapped[datetime | None] = mapped_column(default=None)
    admin_comments: Mapped[str | None] = mapped_column(Text, default=None)
    integration_pack_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    integration_pack_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    release_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    test_release_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    test_promotion_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("promotion_log.promotion_id"), default=None
    )
    """On a PRODUCTION record: the TEST promotion it was promoted from."""
    test_deployed_at: Mapped[datetime | None] = mapped_column(default=None)
    test_integration_pack_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    test_integration_pack_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    promoted_from_test_by: Mapped[str | None] = mapped_column(String(EMAIL), default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text, default=None)
    superseded_by: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("promotion_log.promotion_id"), default=None
    )
    """The later promotion of the same root process that replaced this one (status SUPERSEDED)."""
    updated_at: Mapped[datetime] = mapped_column(
        default_factory=utcnow, onupdate=utcnow, init=False
    )

    @property
    def detail(self) -> ResultDetail:
        """``result_detail`` read (:class:`ResultDetail`); write ``ResultDetail.to_json()``."""
        return ResultDetail.parse(self.result_detail)


class ExtensionAccessMapping(Base, kw_only=True):
    """Per environment and prod component: who may edit its extensions (a rebuildable cache)."""

    __tablename__ = "extension_access_mapping"
    __table_args__ = (
        UniqueConstraint("environment_id", "prod_component_id"),
        Index("ix_extension_access_mapping_dev_account_id", "dev_account_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default_factory=new_id)
    environment_id: Mapped[str] = mapped_column(String(ID))
    prod_component_id: Mapped[str] = mapped_column(String(ID))
    component_name: Mapped[str] = mapped_column(String(NAME))
    component_type: Mapped[str] = mapped_column(String(CODE * 2))
    owner_process_id: Mapped[str] = mapped_column(String(ID))
    owner_process_name: Mapped[str] = mapped_column(String(NAME))
    dev_account_id: Mapped[str] = mapped_column(String(ID))
    dev_account_name: Mapped[str] = mapped_column(String(NAME))
    authorized_sso_groups: Mapped[list[str]]
    is_connection_extension: Mapped[bool] = mapped_column(Boolean)
    is_shared_component: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_group_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    last_updated_at: Mapped[datetime] = mapped_column(default_factory=utcnow)
    last_updated_by: Mapped[str] = mapped_column(String(NAME))


class ClientAccountConfig(TimestampedMixin, Base, kw_only=True):
    """A client sub-account, its Test and Prod environments, and one SSO group that manages it."""

    __tablename__ = "client_account_config"
    __table_args__ = (
        UniqueConstraint("client_account_id", "sso_group_id"),
        Index("ix_client_account_config_sso_group_id", "sso_group_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default_factory=new_id)
    client_account_id: Mapped[str] = mapped_column(String(ID))
    client_account_name: Mapped[str] = mapped_column(String(NAME))
    test_environment_id: Mapped[str] = mapped_column(String(ID))
    test_environment_name: Mapped[str] = mapped_column(String(NAME))
    prod_environment_id: Mapped[str] = mapped_column(String(ID))
    prod_environment_name: Mapped[str] = mapped_column(String(NAME))
    sso_group_id: Mapped[str] = mapped_column(String(NAME))
    sso_group_name: Mapped[str] = mapped_column(String(NAME))
    integration_pack_instance_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean)
    last_extension_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    last_extension_sync_by: Mapped[str | None] = mapped_column(String(EMAIL), default=None)


class JobState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    INTERRUPTED = "INTERRUPTED"

    @property
    def finished(self) -> bool:
        return self in _FINISHED_JOB_STATES


_FINISHED_JOB_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.INTERRUPTED})


class Job(Base, kw_only=True):
    """A long-running action: its request, progress and final response, surviving restarts."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state", "state"),
        Index("ix_jobs_promotion_id", "promotion_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default_factory=new_id)
    action: Mapped[str] = mapped_column(String(64))
    process_name: Mapped[str] = mapped_column(String(NAME))
    state: Mapped[JobState] = mapped_column(
        Enum(
            JobState,
            name="job_state",
            native_enum=False,
            length=16,
            values_callable=lambda states: [state.value for state in states],
        ),
        default=JobState.QUEUED,
    )
    progress: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """``{"step", "current", "total", "message"}``; see ``JobRepository.update_progress``."""
    request: Mapped[dict[str, Any]]
    response: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
    principal_email: Mapped[str] = mapped_column(String(EMAIL))
    principal_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    principal_groups: Mapped[list[str] | None] = mapped_column(default=None)
    """The caller's groups when submitted; a worker elsewhere acts with exactly these."""
    promotion_id: Mapped[str | None] = mapped_column(String(36), default=None)
    dev_account_id: Mapped[str | None] = mapped_column(String(ID), default=None)
    queue_job_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """The task queue's id for this job (``promo worker`` deployments only)."""
    created_at: Mapped[datetime] = mapped_column(default_factory=utcnow, init=False)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    owner: Mapped[str | None] = mapped_column(String(NAME), default=None)
    """The worker that runs the job; set when it is claimed."""
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEntry(Base, kw_only=True):
    """One line of the append-only audit trail (the database refuses UPDATE and DELETE)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_target_type_target_id", "target_type", "target_id"),
        Index("ix_audit_log_actor_email", "actor_email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, init=False)
    at: Mapped[datetime] = mapped_column(default_factory=utcnow)
    actor_email: Mapped[str] = mapped_column(String(EMAIL))
    action: Mapped[str] = mapped_column(String(64))
    process_name: Mapped[str | None] = mapped_column(String(NAME), default=None)
    target_type: Mapped[str] = mapped_column(String(CODE * 2))
    target_id: Mapped[str] = mapped_column(String(NAME))
    before_status: Mapped[str | None] = mapped_column(String(CODE), default=None)
    after_status: Mapped[str | None] = mapped_column(String(CODE), default=None)
    detail: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class SignedOutSession(Base, kw_only=True):
    """A dashboard session signed out before its cookie expires: refused until ``expires_at``.

    The session cookie is signed, not stored, so signing out must be remembered here for every
    replica to refuse a copy of the cookie.
    """

    __tablename__ = "signed_out_sessions"
    __table_args__ = (Index("ix_signed_out_sessions_expires_at", "expires_at"),)

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]


class BoomiRateLimit(Base, kw_only=True):
    """The shared Boomi limiter's state for one account: when its next request may go.

    Epoch seconds on the database server's clock, so processes on different machines agree.
    Written only by ``boomi.limiter.DatabaseRateLimiter`` in one SQL statement.
    """

    __tablename__ = "boomi_rate_limits"

    account_key: Mapped[str] = mapped_column(String(ID), primary_key=True)
    next_slot_at: Mapped[float] = mapped_column(Float)


class PendingExtensionEdit(Base, kw_only=True):
    """An extension update shown for confirmation, waiting until its author confirms it.

    ``sealed`` is the update encrypted with the session secret (it may hold a secret typed in);
    the row is found by the hash of a token only the author's page holds.
    """

    __tablename__ = "pending_extension_edits"
    __table_args__ = (Index("ix_pending_extension_edits_created_at", "created_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    principal_email: Mapped[str] = mapped_column(String(EMAIL))
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default_factory=utcnow)


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    """Waiting for its first or next attempt (``next_attempt_at``)."""
    SENT = "SENT"
    FAILED = "FAILED"
    """Refused for good, or every attempt used up."""


class NotificationDelivery(Base, kw_only=True):
    """One notification to one channel: what it says, and what became of sending it.

    ``event_key`` names the occurrence (``audit:{entry id}``, ``stale:{promotion}:{status}:{n}``),
    unique per channel, so a replica that sees the same event again never queues it twice.
    ``message`` is the rendered notification (promotion facts, never a secret); ``target``
    says where it went without a webhook URL's secret path.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint("event_key", "channel"),
        Index("ix_notification_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_notification_deliveries_promotion_id", "promotion_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True, init=False)
    event_key: Mapped[str] = mapped_column(String(NAME))
    event: Mapped[str] = mapped_column(String(CODE))
    channel: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(NAME))
    promotion_id: Mapped[str | None] = mapped_column(String(36), default=None)
    summary: Mapped[str] = mapped_column(String(NAME))
    message: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(CODE), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_attempt_at: Mapped[datetime] = mapped_column(default_factory=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    """A sender holds the delivery until then; past it, another may take it over."""
    created_at: Mapped[datetime] = mapped_column(default_factory=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class NotificationCursor(Base, kw_only=True):
    """How far notifications have read the audit trail: one row, locked while it advances.

    ``pending_ids`` are ids below ``last_audit_id`` not yet visible when it passed them
    (a transaction that took an id earlier committed later), with when they were first
    missed; they are looked for again until they appear or are old enough to be gaps.
    """

    __tablename__ = "notification_cursor"

    name: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    last_audit_id: Mapped[int] = mapped_column(BigInteger)
    pending_ids: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default_factory=utcnow, onupdate=utcnow)


LOCATION = 2000
"""Where in a component a secret finding stands (an XPath, ``… line N`` in a script)."""


class SecretAllowlistEntry(TimestampedMixin, Base, kw_only=True):
    """A secret finding an admin accepted as a false positive: it no longer blocks promotion.

    Matched by the dev component and the finding's location; the kind and component name
    are recorded as found, for people. Never the value: the product never keeps it.
    ``location_key`` is the SHA-256 of the location: the unique index stays small whatever the
    location's length and script.
    """

    __tablename__ = "secret_allowlist"
    __table_args__ = (UniqueConstraint("component_id", "location_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default_factory=new_id)
    component_id: Mapped[str] = mapped_column(String(ID))
    location: Mapped[str] = mapped_column(String(LOCATION))
    location_key: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(CODE * 2))
    component_name: Mapped[str] = mapped_column(String(NAME))
    dev_account_id: Mapped[str] = mapped_column(String(ID))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(EMAIL))
