"""Deployment's pure rules: modes, pack purposes, release types, refusals, what a promotion
ships (from its stored results). No I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from boomi_promo.boomi.models import PublisherIntegrationPack
from boomi_promo.domain.result_detail import ResultDetail
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.errors import Forbidden, NotFound, PromoError, UpstreamFailure
from boomi_promo.identity.principal import same_person

_S = PromotionStatus


TEST_PACK_SUFFIX = " - TEST"
"""Test Integration Packs are told apart from production ones by this name suffix."""
MAIN_BRANCH = "main"
PROCESS_TYPE = "process"
INDEPENDENT = "INDEPENDENT"
METADATA_BATCH = 100
"""Component ids per ComponentMetadata query: one page of answers."""
INTERRUPTED_REASON = "interrupted: the service stopped while this deployment ran"
HISTORY_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 500


class DeploymentMode(IntEnum):
    TEST = 1
    PRODUCTION = 2
    HOTFIX = 3
    PACK_ASSIGNMENT = 4


class PackPurpose(StrEnum):
    TEST = "TEST"
    PRODUCTION = "PRODUCTION"


class ReleaseType(StrEnum):
    PRODUCTION = "PRODUCTION"
    TEST = "TEST"


RELEASE_REQUESTED = "promotion.release_requested"
"""Audit action of a release request; its time is the release's start (Boomi reports none)."""
RELEASE_SETTLED = "promotion.release_settled"
"""Audit action written when a release is first seen finished (SUCCESS or ERROR)."""


class SelfApprovalNotAllowed(Forbidden):
    error_code = "SELF_APPROVAL_NOT_ALLOWED"


class IntegrationPackNotFound(NotFound):
    error_code = "INTEGRATION_PACK_NOT_FOUND"


class DeploymentFailed(UpstreamFailure):
    """The deployment stopped and the promotion ended TEST_DEPLOY_FAILED or DEPLOY_FAILED."""


def release_failed(message: str) -> DeploymentFailed:
    return DeploymentFailed(message, error_code="RELEASE_FAILED", status_code=502)


class NothingToDeploy(PromoError):
    status_code = 409
    error_code = "NOTHING_TO_DEPLOY"


def pack_purpose(pack_name: str) -> PackPurpose:
    return PackPurpose.TEST if pack_name.endswith(TEST_PACK_SUFFIX) else PackPurpose.PRODUCTION


def with_test_suffix(name: str) -> str:
    """A Test pack's name: ``name`` with the `` - TEST`` suffix, added when missing."""
    stripped = name.strip()
    return stripped if stripped.endswith(TEST_PACK_SUFFIX) else stripped + TEST_PACK_SUFFIX


def mode_for(status: PromotionStatus, *, is_hotfix: bool) -> DeploymentMode | None:
    """The mode a promotion in ``status`` deploys with; ``None`` when it cannot deploy now."""
    if status in (_S.COMPLETED, _S.TEST_DEPLOY_FAILED) and not is_hotfix:
        return DeploymentMode.TEST
    if status is _S.PENDING_PACK_ASSIGNMENT:
        return DeploymentMode.PACK_ASSIGNMENT
    if status in (_S.ADMIN_APPROVED, _S.DEPLOY_FAILED):
        return DeploymentMode.HOTFIX if is_hotfix else DeploymentMode.PRODUCTION
    return None


def release_components(
    pack: PublisherIntegrationPack, ours: Mapping[str, str]
) -> list[tuple[str, str]]:
    """Every live component of the pack at its newest package version, ours (component id →
    package version) at ours.

    A release lists all the pack's components: one left out would drop out of the pack.
    """
    released: dict[str, str] = {}
    for member in pack.components:
        if member.deleted or member.component_id in ours:
            continue
        version = member.latest_version or member.pending_version or member.current_version
        if version:
            released[member.component_id] = version
    released.update(ours)
    return sorted(released.items())


def segregation_conflict(approver: str, people: Mapping[str, str | None]) -> str | None:
    """The role (e.g. ``initiated``) that ``approver`` already played, or ``None``."""
    for role, email in people.items():
        if email and same_person(approver, email):
            return role
    return None


@dataclass(frozen=True)
class PromotedComponents:
    prod_root_id: str
    prod_ids_by_dev_id: Mapping[str, str]
    """Every component the promotion's branch holds for it — written, or left UNCHANGED at
    the version the branch started from: dev id → prod id."""
    types_by_prod_id: Mapping[str, str] = field(default_factory=dict)
    """The component type of each, by prod id (as the results recorded it)."""
    kept_versions: Mapping[str, int] = field(default_factory=dict)
    """Prod id → version of each UNCHANGED component: what the branch holds of it."""

    def dev_ids_of(self, prod_ids: Iterable[str]) -> frozenset[str]:
        """The dev components whose prod components are among ``prod_ids``."""
        wanted = set(prod_ids)
        return frozenset(dev for dev, prod in self.prod_ids_by_dev_id.items() if prod in wanted)


def promoted_components(detail: ResultDetail, root_component_id: str) -> PromotedComponents | None:
    """The prod root and the components of a promotion (written or UNCHANGED) from its
    stored results."""
    items = detail.held
    written = {item.dev_component_id: item.prod_component_id for item in items}
    if root_component_id not in written:
        return None
    return PromotedComponents(
        prod_root_id=written[root_component_id],
        prod_ids_by_dev_id=written,
        types_by_prod_id={item.prod_component_id: item.component_type for item in items},
        kept_versions={
            item.prod_component_id: item.version
            for item in items
            if item.action == "UNCHANGED" and item.version
        },
    )
