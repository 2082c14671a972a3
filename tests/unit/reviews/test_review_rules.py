"""Segregation of duties, hotfix justification and which statuses each review step accepts."""

from __future__ import annotations

import pytest

from boomi_promo.domain.review_rules import (
    LIVE_PRODUCTION_STATUSES,
    MAX_HOTFIX_JUSTIFICATION_CHARS,
    PEER_APPROVED,
    PEER_REJECTED,
    AlreadyReviewed,
    HotfixJustificationRequired,
    NotPromotionInitiator,
    PeerDecision,
    ReviewStage,
    SelfReviewNotAllowed,
    WrongPromotionStatus,
    check_initiator,
    check_may_cancel_test_deployment,
    check_not_self_review,
    check_peer_reviewable,
    hotfix_justification,
    peer_review_outcome,
    require_status,
    review_stage_statuses,
)
from boomi_promo.domain.statuses import ALLOWED_TRANSITIONS, PromotionStatus
from boomi_promo.identity.principal import Tier

S = PromotionStatus
ALICE = "alice@example.com"
BOB = "bob@example.com"
CAROL = "carol@example.com"


@pytest.mark.parametrize(
    "reviewer", ["alice@example.com", "ALICE@Example.COM", " Alice@example.com "]
)
def test_the_initiator_may_not_peer_review_in_any_letter_case(reviewer: str) -> None:
    with pytest.raises(SelfReviewNotAllowed) as refused:
        check_not_self_review(reviewer, initiated_by=ALICE, submitted_by=None)
    assert (refused.value.status_code, refused.value.error_code) == (403, "SELF_REVIEW_NOT_ALLOWED")


def test_the_one_who_submitted_for_review_may_not_peer_review_it() -> None:
    with pytest.raises(SelfReviewNotAllowed):
        check_not_self_review("Bob@Example.com", initiated_by=ALICE, submitted_by=BOB)


def test_someone_else_may_peer_review() -> None:
    check_not_self_review(CAROL, initiated_by=ALICE, submitted_by=BOB)
    check_not_self_review(BOB, initiated_by=ALICE, submitted_by=None)


def test_a_pending_peer_review_may_be_decided() -> None:
    check_peer_reviewable(S.PENDING_PEER_REVIEW, None, "p-1")


@pytest.mark.parametrize(
    ("status", "peer_status"),
    [(S.PENDING_ADMIN_REVIEW, PEER_APPROVED), (S.PEER_REJECTED, PEER_REJECTED)],
)
def test_a_second_peer_decision_is_already_reviewed(
    status: PromotionStatus, peer_status: str
) -> None:
    with pytest.raises(AlreadyReviewed) as refused:
        check_peer_reviewable(status, peer_status, "p-1")
    assert (refused.value.status_code, refused.value.error_code) == (409, "ALREADY_REVIEWED")
    assert refused.value.details["currentStatus"] == status


@pytest.mark.parametrize("status", [S.COMPLETED, S.TEST_DEPLOYED, S.WITHDRAWN, S.IN_PROGRESS])
def test_a_promotion_never_sent_to_review_is_in_the_wrong_status(status: PromotionStatus) -> None:
    with pytest.raises(WrongPromotionStatus) as refused:
        check_peer_reviewable(status, None, "p-1")
    assert (refused.value.status_code, refused.value.error_code) == (
        409,
        "INVALID_PROMOTION_STATUS",
    )
    assert status in refused.value.message


def test_peer_decisions_move_to_admin_review_or_rejection_as_the_table_allows() -> None:
    for decision in PeerDecision:
        target, _ = peer_review_outcome(decision)
        assert target in ALLOWED_TRANSITIONS[S.PENDING_PEER_REVIEW]
    assert peer_review_outcome(PeerDecision.APPROVED) == (S.PENDING_ADMIN_REVIEW, PEER_APPROVED)
    assert peer_review_outcome(PeerDecision.REJECTED) == (S.PEER_REJECTED, PEER_REJECTED)


def test_require_status_names_what_was_expected() -> None:
    require_status(S.TEST_DEPLOYED, frozenset({S.TEST_DEPLOYED}), action="x", promotion_id="p")
    with pytest.raises(WrongPromotionStatus) as refused:
        require_status(
            S.DEPLOYED,
            frozenset({S.PENDING_PEER_REVIEW, S.PENDING_ADMIN_REVIEW}),
            action="a withdrawal",
            promotion_id="p-9",
        )
    assert refused.value.message == (
        "Promotion p-9 is DEPLOYED; a withdrawal needs it to be "
        "PENDING_ADMIN_REVIEW or PENDING_PEER_REVIEW."
    )


@pytest.mark.parametrize("caller", [ALICE, "ALICE@EXAMPLE.COM"])
def test_the_initiator_may_withdraw(caller: str) -> None:
    check_initiator(caller, ALICE)


def test_nobody_else_may_withdraw() -> None:
    with pytest.raises(NotPromotionInitiator) as refused:
        check_initiator(BOB, ALICE)
    assert (refused.value.status_code, refused.value.error_code) == (403, "NOT_PROMOTION_INITIATOR")


def test_the_initiator_or_an_admin_may_cancel_a_test_deployment() -> None:
    check_may_cancel_test_deployment("Alice@example.com", Tier.CONTRIBUTOR, ALICE)
    check_may_cancel_test_deployment(CAROL, Tier.ADMIN, ALICE)
    with pytest.raises(NotPromotionInitiator):
        check_may_cancel_test_deployment(BOB, Tier.CONTRIBUTOR, ALICE)


@pytest.mark.parametrize("text", [None, "", "   \n\t"])
def test_a_hotfix_needs_a_justification(text: str | None) -> None:
    with pytest.raises(HotfixJustificationRequired) as refused:
        hotfix_justification(text)
    assert refused.value.status_code == 400
    assert refused.value.error_code == "HOTFIX_JUSTIFICATION_REQUIRED"
    assert refused.value.field == "hotfixJustification"


def test_a_justification_may_be_1000_characters_after_trimming_but_not_more() -> None:
    longest = "x" * MAX_HOTFIX_JUSTIFICATION_CHARS
    assert hotfix_justification(f"  {longest}  ") == longest
    assert hotfix_justification("y") == "y"
    with pytest.raises(HotfixJustificationRequired) as refused:
        hotfix_justification(longest + "x")
    assert "1001" in refused.value.message


def test_review_stages_select_the_pending_statuses() -> None:
    assert review_stage_statuses(ReviewStage.PENDING_PEER_REVIEW) == {S.PENDING_PEER_REVIEW}
    assert review_stage_statuses(ReviewStage.PENDING_ADMIN_REVIEW) == {S.PENDING_ADMIN_REVIEW}
    assert review_stage_statuses(ReviewStage.ALL) == {S.PENDING_PEER_REVIEW, S.PENDING_ADMIN_REVIEW}


def test_only_a_rejected_withdrawn_or_abandoned_production_promotion_frees_its_test() -> None:
    # Every status a PRODUCTION promotion can reach from PENDING_PEER_REVIEW.
    reachable = {S.PENDING_PEER_REVIEW}
    frontier = [S.PENDING_PEER_REVIEW]
    while frontier:
        for target in ALLOWED_TRANSITIONS[frontier.pop()]:
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    freed = reachable - LIVE_PRODUCTION_STATUSES
    assert freed == {S.PEER_REJECTED, S.ADMIN_REJECTED, S.WITHDRAWN, S.DEPLOY_ABANDONED}
    assert {S.DEPLOY_FAILED, S.DEPLOYED, S.DEPLOYING} <= LIVE_PRODUCTION_STATUSES
