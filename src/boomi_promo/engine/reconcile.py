"""Finding and removing ``promo-*`` branches that no live promotion owns.

Every branch the engine creates is named after its promotion: ``promo-{promotionId}`` (the
promotion's, or a review's) and ``promo-{promotionId}-src-N`` (a temporary one while packages
are merged in). A crash at the wrong moment can leave one behind; the record of the promotion
says whether anything still uses it. :func:`orphaned` decides (no I/O), and
:func:`reconcile_branches` reads Boomi and the store, then lists or deletes.

R creates a review branch *before* it writes the promotion record, so a branch whose
promotion is unknown is left alone until it is older than ``min_age``: the submission may
still be under way.

A branch Boomi is still deleting (stage DELETING) is never an orphan: it is not deleted again
on every pass while Boomi takes its time, only reported (it still counts toward the branch
limit), and an ended promotion that recorded it is told it is gone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.boomi.models import Branch, BranchStage
from boomi_promo.domain.statuses import TERMINAL, PromotionStatus
from boomi_promo.store import UnitOfWorkFactory

BRANCH_PREFIX = "promo-"
RECONCILE_PROCESS = "Reconcile promotion branches"
DEFAULT_MIN_AGE = timedelta(minutes=10)
"""Long enough for R to create, assemble and record a review branch."""

_PROMOTION_BRANCH = re.compile(r"^promo-(?P<promotion_id>.+?)(?P<source>-src-\d+)?$")

log = structlog.get_logger("boomi_promo.engine")


@dataclass(frozen=True, slots=True)
class PromotionOwner:
    """What the store says about a promotion, as far as its branch is concerned."""

    status: str
    branch_id: str | None


@dataclass(frozen=True, slots=True)
class Orphan:
    branch_id: str
    name: str
    promotion_id: str
    reason: str


@dataclass
class ReconcileReport:
    dry_run: bool
    orphans: list[Orphan] = field(default_factory=list)
    """Every orphan found; in a dry run, what would be deleted."""
    deleted: list[Orphan] = field(default_factory=list)
    """Deleted now, or already gone when the delete arrived."""
    failed: list[tuple[Orphan, str]] = field(default_factory=list)
    """Orphans Boomi refused to delete, with its error."""
    deleting: list[str] = field(default_factory=list)
    """Names of the ``promo-*`` branches Boomi is still deleting (left to it)."""


def promotion_id_of(branch_name: str) -> tuple[str, bool] | None:
    """``(promotion id, is a temporary -src-N branch)`` for a ``promo-*`` name, else ``None``."""
    match = _PROMOTION_BRANCH.match(branch_name)
    if match is None:
        return None
    return match["promotion_id"], match["source"] is not None


def _created_at(branch: Branch) -> datetime | None:
    if not branch.created_date:
        return None
    try:
        created = datetime.fromisoformat(branch.created_date)
    except ValueError:
        return None
    return created if created.tzinfo is not None else created.replace(tzinfo=UTC)


def _is_young(branch: Branch, now: datetime, min_age: timedelta) -> bool:
    # Without a creation date the age is unknown; Boomi always sends one, so such a branch
    # counts as old rather than being kept forever.
    created = _created_at(branch)
    return created is not None and now - created < min_age


def orphaned(
    branches: Iterable[Branch],
    promotions: Mapping[str, PromotionOwner],
    *,
    now: datetime,
    min_age: timedelta = DEFAULT_MIN_AGE,
) -> list[Orphan]:
    """The live ``promo-*`` branches among ``branches`` that no live promotion owns.

    ``promotions`` maps the ids the names mention to what the store holds (absent: no such
    promotion). A branch of an IN_PROGRESS promotion is never an orphan (its run is using it,
    temporary branches included); ``main`` and other names are never considered.
    """
    found = []
    for branch in branches:
        if branch.deleted or branch.stage == BranchStage.DELETING:
            continue
        parsed = promotion_id_of(branch.name)
        if parsed is None:
            continue
        promotion_id, temporary = parsed
        reason = _orphan_reason(
            branch, promotions.get(promotion_id), temporary=temporary, now=now, min_age=min_age
        )
        if reason is not None:
            found.append(Orphan(branch.id, branch.name, promotion_id, reason))
    return found


def _orphan_reason(
    branch: Branch,
    owner: PromotionOwner | None,
    *,
    temporary: bool,
    now: datetime,
    min_age: timedelta,
) -> str | None:
    if owner is None:
        if _is_young(branch, now, min_age):
            return None
        return "no promotion has this id"
    if owner.status == PromotionStatus.IN_PROGRESS:
        return None
    if owner.status in TERMINAL:
        return f"the promotion ended ({owner.status})"
    if temporary:
        # Temporary branches live only while a branch is assembled, which ends before the
        # promotion leaves IN_PROGRESS (C) or before its record is written (R).
        return f"temporary branch left after assembly (promotion is {owner.status})"
    if owner.branch_id != branch.id:
        return f"the promotion's branch is {owner.branch_id or 'none'}"
    return None


async def _promotion_owners(
    uow_factory: UnitOfWorkFactory, promotion_ids: Iterable[str]
) -> dict[str, PromotionOwner]:
    owners = {}
    async with uow_factory() as uow:
        for promotion_id in set(promotion_ids):
            promotion = await uow.promotions.get(promotion_id)
            if promotion is not None:
                owners[promotion_id] = PromotionOwner(promotion.status, promotion.branch_id)
    return owners


async def reconcile_branches(
    boomi: BoomiClient,
    uow_factory: UnitOfWorkFactory,
    *,
    dry_run: bool,
    actor: str,
    min_age: timedelta = DEFAULT_MIN_AGE,
) -> ReconcileReport:
    """List the orphaned ``promo-*`` branches and, unless ``dry_run``, delete each one.

    Each deletion (a branch already gone counts as deleted) is audited as
    ``branch.reconciled`` and clears the branch id an ended promotion still recorded; a
    deletion Boomi refuses is reported in ``failed`` and the others
    go on.
    """
    listed = [b async for b in boomi.query_branches() if b.name.startswith(BRANCH_PREFIX)]
    deleting = [b for b in listed if b.stage == BranchStage.DELETING]
    branches = [b for b in listed if not b.deleted and b.stage != BranchStage.DELETING]
    ids = [parsed[0] for b in listed if (parsed := promotion_id_of(b.name)) is not None]
    owners = await _promotion_owners(uow_factory, ids)
    report = ReconcileReport(
        dry_run=dry_run,
        orphans=orphaned(branches, owners, now=datetime.now(UTC), min_age=min_age),
        deleting=[b.name for b in deleting],
    )
    if dry_run:
        return report
    await _forget_deleting(uow_factory, deleting, owners, actor=actor)
    for orphan in report.orphans:
        try:
            existed = await boomi.delete_branch(orphan.branch_id)
        except BoomiError as exc:
            log.warning("orphaned branch not deleted", branch=orphan.name, error=str(exc))
            report.failed.append((orphan, str(exc)))
            continue
        async with uow_factory() as uow:
            # An ended promotion that kept the branch on record for us no longer holds it.
            owner = await uow.promotions.get_for_update(orphan.promotion_id)
            if owner is not None and owner.branch_id == orphan.branch_id:
                owner.branch_id = None
                await uow.promotions.update(owner)
            await uow.audit.append(
                actor_email=actor,
                action="branch.reconciled",
                process_name=RECONCILE_PROCESS,
                target_type="branch",
                target_id=orphan.branch_id,
                detail={
                    "branchName": orphan.name,
                    "promotionId": orphan.promotion_id,
                    "reason": orphan.reason,
                    "alreadyGone": not existed,
                },
            )
            await uow.commit()
        report.deleted.append(orphan)
        log.info(
            "orphaned branch deleted",
            branch=orphan.name,
            promotion_id=orphan.promotion_id,
            reason=orphan.reason,
        )
    return report


async def _forget_deleting(
    uow_factory: UnitOfWorkFactory,
    deleting: list[Branch],
    owners: Mapping[str, PromotionOwner],
    *,
    actor: str,
) -> None:
    """An ended promotion that still records a branch Boomi is deleting no longer holds it."""
    for branch in deleting:
        parsed = promotion_id_of(branch.name)
        owner = owners.get(parsed[0]) if parsed is not None else None
        if parsed is None or owner is None or owner.status not in TERMINAL:
            continue
        if owner.branch_id != branch.id:
            continue
        async with uow_factory() as uow:
            promotion = await uow.promotions.get_for_update(parsed[0])
            if promotion is None or promotion.branch_id != branch.id:
                continue
            promotion.branch_id = None
            await uow.promotions.update(promotion)
            await uow.audit.append(
                actor_email=actor,
                action="branch.reconciled",
                process_name=RECONCILE_PROCESS,
                target_type="branch",
                target_id=branch.id,
                detail={
                    "branchName": branch.name,
                    "promotionId": parsed[0],
                    "reason": f"Boomi is deleting it (the promotion ended {owner.status})",
                    "alreadyGone": True,
                },
            )
            await uow.commit()


async def reconcile_forever(
    boomi: BoomiClient,
    uow_factory: UnitOfWorkFactory,
    *,
    interval_seconds: float,
    actor: str,
    min_age: timedelta = DEFAULT_MIN_AGE,
) -> None:
    """Delete orphaned branches every ``interval_seconds`` until cancelled."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            await reconcile_branches(
                boomi, uow_factory, dry_run=False, actor=actor, min_age=min_age
            )
        except Exception:
            log.exception("branch reconciliation failed; trying again later")
