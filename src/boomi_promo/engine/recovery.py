"""A promotion's branch, found and deleted: what ending a promotion FAILED after a failure or a
crash needs (``engine.lifecycle.record_failure`` and ``compensate_interrupted_promotion``).

Every branch the engine creates is named ``promo-{promotionId}``; the branch is looked up by
that name too, so a crash between creating it and recording its id leaves no orphan.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.models import Branch

MAX_ERROR_MESSAGE_CHARS = 5000
SYSTEM_ACTOR = "system"
RECOVERY_PROCESS = "C · PROMO - Execute Promotion"


def branch_name_for(promotion_id: str) -> str:
    return f"promo-{promotion_id}"


@dataclass
class FailureRecord:
    """What the FAILED log says besides its status."""

    reason: str
    result_detail: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    """``components_created`` / ``components_updated`` / ``components_failed`` to store."""


async def find_created_branch(
    boomi: BoomiClient,
    name: str,
    *,
    look_until: float,
    interval_seconds: float,
) -> Branch | None:
    """The live branch named ``name``, looked for until ``look_until`` (``time.monotonic()``):
    for a branch whose create got no answer, which a Branch QUERY may not list yet."""
    while True:
        branch = await boomi.find_branch_by_name(name)
        remaining = look_until - time.monotonic()
        if branch is not None or remaining <= 0:
            return branch
        await asyncio.sleep(min(interval_seconds, remaining))


async def delete_promotion_branch(
    boomi: BoomiClient,
    promotion_id: str,
    branch_id: str | None,
    *,
    look_until: float = 0.0,
    interval_seconds: float = 1.0,
) -> None:
    """Delete the promotion's branch (by id, else by its name); gone already counts as deleted.

    By name, the branch is looked for until ``look_until`` (``time.monotonic()``; by default
    once): a branch created moments ago may not be listed by a Branch QUERY yet.
    """
    if branch_id is None:
        branch = await find_created_branch(
            boomi,
            branch_name_for(promotion_id),
            look_until=look_until,
            interval_seconds=interval_seconds,
        )
        if branch is None:
            return
        branch_id = branch.id
    await boomi.delete_branch(branch_id)
