"""Delivery metrics from the store, and their export as CSV or JSON.

The figures (:mod:`boomi_promo.domain.delivery_metrics`) are computed from the audit trail's
status changes in the period, read exactly as ``promo audit export`` reads them, and from the
PromotionLog records those changes are about. The dashboard's metrics page and
``promo metrics export`` both call :func:`load_delivery_metrics` and name every figure with
the keys of :func:`team_fields` and :func:`week_fields`, so the page and the export agree.

Export formats follow the audit export: CSV with a header row, times in ISO 8601 UTC, values
a spreadsheet would run as formulas prefixed with ``'``, empty cells for figures with nothing
to measure; JSON keeps the same keys, numbers as numbers and ``null`` for the empty ones.
Durations are in seconds and the change failure rate a fraction between 0 and 1.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TextIO

from boomi_promo.domain.delivery_metrics import (
    DEFAULT_PERIOD_DAYS,
    DeliveryMetrics,
    DurationSummary,
    Period,
    PromotionFacts,
    StatusEvent,
    StatusGroup,
    Team,
    TeamFigures,
    WeekFigures,
    compute_delivery_metrics,
)
from boomi_promo.engine.rollback.history import PROMOTION_ROLLED_BACK
from boomi_promo.errors import InvalidRequest
from boomi_promo.exports.audit import AuditFilter, format_instant, parse_instant, stream_entries
from boomi_promo.store import AuditEntry, PromotionLog, UnitOfWorkFactory

PROMOTION_TARGET = "promotion"
ROLLBACK_ACTION = PROMOTION_ROLLED_BACK
"""The audit action rollbackRelease writes on the promotion it rolled back (a failed rollback
attempt, ``rollback.failed``, rolled nothing back and does not count)."""

DURATION_FIGURES = ("lead_time", "peer_review", "admin_review")
"""The measured durations, each exported as ``{name}_count``, ``_median_seconds`` and
``_p90_seconds``."""
TEAM_COLUMNS = (
    "team_id",
    "team_name",
    "team_groups",
    "promotions_total",
    *(f"promotions_{group.value}" for group in StatusGroup),
    *(
        f"{name}_{part}"
        for name in DURATION_FIGURES
        for part in ("count", "median_seconds", "p90_seconds")
    ),
    "decided",
    "failed",
    "rejected",
    "deploy_failed",
    "rolled_back",
    "change_failure_rate",
)
WEEK_COLUMNS = (
    "week_start",
    "lead_time_count",
    "lead_time_median_seconds",
    "lead_time_p90_seconds",
)
CSV_COLUMNS = (
    "since",
    "until",
    "scope",
    *TEAM_COLUMNS,
    *(column for column in WEEK_COLUMNS if column not in TEAM_COLUMNS),
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


class Scope(StrEnum):
    """What a CSV row describes."""

    OVERALL = "overall"
    TEAM = "team"
    WEEK = "week"


class MetricsFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def resolve_period(since: str | None, until: str | None, *, now: datetime) -> Period:
    """The period asked for: ``until`` defaults to ``now``, ``since`` to
    :data:`DEFAULT_PERIOD_DAYS` days before ``until``. Both take an ISO 8601 date or date-time
    (UTC without an offset). :class:`InvalidRequest` names the field that is wrong."""
    end = _instant(until, "until") if until else now
    start = _instant(since, "since") if since else end - timedelta(days=DEFAULT_PERIOD_DAYS)
    if end <= start:
        raise InvalidRequest(
            f"must be later than the start of the period ({format_instant(start)})",
            field="until",
        )
    return Period(since=start, until=end)


def _instant(text: str, field: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as error:
        raise InvalidRequest(str(error), field=field) from None


async def load_delivery_metrics(uow_factory: UnitOfWorkFactory, period: Period) -> DeliveryMetrics:
    """The figures of ``period``: its audit entries, the promotions they are about or that
    started in it (and the test promotions those came from), and the teams."""
    events: list[StatusEvent] = []
    async for entry in stream_entries(
        uow_factory, AuditFilter(since=period.since, until=period.until)
    ):
        event = status_event(entry)
        if event is not None:
            events.append(event)
    async with uow_factory() as uow:
        records = {
            log.promotion_id: log
            for log in await uow.promotions.list_initiated_between(period.since, period.until)
        }
        mentioned = {event.subject_id for event in events} - records.keys()
        records.update((log.promotion_id, log) for log in await uow.promotions.get_many(mentioned))
        test_ids = {log.test_promotion_id for log in records.values() if log.test_promotion_id}
        test_starts = {
            log.promotion_id: log.initiated_at
            for log in await uow.promotions.get_many(test_ids - records.keys())
        }
        test_starts.update((pid, log.initiated_at) for pid, log in records.items())
        grants = await uow.access.list_all_active()

    names = {
        log.dev_account_id: log.dev_account_name or log.dev_account_id for log in records.values()
    }
    groups: dict[str, set[str]] = defaultdict(set)
    for grant in grants:
        names[grant.dev_account_id] = grant.dev_account_name
        groups[grant.dev_account_id].add(grant.sso_group_name)
    teams = {
        team_id: Team(team_id=team_id, name=name, groups=tuple(sorted(groups[team_id])))
        for team_id, name in names.items()
    }
    facts = [promotion_facts(log, test_starts) for log in records.values()]
    return compute_delivery_metrics(period, facts, events, teams)


def status_event(entry: AuditEntry) -> StatusEvent | None:
    """The status change (or rollback) an audit entry records; None for any other entry.

    A rollback counts against the promotion it names: its target, or ``promotionId`` in its
    detail; one that names none still counts in the overall figures.
    """
    rollback = entry.action == ROLLBACK_ACTION
    is_promotion = entry.target_type == PROMOTION_TARGET
    if not rollback and not (is_promotion and entry.after_status):
        return None
    subject = entry.target_id
    if not is_promotion:
        named = (entry.detail or {}).get("promotionId")
        subject = named if isinstance(named, str) else f"{entry.target_type}:{entry.target_id}"
    return StatusEvent(
        subject_id=subject,
        at=entry.at,
        before_status=entry.before_status,
        after_status=entry.after_status,
        rollback=rollback,
    )


def promotion_facts(log: PromotionLog, started: dict[str, datetime]) -> PromotionFacts:
    """``log`` for the metrics; ``started`` holds the start of the test promotions it may
    come from."""
    change_started_at = log.initiated_at
    if log.test_promotion_id is not None:
        change_started_at = started.get(log.test_promotion_id, log.initiated_at)
    return PromotionFacts(
        promotion_id=log.promotion_id,
        team_id=log.dev_account_id,
        status=log.status,
        initiated_at=log.initiated_at,
        change_started_at=change_started_at,
        submitted_for_review_at=log.submitted_for_review_at,
        peer_reviewed_at=log.peer_reviewed_at,
    )


def team_fields(figures: TeamFigures) -> dict[str, Any]:
    """One team's figures (or the overall ones) under their export names."""
    fields: dict[str, Any] = {
        "team_id": figures.team.team_id,
        "team_name": figures.team.name,
        "team_groups": list(figures.team.groups),
        "promotions_total": figures.promotions_total,
    }
    for group, count in figures.promotions.items():
        fields[f"promotions_{group.value}"] = count
    for name, summary in zip(
        DURATION_FIGURES,
        (figures.lead_time, figures.peer_review, figures.admin_review),
        strict=True,
    ):
        fields.update(_duration_fields(name, summary))
    failures = figures.failures
    fields.update(
        decided=failures.decided,
        failed=failures.failed,
        rejected=failures.rejected,
        deploy_failed=failures.deploy_failed,
        rolled_back=failures.rolled_back,
        change_failure_rate=failures.rate,
    )
    return fields


def week_fields(week: WeekFigures) -> dict[str, Any]:
    return {
        "week_start": week.week_start.isoformat(),
        **_duration_fields("lead_time", week.lead_time),
    }


def _duration_fields(name: str, summary: DurationSummary) -> dict[str, Any]:
    return {
        f"{name}_count": summary.count,
        f"{name}_median_seconds": _seconds(summary.median),
        f"{name}_p90_seconds": _seconds(summary.p90),
    }


def _seconds(duration: timedelta | None) -> float | None:
    return None if duration is None else duration.total_seconds()


def metrics_document(metrics: DeliveryMetrics) -> dict[str, Any]:
    """The figures as one JSON-ready object."""
    return {
        "since": format_instant(metrics.period.since),
        "until": format_instant(metrics.period.until),
        "overall": team_fields(metrics.overall),
        "teams": [team_fields(team) for team in metrics.teams],
        "weeks": [week_fields(week) for week in metrics.weeks],
    }


def write_metrics(metrics: DeliveryMetrics, out: TextIO, export_format: MetricsFormat) -> None:
    if export_format is MetricsFormat.JSON:
        out.write(json.dumps(metrics_document(metrics), ensure_ascii=False, indent=2) + "\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(metrics):
        writer.writerow(_csv_cell(row.get(column)) for column in CSV_COLUMNS)


def csv_rows(metrics: DeliveryMetrics) -> Iterable[dict[str, Any]]:
    """The overall figures, then each team's, then each week's lead time."""
    period = {
        "since": format_instant(metrics.period.since),
        "until": format_instant(metrics.period.until),
    }
    yield {**period, "scope": Scope.OVERALL, **team_fields(metrics.overall)}
    for team in metrics.teams:
        yield {**period, "scope": Scope.TEAM, **team_fields(team)}
    for week in metrics.weeks:
        yield {**period, "scope": Scope.WEEK, **week_fields(week)}


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(value)
    text = str(value)
    # As in the audit export: text a spreadsheet would run as a formula stays text.
    if isinstance(value, str) and text.startswith(_FORMULA_STARTS):
        return f"'{text}"
    return text
