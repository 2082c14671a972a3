"""The promotion status machine (SPEC §6): one table of allowed transitions.

A PromotionLog starts IN_PROGRESS (executePromotion) or, for the PRODUCTION record that
submitForPeerReview creates from a test deployment, PENDING_PEER_REVIEW. Any transition not
in :data:`ALLOWED_TRANSITIONS` is refused with 409 ``INVALID_PROMOTION_STATUS``; staying in
the same status is not a transition and is refused too.
"""

from __future__ import annotations

from enum import StrEnum

from boomi_promo.errors import Conflict


class PromotionStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    TEST_DEPLOYING = "TEST_DEPLOYING"
    TEST_DEPLOYED = "TEST_DEPLOYED"
    TEST_DEPLOY_FAILED = "TEST_DEPLOY_FAILED"
    PENDING_PACK_ASSIGNMENT = "PENDING_PACK_ASSIGNMENT"
    TEST_CANCELLED = "TEST_CANCELLED"
    PENDING_PEER_REVIEW = "PENDING_PEER_REVIEW"
    PEER_REJECTED = "PEER_REJECTED"
    PENDING_ADMIN_REVIEW = "PENDING_ADMIN_REVIEW"
    ADMIN_APPROVED = "ADMIN_APPROVED"
    ADMIN_REJECTED = "ADMIN_REJECTED"
    DEPLOYING = "DEPLOYING"
    DEPLOYED = "DEPLOYED"
    DEPLOY_FAILED = "DEPLOY_FAILED"
    DEPLOY_ABANDONED = "DEPLOY_ABANDONED"
    WITHDRAWN = "WITHDRAWN"
    SUPERSEDED = "SUPERSEDED"


_S = PromotionStatus

INITIAL_STATUSES = frozenset({_S.IN_PROGRESS, _S.PENDING_PEER_REVIEW})
"""IN_PROGRESS for a promotion (C); PENDING_PEER_REVIEW for a PRODUCTION record (R)."""

ALLOWED_TRANSITIONS: dict[PromotionStatus, frozenset[PromotionStatus]] = {
    # C finishes with every component written, or fails fast; a job interrupted by a crash is
    # compensated on restart (branch deleted) and also ends FAILED.
    _S.IN_PROGRESS: frozenset({_S.COMPLETED, _S.FAILED}),
    # D mode 1 starts a test deployment; R with isHotfix sends the branch to review; a newer
    # promotion of the same root process from the same dev account supersedes it.
    _S.COMPLETED: frozenset({_S.TEST_DEPLOYING, _S.PENDING_PEER_REVIEW, _S.SUPERSEDED}),
    # Released to the pack found in history; no pack yet (an admin assigns one with mode 4);
    # or packaging / release failed.
    _S.TEST_DEPLOYING: frozenset(
        {_S.TEST_DEPLOYED, _S.PENDING_PACK_ASSIGNMENT, _S.TEST_DEPLOY_FAILED}
    ),
    # A retry after a transient Boomi failure (the action resumes from what exists: branch or
    # package); or a newer promotion of the same process replaces the failed one.
    _S.TEST_DEPLOY_FAILED: frozenset({_S.TEST_DEPLOYING, _S.SUPERSEDED}),
    # D mode 4 starts releasing the package to the chosen pack (TEST_DEPLOYING, so a crash
    # meanwhile ends TEST_DEPLOY_FAILED and can be retried); the initiator or an admin may also
    # cancel a package nobody will assign (it holds no branch).
    _S.PENDING_PACK_ASSIGNMENT: frozenset({_S.TEST_DEPLOYING, _S.TEST_CANCELLED}),
    # The TEST record itself stays TEST_DEPLOYED when R creates its PRODUCTION record.
    _S.TEST_DEPLOYED: frozenset({_S.TEST_CANCELLED}),
    # E3 approve / reject; E5 withdrawal by the initiator.
    _S.PENDING_PEER_REVIEW: frozenset({_S.PENDING_ADMIN_REVIEW, _S.PEER_REJECTED, _S.WITHDRAWN}),
    # S approve / reject; E5 withdrawal by the initiator.
    _S.PENDING_ADMIN_REVIEW: frozenset({_S.ADMIN_APPROVED, _S.ADMIN_REJECTED, _S.WITHDRAWN}),
    # S approve hands over to D mode 2 (test → production) or mode 3 (hotfix).
    _S.ADMIN_APPROVED: frozenset({_S.DEPLOYING}),
    _S.DEPLOYING: frozenset({_S.DEPLOYED, _S.DEPLOY_FAILED}),
    # An admin retries an approved deployment after a transient failure (merge timeout, 503):
    # the approval stands, the review branch is still there. Or, when the failure is for good
    # (a conflict nobody will resolve) and main was not changed, an admin abandons it: the
    # branch is deleted and the root is free for a new promotion.
    _S.DEPLOY_FAILED: frozenset({_S.DEPLOYING, _S.DEPLOY_ABANDONED}),
    _S.FAILED: frozenset(),
    _S.TEST_CANCELLED: frozenset(),
    _S.PEER_REJECTED: frozenset(),
    _S.ADMIN_REJECTED: frozenset(),
    _S.DEPLOYED: frozenset(),
    _S.WITHDRAWN: frozenset(),
    _S.SUPERSEDED: frozenset(),
    _S.DEPLOY_ABANDONED: frozenset(),
}

TERMINAL = frozenset(status for status, targets in ALLOWED_TRANSITIONS.items() if not targets)
"""Statuses no transition leaves. The branch of a promotion is gone in each of them."""


def leading_to(target: PromotionStatus) -> frozenset[PromotionStatus]:
    """The statuses from which ``target`` may be reached (read off the table above)."""
    return frozenset(status for status, targets in ALLOWED_TRANSITIONS.items() if target in targets)


WITHDRAWABLE = leading_to(_S.WITHDRAWN)
"""Waiting for a review: its initiator may withdraw it (withdrawPromotion)."""
CANCELLABLE = leading_to(_S.TEST_CANCELLED)
"""Deployed to test (or waiting for its pack): the test deployment may be cancelled."""
ABANDONABLE = leading_to(_S.DEPLOY_ABANDONED)
"""A failed production deployment: an admin may abandon it (abandonDeployment)."""


DISCARDING = frozenset(
    {
        _S.FAILED,
        _S.WITHDRAWN,
        _S.PEER_REJECTED,
        _S.ADMIN_REJECTED,
        _S.TEST_CANCELLED,
        _S.SUPERSEDED,
        _S.DEPLOY_ABANDONED,
    }
)
"""Statuses that end a promotion without its content reaching main: the mappings it wrote go
back to what they said before it (``engine.mapping_history``), unless a package it made still
holds the component."""

UNDER_REVIEW = frozenset(
    {
        _S.PENDING_PEER_REVIEW,
        _S.PENDING_ADMIN_REVIEW,
        _S.ADMIN_APPROVED,
        _S.DEPLOYING,
        _S.DEPLOY_FAILED,
    }
)
"""A promotion on its way to main: while one of a root process is in one of these, no other
promotion of that root from the same dev account starts or enters review (README, workflow)."""


class InvalidTransition(Conflict):
    error_code = "INVALID_PROMOTION_STATUS"

    def __init__(self, current: PromotionStatus, target: PromotionStatus) -> None:
        super().__init__(f"A promotion in status {current} cannot move to {target}.")
        self.current = current
        self.target = target


def can_transition(current: PromotionStatus, target: PromotionStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def require_transition(current: PromotionStatus, target: PromotionStatus) -> None:
    """Raise :class:`InvalidTransition` unless ``current`` may move to ``target``."""
    if not can_transition(current, target):
        raise InvalidTransition(current, target)
