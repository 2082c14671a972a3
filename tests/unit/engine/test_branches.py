"""Branch bookkeeping as Boomi does it: DELETING branches hold a slot; failed merges are told
apart into conflicts (named) and other failures; merges are bounded by their own setting."""

from __future__ import annotations

from typing import Any

import pytest

from boomi_promo.boomi.models import Branch
from boomi_promo.config import BoomiSettings
from boomi_promo.engine.branches import MergeFailed, merge_branch, takes_a_slot
from tests.unit.boomi.support import ScriptedBoomi, json_response, make_client

SETTINGS = BoomiSettings(poll_interval_seconds=0.01, merge_timeout_seconds=5.0)


def test_a_branch_boomi_is_deleting_holds_a_slot_whatever_its_deleted_flag_says() -> None:
    def branch(stage: str, *, deleted: bool = False) -> Branch:
        return Branch(id="Qjo5", name="promo-x", stage=stage, deleted=deleted)

    assert takes_a_slot(branch("NORMAL"))
    assert takes_a_slot(branch("CREATING"))
    assert takes_a_slot(branch("DELETING"))
    assert takes_a_slot(branch("DELETING", deleted=True))
    assert not takes_a_slot(branch("NORMAL", deleted=True)), "deleted and done"


def merge(stage: str, *details: dict[str, Any]) -> dict[str, Any]:
    return {
        "@type": "MergeRequest",
        "id": "mr-7",
        "stage": stage,
        "MergeRequestDetails": {"MergeRequestDetail": list(details)},
    }


def detail(component_id: str, *, conflict: bool, resolution: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"componentGuid": component_id, "conflict": conflict}
    if resolution is not None:
        found["resolution"] = resolution
    return found


async def run_merge(*answers: dict[str, Any], settings: BoomiSettings = SETTINGS) -> None:
    boomi = ScriptedBoomi(*(json_response(200, a) for a in answers))
    async with make_client(boomi) as client:
        await merge_branch(
            client,
            settings,
            "Qjo5",
            "Qjo1",
            note="n",
            describing="branch promo-x into main",
            on_failure="The branch was kept.",
            component_names={"c-1": "Orders Map"},
        )


async def test_unresolved_conflicts_fail_the_merge_as_a_conflict_naming_them() -> None:
    failed = merge(
        "FAILED_TO_MERGE",
        detail("c-1", conflict=True, resolution=None),
        detail("c-2", conflict=True, resolution=None),
        detail("c-3", conflict=True, resolution="OVERRIDE"),
        detail("c-4", conflict=False, resolution="OVERRIDE"),
    )

    with pytest.raises(MergeFailed) as caught:
        await run_merge(merge("DRAFTING"), failed)

    error = caught.value
    assert (error.error_code, error.status_code) == ("MERGE_CONFLICT", 409)
    assert "2 component(s) conflict" in error.message
    assert "Orders Map (c-1), c-2." in error.message
    assert error.message.endswith("The branch was kept.")
    assert error.details["conflictingComponents"] == [
        {"componentId": "c-1", "componentName": "Orders Map"},
        {"componentId": "c-2"},
    ]
    assert error.details["mergeStage"] == "FAILED_TO_MERGE"


async def test_a_failed_merge_whose_conflicts_were_resolved_is_a_plain_failure() -> None:
    failed = merge("FAILED_TO_MERGE", detail("c-3", conflict=True, resolution="OVERRIDE"))

    with pytest.raises(MergeFailed) as caught:
        await run_merge(merge("DRAFTING"), failed)

    assert (caught.value.error_code, caught.value.status_code) == ("MERGE_FAILED", 502)
    assert "stage FAILED_TO_MERGE" in caught.value.message
    assert "conflictingComponents" not in caught.value.details


async def test_a_merge_is_bounded_by_the_merge_timeout_not_the_branch_wait() -> None:
    settings = BoomiSettings(
        poll_interval_seconds=0.01, merge_timeout_seconds=0.05, branch_ready_timeout_seconds=600
    )

    with pytest.raises(MergeFailed) as caught:
        await run_merge(merge("DRAFTING"), settings=settings)

    assert (caught.value.error_code, caught.value.status_code) == ("MERGE_TIMEOUT", 504)
    assert "within 0.05 s" in caught.value.message
