"""The product's typed errors: every refusal a caller can see.

Actions raise these *before* acting; one handler in the API (and one in the dashboard) turns
them into the response envelope ``{"success": false, "errorCode": ..., "errorMessage": ...}``
with the HTTP status named here. Boomi failures arrive as
:class:`boomi_promo.boomi.errors.BoomiError` and are converted by :func:`from_boomi_error`.

    PromoError (400 INVALID_REQUEST)
    ├── InvalidRequest            400  INVALID_REQUEST            (names the field)
    ├── NotAuthenticated          401  UNAUTHENTICATED
    ├── Forbidden                 403  (INSUFFICIENT_TIER, IDENTITY_MISMATCH, ...)
    ├── NotFound                  404  (COMPONENT_NOT_FOUND, ...)
    │   └── PromotionNotFound     404  PROMOTION_NOT_FOUND
    ├── Conflict                  409  (INVALID_PROMOTION_STATUS, CONCURRENT_PROMOTION, ...)
    ├── UpstreamFailure           502/503/504  (AUTH_FAILED, API_RATE_LIMIT, BOOMI_UNAVAILABLE, ...)
    └── ServiceUnavailable        503  (JOB_QUEUE_UNAVAILABLE)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boomi_promo.boomi.errors import BoomiError


class PromoError(Exception):
    status_code: int = 400
    error_code: str = "INVALID_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if error_code is not None:
            self.error_code = error_code
        self.field = field
        self.details = details or {}

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "success": False,
            "errorCode": self.error_code,
            "errorMessage": self.message,
        }
        if self.field is not None:
            body["errorField"] = self.field
        body.update(self.details)
        return body


class InvalidRequest(PromoError):
    status_code = 400
    error_code = "INVALID_REQUEST"


class RequestTooLarge(PromoError):
    status_code = 413
    error_code = "REQUEST_TOO_LARGE"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is larger than this service accepts ({limit:,} bytes); send "
            "less, or ask the operator to raise PROMO_MAX_REQUEST_BYTES.",
            field="body",
        )


class NotAuthenticated(PromoError):
    status_code = 401
    error_code = "UNAUTHENTICATED"


class Forbidden(PromoError):
    status_code = 403
    error_code = "FORBIDDEN"


class InsufficientTier(Forbidden):
    error_code = "INSUFFICIENT_TIER"


class UnauthorizedAccountAccess(Forbidden):
    error_code = "UNAUTHORIZED_ACCOUNT_ACCESS"


class IdentityMismatch(Forbidden):
    error_code = "IDENTITY_MISMATCH"


class NotFound(PromoError):
    status_code = 404
    error_code = "NOT_FOUND"


class PromotionNotFound(NotFound):
    """No such promotion, or one the caller may not see: both answered alike, so no answer
    tells another team that a promotion exists (``engine.access``)."""

    error_code = "PROMOTION_NOT_FOUND"

    def __init__(self, promotion_id: str, *, field: str = "promotionId") -> None:
        super().__init__(f"There is no promotion '{promotion_id}' that you can see.", field=field)


class Conflict(PromoError):
    status_code = 409
    error_code = "CONFLICT"


class UpstreamFailure(PromoError):
    status_code = 502
    error_code = "BOOMI_UNAVAILABLE"

    def __init__(self, message: str, *, error_code: str, status_code: int) -> None:
        super().__init__(message, error_code=error_code)
        self.status_code = status_code


class ServiceUnavailable(PromoError):
    """A part of this deployment (not Boomi) cannot take the request right now."""

    status_code = 503
    error_code = "SERVICE_UNAVAILABLE"


def from_boomi_error(exc: BoomiError) -> UpstreamFailure | NotFound:
    """A Boomi failure as the product reports it: typed code, actionable sentence, no secrets."""
    if exc.http_status == 404:
        return NotFound(exc.message, error_code=exc.error_code)
    return UpstreamFailure(exc.message, error_code=exc.error_code, status_code=exc.http_status)
