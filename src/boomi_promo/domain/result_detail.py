"""A promotion's ``resultDetail``: what it wrote, its packages, its versions, its rollback.

The store keeps it as JSON text (``PromotionLog.result_detail``); this module is the one place
that reads and writes that JSON. Rows written by every earlier version still read: a missing
key is its empty value, an item that is not an object is skipped, and keys this model does not
name are kept as they were (:attr:`ResultDetail.other`) and written back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PROMOTION_RESULTS_KEY = "promotionResults"
DEPLOYMENT_NOTES_KEY = "deploymentNotes"
PACKAGES_KEY = "packages"
"""The packages a deployment released, one entry per package (``engine.continuity``)."""
DEV_PACKAGE_VERSION_KEY = "devPackageVersion"
TEST_PACKAGE_VERSION_KEY = "testPackageVersion"
PRODUCTION_PACKAGE_VERSION_KEY = "productionPackageVersion"
CONNECTIONS_KEY = "connections"
"""The connections of the tree (kept in :attr:`ResultDetail.other`)."""
ROLLED_BACK_KEY = "rolledBack"
"""On the rolled-back promotion: when, by whom, to which release."""
ROLLBACK_KEY = "rollback"
"""On a restore promotion: the rollback it restores main for."""

HELD_ACTIONS = frozenset({"CREATED", "UPDATED", "UNCHANGED"})
"""Component outcomes whose component the promotion's package holds: written or kept as is."""

_NAMED_KEYS = frozenset(
    {
        PROMOTION_RESULTS_KEY,
        DEPLOYMENT_NOTES_KEY,
        PACKAGES_KEY,
        DEV_PACKAGE_VERSION_KEY,
        TEST_PACKAGE_VERSION_KEY,
        PRODUCTION_PACKAGE_VERSION_KEY,
        ROLLED_BACK_KEY,
        ROLLBACK_KEY,
    }
)


@dataclass(frozen=True)
class ComponentOutcome:
    """One component of a promotion: what it did with it (``promotionResults`` item)."""

    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    action: str
    """CREATED, UPDATED, UNCHANGED or FAILED."""
    version: int
    error: str = ""

    @property
    def held(self) -> bool:
        """The promotion's package holds the component (written or kept), under both ids."""
        both_ids = bool(self.prod_component_id and self.dev_component_id)
        return self.action in HELD_ACTIONS and both_ids

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> ComponentOutcome:
        return cls(
            dev_component_id=str(item.get("devComponentId") or ""),
            prod_component_id=str(item.get("prodComponentId") or ""),
            component_name=str(item.get("componentName") or ""),
            component_type=str(item.get("componentType") or ""),
            action=str(item.get("action") or ""),
            version=_int(item.get("version")),
            error=str(item.get("error") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "devComponentId": self.dev_component_id,
            "prodComponentId": self.prod_component_id,
            "componentName": self.component_name,
            "componentType": self.component_type,
            "action": self.action,
            "version": self.version,
            "error": self.error,
        }


@dataclass(frozen=True)
class ResultDetail:
    """The parsed ``resultDetail`` of one promotion record."""

    promotion_results: tuple[ComponentOutcome, ...] = ()
    dev_package_version: str = ""
    test_package_version: str = ""
    production_package_version: str = ""
    deployment_notes: str | None = None
    packages: tuple[Mapping[str, Any], ...] | None = None
    """As stored; ``engine.continuity.recorded_packages`` reads them. ``None``: a record from
    before packages were listed (its ``prodPackageId`` holds everything it wrote)."""
    rolled_back: Mapping[str, Any] | None = None
    rollback: Mapping[str, Any] | None = None
    other: Mapping[str, Any] = field(default_factory=dict)
    """Keys not named above (``connections``, ``branchPackageId``, ...), kept as stored."""

    @classmethod
    def parse(cls, stored: Mapping[str, Any] | None) -> ResultDetail:
        """``stored`` as kept in the store; ``None`` (no detail yet) is the empty detail."""
        detail = stored or {}
        notes = detail.get(DEPLOYMENT_NOTES_KEY)
        packages = detail.get(PACKAGES_KEY)
        rolled_back = detail.get(ROLLED_BACK_KEY)
        rollback = detail.get(ROLLBACK_KEY)
        return cls(
            promotion_results=tuple(
                ComponentOutcome.from_json(item)
                for item in _list(detail.get(PROMOTION_RESULTS_KEY))
                if isinstance(item, Mapping)
            ),
            dev_package_version=str(detail.get(DEV_PACKAGE_VERSION_KEY) or ""),
            test_package_version=str(detail.get(TEST_PACKAGE_VERSION_KEY) or ""),
            production_package_version=str(detail.get(PRODUCTION_PACKAGE_VERSION_KEY) or ""),
            deployment_notes=notes if isinstance(notes, str) else None,
            packages=(
                tuple(entry for entry in packages if isinstance(entry, Mapping))
                if isinstance(packages, list)
                else None
            ),
            rolled_back=rolled_back if isinstance(rolled_back, Mapping) else None,
            rollback=rollback if isinstance(rollback, Mapping) else None,
            other={key: value for key, value in detail.items() if key not in _NAMED_KEYS},
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON to store; an empty optional field is left out, as earlier versions did."""
        stored: dict[str, Any] = {
            **self.other,
            PROMOTION_RESULTS_KEY: [r.to_json() for r in self.promotion_results],
        }
        for key, version in (
            (DEV_PACKAGE_VERSION_KEY, self.dev_package_version),
            (TEST_PACKAGE_VERSION_KEY, self.test_package_version),
            (PRODUCTION_PACKAGE_VERSION_KEY, self.production_package_version),
        ):
            if version:
                stored[key] = version
        if self.deployment_notes is not None:
            stored[DEPLOYMENT_NOTES_KEY] = self.deployment_notes
        if self.packages is not None:
            stored[PACKAGES_KEY] = [dict(entry) for entry in self.packages]
        if self.rolled_back is not None:
            stored[ROLLED_BACK_KEY] = dict(self.rolled_back)
        if self.rollback is not None:
            stored[ROLLBACK_KEY] = dict(self.rollback)
        return stored

    @property
    def held(self) -> tuple[ComponentOutcome, ...]:
        """The components the promotion's package holds (written or kept)."""
        return tuple(r for r in self.promotion_results if r.held)

    def names_by_prod_id(self) -> dict[str, str]:
        """The component names the promotion recorded, by prod id."""
        return {
            r.prod_component_id: r.component_name
            for r in self.promotion_results
            if r.prod_component_id and r.component_name
        }

    def held_prod_ids(self) -> frozenset[str]:
        """Prod components the promotion's branch held for it (written or UNCHANGED)."""
        return frozenset(
            r.prod_component_id
            for r in self.promotion_results
            if r.action in HELD_ACTIONS and r.prod_component_id
        )

    def seen_dev_ids(self) -> list[str]:
        """The dev components the promotion found in its tree (connections too), in order."""
        connections = [
            str(item.get("devComponentId"))
            for item in _list(self.other.get(CONNECTIONS_KEY))
            if isinstance(item, Mapping) and item.get("devComponentId")
        ]
        ids = [r.dev_component_id for r in self.promotion_results if r.dev_component_id]
        return list(dict.fromkeys([*ids, *connections]))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
