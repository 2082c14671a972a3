"""``promo doctor --probe``: how the configured Boomi account behaves, for a bug report.

A short run against the real account (the emulator in CI) that looks at what Boomi's
documentation leaves open or the product depends on, and says what it saw:

1. **branch lifecycle** — one temporary branch ``promo-probe-<random>`` from main: how long it
   takes to be ready, how long before a Branch QUERY lists it, the delete's answer, whether it
   passes through DELETING (and whether deleting it again meanwhile is accepted) and when it is
   gone. The branch is deleted whatever happens, even when the probe fails or is interrupted.
2. **component references** of a process (``--process-id``, else the first process of the
   primary account) both ways: what it uses (QUERY by ``parentComponentId`` +
   ``parentVersion``) and who uses it (``GET ComponentReference/{id}``, which takes the
   *referenced* component's id; Boomi answers 400 for a component nobody references).
3. **bulk GET limit** — ``POST Component/bulk`` with 5 ids (read as the product reads them) and
   with 6 (Boomi documents 5 as the limit, so 6 should be refused).
4. **rate limit burst** — at most :data:`BURST_SIZE` reads at once, past the client's rate
   limiter, to see Boomi's answer past its limit (documented: 503 past 10 requests/second).
5. **Partner API override** — a read as one dev account (``overrideAccount``), and, right
   after the burst, whether a read under the override is still answered while the primary is
   limited (the account's ``overrideAccountRateLimit`` cannot be read through the API).

Nothing is written but the temporary branch. Each check says ``ok``, ``warn`` (Boomi behaves
otherwise than documented or expected, or the probe could not tell) or ``fail`` (the product
would not work this way), what was seen, and how long it took.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import textwrap
import time
from collections import Counter
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError, BoomiNotFoundError
from boomi_promo.boomi.models import Branch, BranchStage, ComponentMetadata
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.boomi.transport import JSON, XML, RawAnswer
from boomi_promo.config import Settings
from boomi_promo.engine.recovery import find_created_branch

PROBE_BRANCH_PREFIX = "promo-probe-"
BURST_SIZE = 15
"""Reads sent at once past the limiter: over Boomi's 10 per second, and never more."""
BULK_LIMIT = 5
"""Component ids per bulk GET, as Boomi documents it."""
GONE_WAIT_SECONDS = 30.0
"""How long the probe watches a deleted branch for DELETING to end."""
REFILL_SECONDS = 1.2
"""A pause after the burst: the account's one-second budget is full again afterwards."""
LIMITED_STATUSES = frozenset({429, 503})

Clock = Callable[[], float]
T = TypeVar("T")


class Result(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class ProbeCheck:
    name: str
    result: Result
    seen: str
    """What was seen, in a sentence or two."""
    elapsed_seconds: float
    facts: dict[str, Any] = field(default_factory=dict)
    """The same, for a machine: status codes, stages, seconds."""

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "result": str(self.result),
            "seen": self.seen,
            "elapsedSeconds": round(self.elapsed_seconds, 3),
            "facts": self.facts,
        }


@dataclass(frozen=True)
class ProbeReport:
    base_url: str
    primary_account_id: str
    started_at: str
    elapsed_seconds: float
    checks: list[ProbeCheck]

    @property
    def result(self) -> Result:
        results = {check.result for check in self.checks}
        for worst in (Result.FAIL, Result.WARN):
            if worst in results:
                return worst
        return Result.OK

    def as_json(self) -> dict[str, Any]:
        return {
            "probe": "boomi",
            "baseUrl": self.base_url,
            "primaryAccountId": self.primary_account_id,
            "startedAt": self.started_at,
            "elapsedSeconds": round(self.elapsed_seconds, 3),
            "result": str(self.result),
            "checks": [check.as_json() for check in self.checks],
        }


# ---------------------------------------------------------------------------- rendering

HEADERS = ("CHECK", "RESULT", "ELAPSED", "SEEN")


def render_table(report: ProbeReport, *, width: int = 100) -> str:
    """The report as a plain-text table; the SEEN column wraps under itself."""
    rows = [
        (check.name, str(check.result), f"{check.elapsed_seconds:.2f} s", check.seen)
        for check in report.checks
    ]
    widths = [max(len(row[column]) for row in [HEADERS, *rows]) for column in range(3)]
    indent = sum(widths) + 2 * len(widths)
    seen_width = max(width - indent, 30)
    lines = [
        f"Boomi probe of account {report.primary_account_id} at {report.base_url}, "
        f"{report.started_at} ({report.elapsed_seconds:.1f} s)",
        _row(HEADERS, widths),
    ]
    for row in rows:
        wrapped = textwrap.wrap(row[3], seen_width) or [""]
        lines.append(_row((*row[:3], wrapped[0]), widths))
        lines += [" " * indent + more for more in wrapped[1:]]
    counts = Counter(check.result for check in report.checks)
    lines.append(", ".join(f"{counts[result]} {result}" for result in Result))
    return "\n".join(lines)


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    name, result, elapsed, seen = cells
    return (
        f"{name.ljust(widths[0])}  {result.ljust(widths[1])}  {elapsed.rjust(widths[2])}  {seen}"
    ).rstrip()


def render_json(report: ProbeReport) -> str:
    return json.dumps(report.as_json(), indent=2)


# ---------------------------------------------------------------------------- running


async def run_probe(
    settings: Settings,
    client: BoomiClient,
    *,
    process_id: str | None = None,
    dev_account_id: str | None = None,
    clock: Clock = time.monotonic,
) -> ProbeReport:
    """Every check in order; a failed one never stops the ones after it.

    ``dev_account_id``: the account check 5 reads as (else the first sub-account Boomi lists).
    """
    started = clock()
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    checks = [await _branch_lifecycle(client, settings, clock)]
    references, known_ids = await _references(client, process_id, clock)
    checks.append(references)
    checks.append(await _bulk(client, known_ids, clock))
    checks += await _burst_and_override(client, settings, dev_account_id, clock)
    return ProbeReport(
        base_url=settings.boomi.base_url,
        primary_account_id=settings.boomi.primary_account_id,
        started_at=started_at,
        elapsed_seconds=clock() - started,
        checks=checks,
    )


class _Timer:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._started = clock()

    def __call__(self) -> float:
        return self._clock() - self._started


# ---------------------------------------------------------------------------- 1. branches


@dataclass
class _BranchWatch:
    """What the branch check saw, as it went."""

    name: str
    facts: dict[str, Any] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def _branch_lifecycle(client: BoomiClient, settings: Settings, clock: Clock) -> ProbeCheck:
    name = "branch lifecycle"
    timer = _Timer(clock)
    watch = _BranchWatch(f"{PROBE_BRANCH_PREFIX}{secrets.token_hex(4)}")
    watch.facts["branchName"] = watch.name
    branch: Branch | None = None
    requested_at: float | None = None
    try:
        main = await client.find_branch_by_name("main")
        if main is None:
            watch.problems.append("the primary account lists no branch named main")
        else:
            requested_at = clock()
            branch = await client.create_branch(
                watch.name,
                parent_id=main.id,
                description="promo doctor --probe: deleted again at once",
            )
            await _follow_new_branch(client, settings, clock, watch, branch, requested_at)
    except BoomiError as error:
        watch.problems.append(error.message)
    finally:
        # Whatever happened above (an interruption included), the branch goes.
        await _delete_and_watch(client, settings, clock, watch, branch, requested_at)
    result = Result.FAIL if watch.problems else Result.WARN if watch.warnings else Result.OK
    seen = "; ".join([*watch.seen, *watch.problems, *watch.warnings])
    return ProbeCheck(name, result, seen, timer(), watch.facts)


async def _follow_new_branch(
    client: BoomiClient,
    settings: Settings,
    clock: Clock,
    watch: _BranchWatch,
    branch: Branch,
    requested_at: float,
) -> None:
    boomi = settings.boomi
    watch.facts.update({"branchId": branch.id, "createdStage": branch.stage})
    ready = await client.wait_for_branch_ready(
        branch.id,
        timeout_seconds=boomi.branch_ready_timeout_seconds,
        interval_seconds=boomi.poll_interval_seconds,
    )
    ready_after = clock() - requested_at
    watch.facts["readyAfterSeconds"] = round(ready_after, 3)
    watch.seen.append(
        f"{watch.name} created ({branch.id}, stage {branch.stage or 'not given'}), "
        f"{ready.stage or 'ready'} after {ready_after:.2f} s"
    )
    listed = await find_created_branch(
        client,
        watch.name,
        look_until=requested_at + boomi.branch_query_delay_seconds,
        interval_seconds=boomi.poll_interval_seconds,
    )
    if listed is None:
        watch.facts["listedAfterSeconds"] = None
        watch.warnings.append(
            f"a Branch QUERY did not list it within {boomi.branch_query_delay_seconds:g} s "
            "(PROMO_BOOMI__BRANCH_QUERY_DELAY_SECONDS may be too short for this account)"
        )
    else:
        listed_after = clock() - requested_at
        watch.facts["listedAfterSeconds"] = round(listed_after, 3)
        watch.seen.append(f"listed by a Branch QUERY after {listed_after:.2f} s")


async def _delete_and_watch(
    client: BoomiClient,
    settings: Settings,
    clock: Clock,
    watch: _BranchWatch,
    branch: Branch | None,
    requested_at: float | None,
) -> None:
    """Delete the probe's branch (found by name when the create got no answer), then watch
    it go: DELETING, a second delete meanwhile, gone."""
    try:
        if branch is None and requested_at is not None:
            branch = await find_created_branch(
                client,
                watch.name,
                look_until=requested_at + settings.boomi.branch_query_delay_seconds,
                interval_seconds=settings.boomi.poll_interval_seconds,
            )
        if branch is None:
            return
        deleted_at = clock()
        answer = await client.send_once("DELETE", f"Branch/{branch.id}")
        watch.facts["deleteStatus"] = answer.status
        if answer.status is None or not 200 <= answer.status < 300:
            # One unretried answer is not the last word: the client's delete retries.
            await client.delete_branch(branch.id)
        await _watch_deletion(client, settings, clock, watch, branch, deleted_at, answer)
    except BoomiError as error:
        watch.problems.append(
            f"the probe branch {watch.name} was NOT deleted ({error.message}); "
            "`promo reconcile` removes it once it is 10 minutes old"
        )


async def _watch_deletion(
    client: BoomiClient,
    settings: Settings,
    clock: Clock,
    watch: _BranchWatch,
    branch: Branch,
    deleted_at: float,
    answer: RawAnswer,
) -> None:
    stages: list[str] = []
    again: int | None = None
    gone_after: float | None = None
    deadline = deleted_at + GONE_WAIT_SECONDS
    while True:
        try:
            current = await client.get_branch(branch.id)
        except BoomiNotFoundError:
            gone_after = clock() - deleted_at
            break
        if current.deleted and current.stage != BranchStage.DELETING:
            gone_after = clock() - deleted_at
            break
        stage = current.stage or "unknown"
        if not stages or stages[-1] != stage:
            stages.append(stage)
        if stage == BranchStage.DELETING and again is None:
            again = (await client.send_once("DELETE", f"Branch/{branch.id}")).status
        if clock() >= deadline:
            break
        await asyncio.sleep(settings.boomi.poll_interval_seconds)
    watch.facts.update(
        {
            "stagesAfterDelete": stages,
            "deleteAgainStatus": again,
            "goneAfterSeconds": round(gone_after, 3) if gone_after is not None else None,
        }
    )
    said = f"delete answered {answer.status or 'nothing'}"
    if BranchStage.DELETING in stages:
        said += "; stage DELETING"
        if again is not None:
            said += f" (deleting it again meanwhile answered {again})"
    elif stages:
        said += f"; then stage {', '.join(stages)}"
    if gone_after is None:
        watch.seen.append(said)
        watch.warnings.append(
            f"still listed after {GONE_WAIT_SECONDS:g} s (Boomi goes on deleting it; it counts "
            "toward the branch limit meanwhile)"
        )
        return
    if not stages:
        said += "; gone at once, no DELETING stage seen"
    else:
        said += f", gone after {gone_after:.2f} s"
    watch.seen.append(said)


# ---------------------------------------------------------------------------- 2. references


async def _references(
    client: BoomiClient, process_id: str | None, clock: Clock
) -> tuple[ProbeCheck, list[str]]:
    """The check, and component ids it came across (the bulk check reads them)."""
    name = "component references"
    timer = _Timer(clock)
    try:
        process = await _process(client, process_id)
    except BoomiError as error:
        return ProbeCheck(
            name, Result.FAIL, f"cannot read the process: {error.message}", timer()
        ), []
    if process is None:
        seen = "the primary account has no process to read; pass --process-id"
        return ProbeCheck(name, Result.WARN, seen, timer()), []
    label = f"{process.name or 'process'} ({process.component_id} v{process.version})"
    facts: dict[str, Any] = {"processId": process.component_id, "version": process.version}
    known = [process.component_id]
    try:
        uses = (await client.query_child_references({process.component_id: process.version or 1}))[
            process.component_id
        ]
    except BoomiError as error:
        seen = f"{label}: the ComponentReference QUERY failed: {error.message}"
        return ProbeCheck(name, Result.FAIL, seen, timer(), facts), known
    known += [reference.component_id for reference in uses]
    kinds = Counter(reference.type or "untyped" for reference in uses)
    facts["uses"] = [{"componentId": r.component_id, "type": r.type} for r in uses]
    said = [
        f"{label} uses {len(uses)} component(s)"
        + (f" ({', '.join(f'{n} {kind}' for kind, n in sorted(kinds.items()))})" if uses else "")
        + " (QUERY by parentComponentId + parentVersion)"
    ]
    answer = await client.send_once("GET", f"ComponentReference/{process.component_id}")
    facts["usedByStatus"] = answer.status
    result = Result.OK
    if answer.status == 200:
        parents = _parent_ids(answer.body)
        facts["usedBy"] = parents
        said.append(f"GET ComponentReference/{{id}} answered 200: used by {len(parents)}")
    elif answer.status == 400:
        said.append(
            "GET ComponentReference/{id} answered 400"
            + (f" ({answer.problem})" if answer.problem else "")
            + ": Boomi's answer for a component nobody references, valid"
        )
    else:
        result = Result.WARN
        said.append(
            f"GET ComponentReference/{{id}} answered {answer.status or 'nothing'}"
            + (f": {answer.problem}" if answer.problem else "")
        )
    return ProbeCheck(name, result, "; ".join(said), timer(), facts), known


async def _process(client: BoomiClient, process_id: str | None) -> ComponentMetadata | None:
    if process_id:
        return await client.get_component_metadata(process_id)
    current = (
        QueryFilter.where("type", Operator.EQUALS, "process")
        .and_(QueryFilter.where("currentVersion", Operator.EQUALS, True))
        .and_(QueryFilter.where("deleted", Operator.EQUALS, False))
    )
    return await _first(client.query_component_metadata(current))


async def _first(items: AsyncIterator[T]) -> T | None:
    """The first item of a query (one page asked), or ``None``."""
    try:
        return await anext(items, None)
    finally:
        await _close(items)


async def _close(items: AsyncIterator[Any]) -> None:
    if isinstance(items, AsyncGenerator):
        await items.aclose()


def _parent_ids(body: bytes) -> list[str]:
    try:
        document = json.loads(body)
    except ValueError:
        return []
    references = document.get("references") if isinstance(document, dict) else None
    if not isinstance(references, list):
        return []
    return sorted(
        {
            str(r["parentComponentId"])
            for r in references
            if isinstance(r, dict) and r.get("parentComponentId")
        }
    )


# ---------------------------------------------------------------------------- 3. bulk GET


async def _bulk(client: BoomiClient, known: list[str], clock: Clock) -> ProbeCheck:
    name = "bulk GET limit"
    timer = _Timer(clock)
    try:
        ids = await _six_ids(client, known)
    except BoomiError as error:
        return ProbeCheck(name, Result.FAIL, f"cannot list components: {error.message}", timer())
    if not ids:
        return ProbeCheck(name, Result.WARN, "the primary account has no component", timer())
    distinct = len(set(ids))
    facts: dict[str, Any] = {"ids": ids, "distinctIds": distinct}
    said: list[str] = []
    if distinct < len(ids):
        said.append(f"only {distinct} component(s) in the account, so ids repeat")
    result = Result.OK
    try:
        five = await client.bulk_get_components(ids[:BULK_LIMIT])
    except BoomiError as error:
        return ProbeCheck(name, Result.FAIL, f"5 ids were refused: {error.message}", timer(), facts)
    statuses = Counter(item.status_code for item in five)
    facts["fiveStatuses"] = dict(sorted(statuses.items()))
    said.append(f"5 ids: {_counted(statuses)}")
    if any(item.status_code != 200 for item in five):
        result = Result.WARN
    six = await client.send_once(
        "POST",
        "Component/bulk",
        body=json.dumps({"type": "GET", "request": [{"id": i} for i in ids]}).encode(),
        content_type=JSON,
        accept=XML,
    )
    facts["sixStatus"] = six.status
    why = f" ({six.problem})" if six.problem else ""
    if six.status is not None and 400 <= six.status < 500:
        said.append(f"6 ids: refused with {six.status}{why}, as Boomi documents (limit 5)")
    elif six.status is not None and 200 <= six.status < 300:
        result = Result.WARN
        said.append(
            f"6 ids: accepted ({six.status}) although Boomi documents a limit of 5; the "
            "client keeps to 5 anyway"
        )
    else:
        result = Result.WARN
        said.append(f"6 ids: answered {six.status or 'nothing'}{why}")
    return ProbeCheck(name, result, "; ".join(said), timer(), facts)


async def _six_ids(client: BoomiClient, known: list[str]) -> list[str]:
    """Six component ids of the primary account: those already seen, then current ones; an id
    repeats when the account holds fewer."""
    ids = list(dict.fromkeys(known))
    if len(ids) < BULK_LIMIT + 1:
        current = QueryFilter.where("currentVersion", Operator.EQUALS, True).and_(
            QueryFilter.where("deleted", Operator.EQUALS, False)
        )
        metadata = client.query_component_metadata(current)
        try:
            async for item in metadata:
                if item.component_id not in ids:
                    ids.append(item.component_id)
                if len(ids) > BULK_LIMIT:
                    break
        finally:
            await _close(metadata)
    if not ids:
        return []
    while len(ids) < BULK_LIMIT + 1:
        ids.append(ids[len(ids) % len(set(ids))])
    return ids[: BULK_LIMIT + 1]


# ---------------------------------------------------------------------------- 4. and 5.


async def _burst_and_override(
    client: BoomiClient, settings: Settings, dev_account_id: str | None, clock: Clock
) -> list[ProbeCheck]:
    """The burst, then at once the override's rate-limit attribution, then (after a pause)
    the override read: the attribution needs the primary's budget still spent. Pauses are not
    counted in the checks' times."""
    primary = settings.boomi.primary_account_id
    override_timer = _Timer(clock)
    dev, dev_problem = await _dev_account(client, dev_account_id)
    override_seconds = override_timer()
    await asyncio.sleep(REFILL_SECONDS)  # the checks before used some of the budget
    burst_timer = _Timer(clock)
    answers = await asyncio.gather(
        *(client.send_once("GET", f"Account/{primary}", limited=False) for _ in range(BURST_SIZE))
    )
    burst = _burst_check(answers, burst_timer())
    override_timer = _Timer(clock)
    limited = any(a.status in LIMITED_STATUSES for a in answers)
    attribution: dict[str, Any] = {"overrideAccountRateLimit": "unknown"}
    if dev is not None and limited:
        attribution = await _attribution(client, primary, dev)
    override_seconds += override_timer()
    await asyncio.sleep(REFILL_SECONDS)
    override_timer = _Timer(clock)
    override = await _override_read(client, dev, dev_problem, attribution, limited)
    elapsed = override_seconds + override_timer()
    return [burst, replace(override, elapsed_seconds=elapsed)]


def _burst_check(answers: list[RawAnswer], seconds: float) -> ProbeCheck:
    elapsed = seconds
    statuses = Counter(a.status for a in answers)
    limited = {s for s in statuses if s in LIMITED_STATUSES}
    facts: dict[str, Any] = {
        "requests": len(answers),
        "seconds": round(seconds, 3),
        "statuses": {str(s) if s is not None else "no answer": n for s, n in statuses.items()},
    }
    said = (
        f"{len(answers)} reads at once past the limiter, in {seconds:.2f} s: {_counted(statuses)}"
    )
    if limited == {503}:
        return ProbeCheck(
            "rate limit burst",
            Result.OK,
            f"{said}; 503 past the limit, as Boomi documents",
            elapsed,
            facts,
        )
    if limited:
        codes = " and ".join(str(s) for s in sorted(limited))
        return ProbeCheck(
            "rate limit burst",
            Result.WARN,
            f"{said}; the limit answered {codes} (Boomi documents 503; the client retries both)",
            elapsed,
            facts,
        )
    if seconds < 1.0:
        return ProbeCheck(
            "rate limit burst",
            Result.WARN,
            f"{said}; no limit reached by {len(answers)} requests within a second "
            "(Boomi documents 10 per second)",
            elapsed,
            facts,
        )
    return ProbeCheck(
        "rate limit burst",
        Result.OK,
        f"{said}; no limit reached, but the reads took over a second: too slow to tell",
        elapsed,
        facts,
    )


async def _dev_account(
    client: BoomiClient, dev_account_id: str | None
) -> tuple[str | None, str | None]:
    """The dev account to read as, or why there is none."""
    if dev_account_id:
        return dev_account_id, None
    try:
        first = await _first(client.query_accounts(QueryFilter.all()))
    except BoomiError as error:
        return None, f"the primary account cannot list its sub-accounts: {error.message}"
    if first is None:
        return None, "no dev account is configured and the primary lists no sub-account"
    return str(first.account_id), None


async def _attribution(client: BoomiClient, primary: str, dev: str) -> dict[str, Any]:
    """While the primary's budget is spent: a read under the override, then a plain one."""
    current = QueryFilter.where("currentVersion", Operator.EQUALS, True)
    body = json.dumps(current.to_json()).encode()
    under_override = await client.send_once(
        "POST",
        "ComponentMetadata/query",
        body=body,
        content_type=JSON,
        override_account=dev,
        limited=False,
    )
    plain = await client.send_once("GET", f"Account/{primary}", limited=False)
    facts: dict[str, Any] = {
        "overrideReadStatus": under_override.status,
        "primaryReadStatus": plain.status,
    }
    if plain.status not in LIMITED_STATUSES:
        facts["overrideAccountRateLimit"] = "unknown"
    elif under_override.status in LIMITED_STATUSES:
        facts["overrideAccountRateLimit"] = "off"
    elif under_override.status is not None and 200 <= under_override.status < 300:
        facts["overrideAccountRateLimit"] = "on"
    else:
        facts["overrideAccountRateLimit"] = "unknown"
    return facts


async def _override_read(
    client: BoomiClient,
    dev: str | None,
    dev_problem: str | None,
    attribution: dict[str, Any],
    limited: bool,
) -> ProbeCheck:
    """The check; its time is set by the caller."""
    name = "Partner API override"
    facts: dict[str, Any] = {"devAccountId": dev, **attribution}
    if dev is None:
        return ProbeCheck(name, Result.WARN, dev_problem or "no dev account", 0.0, facts)
    current = QueryFilter.where("currentVersion", Operator.EQUALS, True)
    try:
        first = await _first(client.query_component_metadata(current, override_account=dev))
    except BoomiError as error:
        seen = f"a read with overrideAccount={dev} failed: {error.message}"
        return ProbeCheck(name, Result.FAIL, seen, 0.0, facts)
    said = [
        f"a read with overrideAccount={dev} answered"
        + (
            f" (first component: {first.name or first.component_id})"
            if first
            else " (no component)"
        )
    ]
    said.append(_attribution_sentence(attribution, limited))
    return ProbeCheck(name, Result.OK, "; ".join(said), 0.0, facts)


def _attribution_sentence(attribution: dict[str, Any], limited: bool) -> str:
    state = attribution.get("overrideAccountRateLimit")
    if not limited:
        return "overrideAccountRateLimit: cannot tell (the burst reached no limit)"
    override = attribution.get("overrideReadStatus")
    primary = attribution.get("primaryReadStatus")
    if state == "on":
        return (
            f"while the primary was limited ({primary}), a read under the override was "
            f"answered ({override}): override calls look counted on the dev account "
            "(overrideAccountRateLimit looks on)"
        )
    if state == "off":
        return (
            f"a read under the override was limited too ({override}): override calls look "
            "counted on the primary account (overrideAccountRateLimit looks off)"
        )
    return (
        f"overrideAccountRateLimit: cannot tell (override read {override or 'no answer'}, "
        f"primary read {primary or 'no answer'} right after the burst)"
    )


def _counted(statuses: Counter[Any]) -> str:
    """``10 answered 200, 5 answered 503``."""
    return ", ".join(
        f"{n} answered {status}" if status is not None else f"{n} got no answer"
        for status, n in sorted(statuses.items(), key=lambda item: str(item[0]))
    )
