"""Promotion branches assembled from packages, and merges from one branch into another.

A PackagedComponent holds its root and everything the root references DEPENDENT-ly, but not
the processes a process route calls (INDEPENDENT references: Boomi deploys those on their
own, so each is packaged separately). A branch created from one package therefore lacks what
only the other packages of the same deployment hold. :func:`assemble_branch` builds a branch
that holds all of it: created from one package, then every other package merged in through
a temporary branch ``promo-{promotionId}-src-N`` made from it, merged (OVERRIDE, source
wins) and deleted again whatever happens. At most one temporary branch exists at a time, so
an assembly needs one branch more than its own (:meth:`BranchSources.branches_needed`).

C builds its promotion branch this way, R its review branch; D merges a review branch into
main with :func:`merge_branch`.

Boomi is eventually consistent about branches, and this module is where that is absorbed: a
deleted branch stays listed as DELETING for a while and still counts toward the branch limit
(:func:`count_branches`); a new branch may be missing from a Branch QUERY for a moment, so a
branch is followed by the id its create answered with, and looked for by name only when that
answer never came (:func:`find_created_branch`); and a merge can end FAILED_TO_MERGE with the
components that conflict flagged in its details (``MERGE_CONFLICT``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.boomi.models import (
    Branch,
    BranchStage,
    MergeRequest,
    MergeRequestAction,
    MergeStage,
    MergeStrategy,
    PriorityBranch,
)
from boomi_promo.config import BoomiSettings
from boomi_promo.engine.recovery import branch_name_for, find_created_branch
from boomi_promo.errors import UpstreamFailure

MAIN_BRANCH = "main"
FAILED_MERGE_STAGES = frozenset(
    {
        MergeStage.FAILED_TO_DRAFT,
        MergeStage.FAILED_TO_REDRAFT,
        MergeStage.FAILED_TO_MERGE,
        MergeStage.DELETED,
        MergeStage.REVERTED,
    }
)

log = structlog.get_logger("boomi_promo.engine")


MAX_NAMED_CONFLICTS = 20
"""Conflicting components named in a MERGE_CONFLICT message; the details list all of them."""


class MergeFailed(UpstreamFailure):
    """A merge ended in a failed stage (``MERGE_FAILED``), failed on conflicting components
    (``MERGE_CONFLICT``, 409, ``details["conflictingComponents"]``) or did not finish in time
    (``MERGE_TIMEOUT``)."""


def takes_a_slot(branch: Branch) -> bool:
    """Whether the branch counts toward the account's branch limit: every live branch, and one
    Boomi is still deleting (whatever its ``deleted`` flag says meanwhile)."""
    return branch.stage == BranchStage.DELETING or not branch.deleted


async def count_branches(boomi: BoomiClient) -> int:
    """The branches the primary account holds toward its limit, ``main`` included.

    A branch created in the last moments may not be listed yet; the soft limit leaves room
    under Boomi's hard one for that.
    """
    count = 0
    async for branch in boomi.query_branches():
        if takes_a_slot(branch):
            count += 1
    return count


def lookup_deadline(settings: BoomiSettings, requested_at: float) -> float:
    """Until when a branch whose create was sent at ``requested_at`` may be missing from a
    query (both ``time.monotonic()``)."""
    return requested_at + settings.branch_query_delay_seconds


@dataclass(frozen=True, slots=True)
class BranchSources:
    """Where a branch's content comes from."""

    package_id: str | None
    """The branch is created from this package; ``None``: from main."""
    merged_package_ids: tuple[str, ...] = ()
    """Packages merged into the branch afterwards, in this order (each through a temporary
    branch): they hold components the first package lacks."""

    @property
    def branches_needed(self) -> int:
        """Branches the assembly has at once: the branch, plus one temporary branch if any."""
        return 2 if self.merged_package_ids else 1


@dataclass
class BranchHandle:
    """A branch being made, as far as it is known: its name, when its create was sent, and
    its id once Boomi answered the create. Enough to delete it whatever happened."""

    name: str
    requested_at: float | None = None
    """``time.monotonic()`` when the create was sent; ``None``: not sent."""
    branch_id: str | None = None

    def requested(self) -> None:
        self.requested_at = time.monotonic()

    async def created(self, branch: Branch) -> None:
        """An ``on_created`` hook for :func:`assemble_branch`."""
        self.branch_id = branch.id

    async def delete(self, boomi: BoomiClient, settings: BoomiSettings) -> None:
        """Delete the branch: by the id the create answered with, else by name, looked for as
        long as a new branch may be missing from a query; nothing if no create was sent."""
        if self.requested_at is None:
            return
        branch_id = self.branch_id
        if branch_id is None:
            found = await find_created_branch(
                boomi,
                self.name,
                look_until=lookup_deadline(settings, self.requested_at),
                interval_seconds=settings.poll_interval_seconds,
            )
            if found is None:
                return
            branch_id = found.id
        await boomi.delete_branch(branch_id)


def source_branch_name(promotion_id: str, number: int) -> str:
    """The temporary branch that brings the ``number``-th package into a promotion's branch;
    named after the promotion so that a leftover is attributed to it."""
    return f"{branch_name_for(promotion_id)}-src-{number}"


async def assemble_branch(
    boomi: BoomiClient,
    settings: BoomiSettings,
    *,
    promotion_id: str,
    sources: BranchSources,
    description: str,
    on_created: Callable[[Branch], Awaitable[None]] | None = None,
) -> Branch:
    """Create ``promo-{promotionId}`` from ``sources`` and wait until it holds all of them.

    ``on_created`` runs as soon as Boomi answers the create (before waiting), so the caller
    can record the branch id for a cleanup after a crash. A failure leaves the branch for the
    caller to delete (it is named ``promo-{promotionId}``); temporary branches are always
    deleted here.
    """
    main = await boomi.find_branch_by_name(MAIN_BRANCH)
    if main is None:
        raise LookupError("the primary account has no main branch")
    branch = await boomi.create_branch(
        branch_name_for(promotion_id),
        parent_id=main.id,
        package_id=sources.package_id,
        description=description,
    )
    if on_created is not None:
        await on_created(branch)
    await _wait_ready(boomi, settings, branch.id)
    for number, package_id in enumerate(sources.merged_package_ids, start=1):
        await _merge_package(
            boomi,
            settings,
            main_id=main.id,
            promotion_id=promotion_id,
            package_id=package_id,
            number=number,
            destination=branch,
        )
    return branch


async def _merge_package(
    boomi: BoomiClient,
    settings: BoomiSettings,
    *,
    main_id: str,
    promotion_id: str,
    package_id: str,
    number: int,
    destination: Branch,
) -> None:
    """Bring one package's components into ``destination`` through a temporary branch."""
    name = source_branch_name(promotion_id, number)
    temporary: Branch | None = None
    requested_at = time.monotonic()
    try:
        temporary = await boomi.create_branch(
            name,
            parent_id=main_id,
            package_id=package_id,
            description=f"Package {package_id} for promotion {promotion_id}",
        )
        await _wait_ready(boomi, settings, temporary.id)
        merged = await merge_branch(
            boomi,
            settings,
            temporary.id,
            destination.id,
            note=f"Package {package_id} into {destination.name}",
            describing=f"package {package_id} (branch {name}) into {destination.name}",
        )
        log.info(
            "package merged into the branch",
            promotion_id=promotion_id,
            package_id=package_id,
            branch=destination.name,
            components=len(merged),
        )
    finally:
        await _delete_temporary(
            boomi, temporary, name, settings=settings, requested_at=requested_at
        )


async def _delete_temporary(
    boomi: BoomiClient,
    temporary: Branch | None,
    name: str,
    *,
    settings: BoomiSettings,
    requested_at: float,
) -> None:
    # Found by name when the create's answer never arrived; a failure here must not hide the
    # error that brought us here, and the name tells the reconciler whose branch it is.
    try:
        if temporary is None:
            temporary = await find_created_branch(
                boomi,
                name,
                look_until=lookup_deadline(settings, requested_at),
                interval_seconds=settings.poll_interval_seconds,
            )
        if temporary is not None:
            await boomi.delete_branch(temporary.id)
    except BoomiError as exc:
        log.warning(
            "temporary branch not deleted; left for the reconciler", branch=name, error=str(exc)
        )


async def _wait_ready(boomi: BoomiClient, settings: BoomiSettings, branch_id: str) -> None:
    await boomi.wait_for_branch_ready(
        branch_id,
        timeout_seconds=settings.branch_ready_timeout_seconds,
        interval_seconds=settings.poll_interval_seconds,
    )


async def merge_branch(
    boomi: BoomiClient,
    settings: BoomiSettings,
    source_id: str,
    destination_id: str,
    *,
    note: str,
    describing: str,
    on_failure: str = "",
    component_names: Mapping[str, str] | None = None,
) -> frozenset[str]:
    """Merge ``source_id`` into ``destination_id`` (OVERRIDE, source wins) and wait, bounded,
    for MERGED; the ids of the components the merge brought.

    :class:`MergeFailed` when the merge ends in a failed stage: ``MERGE_CONFLICT`` (409) when
    Boomi flags components as conflicting (named from ``component_names`` where known, all of
    them in ``details``), else ``MERGE_FAILED`` (502); ``MERGE_TIMEOUT`` (504) when it does not
    finish within ``merge_timeout_seconds``. ``describing`` ("branch X into main") and
    ``on_failure`` (what the caller does about it) go into the message.
    """
    timeout = settings.merge_timeout_seconds
    deadline = time.monotonic() + timeout
    request: MergeRequest = await boomi.create_merge_request(
        source_id,
        destination_id,
        strategy=MergeStrategy.OVERRIDE,
        priority_branch=PriorityBranch.SOURCE,
        note=note,
    )
    executed = False
    suffix = f" {on_failure}" if on_failure else ""
    while True:
        stage = request.stage or ""
        if stage == MergeStage.MERGED:
            return frozenset(d.component_guid for d in request.details if not d.excluded)
        if stage in FAILED_MERGE_STAGES:
            raise _merge_failure(request, stage, describing, suffix, component_names or {})
        if stage == MergeStage.REVIEWING and not executed:
            request = await boomi.execute_merge_request(request.id, MergeRequestAction.MERGE)
            executed = True
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise MergeFailed(
                f"Merging {describing} did not finish within {timeout:g} s (merge request "
                f"{request.id}, stage {stage or 'unknown'})." + suffix,
                error_code="MERGE_TIMEOUT",
                status_code=504,
            )
        await asyncio.sleep(min(settings.poll_interval_seconds, remaining))
        request = await boomi.get_merge_request(request.id)


def _merge_failure(
    request: MergeRequest,
    stage: str,
    describing: str,
    suffix: str,
    names: Mapping[str, str],
) -> MergeFailed:
    """MERGE_CONFLICT naming the components whose conflict Boomi left unresolved, else
    MERGE_FAILED with the stage.

    A conflict with a ``resolution`` was settled (OVERRIDE settles every conflict by the
    priority branch): it is not why the merge failed.
    """
    details: dict[str, object] = {"mergeRequestId": request.id, "mergeStage": stage}
    conflicting = [
        d.component_guid
        for d in request.details
        if d.conflict and not d.resolution and not d.excluded and d.stage != MergeStage.MERGED
    ]
    if not conflicting:
        failed = MergeFailed(
            f"Merging {describing} failed (merge request {request.id}, stage {stage})." + suffix,
            error_code="MERGE_FAILED",
            status_code=502,
        )
        failed.details.update(details)
        return failed
    labels = [_component_label(c, names) for c in conflicting]
    shown = ", ".join(labels[:MAX_NAMED_CONFLICTS])
    if len(labels) > MAX_NAMED_CONFLICTS:
        shown += f" and {len(labels) - MAX_NAMED_CONFLICTS} more"
    failed = MergeFailed(
        f"Merging {describing} failed on conflicts (merge request {request.id}, stage "
        f"{stage}): {len(labels)} component(s) conflict with the destination: {shown}." + suffix,
        error_code="MERGE_CONFLICT",
        status_code=409,
    )
    details["conflictingComponents"] = [
        {"componentId": c, **({"componentName": names[c]} if c in names else {})}
        for c in conflicting
    ]
    failed.details.update(details)
    return failed


def _component_label(component_id: str, names: Mapping[str, str]) -> str:
    name = names.get(component_id)
    return f"{name} ({component_id})" if name else component_id
