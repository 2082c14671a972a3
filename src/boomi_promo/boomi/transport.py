"""Sending calls to the Boomi Platform (Partner) REST API; the endpoints are in :mod:`.client`.

Every call:

* goes to ``{base_url}/{api_prefix}/{account_id}/{Object}...`` with Basic auth
  ``BOOMI_TOKEN.<username>:<api token>``, and ``?overrideAccount=`` when it runs as a
  sub-account;
* waits for the rate limiter first, on every attempt, keyed by the account Boomi counts the
  call against: the primary account, or the effective (override) account when the primary
  account has Boomi's ``overrideAccountRateLimit`` on;
* retries 503 (Boomi's answer past its rate limit), 429, other 5xx, timeouts and connection
  failures up to ``max_retries`` times with jittered exponential backoff (``Retry-After`` wins
  when Boomi sends it), never 401 or other 4xx;
* resends a create only after looking the object up by its natural key, when the failure may
  mean Boomi acted (a 5xx, or no answer after the request went out): see
  :meth:`BoomiTransport._create`;
* raises a typed :mod:`boomi_promo.boomi.errors` exception when it finally fails;
* is logged (method, path, status, attempt, elapsed) and reported to ``on_call``.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import quote

import httpx
import structlog
from pydantic import BaseModel, ValidationError

from boomi_promo.boomi.errors import (
    BoomiError,
    BoomiHTTPError,
    BoomiResponseError,
    BoomiTimeoutError,
    BoomiTransportError,
    http_error_class,
    parse_error_message,
)
from boomi_promo.boomi.limiter import RateLimiter

JSON = "application/json"
XML = "application/xml"
TEXT = "text/plain"

MAX_RETRY_AFTER_SECONDS = 60.0
"""A Retry-After longer than this is capped, so one answer cannot stall a job for hours."""

MAX_RESPONSE_BYTES = 32 * 1024 * 1024
"""A larger answer (after decompression) is refused before it is read to the end: one hostile
or broken component must not exhaust the service's memory. Boomi's own largest documents
(big processes and maps) stay well under a few megabytes."""

SEQUENTIAL_GAP_SECONDS = 0.12
"""The pause after each call in ``sequential`` call mode (the public design's fixed gap)."""

# Recomputed for the body as it was read (decoded, complete).
_HOP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

log = structlog.get_logger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)
CreatedT = TypeVar("CreatedT")


@dataclass(frozen=True, slots=True)
class BoomiCall:
    """One HTTP attempt, as reported to the ``on_call`` hook (for metrics)."""

    method: str
    path_template: str
    """The path with ids replaced by placeholders, e.g. ``Branch/{id}``: low cardinality."""
    account_id: str
    status: int | None
    """``None`` when no HTTP answer arrived (timeout, connection failure)."""
    attempt: int
    elapsed_seconds: float
    limiter_wait_seconds: float
    will_retry: bool


CallHook = Callable[[BoomiCall], None]


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """One call of :meth:`BoomiTransport.send_once`, as it went: for diagnostics only."""

    status: int | None
    """``None`` when no HTTP answer arrived."""
    body: bytes
    elapsed_seconds: float
    problem: str | None = None
    """Why no answer arrived, or Boomi's own message on an error status (credentials
    removed)."""


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    """Relative to the account, e.g. ``Component/abc~2``."""
    template: str
    override_account: str | None
    accept: str = JSON
    content: bytes | None = None
    content_type: str | None = None


class ResponseTooLargeError(Exception):
    """An answer passed :attr:`BoomiTransport.max_response_bytes` while it was being read."""


class AmbiguousFailure(Exception):
    """A create failed in a way that may mean Boomi carried it out: a 5xx answer, or no
    answer after the request went out. :meth:`BoomiTransport._create` looks before resending
    (``resend``), or before giving up with ``failure`` when no attempt is left."""

    def __init__(self, failure: BoomiError, *, attempt: int, delay: float, resend: bool) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.attempt = attempt
        self.delay = delay
        self.resend = resend


class LookupInconclusive(Exception):
    """A create's natural-key lookup found more than one object the create may have made: the
    create fails with its own error rather than take a stranger's object or make another."""


def segment(value: str) -> str:
    return quote(value, safe="")


class BoomiTransport:
    """Sends one account's calls: auth, rate limit, retries, typed errors, logging.

    :class:`~boomi_promo.boomi.client.BoomiClient` adds the endpoints. Use as an async context
    manager.
    """

    def __init__(
        self,
        *,
        base_url: str,
        account_id: str,
        username: str,
        api_token: str,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_seconds: float = 1.0,
        override_account_rate_limit: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        api_prefix: str = "partner/api/rest/v1",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        on_call: CallHook | None = None,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        call_mode: Literal["concurrent", "sequential"] = "concurrent",
        sequential_gap_seconds: float = SEQUENTIAL_GAP_SECONDS,
        branch_query_delay_seconds: float = 0.0,
    ) -> None:
        """``limiter=None`` sends without limiting (tests); :meth:`from_settings` always limits.

        ``sleep`` and ``clock`` serve backoff and polling waits, ``jitter`` (uniform in [0, 1))
        spreads the backoff; tests inject fakes. ``override_account_rate_limit`` keys the
        limiter by the effective account instead of the primary: set it only when Boomi counts
        Partner API calls against the override account (the primary account's
        ``overrideAccountRateLimit`` property). ``call_mode="sequential"`` sends one call at a
        time (retries included) and pauses ``sequential_gap_seconds`` after each, whatever the
        limiter would allow.
        """
        if not account_id:
            raise ValueError("account_id is required")
        if max_retries < 0:
            raise ValueError("max_retries cannot be negative")
        self.account_id = account_id
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.override_account_rate_limit = override_account_rate_limit
        self.max_response_bytes = max_response_bytes
        self._root = "/".join(
            part.strip("/") for part in (base_url, api_prefix, segment(account_id)) if part
        )
        self._limiter = limiter
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self._on_call = on_call
        self.call_mode = call_mode
        self._sequential_gap = sequential_gap_seconds
        self.branch_query_delay_seconds = branch_query_delay_seconds
        """How long a new branch may be missing from a Branch query (a lost create's lookup)."""
        self._one_at_a_time = asyncio.Lock() if call_mode == "sequential" else None
        user = f"BOOMI_TOKEN.{username}"
        credentials = base64.b64encode(f"{user}:{api_token}".encode()).decode("ascii")
        # Kept only to scrub them from any text that ends up in an exception message.
        self._secrets = tuple(secret for secret in (api_token, credentials) if secret)
        self._http = httpx.AsyncClient(
            auth=httpx.BasicAuth(user, api_token),
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ---------------------------------------------------------------- diagnostics

    async def send_once(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        accept: str = JSON,
        override_account: str | None = None,
        limited: bool = True,
    ) -> RawAnswer:
        """``method path`` (relative to the account, e.g. ``Component/bulk``) sent once: never
        retried, any status returned as Boomi gave it rather than raised.

        For ``promo doctor --probe``, which reports Boomi's own answers (a 400 where the
        product reads it as "nothing", a 503 past the rate limit). ``limited=False`` sends
        without waiting for the rate limiter. Product code uses the typed methods.
        """
        request = Request(
            method.upper(),
            path,
            path,
            override_account,
            accept=accept,
            content=body,
            content_type=content_type,
        )
        account = override_account or self.account_id
        params = {"overrideAccount": override_account} if override_account else None
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        waited = await self._limiter.acquire(account) if self._limiter and limited else 0.0
        started = time.monotonic()
        try:
            response = await self._fetch(
                request.method, f"{self._root}/{path}", params=params, headers=headers, content=body
            )
        except (httpx.RequestError, ResponseTooLargeError) as exc:
            self._report(request, account, None, 1, started, waited, False)
            failure = self._scrub(str(exc) or type(exc).__name__)
            return RawAnswer(None, b"", time.monotonic() - started, failure)
        self._report(request, account, response.status_code, 1, started, waited, False)
        message = None if response.is_success else parse_error_message(response.content)
        problem = self._scrub(message) if message else None
        return RawAnswer(
            response.status_code, response.content, time.monotonic() - started, problem
        )

    # ---------------------------------------------------------------- transport

    def _json_post(
        self, path: str, template: str, body: dict[str, Any], override_account: str | None
    ) -> Request:
        return Request(
            "POST",
            path,
            template,
            override_account,
            content=json_bytes(body),
            content_type=JSON,
        )

    async def _create(
        self,
        request: Request,
        parse: Callable[[Request, httpx.Response], CreatedT],
        find: Callable[[], Awaitable[CreatedT | None]],
    ) -> CreatedT:
        """Send a create; resend it only after ``find`` (a lookup by its natural key) finds
        nothing. When ``find`` cannot tell (:class:`LookupInconclusive`) the create fails.

        A 5xx, a timeout or a broken connection after the request went out may mean Boomi
        created the object and the answer was lost; resending blindly would make a second one.
        After such a failure the back-off is waited (a slow create gets time to land), then
        the object found is answered as the create's result, or the request is resent.
        Failures that prove nothing was done (429, a refused connection) are retried as usual.
        """
        attempt = 1
        while True:
            try:
                return parse(request, await self._send(request, first_attempt=attempt, create=True))
            except AmbiguousFailure as ambiguous:
                await self._sleep(ambiguous.delay)
                try:
                    found = await find()
                except LookupInconclusive as inconclusive:
                    log.warning(
                        "boomi.create_lookup_inconclusive",
                        method=request.method,
                        path=request.path,
                        attempt=ambiguous.attempt,
                        detail=str(inconclusive),
                    )
                    raise ambiguous.failure from ambiguous.__cause__
                log.warning(
                    "boomi.create_looked_up",
                    method=request.method,
                    path=request.path,
                    attempt=ambiguous.attempt,
                    found=found is not None,
                )
                if found is not None:
                    return found
                if not ambiguous.resend:
                    raise ambiguous.failure from ambiguous.__cause__
                attempt = ambiguous.attempt + 1

    def _parse_model(self, model: type[ModelT]) -> Callable[[Request, httpx.Response], ModelT]:
        def parse(request: Request, response: httpx.Response) -> ModelT:
            return self._model(model, request, response)

        return parse

    async def _send(
        self, request: Request, *, first_attempt: int = 1, create: bool = False
    ) -> httpx.Response:
        """One call with limiter, retries and error mapping; returns a 2xx response.

        ``create``: the request makes an object, so a failure that may mean Boomi acted is
        not retried here but raised as :class:`AmbiguousFailure` for :meth:`_create`.
        """
        if self._one_at_a_time is None:
            return await self._send_attempts(request, first_attempt, create)
        async with self._one_at_a_time:
            try:
                return await self._send_attempts(request, first_attempt, create)
            finally:
                await self._sleep(self._sequential_gap)

    async def _send_attempts(
        self, request: Request, first_attempt: int, create: bool
    ) -> httpx.Response:
        account = request.override_account or self.account_id
        # Boomi counts a Partner API call against the primary account unless the primary has
        # overrideAccountRateLimit on: the limiter must count the same way.
        limiter_key = account if self.override_account_rate_limit else self.account_id
        url = f"{self._root}/{request.path}"
        params = {"overrideAccount": request.override_account} if request.override_account else None
        headers = {"Accept": request.accept}
        if request.content_type:
            headers["Content-Type"] = request.content_type
        attempt = first_attempt - 1
        while True:
            attempt += 1
            waited = await self._limiter.acquire(limiter_key) if self._limiter else 0.0
            started = time.monotonic()
            response: httpx.Response | None = None
            cause: httpx.RequestError | None = None
            failure: BoomiError
            retryable = True
            ambiguous = False  # Boomi may have acted on the request
            try:
                response = await self._fetch(
                    request.method, url, params=params, headers=headers, content=request.content
                )
            except ResponseTooLargeError as exc:
                failure = self._bad_response(request, str(exc))
                retryable = False
            except httpx.TimeoutException as exc:
                cause = exc
                failure = self._transport_failure(BoomiTimeoutError, request, exc)
                ambiguous = not isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
            except httpx.RequestError as exc:
                cause = exc
                failure = self._transport_failure(BoomiTransportError, request, exc)
                ambiguous = not isinstance(exc, httpx.ConnectError)
            else:
                if response.is_success:
                    self._report(
                        request, account, response.status_code, attempt, started, waited, False
                    )
                    return response
                failure = self._http_failure(request, response)
                retryable = response.status_code == 429 or response.status_code >= 500
                ambiguous = response.status_code >= 500
            will_retry = retryable and attempt <= self.max_retries
            self._report(
                request,
                account,
                response.status_code if response is not None else None,
                attempt,
                started,
                waited,
                will_retry,
            )
            failure.attempts = attempt
            if create and ambiguous and retryable:
                # Even after the last attempt: the create may have landed, so look once more
                # (after a short wait) before reporting a failure.
                delay = (
                    self._retry_delay(attempt, response)
                    if will_retry
                    else self._retry_delay(1, None)
                )
                if will_retry:
                    self._log_retry(request, account, attempt, failure, delay, look_up_first=True)
                raise AmbiguousFailure(
                    failure, attempt=attempt, delay=delay, resend=will_retry
                ) from cause
            if not will_retry:
                raise failure from cause
            delay = self._retry_delay(attempt, response)
            self._log_retry(request, account, attempt, failure, delay, look_up_first=False)
            await self._sleep(delay)

    @staticmethod
    def _log_retry(
        request: Request,
        account: str,
        attempt: int,
        failure: BoomiError,
        delay: float,
        *,
        look_up_first: bool,
    ) -> None:
        log.warning(
            "boomi.retry",
            method=request.method,
            path=request.path,
            account=account,
            attempt=attempt,
            error_code=failure.error_code,
            status=failure.status_code,
            delay_seconds=delay,
            look_up_first=look_up_first,
        )

    async def _fetch(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None,
        headers: dict[str, str],
        content: bytes | None,
    ) -> httpx.Response:
        """The answer, read in full unless it grows past :attr:`max_response_bytes`."""
        outgoing = self._http.build_request(
            method, url, params=params, headers=headers, content=content
        )
        streamed = await self._http.send(outgoing, stream=True)
        limit = self.max_response_bytes
        too_large = ResponseTooLargeError(f"the answer is larger than {limit} bytes; refused")
        try:
            declared = streamed.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise too_large
            body = bytearray()
            async for chunk in streamed.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise too_large
        finally:
            await streamed.aclose()
        kept = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _HOP_HEADERS]
        return httpx.Response(
            streamed.status_code, headers=kept, content=bytes(body), request=outgoing
        )

    def _retry_delay(self, attempt: int, response: httpx.Response | None) -> float:
        # Jittered (0.5x to 1.5x of 1 s, 2 s, 4 s, ...) so that callers throttled together do
        # not all come back in the same instant.
        backoff: float = self.backoff_seconds * 2 ** (attempt - 1) * (0.5 + self._jitter())
        if response is None:
            return backoff
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if retry_after is None:
            return backoff
        return min(retry_after, MAX_RETRY_AFTER_SECONDS)

    def _report(
        self,
        request: Request,
        account: str,
        status: int | None,
        attempt: int,
        started: float,
        waited: float,
        will_retry: bool,
    ) -> None:
        elapsed = time.monotonic() - started
        log.info(
            "boomi.call",
            method=request.method,
            path=request.path,
            account=account,
            status=status,
            attempt=attempt,
            elapsed_ms=round(elapsed * 1000, 1),
            limiter_wait_ms=round(waited * 1000, 1),
        )
        if self._on_call is not None:
            self._on_call(
                BoomiCall(
                    method=request.method,
                    path_template=request.template,
                    account_id=account,
                    status=status,
                    attempt=attempt,
                    elapsed_seconds=elapsed,
                    limiter_wait_seconds=waited,
                    will_retry=will_retry,
                )
            )

    # ---------------------------------------------------------------- errors and parsing

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _transport_failure(
        self,
        error_class: type[BoomiTransportError],
        request: Request,
        exc: httpx.RequestError,
    ) -> BoomiTransportError:
        what = "timed out" if error_class is BoomiTimeoutError else "could not reach Boomi"
        detail = str(exc) or type(exc).__name__
        return error_class(
            self._scrub(f"Boomi {request.method} /{request.path} {what}: {detail}"),
            method=request.method,
            path=f"/{request.path}",
        )

    def _http_failure(self, request: Request, response: httpx.Response) -> BoomiHTTPError:
        status = response.status_code
        boomi_message = parse_error_message(response.content)
        boomi_message = self._scrub(boomi_message) if boomi_message else None
        reason = response.reason_phrase or "error"
        message = f"Boomi {request.method} /{request.path} answered HTTP {status} {reason}"
        if boomi_message:
            message += f": {boomi_message}"
        if status == 401:
            message += " (the Boomi API token may be expired or revoked)"
        return http_error_class(status)(
            self._scrub(message),
            method=request.method,
            path=f"/{request.path}",
            status_code=status,
            boomi_message=boomi_message,
        )

    def _bad_response(self, request: Request, problem: str) -> BoomiResponseError:
        return BoomiResponseError(
            self._scrub(f"Boomi {request.method} /{request.path}: {problem}"),
            method=request.method,
            path=f"/{request.path}",
        )

    def _json(self, request: Request, response: httpx.Response) -> dict[str, Any]:
        try:
            document = response.json()
        except ValueError:
            raise self._bad_response(request, "the answer is not JSON") from None
        if not isinstance(document, dict):
            raise self._bad_response(request, "the answer is not a JSON object")
        return document

    async def _get_model(
        self,
        model: type[ModelT],
        object_type: str,
        object_id: str,
        override_account: str | None,
    ) -> ModelT:
        """``GET /{object_type}/{id}`` answered as ``model``."""
        request = Request(
            "GET", f"{object_type}/{segment(object_id)}", f"{object_type}/{{id}}", override_account
        )
        return self._model(model, request, await self._send(request))

    def _model(self, model: type[ModelT], request: Request, response: httpx.Response) -> ModelT:
        return self._validate(model, request, self._json(request, response))

    def _validate(self, model: type[ModelT], request: Request, document: Any) -> ModelT:
        try:
            return model.model_validate(document)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, error["loc"])) for error in exc.errors())
            raise self._bad_response(
                request, f"unexpected {model.__name__} (fields: {fields})"
            ) from None


def json_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
