"""The plan: what a rollback would do, worked out without writing anything."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace

from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.models import PublisherIntegrationPack, ReleaseStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import RecordedPackage, recorded_packages
from boomi_promo.engine.deployment.rules import AUDIT_PAGE_SIZE, ReleaseType, promoted_components
from boomi_promo.engine.rollback.errors import (
    AmbiguousProcess,
    NoPreviousRelease,
    ReleaseChanged,
    ReleaseInProgress,
)
from boomi_promo.engine.rollback.history import (
    HISTORY_SIZE,
    READS_AT_ONCE,
    ReleaseEvent,
    choose_rollback,
    release_events,
)


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
