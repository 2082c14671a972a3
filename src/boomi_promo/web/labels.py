"""What people read where the records hold codes: promotion and release statuses, what a
promotion did to each component (its result) and what it will do (its action).

The codes stay in attributes (``data-status``, CSS classes) for scripts and tests; a page
shows the label.
"""

from __future__ import annotations

from boomi_promo.domain.statuses import PromotionStatus

_S = PromotionStatus

STATUS_LABELS: dict[str, str] = {
    _S.IN_PROGRESS: "Promoting",
    _S.COMPLETED: "Promoted",
    _S.FAILED: "Promotion failed",
    _S.TEST_DEPLOYING: "Deploying to Test",
    _S.TEST_DEPLOYED: "In Test",
    _S.TEST_DEPLOY_FAILED: "Test deployment failed",
    _S.PENDING_PACK_ASSIGNMENT: "Waiting for a Test pack",
    _S.TEST_CANCELLED: "Test deployment cancelled",
    _S.PENDING_PEER_REVIEW: "Waiting for peer review",
    _S.PEER_REJECTED: "Rejected in peer review",
    _S.PENDING_ADMIN_REVIEW: "Waiting for admin approval",
    _S.ADMIN_APPROVED: "Approved",
    _S.ADMIN_REJECTED: "Rejected by an admin",
    _S.DEPLOYING: "Deploying to production",
    _S.DEPLOYED: "In production",
    _S.DEPLOY_FAILED: "Production deployment failed",
    _S.WITHDRAWN: "Withdrawn",
    _S.SUPERSEDED: "Superseded",
    _S.DEPLOY_ABANDONED: "Production deployment abandoned",
}

OTHER_LABELS: dict[str, str] = {
    # Releases (Boomi's release status) and review decisions.
    "IN_PROGRESS": "In progress",
    "SUCCESS": "Released",
    "ERROR": "Release failed",
    "SCHEDULED": "Scheduled",
    "PEER_APPROVED": "Approved",
    "APPROVED": "Approved",
    "REJECTED": "Rejected",
}


def status_label(code: str | None) -> str:
    """The label of a promotion status (or a release status, or a review decision)."""
    if not code:
        return ""
    return STATUS_LABELS.get(code) or OTHER_LABELS.get(code) or code.replace("_", " ").capitalize()


def release_status_label(code: str | None) -> str:
    """Release statuses share codes with promotions (IN_PROGRESS): read as a release's."""
    if not code:
        return ""
    return OTHER_LABELS.get(code) or status_label(code)


COMPONENT_RESULT_LABELS: dict[str, str] = {
    # What a promotion did to a component (promotionResults[].action).
    "CREATED": "Created",
    "UPDATED": "Updated",
    "UNCHANGED": "Unchanged",
    "SKIPPED": "Skipped",
    "FAILED": "Failed",
    # What a review or a plan says it will do (componentAction); CONNECTION in a plan is a
    # shared connection used as it is mapped.
    "CREATE": "Create",
    "UPDATE": "Update",
    "CONNECTION": "Shared connection",
}

CHANGED_ACTIONS = frozenset({"CREATED", "UPDATED", "CREATE", "UPDATE"})
"""Results and actions that write a component: it differs from what main holds."""


def component_label(code: str | None) -> str:
    """The label of a component result (CREATED …) or action (CREATE, UPDATE …)."""
    if not code:
        return ""
    return COMPONENT_RESULT_LABELS.get(code) or code.replace("_", " ").capitalize()


def is_changed(code: str | None) -> bool:
    """Whether a component result or action wrote it (created or updated)."""
    return (code or "") in CHANGED_ACTIONS
