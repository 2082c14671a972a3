"""Typed failures of the Boomi Platform API client.

Every failure the client raises is a :class:`BoomiError`::

    BoomiError                      message, method, path, status_code, attempts
    ├── BoomiTransportError         no HTTP answer: connection refused/reset, protocol error
    │   └── BoomiTimeoutError       connect/read/write/pool timeout
    ├── BoomiHTTPError              Boomi answered with an error status (``status_code`` set)
    │   ├── BoomiAuthError          401 — the API token may be expired; never retried
    │   ├── BoomiForbiddenError     403 — missing privilege, feature off, bad overrideAccount
    │   ├── BoomiNotFoundError      404 — unknown id
    │   ├── BoomiBadRequestError    400 and any other 4xx; never retried
    │   ├── BoomiRateLimitedError   429 still answered after every retry
    │   └── BoomiUnavailableError   5xx (503 is also Boomi's rate-limit answer) after every retry
    ├── BoomiResponseError          a success status whose body cannot be understood
    └── BranchNotReadyError         a new branch did not become ready within the wait, or is
                                    being deleted

Each class names the product error code (``error_code``) and the HTTP status the product
answers its own caller with (``http_status``), so API handlers map any of them in one place.
Messages are built by the client from the method, path and Boomi's own message; the client
removes its credentials from them before raising.
"""

from __future__ import annotations

import json
from typing import ClassVar

from boomi_promo.xmlsafe import parse_xml

MAX_BOOMI_MESSAGE_CHARS = 500
"""Boomi's message is quoted in ours; an HTML error page must not flood logs or responses."""


class BoomiError(Exception):
    """A call to the Boomi Platform API failed."""

    error_code: ClassVar[str] = "BOOMI_UNAVAILABLE"
    http_status: ClassVar[int] = 502

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status_code = status_code
        self.attempts = attempts

    def __str__(self) -> str:
        return self.message


class BoomiTransportError(BoomiError):
    """No HTTP answer at all: the connection was refused, reset or broken."""

    error_code = "BOOMI_UNAVAILABLE"
    http_status = 503


class BoomiTimeoutError(BoomiTransportError):
    """Boomi did not answer within the configured timeout."""

    error_code = "BOOMI_UNAVAILABLE"
    http_status = 504


class BoomiHTTPError(BoomiError):
    """Boomi answered with an error status.

    ``boomi_message`` is Boomi's own explanation from the error body, when it gave one.
    """

    error_code = "BOOMI_UNAVAILABLE"
    http_status = 502

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        attempts: int = 1,
        boomi_message: str | None = None,
    ) -> None:
        super().__init__(
            message, method=method, path=path, status_code=status_code, attempts=attempts
        )
        self.boomi_message = boomi_message


class BoomiAuthError(BoomiHTTPError):
    """401: Boomi refused the credentials; the API token may be expired."""

    error_code = "AUTH_FAILED"
    http_status = 502


class BoomiForbiddenError(BoomiHTTPError):
    """403: the API user lacks a privilege, a feature is off, or the override is refused."""

    error_code = "BOOMI_FORBIDDEN"
    http_status = 502


class BoomiNotFoundError(BoomiHTTPError):
    """404: the object does not exist (or is not visible to the effective account)."""

    error_code = "BOOMI_NOT_FOUND"
    http_status = 404


class BoomiBadRequestError(BoomiHTTPError):
    """400 or another 4xx: Boomi refused the request as it stands."""

    error_code = "BOOMI_BAD_REQUEST"
    http_status = 502


class BoomiRateLimitedError(BoomiHTTPError):
    """429 on every attempt: the account's request budget stayed exhausted."""

    error_code = "API_RATE_LIMIT"
    http_status = 503


class BoomiUnavailableError(BoomiHTTPError):
    """5xx on every attempt (503 is also how Boomi says "too many requests")."""

    error_code = "BOOMI_UNAVAILABLE"
    http_status = 503


class BoomiResponseError(BoomiError):
    """Boomi answered with success but a body the client cannot parse or does not expect."""

    error_code = "BOOMI_BAD_RESPONSE"
    http_status = 502


class BranchNotReadyError(BoomiError):
    """A branch stayed not ready (``stage`` CREATING) for longer than the allowed wait, or is
    being deleted (``stage`` DELETING) and never will be."""

    error_code = "BRANCH_CREATION_TIMEOUT"
    http_status = 504

    def __init__(
        self, message: str, *, method: str, path: str, branch_id: str, stage: str | None
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.branch_id = branch_id
        self.stage = stage


def http_error_class(status_code: int) -> type[BoomiHTTPError]:
    """The exception class for an error status Boomi answered with."""
    if status_code == 401:
        return BoomiAuthError
    if status_code == 403:
        return BoomiForbiddenError
    if status_code == 404:
        return BoomiNotFoundError
    if status_code == 429:
        return BoomiRateLimitedError
    if status_code >= 500:
        return BoomiUnavailableError
    return BoomiBadRequestError


_MESSAGE_KEYS = ("message", "errorMessage")


def parse_error_message(body: bytes) -> str | None:
    """Boomi's explanation from an error body, or ``None`` when there is none to find.

    Understands ``{"@type": "Error", "message": ...}``, ``<error><message>..</message></error>``
    (any namespace, any case of the root) and the ``statusCode``/``errorMessage`` variants.
    Any other non-empty text is returned as it is, shortened.
    """
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    if text.startswith(("{", "[")):
        message = _message_from_json(text)
    elif text.startswith("<"):
        message = _message_from_xml(body)
    else:
        message = text
    return _shorten(message) if message else None


def _message_from_json(text: str) -> str | None:
    try:
        document = json.loads(text)
    except ValueError:
        return text
    if isinstance(document, dict):
        for key in _MESSAGE_KEYS:
            value = document.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _message_from_xml(body: bytes) -> str | None:
    try:
        root = parse_xml(body)
    except ValueError:
        # An HTML error page from a proxy, or something refused as unsafe: no message in it.
        return None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local_name = element.tag.rsplit("}", 1)[-1]
        if local_name in _MESSAGE_KEYS and element.text and element.text.strip():
            return element.text.strip()
    return None


def _shorten(message: str) -> str:
    flat = " ".join(message.split())
    if len(flat) <= MAX_BOOMI_MESSAGE_CHARS:
        return flat
    return flat[: MAX_BOOMI_MESSAGE_CHARS - 1] + "…"
