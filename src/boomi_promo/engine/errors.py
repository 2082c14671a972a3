"""Refusals and failures of the promotion engine, as the product reports them.

Each is a :class:`~boomi_promo.errors.PromoError`; data a caller needs to act on (the
unmapped connections, the promotion id, per-component results) travels in ``details`` with
camelCase keys and is merged into the response envelope.
"""

from __future__ import annotations

from typing import Any

from boomi_promo.errors import Conflict, NotFound, PromoError


class ComponentNotFound(NotFound):
    error_code = "COMPONENT_NOT_FOUND"


class PackageNotFound(NotFound):
    error_code = "PACKAGE_NOT_FOUND"


class DependencyTreeTooLarge(PromoError):
    status_code = 422
    error_code = "DEPENDENCY_TREE_TOO_LARGE"


class DependenciesChanged(Conflict):
    error_code = "DEPENDENCIES_CHANGED"


class ConcurrentPromotion(Conflict):
    error_code = "CONCURRENT_PROMOTION"


class BranchLimitReached(Conflict):
    error_code = "BRANCH_LIMIT_REACHED"


class MissingConnectionMappings(Conflict):
    error_code = "MISSING_CONNECTION_MAPPINGS"


class DependencyCycle(Conflict):
    error_code = "DEPENDENCY_CYCLE"


class PromotionFailed(PromoError):
    """A component could not be promoted (or the run broke); the promotion ended FAILED.

    The HTTP status follows the cause: a Boomi failure keeps Boomi's product status (502, 503,
    504), a component the engine refused to write is 422.
    """

    error_code = "PROMOTION_FAILED"

    def __init__(self, message: str, *, status_code: int, details: dict[str, Any]) -> None:
        super().__init__(message, details=details)
        self.status_code = status_code


class SecretsDetected(PromoError):
    """Components carry credentials the promotion cannot empty (code, descriptions, …); the
    findings (component, location, kind — never the value) are in ``secretFindings``."""

    status_code = 422
    error_code = "SECRETS_DETECTED"


class PromotionInReview(Conflict):
    """Another promotion of the same root process from the same dev account is on its way to
    main; ``details`` names it (``promotionId``, ``status``, ``initiatedBy``)."""

    error_code = "PROMOTION_IN_REVIEW"


class ComponentInPromotion(Conflict):
    """A component of the tree lives, off main and in no package, on another live promotion's
    branch (a package sharing it); ``details`` names that promotion."""

    error_code = "COMPONENT_IN_PROMOTION"


NOTHING_TO_PROMOTE_PREFIX = "Nothing to promote"


class NothingToPromote(Conflict):
    """Every component of the tree equals the version the branch would start from (issue 16):
    no branch is left behind, nothing is written; the per-component results say UNCHANGED."""

    error_code = "NOTHING_TO_PROMOTE"


class DeploymentReachedMain(Conflict):
    """A failed production deployment whose merge reached main (or may still): it cannot be
    abandoned, only retried (and, once DEPLOYED, rolled back); ``details`` says what showed it."""

    error_code = "DEPLOYMENT_REACHED_MAIN"
