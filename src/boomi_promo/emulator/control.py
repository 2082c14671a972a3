"""Test controls around the API: injected faults, the request log and the rate limiter.

These are thread-safe on their own because tests drive them from the test thread while the
server answers requests on its own event loop thread.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Generic, Protocol, TypeVar

from boomi_promo.emulator.ids import new_uuid

FaultHook = Callable[[], None]
"""Run (outside the injector's lock) when a matching request arrives, before it is answered."""


@dataclass
class Fault:
    """Applied to requests whose path matches ``path`` (a regular expression, searched)."""

    path: str
    method: str | None = None
    status: int | None = None
    """Answer with this status instead of running the request (with ``lose_answer``: after
    running it)."""
    latency: float = 0.0
    """Seconds to wait before answering."""
    timeout: bool = False
    """Hang without answering until the client gives up."""
    reset: bool = False
    """Close the connection without an answer; the request is not run."""
    lose_answer: bool = False
    """Run the request, then close the connection without its answer, or answer ``status``
    when one is given (the write lands; the caller never hears of it)."""
    retry_after: int | None = 1
    """The ``Retry-After`` seconds of an injected 429; ``None`` sends none."""
    count: int | None = None
    """Apply to the next ``count`` matching requests only; ``None`` = until cleared."""
    skip: int = 0
    """Let this many matching requests through untouched first (they use up no ``count``)."""
    on_match: FaultHook | None = None
    """Called for each request the fault applies to (tests use it to act at an exact step)."""
    fault_id: str = field(default_factory=new_uuid)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.path)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self._pattern.search(path) is not None

    def describe(self) -> dict[str, Any]:
        described = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "on_match"}
        described["hook"] = self.on_match is not None
        return described


@dataclass(frozen=True)
class FaultEffect:
    """What the matching faults of one request add up to."""

    latency: float = 0.0
    timeout: bool = False
    reset: bool = False
    lose_answer: bool = False
    status: int | None = None
    retry_after: int | None = 1


class _CountedFault(Protocol):
    fault_id: str
    count: int | None


FaultT = TypeVar("FaultT", bound=_CountedFault)


class _FaultList(Generic[FaultT]):
    """A thread-safe list of faults; a fault with a ``count`` is used up after that many hits."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[FaultT] = []

    def _append(self, fault: FaultT) -> FaultT:
        with self._lock:
            self._faults.append(fault)
        return fault

    def _use(self, fault: FaultT) -> None:
        """Count one hit (the lock is held by the caller)."""
        if fault.count is not None:
            fault.count -= 1
            if fault.count <= 0:
                self._faults.remove(fault)

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.fault_id != fault_id]
            return len(self._faults) != before

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[FaultT]:
        with self._lock:
            return list(self._faults)


class FaultInjector(_FaultList[Fault]):
    def add(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int | None = None,
        latency: float = 0.0,
        timeout: bool = False,
        reset: bool = False,
        lose_answer: bool = False,
        retry_after: int | None = 1,
        count: int | None = None,
        skip: int = 0,
        on_match: FaultHook | None = None,
    ) -> Fault:
        return self._append(
            Fault(
                path=path,
                method=method,
                status=status,
                latency=latency,
                timeout=timeout,
                reset=reset,
                lose_answer=lose_answer,
                retry_after=retry_after,
                count=count,
                skip=skip,
                on_match=on_match,
            )
        )

    def take(self, method: str, path: str) -> FaultEffect:
        """Combine every fault matching this request, using up one of each one's count.

        Hooks run after the lock is released, so a hook may add or clear faults.
        """
        latency, timeout, reset, lose_answer = 0.0, False, False, False
        status: int | None = None
        retry_after: int | None = 1
        hooks: list[FaultHook] = []
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(method, path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                    continue
                latency += fault.latency
                timeout = timeout or fault.timeout
                reset = reset or fault.reset
                lose_answer = lose_answer or fault.lose_answer
                if status is None and fault.status is not None:
                    status, retry_after = fault.status, fault.retry_after
                if fault.on_match is not None:
                    hooks.append(fault.on_match)
                self._use(fault)
        for hook in hooks:
            hook()
        return FaultEffect(
            latency=latency,
            timeout=timeout,
            reset=reset,
            lose_answer=lose_answer,
            status=status,
            retry_after=retry_after,
        )


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    time: float
    """Epoch seconds when the request arrived."""
    duration: float
    account: str = ""
    """The effective account: ``overrideAccount`` when given, else the account in the path."""
    request_content_type: str = ""
    request_body: bytearray | None = None
    """Kept only with the ``log_bodies`` setting; filled while the request is read."""
    response_content_type: str = ""
    response_body: bytearray | None = None
    """Kept only with the ``log_bodies`` setting; filled while the answer is sent."""

    def describe(self) -> dict[str, Any]:
        described = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("request_body", "response_body")
        }
        for name in ("request_body", "response_body"):
            body = getattr(self, name)
            described[name] = None if body is None else bytes(body).decode("utf-8", "replace")
        return described


class RequestLog:
    def __init__(self, capacity: int = 20_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=capacity)

    def append(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests with this method whose path matches ``path`` (a regular expression)."""
        pattern = re.compile(path) if path is not None else None
        return sum(
            1
            for entry in self.entries()
            if (method is None or entry.method == method.upper())
            and (pattern is None or pattern.search(entry.path))
        )


class TokenBucket:
    """Per-key token buckets refilled at ``rate()`` per second, holding one second's worth
    (and at least one request's)."""

    def __init__(self, rate: Callable[[], float | None], clock: Callable[[], float]) -> None:
        self._rate = rate
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str) -> bool:
        rate = self._rate()
        if not rate:
            return True
        now = self._clock()
        with self._lock:
            capacity = max(rate, 1.0)
            tokens, stamp = self._buckets.get(key, (capacity, now))
            tokens = min(capacity, tokens + (now - stamp) * rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            return allowed

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


@dataclass
class ReleaseFault:
    """Releases of packs whose id or name matches ``pack`` (searched) end in ERROR."""

    pack: str
    message: str = "Injected fault: the release failed."
    count: int | None = None
    """Fail the next ``count`` matching releases only; ``None`` = until cleared."""
    fault_id: str = field(default_factory=new_uuid)

    def __post_init__(self) -> None:
        self._pattern = re.compile(self.pack)

    def matches(self, pack_id: str, pack_name: str) -> bool:
        return bool(self._pattern.search(pack_id) or self._pattern.search(pack_name))

    def describe(self) -> dict[str, Any]:
        return asdict(self)


class ReleaseFaults(_FaultList[ReleaseFault]):
    """Planned release failures; a release takes its fate when it is requested."""

    def add(
        self, pack: str, *, message: str | None = None, count: int | None = None
    ) -> ReleaseFault:
        fault = ReleaseFault(pack=pack, count=count)
        if message:
            fault.message = message
        return self._append(fault)

    def take(self, pack_id: str, pack_name: str) -> str | None:
        """The failure message for a new release of this pack, or ``None`` when it succeeds."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(pack_id, pack_name):
                    continue
                self._use(fault)
                return fault.message
        return None


MERGE_OUTCOMES = ("CONFLICT", "FAILED_TO_MERGE", "FAILED_TO_DRAFT")
"""How an injected merge fault ends a merge request (stages from Boomi's MergeRequest enum):
``CONFLICT`` ends FAILED_TO_MERGE with the conflicting components flagged ``conflict`` in its
MergeRequestDetails and nothing merged; ``FAILED_TO_MERGE`` ends there with no conflict named;
``FAILED_TO_DRAFT`` never gets to review."""


@dataclass
class MergeFault:
    """Merge requests whose source branch name matches ``branch`` (searched) end in
    ``outcome`` instead of MERGED."""

    branch: str
    outcome: str = "CONFLICT"
    components: list[str] | None = None
    """For ``CONFLICT``: the component ids that conflict; ``None``: those changed on both
    branches, else every component the merge would bring."""
    count: int | None = None
    """Apply to the next ``count`` matching merge requests only; ``None`` = until cleared."""
    fault_id: str = field(default_factory=new_uuid)

    def __post_init__(self) -> None:
        if self.outcome not in MERGE_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(MERGE_OUTCOMES)}")
        self._pattern = re.compile(self.branch)

    def matches(self, source_branch_name: str) -> bool:
        return self._pattern.search(source_branch_name) is not None

    def describe(self) -> dict[str, Any]:
        return asdict(self)


class MergeFaults(_FaultList[MergeFault]):
    """Planned merge failures; a merge request takes its fate when it is created."""

    def add(
        self,
        branch: str,
        *,
        outcome: str = "CONFLICT",
        components: list[str] | None = None,
        count: int | None = None,
    ) -> MergeFault:
        return self._append(
            MergeFault(branch=branch, outcome=outcome, components=components, count=count)
        )

    def take(self, source_branch_name: str) -> MergeFault | None:
        """The fault a new merge request from this branch meets, or ``None``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(source_branch_name):
                    self._use(fault)
                    return fault
        return None
