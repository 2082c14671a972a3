"""Which promo-* branches are orphans: the decision alone, without Boomi or a database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from boomi_promo.boomi.models import Branch
from boomi_promo.cli.reconcile import format_report
from boomi_promo.domain.statuses import TERMINAL, PromotionStatus
from boomi_promo.engine.reconcile import (
    Orphan,
    PromotionOwner,
    ReconcileReport,
    orphaned,
    promotion_id_of,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LONG_AGO = "2026-03-01T09:00:00Z"
MIN_AGE = timedelta(minutes=10)


def branch(name: str, *, created: str | None = LONG_AGO, deleted: bool = False) -> Branch:
    return Branch(id=f"id-of-{name}", name=name, created_date=created, deleted=deleted)


def orphan_names(
    branches: list[Branch], promotions: dict[str, PromotionOwner] | None = None
) -> list[str]:
    found = orphaned(branches, promotions or {}, now=NOW, min_age=MIN_AGE)
    return [o.name for o in found]


def test_names_are_split_into_promotion_id_and_temporary_flag() -> None:
    promotion_id = str(uuid.uuid4())
    assert promotion_id_of(f"promo-{promotion_id}") == (promotion_id, False)
    assert promotion_id_of(f"promo-{promotion_id}-src-12") == (promotion_id, True)
    assert promotion_id_of("main") is None
    assert promotion_id_of("promotion-feature") is None


def test_main_and_other_branches_are_never_orphans() -> None:
    assert orphan_names([branch("main"), branch("feature-x"), branch("promotion-x")]) == []


def test_a_branch_of_an_unknown_promotion_is_an_orphan_once_old_enough() -> None:
    old, undated = f"promo-{uuid.uuid4()}", f"promo-{uuid.uuid4()}-src-1"
    young = f"promo-{uuid.uuid4()}"
    just_now = (NOW - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    branches = [branch(old), branch(undated, created=None), branch(young, created=just_now)]

    found = orphaned(branches, {}, now=NOW, min_age=MIN_AGE)

    assert [(o.name, o.reason) for o in found] == [
        (old, "no promotion has this id"),
        (undated, "no promotion has this id"),
    ]
    assert found[0].promotion_id == old.removeprefix("promo-")
    assert found[0].branch_id == f"id-of-{old}"


def test_branches_of_an_in_progress_promotion_are_kept_temporary_ones_too() -> None:
    promotion_id = str(uuid.uuid4())
    owners = {promotion_id: PromotionOwner(PromotionStatus.IN_PROGRESS, branch_id=None)}
    branches = [branch(f"promo-{promotion_id}"), branch(f"promo-{promotion_id}-src-1")]
    assert orphan_names(branches, owners) == []


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_a_branch_of_an_ended_promotion_is_an_orphan(status: PromotionStatus) -> None:
    promotion_id = str(uuid.uuid4())
    name = f"promo-{promotion_id}"
    owners = {promotion_id: PromotionOwner(status, branch_id=f"id-of-{name}")}

    found = orphaned([branch(name)], owners, now=NOW, min_age=MIN_AGE)

    assert [(o.name, o.reason) for o in found] == [(name, f"the promotion ended ({status})")]


def test_a_live_promotion_keeps_its_own_branch_only() -> None:
    own, other, released = (str(uuid.uuid4()) for _ in range(3))
    owners = {
        own: PromotionOwner(PromotionStatus.PENDING_PEER_REVIEW, branch_id=f"id-of-promo-{own}"),
        other: PromotionOwner(PromotionStatus.COMPLETED, branch_id="another-branch"),
        released: PromotionOwner(PromotionStatus.TEST_DEPLOYED, branch_id=None),
    }
    branches = [
        branch(f"promo-{own}"),
        branch(f"promo-{own}-src-1"),
        branch(f"promo-{other}"),
        branch(f"promo-{released}"),
    ]

    found = orphaned(branches, owners, now=NOW, min_age=MIN_AGE)

    assert [(o.name, o.reason) for o in found] == [
        (
            f"promo-{own}-src-1",
            "temporary branch left after assembly (promotion is PENDING_PEER_REVIEW)",
        ),
        (f"promo-{other}", "the promotion's branch is another-branch"),
        (f"promo-{released}", "the promotion's branch is none"),
    ]


def test_deleted_branches_are_skipped() -> None:
    assert orphan_names([branch(f"promo-{uuid.uuid4()}", deleted=True)]) == []


def test_branches_boomi_is_still_deleting_are_never_orphans() -> None:
    deleting = Branch(
        id="b-9", name=f"promo-{uuid.uuid4()}", created_date=LONG_AGO, stage="DELETING"
    )
    assert orphan_names([deleting]) == []


def test_the_report_names_the_branches_boomi_is_still_deleting() -> None:
    report = ReconcileReport(dry_run=False, deleting=["promo-p-2", "promo-p-3"])
    assert format_report(report).splitlines() == [
        "No orphaned promo-* branches.",
        "2 promo-* branch(es) still being deleted by Boomi (they count toward the branch "
        "limit until gone): promo-p-2, promo-p-3",
    ]


def test_the_report_is_a_plain_table_with_a_summary() -> None:
    orphan = Orphan("b-1", "promo-p-1", "p-1", "no promotion has this id")
    dry = format_report(ReconcileReport(dry_run=True, orphans=[orphan]))
    done = format_report(ReconcileReport(dry_run=False, orphans=[orphan], deleted=[orphan]))

    assert dry.splitlines() == [
        "BRANCH     BRANCH ID  PROMOTION  REASON",
        "promo-p-1  b-1        p-1        no promotion has this id",
        "1 orphaned branch(es) would be deleted (dry run).",
    ]
    assert done.splitlines()[-1] == "1 orphaned branch(es) deleted."
    assert format_report(ReconcileReport(dry_run=True)) == "No orphaned promo-* branches."
