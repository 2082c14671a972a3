"""The store: tables, repositories, the unit of work and migrations (SQLite or PostgreSQL)."""

from boomi_promo.store.database import create_engine, session_factory
from boomi_promo.store.errors import ConcurrentPromotionError, JobNotFoundError, StoreError
from boomi_promo.store.migrate import current_revision, head_revision, upgrade_database
from boomi_promo.store.repositories.base import Page
from boomi_promo.store.tables import (
    AuditEntry,
    ClientAccountConfig,
    ComponentMapping,
    DevAccountAccess,
    ExtensionAccessMapping,
    Job,
    JobState,
    MainComponentForm,
    MappingChange,
    MappingChangeOutcome,
    MappingSource,
    PendingExtensionEdit,
    PromotionLog,
    SecretAllowlistEntry,
)
from boomi_promo.store.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AuditEntry",
    "ClientAccountConfig",
    "ComponentMapping",
    "ConcurrentPromotionError",
    "DevAccountAccess",
    "ExtensionAccessMapping",
    "Job",
    "JobNotFoundError",
    "JobState",
    "MainComponentForm",
    "MappingChange",
    "MappingChangeOutcome",
    "MappingSource",
    "Page",
    "PendingExtensionEdit",
    "PromotionLog",
    "SecretAllowlistEntry",
    "StoreError",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "create_engine",
    "current_revision",
    "head_revision",
    "session_factory",
    "upgrade_database",
]
