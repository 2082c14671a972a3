"""Refusals a rollback answers with, and Boomi failures turned into them."""

from __future__ import annotations

from boomi_promo.boomi.errors import BoomiBadRequestError, BoomiError, BoomiNotFoundError
from boomi_promo.errors import Conflict, PromoError, UpstreamFailure, from_boomi_error


class NoPreviousRelease(Conflict):
    error_code = "NO_PREVIOUS_RELEASE"


class ReleaseInProgress(Conflict):
    error_code = "RELEASE_IN_PROGRESS"


class ReleaseChanged(Conflict):
    """The pack runs another version than the one the caller saw in the preview."""

    error_code = "RELEASE_CHANGED"


class UnknownCurrentRelease(Conflict):
    """The pack runs a version that no release of this product shipped."""

    error_code = "UNKNOWN_CURRENT_RELEASE"


class AlreadyRolledBack(Conflict):
    error_code = "ALREADY_ROLLED_BACK"


class AmbiguousProcess(Conflict):
    """Processes of two dev accounts (or two roots) share the name; ``devAccountId`` says which."""

    error_code = "AMBIGUOUS_PROCESS"


def upstream(message: str, error_code: str) -> UpstreamFailure:
    return UpstreamFailure(message, error_code=error_code, status_code=502)


def typed_failure(exc: BoomiError, error_code: str, doing: str) -> PromoError:
    """Boomi refusing the request is the rollback failing (502); other failures keep their
    own codes (AUTH_FAILED, API_RATE_LIMIT, BOOMI_UNAVAILABLE)."""
    if isinstance(exc, BoomiBadRequestError | BoomiNotFoundError):
        return upstream(f"The rollback failed while {doing}: {exc.message}", error_code)
    return from_boomi_error(exc)
