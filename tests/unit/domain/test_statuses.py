"""The status machine: exactly the transitions SPEC §6 (and the documented additions) allow."""

from __future__ import annotations

import itertools

import pytest

from boomi_promo.domain.statuses import (
    ABANDONABLE,
    ALLOWED_TRANSITIONS,
    CANCELLABLE,
    DISCARDING,
    INITIAL_STATUSES,
    TERMINAL,
    UNDER_REVIEW,
    WITHDRAWABLE,
    InvalidTransition,
    PromotionStatus,
    can_transition,
    require_transition,
)
from boomi_promo.errors import Conflict

S = PromotionStatus

EXPECTED = {
    # SPEC §5: executePromotion ends COMPLETED or FAILED (also on interruption).
    (S.IN_PROGRESS, S.COMPLETED),
    (S.IN_PROGRESS, S.FAILED),
    # Dev → Test, hotfix review, supersession by a newer promotion.
    (S.COMPLETED, S.TEST_DEPLOYING),
    (S.COMPLETED, S.PENDING_PEER_REVIEW),
    (S.COMPLETED, S.SUPERSEDED),
    (S.TEST_DEPLOYING, S.TEST_DEPLOYED),
    (S.TEST_DEPLOYING, S.PENDING_PACK_ASSIGNMENT),
    (S.TEST_DEPLOYING, S.TEST_DEPLOY_FAILED),
    (S.TEST_DEPLOY_FAILED, S.TEST_DEPLOYING),
    (S.TEST_DEPLOY_FAILED, S.SUPERSEDED),
    (S.PENDING_PACK_ASSIGNMENT, S.TEST_DEPLOYING),
    (S.PENDING_PACK_ASSIGNMENT, S.TEST_CANCELLED),
    (S.TEST_DEPLOYED, S.TEST_CANCELLED),
    # Reviews.
    (S.PENDING_PEER_REVIEW, S.PENDING_ADMIN_REVIEW),
    (S.PENDING_PEER_REVIEW, S.PEER_REJECTED),
    (S.PENDING_PEER_REVIEW, S.WITHDRAWN),
    (S.PENDING_ADMIN_REVIEW, S.ADMIN_APPROVED),
    (S.PENDING_ADMIN_REVIEW, S.ADMIN_REJECTED),
    (S.PENDING_ADMIN_REVIEW, S.WITHDRAWN),
    # Production deployment and its retry.
    (S.ADMIN_APPROVED, S.DEPLOYING),
    (S.DEPLOYING, S.DEPLOYED),
    (S.DEPLOYING, S.DEPLOY_FAILED),
    (S.DEPLOY_FAILED, S.DEPLOYING),
    # An admin gives up a failed deployment that did not change main.
    (S.DEPLOY_FAILED, S.DEPLOY_ABANDONED),
}


def test_there_are_the_eighteen_statuses_of_the_spec_and_deploy_abandoned() -> None:
    assert {status.value for status in PromotionStatus} == {
        "IN_PROGRESS",
        "COMPLETED",
        "FAILED",
        "TEST_DEPLOYING",
        "TEST_DEPLOYED",
        "TEST_DEPLOY_FAILED",
        "PENDING_PACK_ASSIGNMENT",
        "TEST_CANCELLED",
        "PENDING_PEER_REVIEW",
        "PEER_REJECTED",
        "PENDING_ADMIN_REVIEW",
        "ADMIN_APPROVED",
        "ADMIN_REJECTED",
        "DEPLOYING",
        "DEPLOYED",
        "DEPLOY_FAILED",
        "DEPLOY_ABANDONED",
        "WITHDRAWN",
        "SUPERSEDED",
    }


def test_the_table_covers_every_status_and_holds_exactly_the_expected_transitions() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(PromotionStatus)
    table = {
        (current, target) for current, targets in ALLOWED_TRANSITIONS.items() for target in targets
    }
    assert table == EXPECTED


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED))
def test_every_allowed_transition_passes(current: S, target: S) -> None:
    assert can_transition(current, target)
    require_transition(current, target)


REFUSED = sorted(set(itertools.product(PromotionStatus, repeat=2)) - EXPECTED)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_other_transition_is_refused_as_a_409(current: S, target: S) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as raised:
        require_transition(current, target)

    error = raised.value
    assert isinstance(error, Conflict)
    assert (error.current, error.target) == (current, target)
    assert error.status_code == 409
    envelope = error.envelope()
    assert envelope["errorCode"] == "INVALID_PROMOTION_STATUS"
    assert str(current) in envelope["errorMessage"] and str(target) in envelope["errorMessage"]


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.IN_PROGRESS, S.IN_PROGRESS),
        (S.COMPLETED, S.DEPLOYED),
        (S.TEST_DEPLOYED, S.DEPLOYING),
        (S.PENDING_PEER_REVIEW, S.ADMIN_APPROVED),
        (S.PEER_REJECTED, S.PENDING_PEER_REVIEW),
        (S.DEPLOYED, S.TEST_CANCELLED),
        (S.WITHDRAWN, S.PENDING_ADMIN_REVIEW),
        (S.SUPERSEDED, S.COMPLETED),
        (S.ADMIN_APPROVED, S.WITHDRAWN),
        (S.TEST_DEPLOYED, S.WITHDRAWN),
        (S.DEPLOYING, S.DEPLOY_ABANDONED),
        (S.DEPLOYED, S.DEPLOY_ABANDONED),
        (S.DEPLOY_ABANDONED, S.DEPLOYING),
    ],
)
def test_notable_shortcuts_are_refused(current: S, target: S) -> None:
    # Skipping a review, reopening a closed promotion, withdrawing after approval.
    assert not can_transition(current, target)


def test_terminal_statuses_have_no_way_out() -> None:
    assert {
        S.FAILED,
        S.TEST_CANCELLED,
        S.PEER_REJECTED,
        S.ADMIN_REJECTED,
        S.DEPLOYED,
        S.WITHDRAWN,
        S.SUPERSEDED,
        S.DEPLOY_ABANDONED,
    } == TERMINAL


def test_records_start_in_progress_or_pending_peer_review() -> None:
    assert {S.IN_PROGRESS, S.PENDING_PEER_REVIEW} == INITIAL_STATUSES


def test_every_status_is_reachable_from_a_start() -> None:
    reached = set(INITIAL_STATUSES)
    frontier = list(INITIAL_STATUSES)
    while frontier:
        for target in ALLOWED_TRANSITIONS[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)

    assert reached == set(PromotionStatus)


def test_only_a_promotion_waiting_for_a_review_can_be_withdrawn() -> None:
    assert {S.PENDING_PEER_REVIEW, S.PENDING_ADMIN_REVIEW} == WITHDRAWABLE


def test_only_a_test_deployment_or_one_waiting_for_its_pack_can_be_cancelled() -> None:
    assert {S.TEST_DEPLOYED, S.PENDING_PACK_ASSIGNMENT} == CANCELLABLE


def test_only_a_failed_production_deployment_can_be_abandoned() -> None:
    assert {S.DEPLOY_FAILED} == ABANDONABLE


def test_an_abandoned_deployment_discards_its_promotion_and_no_longer_holds_its_root() -> None:
    # Its mappings go back (DISCARDING) and a new promotion of its root may start.
    assert S.DEPLOY_ABANDONED in DISCARDING
    assert S.DEPLOY_ABANDONED not in UNDER_REVIEW
