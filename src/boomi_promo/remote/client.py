"""A synchronous HTTP client of a running boomi-promo service.

Every way a call can go wrong becomes a :class:`RemoteError` whose ``exit_code`` is what the
command exits with (:class:`ExitCode`); nothing here lets an ``httpx`` exception escape.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit

import httpx

JOB_PATH = "/api/v1/jobs/"
FINISHED_JOB_STATES = frozenset({"SUCCEEDED", "FAILED", "INTERRUPTED"})
# The service's codes for a request it could not read: the caller's input is wrong, not refused.
BAD_INPUT_CODES = frozenset({"INVALID_REQUEST", "UNKNOWN_ACTION"})


class ExitCode(IntEnum):
    SUCCESS = 0
    REFUSED = 1
    """The service refused the action or the action failed (its errorCode is printed)."""
    USAGE = 2
    """The command line or the request body is wrong."""
    UNAVAILABLE = 3
    """The service could not be reached, did not accept the token, or did not finish in time."""


class RemoteError(Exception):
    """A failure the command reports with one sentence and ``exit_code``, never a traceback."""

    exit_code: ClassVar[ExitCode] = ExitCode.REFUSED

    def __init__(self, message: str, *, error_code: str, answer: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.answer = answer
        """The service's JSON answer when there was one (printed as it is with ``--json``)."""

    def envelope(self) -> dict[str, Any]:
        """The service's answer, or one in the same shape for a failure on this side."""
        if self.answer is not None:
            return self.answer
        return {"success": False, "errorCode": self.error_code, "errorMessage": self.message}


class ActionRefused(RemoteError):
    exit_code = ExitCode.REFUSED


class BadInput(RemoteError):
    exit_code = ExitCode.USAGE


class ServiceUnavailable(RemoteError):
    exit_code = ExitCode.UNAVAILABLE


@dataclass(frozen=True)
class Answer:
    """A successful answer: the action's response, or (HTTP 202) the document of its job."""

    status_code: int
    body: dict[str, Any]

    @property
    def is_job(self) -> bool:
        return self.status_code == 202


def job_id_of(reference: str) -> str:
    """A job id from an id, a job path or a job URL (what an asynchronous call printed)."""
    path = urlsplit(reference.strip()).path.rstrip("/")
    job_id = path.rsplit("/", 1)[-1]
    if not job_id:
        raise BadInput("Name a job by its id or its URL.", error_code="INVALID_JOB")
    return job_id


def check_service_url(url: str) -> str:
    """The service URL without a trailing slash; refused unless it is an http(s) URL."""
    cleaned = url.strip().rstrip("/")
    if not cleaned:
        raise BadInput(
            "No service URL: set PROMO_SERVICE_URL or pass --url.", error_code="URL_MISSING"
        )
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(
            f"The service URL {url!r} is not an http:// or https:// address; "
            "set PROMO_SERVICE_URL or pass --url.",
            error_code="INVALID_SERVICE_URL",
        )
    return cleaned


def refusal(status_code: int, body: dict[str, Any]) -> RemoteError:
    """The error for a ``success: false`` answer (or any HTTP error status)."""
    code = str(body.get("errorCode") or f"HTTP_{status_code}")
    message = str(body.get("errorMessage") or f"The service answered HTTP {status_code}.")
    if status_code == 401:
        return ServiceUnavailable(
            f"The service did not accept the token: {message}", error_code=code, answer=body
        )
    if code in BAD_INPUT_CODES:
        return BadInput(message, error_code=code, answer=body)
    return ActionRefused(message, error_code=code, answer=body)


def checked(status_code: int, body: dict[str, Any]) -> Answer:
    if status_code >= 400 or body.get("success") is False:
        raise refusal(status_code, body)
    return Answer(status_code, body)


class ServiceClient:
    """Calls actions and reads jobs on the service at ``base_url`` as the bearer of ``token``."""

    def __init__(self, base_url: str, token: str, *, timeout_seconds: float = 60.0) -> None:
        self.base_url = check_service_url(base_url)
        if not token.strip():
            raise BadInput("No token: set PROMO_TOKEN or pass --token.", error_code="TOKEN_MISSING")
        self.timeout_seconds = timeout_seconds
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {token.strip()}",
                "Accept": "application/json",
                "User-Agent": "promo-remote",
            },
            timeout=timeout_seconds,
            follow_redirects=False,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.close()

    def call(self, action: str, body: dict[str, Any], *, respond_async: bool = False) -> Answer:
        """POST the action; with ``respond_async`` a long action answers 202 and its job."""
        headers = {"Prefer": "respond-async"} if respond_async else {}
        return checked(*self._send("POST", f"/api/v1/actions/{action}", body, headers))

    def job(self, job_id: str) -> dict[str, Any]:
        """The job document (state, progress and, once finished, the action's response)."""
        return checked(*self._send("GET", f"{JOB_PATH}{job_id}", None, {})).body

    def job_url(self, job_id: str) -> str:
        return f"{self.base_url}{JOB_PATH}{job_id}"

    def follow(
        self,
        job_id: str,
        *,
        on_change: Callable[[dict[str, Any]], None],
        timeout_seconds: float,
        poll_seconds: float = 1.0,
    ) -> Answer:
        """Read the job until it finishes; the action's own answer, checked like a direct one."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            job = self.job(job_id)
            on_change(job)
            if job.get("state") in FINISHED_JOB_STATES:
                response = job.get("response")
                body = response if isinstance(response, dict) else {}
                return checked(int(job.get("httpStatus") or 500), body)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServiceUnavailable(
                    f"Job {job_id} is still {job.get('state', 'running')} after "
                    f"{timeout_seconds:g} s; it goes on: follow it with "
                    f"`promo remote job {job_id} --wait` ({self.job_url(job_id)}).",
                    error_code="WAIT_TIMEOUT",
                )
            time.sleep(min(poll_seconds, remaining))

    def _send(
        self, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        try:
            response = self._http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise ServiceUnavailable(
                f"The service at {self.base_url} did not answer within {self.timeout_seconds:g} s.",
                error_code="SERVICE_TIMEOUT",
            ) from exc
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(
                f"Cannot reach the service at {self.base_url}: {exc or type(exc).__name__}.",
                error_code="SERVICE_UNREACHABLE",
            ) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise ServiceUnavailable(
                f"{self.base_url}{path} answered HTTP {response.status_code} without a JSON "
                "object; is PROMO_SERVICE_URL the address of a boomi-promo service?",
                error_code="NOT_A_PROMO_SERVICE",
            )
        return response.status_code, payload
