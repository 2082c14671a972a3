"""Delivery metrics over a period: lead time, change failure rate, approval latency, volume.

Pure and I/O-free: the figures come from promotion records (:class:`PromotionFacts`) and the
status changes of the audit trail (:class:`StatusEvent`), and the same inputs always give the
same figures. Every measurement counts in the period in which it *ends*:

* **Lead time** — a production deployment that reached DEPLOYED in the period, measured from
  when the change was first promoted (the test promotion's start for a production promotion
  from Test; the promotion's own start for a hotfix).
* **Approval latency** — a decision taken in the period: submitted → peer decision, and peer
  approval → admin decision. Withdrawals are not decisions.
* **Change failure rate** — of the promotions that reached a decision in the period (a
  deployment to Test or production, a rejection, a failed deployment, a rollback), the share
  that failed (rejected by a peer or an admin, a ``*_DEPLOY_FAILED`` deployment, or rolled
  back). Each promotion counts once, however many of its steps fell in the period.
* **Promotions** — promotion records started in the period, by the group of their status now.

Medians and 90th percentiles interpolate linearly between the two nearest values (as
spreadsheets' ``PERCENTILE.INC`` does), rounded to the microsecond.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction

from boomi_promo.domain.statuses import PromotionStatus

DEFAULT_PERIOD_DAYS = 30
_MICROSECOND = timedelta(microseconds=1)

_S = PromotionStatus

PEER_DECISIONS = frozenset({_S.PENDING_ADMIN_REVIEW, _S.PEER_REJECTED})
ADMIN_DECISIONS = frozenset({_S.ADMIN_APPROVED, _S.ADMIN_REJECTED})
REJECTIONS = frozenset({_S.PEER_REJECTED, _S.ADMIN_REJECTED})
DEPLOY_FAILURES = frozenset({_S.TEST_DEPLOY_FAILED, _S.DEPLOY_FAILED})
DECISIONS = REJECTIONS | DEPLOY_FAILURES | {_S.TEST_DEPLOYED, _S.DEPLOYED}
"""Statuses whose arrival decides a promotion's fate for the failure rate (a rollback too)."""


class StatusGroup(StrEnum):
    """Where a promotion stands, coarse enough to chart; every status is in exactly one."""

    IN_PROGRESS = "in_progress"
    IN_TEST = "in_test"
    IN_REVIEW = "in_review"
    IN_PRODUCTION = "in_production"
    REJECTED = "rejected"
    FAILED = "failed"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return _GROUP_LABELS[self]


_GROUP_LABELS = {
    StatusGroup.IN_PROGRESS: "In progress",
    StatusGroup.IN_TEST: "In Test",
    StatusGroup.IN_REVIEW: "In review",
    StatusGroup.IN_PRODUCTION: "In production",
    StatusGroup.REJECTED: "Rejected",
    StatusGroup.FAILED: "Failed",
    StatusGroup.STOPPED: "Withdrawn, cancelled or superseded",
}

STATUS_GROUPS: Mapping[PromotionStatus, StatusGroup] = {
    # Promoting, deploying, or waiting for the next step by the same people.
    _S.IN_PROGRESS: StatusGroup.IN_PROGRESS,
    _S.COMPLETED: StatusGroup.IN_PROGRESS,
    _S.TEST_DEPLOYING: StatusGroup.IN_PROGRESS,
    _S.PENDING_PACK_ASSIGNMENT: StatusGroup.IN_PROGRESS,
    _S.ADMIN_APPROVED: StatusGroup.IN_PROGRESS,
    _S.DEPLOYING: StatusGroup.IN_PROGRESS,
    _S.TEST_DEPLOYED: StatusGroup.IN_TEST,
    _S.PENDING_PEER_REVIEW: StatusGroup.IN_REVIEW,
    _S.PENDING_ADMIN_REVIEW: StatusGroup.IN_REVIEW,
    _S.DEPLOYED: StatusGroup.IN_PRODUCTION,
    _S.PEER_REJECTED: StatusGroup.REJECTED,
    _S.ADMIN_REJECTED: StatusGroup.REJECTED,
    _S.FAILED: StatusGroup.FAILED,
    _S.TEST_DEPLOY_FAILED: StatusGroup.FAILED,
    _S.DEPLOY_FAILED: StatusGroup.FAILED,
    _S.DEPLOY_ABANDONED: StatusGroup.FAILED,
    _S.WITHDRAWN: StatusGroup.STOPPED,
    _S.TEST_CANCELLED: StatusGroup.STOPPED,
    _S.SUPERSEDED: StatusGroup.STOPPED,
}


@dataclass(frozen=True)
class Period:
    """``since`` inclusive, ``until`` exclusive, both timezone-aware."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("a period needs timezone-aware times")
        if self.until <= self.since:
            raise ValueError("the end of a period must be later than its start")

    @classmethod
    def last_days(cls, days: int, *, now: datetime) -> Period:
        return cls(since=now - timedelta(days=days), until=now)

    def contains(self, moment: datetime) -> bool:
        return self.since <= moment < self.until

    def week_starts(self) -> list[date]:
        """The Mondays (UTC) of every week the period touches, oldest first."""
        first = week_start(self.since)
        last = week_start(self.until - timedelta(microseconds=1))
        return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def week_start(moment: datetime) -> date:
    """The Monday (UTC) of ``moment``'s ISO week."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Team:
    """A dev account, the unit of a team here, and the team groups that are granted it."""

    team_id: str
    name: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromotionFacts:
    """What the metrics need of one promotion record."""

    promotion_id: str
    team_id: str
    status: str
    initiated_at: datetime
    change_started_at: datetime
    """When the change was first promoted: a production promotion from Test started with its
    test promotion; any other promotion with itself."""
    submitted_for_review_at: datetime | None = None
    peer_reviewed_at: datetime | None = None


@dataclass(frozen=True)
class StatusEvent:
    """One status change (or rollback) from the audit trail, about ``subject_id``: a promotion
    id, or for a rollback that names none, whatever the audit entry was about."""

    subject_id: str
    at: datetime
    before_status: str | None = None
    after_status: str | None = None
    rollback: bool = False


@dataclass(frozen=True)
class DurationSummary:
    count: int = 0
    median: timedelta | None = None
    p90: timedelta | None = None

    @classmethod
    def of(cls, durations: Sequence[timedelta]) -> DurationSummary:
        if not durations:
            return cls()
        return cls(
            count=len(durations),
            median=percentile(durations, 50),
            p90=percentile(durations, 90),
        )


@dataclass(frozen=True)
class FailureSummary:
    """Promotions (each counted once) that reached a decision, and those that failed, by why."""

    decided: int = 0
    failed: int = 0
    rejected: int = 0
    deploy_failed: int = 0
    rolled_back: int = 0

    @property
    def rate(self) -> float | None:
        """``failed / decided``; None while nothing was decided."""
        return self.failed / self.decided if self.decided else None


@dataclass(frozen=True)
class TeamFigures:
    team: Team
    lead_time: DurationSummary
    peer_review: DurationSummary
    admin_review: DurationSummary
    failures: FailureSummary
    promotions: Mapping[StatusGroup, int]
    """Every group, in :class:`StatusGroup` order, zero included."""

    @property
    def promotions_total(self) -> int:
        return sum(self.promotions.values())


@dataclass(frozen=True)
class WeekFigures:
    week_start: date
    lead_time: DurationSummary


OVERALL = Team(team_id="", name="All teams")


@dataclass(frozen=True)
class DeliveryMetrics:
    period: Period
    overall: TeamFigures
    teams: tuple[TeamFigures, ...]
    """Every known team and every team with activity in the period, by name."""
    weeks: tuple[WeekFigures, ...]
    """Lead time of the production deployments of each week the period touches."""


def percentile(durations: Sequence[timedelta], percent: int) -> timedelta:
    """The ``percent``-th percentile, interpolated linearly between the nearest ranks."""
    if not durations:
        raise ValueError("no durations to take a percentile of")
    if not 0 <= percent <= 100:
        raise ValueError(f"percent must be between 0 and 100, not {percent}")
    ordered = sorted(durations)
    position = Fraction((len(ordered) - 1) * percent, 100)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    below, above = ordered[lower] // _MICROSECOND, ordered[upper] // _MICROSECOND
    exact = below + (above - below) * (position - lower)
    return timedelta(microseconds=round(exact))


@dataclass
class _Tally:
    lead_times: list[timedelta] = field(default_factory=list)
    peer_reviews: list[timedelta] = field(default_factory=list)
    admin_reviews: list[timedelta] = field(default_factory=list)
    decided: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    deploy_failed: set[str] = field(default_factory=set)
    rolled_back: set[str] = field(default_factory=set)
    promotions: dict[StatusGroup, int] = field(
        default_factory=lambda: dict.fromkeys(StatusGroup, 0)
    )

    def figures(self, team: Team) -> TeamFigures:
        failed = self.rejected | self.deploy_failed | self.rolled_back
        return TeamFigures(
            team=team,
            lead_time=DurationSummary.of(self.lead_times),
            peer_review=DurationSummary.of(self.peer_reviews),
            admin_review=DurationSummary.of(self.admin_reviews),
            failures=FailureSummary(
                decided=len(self.decided | failed),
                failed=len(failed),
                rejected=len(self.rejected),
                deploy_failed=len(self.deploy_failed),
                rolled_back=len(self.rolled_back),
            ),
            promotions=dict(self.promotions),
        )


def status_group(status: str) -> StatusGroup:
    return STATUS_GROUPS[PromotionStatus(status)]


def compute_delivery_metrics(
    period: Period,
    promotions: Iterable[PromotionFacts],
    events: Iterable[StatusEvent],
    teams: Mapping[str, Team] | None = None,
) -> DeliveryMetrics:
    """The figures of ``period``, overall and per team.

    ``promotions`` must hold every promotion the events are about (and may hold more: only
    those started in the period are counted as promotions); events outside the period are
    ignored. ``teams`` names the teams (and lists those to show even without activity); a
    team seen only in the records is named by its id.
    """
    known_teams = dict(teams or {})
    facts_by_id = {facts.promotion_id: facts for facts in promotions}
    overall = _Tally()
    by_team: dict[str, _Tally] = {team_id: _Tally() for team_id in known_teams}
    weekly: dict[date, list[timedelta]] = defaultdict(list)

    def tallies_of(facts: PromotionFacts | None) -> list[_Tally]:
        if facts is None:
            return [overall]
        return [overall, by_team.setdefault(facts.team_id, _Tally())]

    for started in facts_by_id.values():
        if period.contains(started.initiated_at):
            for tally in tallies_of(started):
                tally.promotions[status_group(started.status)] += 1

    for event in events:
        if not period.contains(event.at):
            continue
        facts = facts_by_id.get(event.subject_id)
        tallies = tallies_of(facts)
        subject = event.subject_id
        if event.rollback:
            for tally in tallies:
                tally.rolled_back.add(subject)
        after, before = event.after_status, event.before_status
        if after in DECISIONS:
            for tally in tallies:
                tally.decided.add(subject)
        if after in REJECTIONS:
            for tally in tallies:
                tally.rejected.add(subject)
        if after in DEPLOY_FAILURES:
            for tally in tallies:
                tally.deploy_failed.add(subject)
        if facts is None:
            continue
        if after == _S.DEPLOYED:
            lead_time = _elapsed(facts.change_started_at, event.at)
            weekly[week_start(event.at)].append(lead_time)
            for tally in tallies:
                tally.lead_times.append(lead_time)
        submitted, peer_approved = facts.submitted_for_review_at, facts.peer_reviewed_at
        if before == _S.PENDING_PEER_REVIEW and after in PEER_DECISIONS and submitted:
            waited = _elapsed(submitted, event.at)
            for tally in tallies:
                tally.peer_reviews.append(waited)
        if before == _S.PENDING_ADMIN_REVIEW and after in ADMIN_DECISIONS and peer_approved:
            waited = _elapsed(peer_approved, event.at)
            for tally in tallies:
                tally.admin_reviews.append(waited)

    team_figures = [
        tally.figures(known_teams.get(team_id) or Team(team_id=team_id, name=team_id))
        for team_id, tally in by_team.items()
    ]
    team_figures.sort(key=lambda figures: (figures.team.name.casefold(), figures.team.team_id))
    return DeliveryMetrics(
        period=period,
        overall=overall.figures(OVERALL),
        teams=tuple(team_figures),
        weeks=tuple(
            WeekFigures(week_start=week, lead_time=DurationSummary.of(weekly.get(week, [])))
            for week in period.week_starts()
        ),
    )


def _elapsed(start: datetime, end: datetime) -> timedelta:
    # Never below zero: a start recorded a moment after its end (clocks of two processes)
    # is a duration too short to measure, not a negative one.
    return max(end - start, timedelta(0))
