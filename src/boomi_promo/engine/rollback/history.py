"""A process's release history, read from the audit trail (pure): its releases, the current
and the previous one, what the release back ships.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from boomi_promo.boomi.models import PublisherIntegrationPack, ReleaseStatus
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.deployment.rules import (
    RELEASE_REQUESTED,
    RELEASE_SETTLED,
    ReleaseType,
    promoted_components,
)
from boomi_promo.engine.rollback.errors import NoPreviousRelease, UnknownCurrentRelease
from boomi_promo.store import AuditEntry, PromotionLog

_S = PromotionStatus


HISTORY_SIZE = 200
"""Promotions of the process read for its release history, newest first."""
READS_AT_ONCE = 4
PROMOTION_ROLLED_BACK = "promotion.rolled_back"
ROLLBACK_FAILED = "rollback.failed"
ROLLBACK_STARTED = "rollback.started"
"""Written ahead of the release: what the record will say (:class:`RollbackIntent`)."""
PRODUCTION = "PRODUCTION"


_STANDING = {
    ReleaseType.PRODUCTION: frozenset({_S.DEPLOYED}),
    ReleaseType.TEST: frozenset({_S.TEST_DEPLOYED, _S.DEPLOYED}),
}
"""A release may be returned to only while its promotion still stands in this environment (a
cancelled test deployment is not one to go back to)."""


@dataclass(frozen=True)
class ReleaseEvent:
    """One release of a promotion's packages into an Integration Pack, as the audit recorded it."""

    promotion_id: str
    promotion_status: str
    rolled_back: bool
    """The promotion was rolled back since: it is not a release to go back to."""
    release_id: str
    requested_at: datetime
    pack_id: str
    pack_name: str
    root_component_id: str
    """The prod root process."""
    versions: Mapping[str, str]
    """Prod component id → package version, of every component the release shipped for it."""
    outcome: str
    """SUCCESS or ERROR once seen settled; empty while unknown."""
    requested_by: str = ""
    """Who asked for the release (the deployment's or the rollback's actor)."""
    dev_account_id: str = ""
    dev_root_component_id: str = ""
    """The dev account and dev root process of the promotion: which process this is."""

    @property
    def owner(self) -> tuple[str, str]:
        return self.dev_account_id, self.dev_root_component_id

    @property
    def root_version(self) -> str:
        return self.versions.get(self.root_component_id, "")


def release_events(
    record: PromotionLog, entries: Iterable[AuditEntry], release_type: ReleaseType
) -> list[ReleaseEvent]:
    """The releases of ``release_type`` the audit trail of ``record`` shows, in order."""
    components = promoted_components(record.detail, record.root_component_id)
    if components is None:
        return []
    items = list(entries)
    outcomes = {
        str((e.detail or {}).get("releaseId")): str((e.detail or {}).get("releaseStatus") or "")
        for e in items
        if e.action == RELEASE_SETTLED
    }
    rolled_back = record.detail.rolled_back is not None
    events: list[ReleaseEvent] = []
    for entry in items:
        detail = entry.detail or {}
        release_id = str(detail.get("releaseId") or "")
        if entry.action != RELEASE_REQUESTED or not release_id:
            continue
        if detail.get("releaseType") != release_type.value:
            continue
        versions = {
            str(item.get("componentId")): str(item.get("packageVersion"))
            for item in detail.get("components") or []
            if isinstance(item, dict) and item.get("componentId") and item.get("packageVersion")
        }
        events.append(
            ReleaseEvent(
                promotion_id=record.promotion_id,
                promotion_status=record.status,
                rolled_back=rolled_back,
                release_id=release_id,
                requested_at=entry.at,
                pack_id=str(detail.get("integrationPackId") or ""),
                pack_name=str(detail.get("integrationPackName") or ""),
                root_component_id=components.prod_root_id,
                versions=versions,
                outcome=outcomes.get(release_id, ""),
                requested_by=entry.actor_email,
                dev_account_id=record.dev_account_id,
                dev_root_component_id=record.root_component_id,
            )
        )
    return events


def choose_rollback(
    history: Sequence[ReleaseEvent],
    running_version: str | None,
    release_type: ReleaseType,
    *,
    describing: str,
) -> tuple[ReleaseEvent, ReleaseEvent]:
    """(the release running now, the release to go back to) from one pack's history, newest
    first; ``running_version`` is the root's package version the pack runs."""
    usable = [e for e in history if e.outcome != ReleaseStatus.ERROR]
    index = next(
        (i for i, e in enumerate(usable) if running_version and e.root_version == running_version),
        None,
    )
    if index is None:
        raise UnknownCurrentRelease(
            f"{describing} runs package version {running_version or '(none)'}, which no release "
            "recorded by this service shipped; roll it back in Boomi.",
            field="processName",
        )
    current = usable[index]
    for event in usable[index + 1 :]:
        if (
            event.root_version != current.root_version
            and not event.rolled_back
            and event.promotion_status in _STANDING[release_type]
        ):
            return current, event
    raise NoPreviousRelease(
        f"{describing} runs package version {current.root_version} (promotion "
        f"{current.promotion_id}); no earlier release of it is recorded to roll back to.",
        field="processName",
        details={"currentPromotionId": current.promotion_id},
    )


def rollback_release_components(
    pack: PublisherIntegrationPack, previous: Mapping[str, str]
) -> list[tuple[str, str]]:
    """What the rollback releases: the previous versions of the shipped components, every other
    live member at the version it runs now (a member never released stays unreleased)."""
    released: dict[str, str] = {}
    for member in pack.components:
        if member.deleted or member.component_id in previous or not member.current_version:
            continue
        released[member.component_id] = member.current_version
    released.update(previous)
    return sorted(released.items())
