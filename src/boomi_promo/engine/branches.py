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
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.boomi.models import (
    Branch,
    MergeRequest,
    MergeRequestAction,
    MergeStage,
    MergeStrategy,
    PriorityBranch,
)
from boomi_promo.config import BoomiSettings
from boomi_promo.engine.recovery import branch_name_for
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


class MergeFailed(UpstreamFailure):
    """A merge ended in a failed stage (``MERGE_FAILED``) or did not finish in time
    (``MERGE_TIMEOUT``)."""


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
        await _delete_temporary(boomi, temporary, name)


async def _delete_temporary(boomi: BoomiClient, temporary: Branch | None, name: str) -> None:
    # Found by name when the create's answer never arrived; a failure here must not hide the
    # error that brought us here, and the name tells the reconciler whose branch it is.
    try:
        if temporary is None:
            temporary = await boomi.find_branch_by_name(name)
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
) -> frozenset[str]:
    """Merge ``source_id`` into ``destination_id`` (OVERRIDE, source wins) and wait, bounded,
    for MERGED; the ids of the components the merge brought.

    :class:`MergeFailed` (``MERGE_FAILED``, 502) when the merge ends in a failed stage,
    (``MERGE_TIMEOUT``, 504) when it does not finish within the branch-ready timeout.
    ``describing`` ("branch X into main") and ``on_failure`` (what the caller does about it)
    go into the message.
    """
    # No merge-specific setting: a merge is given as long as a new branch gets to be ready.
    timeout = settings.branch_ready_timeout_seconds
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
            raise MergeFailed(
                f"Merging {describing} failed (merge request {request.id}, stage {stage})."
                + suffix,
                error_code="MERGE_FAILED",
                status_code=502,
            )
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
