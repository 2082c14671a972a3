"""Delivery metrics from hand-built promotion records and status changes: exact figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from boomi_promo.domain.delivery_metrics import (
    STATUS_GROUPS,
    DeliveryMetrics,
    DurationSummary,
    Period,
    PromotionFacts,
    StatusEvent,
    StatusGroup,
    Team,
    TeamFigures,
    compute_delivery_metrics,
    percentile,
)
from boomi_promo.domain.statuses import PromotionStatus

S = PromotionStatus
MONDAY = datetime(2025, 6, 2, tzinfo=UTC)
PERIOD = Period(since=MONDAY, until=MONDAY + timedelta(days=14))
TEAM_A = Team(team_id="acct-a", name="Dev Team A", groups=("ABC_BOOMI_FLOW_DEVTEAMA",))
TEAM_B = Team(team_id="acct-b", name="Dev Team B")
TEAMS = {team.team_id: team for team in (TEAM_A, TEAM_B)}


def at(hours: float) -> datetime:
    return MONDAY + timedelta(hours=hours)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def promotion(
    promotion_id: str,
    status: PromotionStatus,
    *,
    team: str = TEAM_A.team_id,
    initiated: float = 1,
    change_started: float | None = None,
    submitted: float | None = None,
    peer_reviewed: float | None = None,
) -> PromotionFacts:
    return PromotionFacts(
        promotion_id=promotion_id,
        team_id=team,
        status=status,
        initiated_at=at(initiated),
        change_started_at=at(initiated if change_started is None else change_started),
        submitted_for_review_at=None if submitted is None else at(submitted),
        peer_reviewed_at=None if peer_reviewed is None else at(peer_reviewed),
    )


def change(
    subject: str, when: float, before: PromotionStatus | None, after: PromotionStatus | None
) -> StatusEvent:
    return StatusEvent(subject_id=subject, at=at(when), before_status=before, after_status=after)


def rollback(subject: str, when: float) -> StatusEvent:
    return StatusEvent(subject_id=subject, at=at(when), rollback=True)


def compute(
    promotions: list[PromotionFacts], events: list[StatusEvent], period: Period = PERIOD
) -> DeliveryMetrics:
    return compute_delivery_metrics(period, promotions, events, TEAMS)


def team(metrics: DeliveryMetrics, team_id: str) -> TeamFigures:
    return next(figures for figures in metrics.teams if figures.team.team_id == team_id)


# --- percentiles -------------------------------------------------------------------------------


def test_the_median_of_an_even_count_is_halfway_between_the_middle_two() -> None:
    durations = [hours(4), hours(1), hours(2), hours(10)]

    assert percentile(durations, 50) == hours(3)


def test_the_90th_percentile_interpolates_between_the_nearest_ranks() -> None:
    one_to_ten = [hours(n) for n in range(1, 11)]

    # Rank 0.9 * 9 = 8.1: the 9th value plus a tenth of the way to the 10th.
    assert percentile(one_to_ten, 90) == timedelta(hours=9, minutes=6)
    assert percentile([hours(1), hours(5), hours(9)], 90) == timedelta(hours=8, minutes=12)


def test_one_duration_is_its_own_median_and_p90() -> None:
    assert DurationSummary.of([hours(7)]) == DurationSummary(count=1, median=hours(7), p90=hours(7))


def test_percentiles_keep_microseconds_and_round_between_them() -> None:
    durations = [timedelta(microseconds=1), timedelta(microseconds=2)]

    assert percentile(durations, 50) == timedelta(microseconds=2)  # 1.5 rounds to even
    assert percentile(durations, 90) == timedelta(microseconds=2)
    assert percentile(durations, 0) == timedelta(microseconds=1)


def test_nothing_measured_has_no_median() -> None:
    assert DurationSummary.of([]) == DurationSummary(count=0, median=None, p90=None)
    with pytest.raises(ValueError, match="no durations"):
        percentile([], 50)


# --- lead time ---------------------------------------------------------------------------------


def test_lead_time_runs_from_the_first_promotion_to_the_production_deployment() -> None:
    promotions = [
        # From Test: the production record started at hour 30, the change at hour 20.
        promotion("prod-1", S.DEPLOYED, initiated=30, change_started=20),
        # A hotfix is its own start.
        promotion("hotfix-1", S.DEPLOYED, initiated=40),
        promotion("prod-2", S.DEPLOYED, initiated=50, change_started=45),
        promotion("prod-b", S.DEPLOYED, team=TEAM_B.team_id, initiated=60),
    ]
    events = [
        change("prod-1", 22, S.DEPLOYING, S.DEPLOYED),  # 2 h
        change("hotfix-1", 44, S.DEPLOYING, S.DEPLOYED),  # 4 h
        change("prod-2", 55, S.DEPLOYING, S.DEPLOYED),  # 10 h
        change("prod-b", 61, S.DEPLOYING, S.DEPLOYED),  # 1 h
    ]

    metrics = compute(promotions, events)

    assert team(metrics, "acct-a").lead_time == DurationSummary(
        count=3, median=hours(4), p90=timedelta(hours=8, minutes=48)
    )
    assert team(metrics, "acct-b").lead_time == DurationSummary(
        count=1, median=hours(1), p90=hours(1)
    )
    assert metrics.overall.lead_time == DurationSummary(
        count=4, median=hours(3), p90=timedelta(hours=8, minutes=12)
    )


def test_the_weekly_trend_groups_deployments_by_the_week_they_reached_production() -> None:
    promotions = [
        promotion("first-week", S.DEPLOYED, initiated=0),
        promotion("also-first", S.DEPLOYED, initiated=0),
        promotion("second-week", S.DEPLOYED, initiated=0),
    ]
    events = [
        change("first-week", 2, S.DEPLOYING, S.DEPLOYED),
        change("also-first", 6, S.DEPLOYING, S.DEPLOYED),
        change("second-week", 24 * 7 + 5, S.DEPLOYING, S.DEPLOYED),
    ]

    weeks = compute(promotions, events).weeks

    assert [week.week_start for week in weeks] == [date(2025, 6, 2), date(2025, 6, 9)]
    assert weeks[0].lead_time == DurationSummary(
        count=2, median=hours(4), p90=timedelta(hours=5, minutes=36)
    )
    assert weeks[1].lead_time == DurationSummary(count=1, median=hours(173), p90=hours(173))


def test_a_week_without_deployments_is_in_the_trend_with_nothing_measured() -> None:
    period = Period(since=datetime(2025, 6, 1, 12, tzinfo=UTC), until=at(24 * 8))

    weeks = compute([], [], period).weeks

    assert [week.week_start for week in weeks] == [
        date(2025, 5, 26),
        date(2025, 6, 2),
        date(2025, 6, 9),
    ]
    assert all(week.lead_time == DurationSummary() for week in weeks)


def test_a_start_recorded_after_its_end_counts_as_no_time_at_all() -> None:
    promotions = [promotion("skewed", S.DEPLOYED, initiated=10)]

    metrics = compute(promotions, [change("skewed", 9, S.DEPLOYING, S.DEPLOYED)])

    assert metrics.overall.lead_time.median == timedelta(0)


# --- change failure rate -----------------------------------------------------------------------


def test_the_failure_rate_counts_each_decided_promotion_once() -> None:
    promotions = [
        promotion("test-ok", S.TEST_DEPLOYED),
        promotion("prod-ok", S.DEPLOYED),
        promotion("peer-rejected", S.PEER_REJECTED),
        promotion("admin-rejected", S.ADMIN_REJECTED, team=TEAM_B.team_id),
        # Failed once, deployed on the retry: one failed promotion.
        promotion("retried", S.TEST_DEPLOYED),
        promotion("prod-failed", S.DEPLOY_FAILED),
        promotion("rolled-back", S.DEPLOYED, initiated=-100),
        promotion("waiting", S.PENDING_PEER_REVIEW),
        promotion("withdrawn", S.WITHDRAWN),
    ]
    events = [
        change("test-ok", 2, S.TEST_DEPLOYING, S.TEST_DEPLOYED),
        change("prod-ok", 3, S.DEPLOYING, S.DEPLOYED),
        change("peer-rejected", 4, S.PENDING_PEER_REVIEW, S.PEER_REJECTED),
        change("admin-rejected", 4, S.PENDING_ADMIN_REVIEW, S.ADMIN_REJECTED),
        change("retried", 5, S.TEST_DEPLOYING, S.TEST_DEPLOY_FAILED),
        change("retried", 6, S.TEST_DEPLOY_FAILED, S.TEST_DEPLOYING),
        change("retried", 7, S.TEST_DEPLOYING, S.TEST_DEPLOYED),
        change("prod-failed", 8, S.DEPLOYING, S.DEPLOY_FAILED),
        rollback("rolled-back", 9),
        change("waiting", 10, None, S.PENDING_PEER_REVIEW),
        change("withdrawn", 11, S.PENDING_PEER_REVIEW, S.WITHDRAWN),
        # A rollback that names no promotion counts in the overall figures only.
        rollback("process:orders", 12),
    ]

    metrics = compute(promotions, events)

    a = team(metrics, "acct-a").failures
    assert (a.decided, a.failed, a.rejected, a.deploy_failed, a.rolled_back) == (6, 4, 1, 2, 1)
    assert a.rate == pytest.approx(4 / 6)
    b = team(metrics, "acct-b").failures
    assert (b.decided, b.failed, b.rejected, b.rate) == (1, 1, 1, 1.0)
    overall = metrics.overall.failures
    assert (overall.decided, overall.failed, overall.rolled_back) == (8, 6, 2)
    assert overall.rate == 0.75


def test_nothing_decided_has_no_failure_rate() -> None:
    metrics = compute([promotion("waiting", S.PENDING_PEER_REVIEW)], [])

    assert metrics.overall.failures.decided == 0
    assert metrics.overall.failures.rate is None


# --- approval latency --------------------------------------------------------------------------


def test_approval_latency_is_measured_per_review_stage() -> None:
    promotions = [
        promotion("approved", S.DEPLOYED, submitted=10, peer_reviewed=12),
        promotion("rejected", S.PEER_REJECTED, submitted=10, peer_reviewed=16),
        promotion("admin-no", S.ADMIN_REJECTED, submitted=20, peer_reviewed=21),
        promotion("withdrawn", S.WITHDRAWN, submitted=20),
    ]
    events = [
        change("approved", 12, S.PENDING_PEER_REVIEW, S.PENDING_ADMIN_REVIEW),  # peer 2 h
        change("approved", 15, S.PENDING_ADMIN_REVIEW, S.ADMIN_APPROVED),  # admin 3 h
        change("approved", 15, S.ADMIN_APPROVED, S.DEPLOYING),
        change("rejected", 16, S.PENDING_PEER_REVIEW, S.PEER_REJECTED),  # peer 6 h
        change("admin-no", 21, S.PENDING_PEER_REVIEW, S.PENDING_ADMIN_REVIEW),  # peer 1 h
        change("admin-no", 30, S.PENDING_ADMIN_REVIEW, S.ADMIN_REJECTED),  # admin 9 h
        change("withdrawn", 25, S.PENDING_PEER_REVIEW, S.WITHDRAWN),  # no decision
    ]

    figures = team(compute(promotions, events), "acct-a")

    assert figures.peer_review == DurationSummary(
        count=3, median=hours(2), p90=timedelta(hours=5, minutes=12)
    )
    assert figures.admin_review == DurationSummary(
        count=2, median=hours(6), p90=timedelta(hours=8, minutes=24)
    )


def test_only_decisions_inside_the_period_are_measured() -> None:
    promotions = [promotion("early", S.PEER_REJECTED, initiated=-30, submitted=-30)]
    events = [
        change("early", -20, S.PENDING_PEER_REVIEW, S.PEER_REJECTED),
        change("early", 24 * 14, S.TEST_DEPLOYING, S.TEST_DEPLOYED),  # at `until`: excluded
    ]

    metrics = compute(promotions, events)

    assert metrics.overall.peer_review == DurationSummary()
    assert metrics.overall.failures.decided == 0
    assert metrics.overall.promotions_total == 0


# --- promotions per team -----------------------------------------------------------------------


def test_promotions_started_in_the_period_are_counted_by_their_status_now() -> None:
    promotions = [
        promotion("a1", S.DEPLOYED),
        promotion("a2", S.DEPLOYED),
        promotion("a3", S.PENDING_ADMIN_REVIEW),
        promotion("a4", S.SUPERSEDED),
        promotion("b1", S.TEST_DEPLOY_FAILED, team=TEAM_B.team_id),
        promotion("before", S.DEPLOYED, initiated=-1),
        promotion("after", S.DEPLOYED, initiated=24 * 14),
    ]

    metrics = compute(promotions, [])

    a = team(metrics, "acct-a")
    assert a.promotions_total == 4
    assert a.promotions[StatusGroup.IN_PRODUCTION] == 2
    assert a.promotions[StatusGroup.IN_REVIEW] == 1
    assert a.promotions[StatusGroup.STOPPED] == 1
    assert list(a.promotions) == list(StatusGroup), "every group, zero included, in order"
    assert team(metrics, "acct-b").promotions[StatusGroup.FAILED] == 1
    assert metrics.overall.promotions_total == 5


def test_every_status_belongs_to_exactly_one_group() -> None:
    assert set(STATUS_GROUPS) == set(PromotionStatus)
    assert set(STATUS_GROUPS.values()) == set(StatusGroup)


def test_teams_are_listed_by_name_with_the_idle_ones_and_strangers_by_id() -> None:
    promotions = [promotion("z1", S.IN_PROGRESS, team="acct-zzz")]

    metrics = compute(promotions, [])

    assert [figures.team for figures in metrics.teams] == [
        Team(team_id="acct-zzz", name="acct-zzz"),
        TEAM_A,
        TEAM_B,
    ]
    assert team(metrics, "acct-b").promotions_total == 0
    assert metrics.overall.team.name == "All teams"


# --- periods -----------------------------------------------------------------------------------


def test_a_period_must_end_after_it_starts_in_aware_times() -> None:
    with pytest.raises(ValueError, match="later than its start"):
        Period(since=MONDAY, until=MONDAY)
    with pytest.raises(ValueError, match="timezone-aware"):
        Period(since=datetime(2025, 6, 1), until=MONDAY)


def test_the_default_period_is_the_last_days_up_to_now() -> None:
    period = Period.last_days(30, now=MONDAY)

    assert (period.since, period.until) == (MONDAY - timedelta(days=30), MONDAY)
    assert period.contains(period.since)
    assert not period.contains(period.until)
