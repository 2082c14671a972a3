"""The review workflow's rules (SPEC §6): who may review, withdraw or cancel, and when.

Pure and I/O-free. Each check raises the typed refusal the caller sees, so the actions stay a
sequence of checks followed by one status change. E-mail addresses are compared
case-insensitively everywhere (:func:`~boomi_promo.identity.principal.same_person`).
"""

from __future__ import annotations

from enum import StrEnum

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.errors import Conflict, Forbidden, InvalidRequest
from boomi_promo.identity.principal import Tier, same_person

MAX_HOTFIX_JUSTIFICATION_CHARS = 1000
MAX_REVIEW_COMMENT_CHARS = 500
MAX_DEPLOYMENT_NOTES_CHARS = 1000
"""What the developer tells the reviewers about a change (submitForPeerReview)."""
"""Peer review comments and withdrawal reasons."""

_S = PromotionStatus

ENDED_WITHOUT_SHIPPING = frozenset(
    {_S.PEER_REJECTED, _S.ADMIN_REJECTED, _S.WITHDRAWN, _S.DEPLOY_ABANDONED}
)
"""Ends of a PRODUCTION promotion that leave its test deployment free to be promoted again
(an abandoned deployment never changed main)."""

LIVE_PRODUCTION_STATUSES = frozenset(PromotionStatus) - ENDED_WITHOUT_SHIPPING
"""Statuses in which a PRODUCTION promotion linked to a test deployment keeps it hidden.

SPEC §6: a test deployment shows again once its production promotion "is rejected or
withdrawn". Every other status counts as live: pending reviews and a deployment under way
obviously; DEPLOY_FAILED too, because an admin may retry it (its approval and review branch
stand); DEPLOYED because that test deployment has reached production already. A status added
later counts as live until it is listed above, so no test deployment goes to production twice.
"""


class ReviewStage(StrEnum):
    PENDING_PEER_REVIEW = "PENDING_PEER_REVIEW"
    PENDING_ADMIN_REVIEW = "PENDING_ADMIN_REVIEW"
    ALL = "ALL"
    """Waiting for either review."""


_REVIEW_STAGE_STATUSES = {
    ReviewStage.PENDING_PEER_REVIEW: frozenset({_S.PENDING_PEER_REVIEW}),
    ReviewStage.PENDING_ADMIN_REVIEW: frozenset({_S.PENDING_ADMIN_REVIEW}),
    ReviewStage.ALL: frozenset({_S.PENDING_PEER_REVIEW, _S.PENDING_ADMIN_REVIEW}),
}


def review_stage_statuses(stage: ReviewStage) -> frozenset[PromotionStatus]:
    """The statuses of promotions waiting at ``stage``."""
    return _REVIEW_STAGE_STATUSES[stage]


class PeerDecision(StrEnum):
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


PEER_APPROVED = "PEER_APPROVED"
PEER_REJECTED = "PEER_REJECTED"
"""Values of ``peerReviewStatus`` once a peer has decided."""


def peer_review_outcome(decision: PeerDecision) -> tuple[PromotionStatus, str]:
    """The status a peer decision moves a promotion to, and its ``peerReviewStatus``."""
    if decision is PeerDecision.APPROVED:
        return _S.PENDING_ADMIN_REVIEW, PEER_APPROVED
    return _S.PEER_REJECTED, PEER_REJECTED


# ---------------------------------------------------------------------------- refusals


class WrongPromotionStatus(Conflict):
    """409 ``INVALID_PROMOTION_STATUS``: the action does not apply to a promotion in this status."""

    error_code = "INVALID_PROMOTION_STATUS"

    def __init__(self, message: str, *, current: str) -> None:
        super().__init__(message, details={"currentStatus": current})


class AlreadyReviewed(Conflict):
    error_code = "ALREADY_REVIEWED"


class ProductionPromotionExists(Conflict):
    error_code = "PRODUCTION_PROMOTION_EXISTS"


class SelfReviewNotAllowed(Forbidden):
    error_code = "SELF_REVIEW_NOT_ALLOWED"


class NotPromotionInitiator(Forbidden):
    error_code = "NOT_PROMOTION_INITIATOR"


class HotfixJustificationRequired(InvalidRequest):
    error_code = "HOTFIX_JUSTIFICATION_REQUIRED"


# ---------------------------------------------------------------------------- checks


def require_status(
    current: str, allowed: frozenset[PromotionStatus], *, action: str, promotion_id: str
) -> None:
    """Refuse (409 ``INVALID_PROMOTION_STATUS``) unless ``current`` is one of ``allowed``."""
    if current in allowed:
        return
    expected = " or ".join(sorted(allowed))
    raise WrongPromotionStatus(
        f"Promotion {promotion_id} is {current}; {action} needs it to be {expected}.",
        current=current,
    )


def check_peer_reviewable(current: str, peer_review_status: str | None, promotion_id: str) -> None:
    """A peer decision needs PENDING_PEER_REVIEW; a second decision is ``ALREADY_REVIEWED``."""
    if current == _S.PENDING_PEER_REVIEW:
        return
    if peer_review_status:
        raise AlreadyReviewed(
            f"Promotion {promotion_id} has already been peer reviewed ({peer_review_status}); "
            f"it is now {current}.",
            details={"currentStatus": current, "peerReviewStatus": peer_review_status},
        )
    require_status(
        current,
        frozenset({_S.PENDING_PEER_REVIEW}),
        action="a peer review",
        promotion_id=promotion_id,
    )


def took_part(
    person: str,
    *,
    initiated_by: str,
    submitted_by: str | None,
    test_initiated_by: str | None = None,
) -> bool:
    """Whether ``person`` initiated the promotion (or, for a PRODUCTION record, the test
    deployment it ships) or submitted it for review."""
    return any(
        email and same_person(person, email)
        for email in (initiated_by, submitted_by, test_initiated_by)
    )


def check_not_self_review(
    reviewer: str,
    *,
    initiated_by: str,
    submitted_by: str | None,
    test_initiated_by: str | None = None,
) -> None:
    """The peer reviewer is neither the initiator (of the promotion or of the test deployment it
    ships) nor the one who submitted it for review."""
    if took_part(
        reviewer,
        initiated_by=initiated_by,
        submitted_by=submitted_by,
        test_initiated_by=test_initiated_by,
    ):
        raise SelfReviewNotAllowed(
            "You initiated this promotion (or the test deployment it ships) or submitted it "
            "for review; another contributor must peer review it."
        )


def check_initiator(caller: str, initiated_by: str) -> None:
    """Only the one who initiated a promotion may withdraw it (admins included)."""
    if not same_person(caller, initiated_by):
        raise NotPromotionInitiator(
            f"Only the initiator ({initiated_by}) may withdraw this promotion."
        )


def check_may_cancel_test_deployment(caller: str, tier: Tier, initiated_by: str) -> None:
    """The initiator or an admin may cancel a test deployment."""
    if tier is not Tier.ADMIN and not same_person(caller, initiated_by):
        raise NotPromotionInitiator(
            f"Only the initiator ({initiated_by}) or an admin may cancel this test deployment."
        )


def hotfix_justification(text: str | None) -> str:
    """The justification a hotfix needs: 1 to 1000 characters once outer spaces are gone."""
    justification = (text or "").strip()
    if not justification:
        raise HotfixJustificationRequired(
            "A hotfix needs a justification: say why it cannot wait for a test deployment.",
            field="hotfixJustification",
        )
    if len(justification) > MAX_HOTFIX_JUSTIFICATION_CHARS:
        raise HotfixJustificationRequired(
            f"The hotfix justification has {len(justification)} characters; "
            f"keep it to {MAX_HOTFIX_JUSTIFICATION_CHARS}.",
            field="hotfixJustification",
        )
    return justification
