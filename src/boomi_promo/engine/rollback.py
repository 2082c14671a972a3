"""Rolling a process back, in Test or in Production, to the version released before the current.

The history comes from the store and the truth about what runs from Boomi:

* every release this product requested is in the audit trail (``promotion.release_requested``
  on the promotion whose packages it shipped: the Integration Pack, the release type and the
  package version of every shipped component), and whether it ended in ERROR
  (``promotion.release_settled``);
* the Integration Pack itself (``PublisherIntegrationPack``) says which package version of the
  process's root component the environment runs now (``currentVersion``).

The current release is the newest one of the process into that pack whose root package version
is the one running; the previous release is the newest older one with another version, not
itself rolled back, not failed, of a promotion still standing (DEPLOYED in Production;
TEST_DEPLOYED, or a hotfix DEPLOYED, in Test). :func:`plan_rollback` works that out without
writing anything, and says what would happen; :func:`execute_rollback` does it:

1. **Production only — the restore branch.** Main still holds the newer content. The previous
   release's packages are opened one at a time as temporary branches
   (``promo-{restoreId}-src-N``, a branch made from a package holds that package's component
   versions) and each of the previous promotion's components is read there; the restore
   branch ``promo-{restoreId}`` is then made from main and every one of them written on it, so
   each gains a version holding the old content.
2. **The release.** The pack is released with the previous package versions of the shipped
   components (added back to the pack if they left it) and every other member at the version
   it runs now; the release status is read a bounded number of times and ERROR fails the
   rollback (502 ``RELEASE_FAILED``).
3. **The record.** The rolled-back promotion is marked (``resultDetail.rolledBack``, audited as
   ``promotion.rolled_back`` with the versions before and after); a rolled-back test
   deployment no longer runs in Test, so it ends TEST_CANCELLED (unless a production
   promotion made from it is live); in Production a restore promotion is recorded
   PENDING_PEER_REVIEW with the restore branch. It then goes through peer review (E3) and
   admin approval (S) like any other production promotion: approval merges the branch into
   main — main gains the old content as new versions — packages from main and releases the
   pack.

Before the release, what the record will say is written ahead (``rollback.started``), so a
crash between the release and the record is finished on restart (:func:`recover_rollback`):
Boomi's pack says whether the release happened; if it did, the record is written as planned,
else the restore branch goes and the failure is audited. A failure before the record deletes
the restore branch and is audited (``rollback.failed``); the release, if it happened, stands.

The history of a process is found by name; when two dev accounts promote processes of the
same name (two roots), the caller must say which (``devAccountId``), else 409
``AMBIGUOUS_PROCESS``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from boomi_promo.boomi.errors import BoomiBadRequestError, BoomiError, BoomiNotFoundError
from boomi_promo.boomi.models import PublisherIntegrationPack, ReleaseStatus
from boomi_promo.domain.result_detail import ComponentOutcome, ResultDetail
from boomi_promo.domain.review_rules import LIVE_PRODUCTION_STATUSES
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.branches import (
    MAIN_BRANCH,
    BranchHandle,
    count_branches,
    source_branch_name,
)
from boomi_promo.engine.concurrency import check_no_promotion_in_review
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import RecordedPackage, recorded_packages
from boomi_promo.engine.deployment.releases import recognised_release, record_release_settled
from boomi_promo.engine.deployment.rules import (
    AUDIT_PAGE_SIZE,
    RELEASE_REQUESTED,
    RELEASE_SETTLED,
    ReleaseType,
    promoted_components,
)
from boomi_promo.engine.errors import BranchLimitReached
from boomi_promo.engine.lifecycle import change_status, load_for_update
from boomi_promo.engine.recovery import branch_name_for
from boomi_promo.errors import Conflict, PromoError, UpstreamFailure, from_boomi_error
from boomi_promo.store import AuditEntry, PromotionLog

HISTORY_SIZE = 200
"""Promotions of the process read for its release history, newest first."""
READS_AT_ONCE = 4
PROMOTION_ROLLED_BACK = "promotion.rolled_back"
ROLLBACK_FAILED = "rollback.failed"
ROLLBACK_STARTED = "rollback.started"
"""Written ahead of the release: what the record will say (:class:`RollbackIntent`)."""
PRODUCTION = "PRODUCTION"

_S = PromotionStatus
_STANDING = {
    ReleaseType.PRODUCTION: frozenset({_S.DEPLOYED}),
    ReleaseType.TEST: frozenset({_S.TEST_DEPLOYED, _S.DEPLOYED}),
}
"""A release may be returned to only while its promotion still stands in this environment (a
cancelled test deployment is not one to go back to)."""


# ---------------------------------------------------------------------------- errors


class NoPreviousRelease(Conflict):
    error_code = "NO_PREVIOUS_RELEASE"


class ReleaseInProgress(Conflict):
    error_code = "RELEASE_IN_PROGRESS"


class ReleaseChanged(Conflict):
    """The pack runs another version than the one the caller saw in the preview."""

    error_code = "RELEASE_CHANGED"


class UnknownCurrentRelease(Conflict):
    """The pack runs a version that no release of this product shipped."""

    error_code = "UNKNOWN_CURRENT_RELEASE"


class AlreadyRolledBack(Conflict):
    error_code = "ALREADY_ROLLED_BACK"


class AmbiguousProcess(Conflict):
    """Processes of two dev accounts (or two roots) share the name; ``devAccountId`` says which."""

    error_code = "AMBIGUOUS_PROCESS"


def _upstream(message: str, error_code: str) -> UpstreamFailure:
    return UpstreamFailure(message, error_code=error_code, status_code=502)


# ---------------------------------------------------------------------------- history (pure)


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


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class ComponentChange:
    """A component of the pack whose released version the rollback changes."""

    component_id: str
    component_name: str
    released_version: str
    rollback_version: str


@dataclass(frozen=True)
class RestoreItem:
    """A component main gets back (Production): the previous release's content, as a new version."""

    dev_component_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    package_id: str
    """The previous release's package that holds the content."""
    main_version: int | None
    """What main holds now; ``None`` when main does not have it."""
    restored_version: int | None = None
    """The version written on the restore branch (after the rollback ran)."""


@dataclass(frozen=True)
class RollbackPlan:
    process_name: str
    environment: ReleaseType
    pack_id: str
    pack_name: str
    current: ReleaseEvent
    previous: ReleaseEvent
    changes: tuple[ComponentChange, ...]
    restore: tuple[RestoreItem, ...]
    """Empty in Test: main changes only at a production deployment."""
    restore_packages: tuple[RecordedPackage, ...]

    def steps(self) -> list[str]:
        """What the rollback does, one sentence a step."""
        where = f"Integration Pack '{self.pack_name}' ({self.environment.value})"
        steps = [
            f"{where} runs package version {self.current.root_version} of {self.process_name} "
            f"(promotion {self.current.promotion_id}).",
            f"It is released again with package version {self.previous.root_version} "
            f"(promotion {self.previous.promotion_id}, released "
            f"{self.previous.requested_at:%Y-%m-%d %H:%M} UTC): "
            + "; ".join(
                f"{c.component_name or c.component_id} {c.released_version} → {c.rollback_version}"
                for c in self.changes
            )
            + ". Every other component of the pack keeps the version it runs.",
        ]
        if self.restore:
            steps.append(
                f"Main keeps the newer content until a reviewed restore: a restore promotion "
                f"writes the content promotion {self.previous.promotion_id} released of "
                f"{len(self.restore)} component(s) on a new branch, as new versions, and waits "
                "for peer review and admin approval; approval merges it into main and releases "
                "the pack from main."
            )
        steps.append(
            f"The rolled-back promotion {self.current.promotion_id} is marked rolled back; "
            "every step is in the audit trail."
        )
        return steps


async def plan_rollback(
    ctx: ActionContext,
    process_name: str,
    environment: ReleaseType,
    *,
    expected_version: str | None = None,
    dev_account_id: str | None = None,
) -> RollbackPlan:
    """What rolling ``process_name`` back in ``environment`` would do; reads only.

    409 ``NO_PREVIOUS_RELEASE`` when there is nothing to go back to, ``RELEASE_IN_PROGRESS``
    while the pack's last release is still running, ``UNKNOWN_CURRENT_RELEASE`` when the pack
    runs a version no recorded release shipped, ``RELEASE_CHANGED`` when it runs another
    version than ``expected_version``.
    """
    describing = f"{process_name} in {environment.value.title()}"
    history = await _history(ctx, process_name, environment)
    if dev_account_id:
        history = [e for e in history if e.dev_account_id == dev_account_id]
    owners = sorted({e.owner for e in history})
    if len(owners) > 1:
        accounts = ", ".join(sorted({account for account, _root in owners}))
        raise AmbiguousProcess(
            f"{len(owners)} processes called {process_name} were released to "
            f"{environment.value.title()} (dev accounts {accounts}); say which with "
            "devAccountId.",
            field="devAccountId",
            details={"devAccountIds": sorted({account for account, _root in owners})},
        )
    if not history:
        raise NoPreviousRelease(
            f"No release of {process_name} to {environment.value.title()} is recorded; there is "
            "nothing to roll back.",
            field="processName",
        )
    newest = history[0]
    history = [e for e in history if e.pack_id == newest.pack_id]
    if not newest.outcome:
        status = await ctx.boomi.get_release_status(newest.release_id)
        if not status.finished:
            raise ReleaseInProgress(
                f"The last release of {describing} (request {newest.release_id}) is "
                f"{status.release_status}; roll back once it has finished.",
                field="processName",
            )
        if status.release_status == ReleaseStatus.ERROR:
            history = [replace(newest, outcome=ReleaseStatus.ERROR), *history[1:]]
    pack = await ctx.boomi.get_publisher_integration_pack(newest.pack_id)
    member = pack.component(newest.root_component_id)
    running = member.current_version if member is not None else None
    if expected_version and running != expected_version:
        raise ReleaseChanged(
            f"{describing} now runs package version {running or '(none)'}, not "
            f"{expected_version}; look at the rollback again before confirming it.",
            field="expectedPackageVersion",
        )
    current, previous = choose_rollback(history, running, environment, describing=describing)
    names = {m.component_id: m.component_name or "" for m in pack.components}
    changes = tuple(
        ComponentChange(
            component_id=component_id,
            component_name=names.get(component_id, ""),
            released_version=_running(pack, component_id),
            rollback_version=version,
        )
        for component_id, version in sorted(previous.versions.items())
        if _running(pack, component_id) != version
    )
    restore: tuple[RestoreItem, ...] = ()
    packages: tuple[RecordedPackage, ...] = ()
    if environment is ReleaseType.PRODUCTION:
        restore, packages = await _restore_items(ctx, previous.promotion_id)
    return RollbackPlan(
        process_name=process_name,
        environment=environment,
        pack_id=pack.id,
        pack_name=pack.name,
        current=current,
        previous=previous,
        changes=changes,
        restore=restore,
        restore_packages=packages,
    )


def _running(pack: PublisherIntegrationPack, component_id: str) -> str:
    """The package version of the component the pack's last release shipped ('' if none)."""
    member = pack.component(component_id)
    return (member.current_version or "") if member is not None else ""


async def _history(
    ctx: ActionContext, process_name: str, environment: ReleaseType
) -> list[ReleaseEvent]:
    """Every recorded release of the process in the environment, newest first."""
    events: list[ReleaseEvent] = []
    async with ctx.unit_of_work() as uow:
        records = await uow.promotions.query(process_name=process_name, page_size=HISTORY_SIZE)
        for record in records.items:
            entries = await uow.audit.list_entries(
                target_type="promotion", target_id=record.promotion_id, page_size=AUDIT_PAGE_SIZE
            )
            events.extend(release_events(record, entries.items, environment))
    return sorted(events, key=lambda e: e.requested_at, reverse=True)


async def _restore_items(
    ctx: ActionContext, promotion_id: str
) -> tuple[tuple[RestoreItem, ...], tuple[RecordedPackage, ...]]:
    """The previous promotion's components its packages hold, with what main holds now."""
    async with ctx.unit_of_work() as uow:
        record = await uow.promotions.get(promotion_id)
    assert record is not None, "a release event names a stored promotion"
    components = promoted_components(record.detail, record.root_component_id)
    names = {r.prod_component_id: r.component_name for r in record.detail.promotion_results}
    packages = recorded_packages(record)
    root_first = sorted(packages, key=lambda p: p.package_id != record.prod_package_id)
    holder: dict[str, str] = {}
    for package in root_first:
        for prod_id in package.prod_component_ids:
            holder.setdefault(prod_id, package.package_id)
    if components is None or components.prod_root_id not in holder:
        raise NoPreviousRelease(
            f"Promotion {promotion_id}'s packages are not recorded; main cannot be restored to it.",
            field="processName",
        )
    wanted = [
        (dev, prod) for dev, prod in sorted(components.prod_ids_by_dev_id.items()) if prod in holder
    ]
    main_versions = await _main_versions(ctx, [prod for _, prod in wanted])
    items = tuple(
        RestoreItem(
            dev_component_id=dev,
            prod_component_id=prod,
            component_name=names.get(prod, ""),
            component_type=components.types_by_prod_id.get(prod, ""),
            package_id=holder[prod],
            main_version=main_versions[prod],
        )
        for dev, prod in wanted
    )
    return items, tuple(p for p in root_first if p.package_id in set(holder.values()))


async def _main_versions(ctx: ActionContext, component_ids: list[str]) -> dict[str, int | None]:
    if ctx.settings.boomi.bulk_reads:
        items = await ctx.boomi.bulk_get_component_metadata(component_ids)
        return {item.id: item.result.version if item.result is not None else None for item in items}
    semaphore = asyncio.Semaphore(READS_AT_ONCE)

    async def read(component_id: str) -> int | None:
        async with semaphore:
            try:
                return (await ctx.boomi.get_component_metadata(component_id)).version
            except BoomiNotFoundError:
                return None

    found = await asyncio.gather(*(read(c) for c in component_ids))
    return dict(zip(component_ids, found, strict=True))


# ---------------------------------------------------------------------------- doing it


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


async def execute_rollback(
    ctx: ActionContext, plan: RollbackPlan, *, reason: str | None = None
) -> RollbackOutcome:
    """Do what ``plan`` says (see the module docstring); typed errors, audited failures."""
    await ctx.progress.link_promotion(plan.current.promotion_id)
    if plan.restore:
        await _check_no_review_under_way(ctx, plan)
    restore_id = str(uuid.uuid4()) if plan.restore else ""
    handle = BranchHandle(branch_name_for(restore_id))
    intent = RollbackIntent.of(
        plan, restore_id=restore_id, branch_id="", restored=(), reason=reason
    )
    try:
        if plan.restore:
            try:
                await _check_branch_room(ctx)
                restored, branch_id = await _prepare_restore_branch(ctx, plan, restore_id, handle)
            except BoomiError as exc:
                raise _typed(exc, "RESTORE_FAILED", "preparing the restore branch") from exc
            intent = replace(intent, branch_id=branch_id, restored=restored)
        await _write_ahead(ctx, intent)
        try:
            release_id, status = await _release_previous(ctx, intent)
        except BoomiError as exc:
            raise _typed(exc, "RELEASE_FAILED", "releasing the previous version") from exc
    except Exception as exc:
        await _abandon(ctx, intent, handle, exc)
        raise
    try:
        await _record(ctx, intent, release_id)
    except Exception as exc:
        await _abandon(ctx, intent, handle, exc)
        raise
    return RollbackOutcome(
        release_id=release_id,
        release_status=status,
        restore_promotion_id=restore_id,
        restore_branch_id=intent.branch_id,
        restore_branch_name=branch_name_for(restore_id) if restore_id else "",
        restored=intent.restored,
    )


async def _check_no_review_under_way(ctx: ActionContext, plan: RollbackPlan) -> None:
    """The restore promotion enters review: none of the root may be under review already."""
    async with ctx.unit_of_work() as uow:
        previous = await uow.promotions.get(plan.previous.promotion_id)
        if previous is not None:
            await check_no_promotion_in_review(
                uow,
                previous.dev_account_id,
                previous.root_component_id,
                doing="restoring main through a review",
            )


async def _write_ahead(ctx: ActionContext, intent: RollbackIntent) -> None:
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action=ROLLBACK_STARTED,
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=intent.current_promotion_id,
            detail=intent.to_json(),
        )
        await uow.commit()


async def resume_rollback(ctx: ActionContext, promotion_id: str) -> bool:
    """Finish a rollback of ``promotion_id`` whose run stopped after writing ahead: release
    (unless Boomi's pack shows it done, or the release request is on record) and record; on
    a failure, the restore branch goes and ``rollback.failed`` is audited. ``False`` when
    there was nothing to finish."""
    async with ctx.unit_of_work() as uow:
        entries = await uow.audit.list_entries(
            target_type="promotion", target_id=promotion_id, page_size=AUDIT_PAGE_SIZE
        )
    started = [e for e in entries.items if e.action == ROLLBACK_STARTED]
    if not started:
        return False
    last = started[-1]
    ended = any(
        e.action in (PROMOTION_ROLLED_BACK, ROLLBACK_FAILED) and e.id > last.id
        for e in entries.items
    )
    if ended:
        return False
    intent = RollbackIntent.from_json(last.detail or {})
    try:
        release_id = await _release_on_record(ctx, intent, after=last.id)
        if release_id is None:
            pack = await ctx.boomi.get_publisher_integration_pack(intent.pack_id)
            member = pack.component(intent.prod_root_id)
            running = member.current_version if member is not None else None
            release_id = (
                ""
                if running == intent.previous_version
                else (await _release_previous(ctx, intent))[0]
            )
        await _record(ctx, intent, release_id)
    except Exception as exc:
        # The restore branch was made before writing ahead: its create was answered.
        handle = BranchHandle(
            branch_name_for(intent.restore_id),
            requested_at=0.0 if intent.branch_id else None,
            branch_id=intent.branch_id or None,
        )
        await _abandon(ctx, intent, handle, exc)
        raise
    ctx.log.warning("interrupted rollback finished", promotion_id=promotion_id)
    return True


async def _release_on_record(
    ctx: ActionContext, intent: RollbackIntent, *, after: int
) -> str | None:
    """The id of this rollback's release request if the audit trail has it."""
    async with ctx.unit_of_work() as uow:
        entries = await uow.audit.list_entries(
            target_type="promotion",
            target_id=intent.previous_promotion_id,
            page_size=AUDIT_PAGE_SIZE,
        )
    for entry in reversed(entries.items):
        detail = entry.detail or {}
        if (
            entry.id > after
            and entry.action == RELEASE_REQUESTED
            and detail.get("rollbackOf") == intent.current_promotion_id
        ):
            return str(detail.get("releaseId") or "")
    return None


def _typed(exc: BoomiError, error_code: str, doing: str) -> PromoError:
    """Boomi refusing the request is the rollback failing (502); other failures keep their
    own codes (AUTH_FAILED, API_RATE_LIMIT, BOOMI_UNAVAILABLE)."""
    if isinstance(exc, BoomiBadRequestError | BoomiNotFoundError):
        return _upstream(f"The rollback failed while {doing}: {exc.message}", error_code)
    return from_boomi_error(exc)


async def _check_branch_room(ctx: ActionContext) -> None:
    """Room for one branch at a time (a temporary one, then the restore branch)."""
    limit = ctx.settings.boomi.branch_soft_limit
    count = await count_branches(ctx.boomi)
    if count + 1 > limit:
        raise BranchLimitReached(
            f"The primary account has {count} branches (the limit is {limit}); the restore "
            "promotion needs one more. Finish or withdraw pending promotions first.",
            details={"branchCount": count, "branchLimit": limit},
        )


async def _prepare_restore_branch(
    ctx: ActionContext, plan: RollbackPlan, restore_id: str, handle: BranchHandle
) -> tuple[tuple[RestoreItem, ...], str]:
    """The restore branch, holding the previous release's content as new versions."""
    settings = ctx.settings.boomi
    main = await ctx.boomi.find_branch_by_name(MAIN_BRANCH)
    if main is None:
        raise LookupError("the primary account has no main branch")
    contents: dict[str, bytes] = {}
    for number, package in enumerate(plan.restore_packages, start=1):
        await ctx.progress.report(
            step="restore",
            current=number,
            total=len(plan.restore_packages),
            message=f"Reading package {package.package_id} of the previous release",
        )
        wanted = [i.prod_component_id for i in plan.restore if i.package_id == package.package_id]
        name = source_branch_name(restore_id, number)
        temporary = await ctx.boomi.create_branch(
            name,
            parent_id=main.id,
            package_id=package.package_id,
            description=f"Package {package.package_id} for the rollback {restore_id}",
        )
        try:
            await ctx.boomi.wait_for_branch_ready(
                temporary.id,
                timeout_seconds=settings.branch_ready_timeout_seconds,
                interval_seconds=settings.poll_interval_seconds,
            )
            for component_id in wanted:
                old = await ctx.boomi.get_component(component_id, branch_id=temporary.id)
                contents[component_id] = old.xml
        finally:
            await _delete_temporary(ctx, temporary.id, name)
    handle.requested()
    branch = await ctx.boomi.create_branch(
        handle.name,
        parent_id=main.id,
        description=f"Rollback of {plan.process_name} to promotion {plan.previous.promotion_id}",
    )
    await handle.created(branch)
    await ctx.boomi.wait_for_branch_ready(
        branch.id,
        timeout_seconds=settings.branch_ready_timeout_seconds,
        interval_seconds=settings.poll_interval_seconds,
    )
    restored: list[RestoreItem] = []
    for number, item in enumerate(plan.restore, start=1):
        await ctx.progress.report(
            step="restore",
            current=number,
            total=len(plan.restore),
            message=f"Writing {item.component_name or item.prod_component_id} on the branch",
        )
        written = await ctx.boomi.update_component(
            item.prod_component_id, contents[item.prod_component_id], branch_id=branch.id
        )
        restored.append(replace(item, restored_version=written.version))
    return tuple(restored), branch.id


async def _delete_temporary(ctx: ActionContext, branch_id: str, name: str) -> None:
    # A failure here must not hide the error that brought us here; the name tells the
    # reconciler whose branch it is.
    try:
        await ctx.boomi.delete_branch(branch_id)
    except BoomiError:
        ctx.log.warning("temporary branch not deleted; left for the reconciler", branch=name)


async def _release_previous(ctx: ActionContext, intent: RollbackIntent) -> tuple[str, str]:
    """Release the pack with the previous versions; (request id, status after the bounded wait)."""
    await ctx.progress.report(step="release", message=f"Releasing {intent.pack_name}")
    previous = dict(intent.previous_versions)
    # Puts back what is missing; the pack's other components stay in it.
    pack = (
        await ctx.boomi.add_to_integration_pack(intent.pack_id, list(previous))
        if previous
        else await ctx.boomi.get_publisher_integration_pack(intent.pack_id)
    )
    started = await ctx.boomi.release_integration_pack(
        intent.pack_id, rollback_release_components(pack, previous)
    )
    request_id = started.request_id or ""  # empty: recognised by its effect
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action=RELEASE_REQUESTED,
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=intent.previous_promotion_id,
            detail={
                "releaseId": request_id,
                "releaseType": intent.environment.value,
                "integrationPackId": intent.pack_id,
                "integrationPackName": intent.pack_name,
                "packageVersion": intent.previous_version,
                "components": [
                    {"componentId": component_id, "packageVersion": version}
                    for component_id, version in previous.items()
                ],
                "rollbackOf": intent.current_promotion_id,
            },
        )
        await uow.commit()
    # A release recognised by its effect (its answer was lost) has finished: nothing to poll.
    status = recognised_release()
    if started.request_id is not None:
        for attempt in range(ctx.settings.boomi.release_status_polls):
            if attempt:
                await asyncio.sleep(ctx.settings.boomi.poll_interval_seconds)
            status = await ctx.boomi.get_release_status(request_id)
            if status.finished:
                async with ctx.unit_of_work() as uow:
                    await record_release_settled(
                        uow, intent.previous_promotion_id, status, actor=ctx.principal.email
                    )
                    await uow.commit()
                break
    if status.release_status == ReleaseStatus.ERROR:
        why = f": {status.message}" if status.message else ""
        raise _upstream(
            f"Boomi reported the rollback release of Integration Pack '{intent.pack_name}' "
            f"(request {request_id}) as ERROR{why}. The environment still runs package version "
            f"{intent.current_version}.",
            "RELEASE_FAILED",
        )
    return request_id, status.release_status


async def _record(ctx: ActionContext, intent: RollbackIntent, release_id: str) -> None:
    """Mark the rolled-back promotion (a test deployment: TEST_CANCELLED) and, in Production,
    record the restore promotion."""
    actor = ctx.principal.email
    now = datetime.now(UTC)
    before = {"promotionId": intent.current_promotion_id, "packageVersion": intent.current_version}
    after = {"promotionId": intent.previous_promotion_id, "packageVersion": intent.previous_version}
    async with ctx.unit_of_work() as uow:
        current = await load_for_update(uow, intent.current_promotion_id)
        detail = current.detail
        if detail.rolled_back is not None:
            raise AlreadyRolledBack(
                f"Promotion {current.promotion_id} was rolled back by someone else meanwhile.",
                field="processName",
            )
        current.result_detail = replace(
            detail,
            rolled_back={
                "at": now.isoformat(),
                "by": actor,
                "environment": intent.environment.value,
                "releaseId": release_id,
                "restoredReleaseOf": intent.previous_promotion_id,
                "restorePromotionId": intent.restore_id,
                "reason": intent.reason,
            },
        ).to_json()
        await uow.promotions.update(current)
        await uow.audit.append(
            actor_email=actor,
            action=PROMOTION_ROLLED_BACK,
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=current.promotion_id,
            detail={
                "environment": intent.environment.value,
                "integrationPackId": intent.pack_id,
                "integrationPackName": intent.pack_name,
                "releaseId": release_id,
                "before": before,
                "after": after,
                "restorePromotionId": intent.restore_id,
                "reason": intent.reason,
            },
        )
        if intent.environment is ReleaseType.TEST and current.status == _S.TEST_DEPLOYED:
            # Test no longer runs it: it is not a test deployment to take to production. One a
            # live production promotion was made from stays (that one ships its own branch).
            linked = await uow.promotions.query(
                test_promotion_id=current.promotion_id,
                statuses=LIVE_PRODUCTION_STATUSES,
                page_size=1,
            )
            if not linked.items:
                await change_status(
                    uow,
                    current,
                    _S.TEST_CANCELLED,
                    actor=actor,
                    process_name=ctx.process_name,
                    detail={"reason": "rolled back", "releaseId": release_id},
                )
        if intent.restore_id:
            previous = await load_for_update(uow, intent.previous_promotion_id)
            await uow.promotions.add(_restore_record(actor, intent, previous, release_id, now))
            await uow.audit.append(
                actor_email=actor,
                action=f"promotion.{_S.PENDING_PEER_REVIEW.value.lower()}",
                process_name=ctx.process_name,
                target_type="promotion",
                target_id=intent.restore_id,
                after_status=_S.PENDING_PEER_REVIEW,
                detail={
                    "rollbackOf": intent.current_promotion_id,
                    "restores": intent.previous_promotion_id,
                    "branchId": intent.branch_id,
                    "before": {"mainVersions": _versions(intent.restored, "main_version")},
                    "after": {"branchVersions": _versions(intent.restored, "restored_version")},
                },
            )
        await uow.commit()
    ctx.log.info(
        "process rolled back",
        process=intent.process_name,
        environment=intent.environment.value,
        release_id=release_id,
        restore_promotion_id=intent.restore_id or None,
    )


def _versions(items: Iterable[RestoreItem], field: str) -> dict[str, Any]:
    return {item.prod_component_id: getattr(item, field) for item in items}


def _restore_record(
    actor: str,
    intent: RollbackIntent,
    previous: PromotionLog,
    release_id: str,
    now: datetime,
) -> PromotionLog:
    """The restore promotion: a PRODUCTION promotion of the previous content, under review."""
    reason = intent.reason
    notes = (
        f"Rollback of {intent.process_name}: restores main to the content released by promotion "
        f"{intent.previous_promotion_id} (package version {intent.previous_version}), replacing "
        f"promotion {intent.current_promotion_id}." + (f" Reason: {reason}" if reason else "")
    )
    return PromotionLog(
        promotion_id=intent.restore_id,
        dev_account_id=previous.dev_account_id,
        dev_account_name=previous.dev_account_name,
        prod_account_id=previous.prod_account_id,
        dev_package_id=previous.dev_package_id,
        root_component_id=previous.root_component_id,
        process_name=previous.process_name,
        initiated_by=actor,
        initiated_at=now,
        status=_S.PENDING_PEER_REVIEW,
        target_environment=PRODUCTION,
        components_total=len(intent.restored),
        components_updated=len(intent.restored),
        result_detail=ResultDetail(
            promotion_results=tuple(
                ComponentOutcome(
                    dev_component_id=item.dev_component_id,
                    prod_component_id=item.prod_component_id,
                    component_name=item.component_name,
                    component_type=item.component_type,
                    action="UPDATED",
                    version=item.restored_version or 0,
                )
                for item in intent.restored
            ),
            deployment_notes=notes,
            rollback={
                "rollbackOf": intent.current_promotion_id,
                "restores": intent.previous_promotion_id,
                "packageVersion": intent.previous_version,
                "releaseId": release_id,
                "reason": reason,
            },
        ).to_json(),
        branch_id=intent.branch_id,
        branch_name=branch_name_for(intent.restore_id),
        submitted_for_review_by=actor,
        submitted_for_review_at=now,
        integration_pack_id=intent.pack_id,
        integration_pack_name=intent.pack_name,
    )


async def _abandon(
    ctx: ActionContext, intent: RollbackIntent, handle: BranchHandle, exc: Exception
) -> None:
    """After a failure: the restore branch goes (by the id its create answered with, else by
    name), the failure is audited."""
    try:
        await handle.delete(ctx.boomi, ctx.settings.boomi)
    except BoomiError:
        ctx.log.exception("restore branch left for the reconciler", branch=handle.name)
    error_code = exc.error_code if isinstance(exc, PromoError) else type(exc).__name__
    message = exc.message if isinstance(exc, PromoError) else str(exc)
    try:
        async with ctx.unit_of_work() as uow:
            await uow.audit.append(
                actor_email=ctx.principal.email,
                action=ROLLBACK_FAILED,
                process_name=ctx.process_name,
                target_type="promotion",
                target_id=intent.current_promotion_id,
                detail={
                    "environment": intent.environment.value,
                    "errorCode": error_code,
                    "reason": message[:1000],
                    "rollbackTo": intent.previous_promotion_id,
                },
            )
            await uow.commit()
    except Exception:
        ctx.log.exception("could not audit the failed rollback")
