"""The one exception the emulator's operations raise: an HTTP status and Boomi's error message."""

from __future__ import annotations


class ApiError(Exception):
    """Answered to the client as ``{"@type": "Error", "message": ...}`` (or ``<error>`` in XML)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)
