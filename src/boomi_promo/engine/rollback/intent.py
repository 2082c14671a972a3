"""What a rollback releases and records (written ahead of the release), and what it answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from boomi_promo.engine.deployment.rules import ReleaseType
from boomi_promo.engine.rollback.plan import RestoreItem, RollbackPlan


@dataclass(frozen=True)
class RollbackOutcome:
    release_id: str
    release_status: str
    restore_promotion_id: str = ""
    restore_branch_id: str = ""
    restore_branch_name: str = ""
    restored: tuple[RestoreItem, ...] = ()


@dataclass(frozen=True)
class RollbackIntent:
    """What a rollback releases and records, written ahead of the release
    (``rollback.started``) so that a restart can finish it."""

    process_name: str
    environment: ReleaseType
    pack_id: str
    pack_name: str
    current_promotion_id: str
    current_version: str
    previous_promotion_id: str
    previous_version: str
    previous_versions: Mapping[str, str]
    """Prod component id → the package version released again."""
    prod_root_id: str
    restore_id: str = ""
    branch_id: str = ""
    restored: tuple[RestoreItem, ...] = ()
    reason: str = ""

    @classmethod
    def of(
        cls,
        plan: RollbackPlan,
        *,
        restore_id: str,
        branch_id: str,
        restored: tuple[RestoreItem, ...],
        reason: str | None,
    ) -> RollbackIntent:
        return cls(
            process_name=plan.process_name,
            environment=plan.environment,
            pack_id=plan.pack_id,
            pack_name=plan.pack_name,
            current_promotion_id=plan.current.promotion_id,
            current_version=plan.current.root_version,
            previous_promotion_id=plan.previous.promotion_id,
            previous_version=plan.previous.root_version,
            previous_versions=dict(plan.previous.versions),
            prod_root_id=plan.current.root_component_id,
            restore_id=restore_id,
            branch_id=branch_id,
            restored=restored,
            reason=reason or "",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "processName": self.process_name,
            "environment": self.environment.value,
            "integrationPackId": self.pack_id,
            "integrationPackName": self.pack_name,
            "currentPromotionId": self.current_promotion_id,
            "currentPackageVersion": self.current_version,
            "previousPromotionId": self.previous_promotion_id,
            "previousPackageVersion": self.previous_version,
            "previousVersions": dict(self.previous_versions),
            "prodRootComponentId": self.prod_root_id,
            "restorePromotionId": self.restore_id,
            "restoreBranchId": self.branch_id,
            "restored": [asdict(item) for item in self.restored],
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RollbackIntent:
        return cls(
            process_name=str(data["processName"]),
            environment=ReleaseType(data["environment"]),
            pack_id=str(data["integrationPackId"]),
            pack_name=str(data["integrationPackName"]),
            current_promotion_id=str(data["currentPromotionId"]),
            current_version=str(data["currentPackageVersion"]),
            previous_promotion_id=str(data["previousPromotionId"]),
            previous_version=str(data["previousPackageVersion"]),
            previous_versions={str(k): str(v) for k, v in data["previousVersions"].items()},
            prod_root_id=str(data["prodRootComponentId"]),
            restore_id=str(data.get("restorePromotionId") or ""),
            branch_id=str(data.get("restoreBranchId") or ""),
            restored=tuple(RestoreItem(**item) for item in data.get("restored") or []),
            reason=str(data.get("reason") or ""),
        )
