"""The Admin lane's Delivery Metrics page: lead time to production, change failure rate,
approval latency per review stage and promotions per team, over a period the admin picks.

Charts are inline SVG laid out here and drawn by the template with presentation attributes
only: the Content-Security-Policy allows no inline script or style, and no chart library is
needed for bars. Every figure on the page carries its export name and raw value
(``data-figure`` / ``data-value``), the names ``promo metrics export`` uses, and the page
offers the same export as a download.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from boomi_promo.domain.delivery_metrics import (
    DeliveryMetrics,
    StatusGroup,
    TeamFigures,
    WeekFigures,
)
from boomi_promo.errors import InvalidRequest
from boomi_promo.exports.audit import format_instant
from boomi_promo.exports.metrics import (
    MetricsFormat,
    load_delivery_metrics,
    resolve_period,
    team_fields,
    week_fields,
    write_metrics,
)
from boomi_promo.web.guards import Admin, container_of
from boomi_promo.web.templating import render

METRICS_PATH = "/admin/metrics"
EXPORT_PATH = "/admin/metrics/export"
FORM_TIME_FORMAT = "%Y-%m-%dT%H:%M"
"""What a ``datetime-local`` input shows: whole minutes, read back as UTC."""

router = APIRouter(include_in_schema=False)

# --- Charts ---------------------------------------------------------------------------------

CHART_WIDTH = 560
TREND_WIDTH = 900
"""The trend spans the page; the per-team charts share a row."""
LABEL_WIDTH = 140
VALUE_WIDTH = 110
"""Room at the end of a bar for its value."""
ROW_HEIGHT = 28
BAR_HEIGHT = 16
TOP = 8
LEGEND_ROW_HEIGHT = 20
LEGEND_ITEM_WIDTH = 135
TREND_HEIGHT = 140
TREND_AXIS_WIDTH = 56
TREND_LABEL_HEIGHT = 22
TREND_LABEL_SPACING = 48
"""Week labels closer than this are thinned out, so they never overlap."""
MAX_LABEL_CHARS = 20
GRID_COLOUR = "#dde2e8"
INK_COLOUR = "#1d2733"
SOFT_INK_COLOUR = "#55606e"
MEDIAN_COLOUR = "#1f5fbf"
P90_COLOUR = "#b9cff2"
GROUP_COLOURS = {
    StatusGroup.IN_PROGRESS: "#8a94a6",
    StatusGroup.IN_TEST: "#5b8def",
    StatusGroup.IN_REVIEW: "#e0a526",
    StatusGroup.IN_PRODUCTION: "#2e9d5b",
    StatusGroup.REJECTED: "#d9622b",
    StatusGroup.FAILED: "#b42318",
    StatusGroup.STOPPED: "#c4c9d0",
}
GROUP_SHORT_LABELS = {
    **{group: group.label for group in StatusGroup},
    StatusGroup.STOPPED: "Stopped",
}


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"
    fill: str = INK_COLOUR
    title: str = ""
    """The whole text where ``text`` is shortened."""


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Chart:
    """One SVG drawing: what it shows (its accessible name) and its shapes."""

    key: str
    title: str
    description: str
    """What the drawing shows, for those who cannot see it."""
    caption: str = ""
    width: float = CHART_WIDTH
    height: float = 0
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


def format_duration(seconds: float | None) -> str:
    """``3d 4h``, ``5h 12m``, ``4m 5s``, ``42s``; an em dash for nothing measured."""
    if seconds is None:
        return "—"
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def format_rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL_CHARS else name[: MAX_LABEL_CHARS - 1] + "…"


def _team_label(team: TeamFigures, y: float) -> Label:
    return Label(
        x=LABEL_WIDTH - 8,
        y=y,
        text=_short(team.team.name),
        anchor="end",
        title=team.team.name,
    )


def promotions_chart(teams: Sequence[TeamFigures]) -> Chart:
    """Per team, a bar of its promotions stacked by status group, and a legend below."""
    chart = Chart(
        key="promotions",
        title="Promotions per team",
        description="Promotions started in the period per team, by where they stand now",
        caption="Started in the period, coloured by where they stand now.",
    )
    area = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    most = max((team.promotions_total for team in teams), default=0) or 1
    for row, team in enumerate(teams):
        top = TOP + row * ROW_HEIGHT
        middle = top + BAR_HEIGHT / 2 + 4
        chart.labels.append(_team_label(team, middle))
        x = float(LABEL_WIDTH)
        for group, count in team.promotions.items():
            if not count:
                continue
            width = area * count / most
            chart.bars.append(
                Bar(
                    x=x,
                    y=top,
                    width=width,
                    height=BAR_HEIGHT,
                    fill=GROUP_COLOURS[group],
                    title=f"{team.team.name} · {group.label}: {count}",
                )
            )
            x += width
        chart.labels.append(Label(x=x + 6, y=middle, text=str(team.promotions_total)))
    legend_top = TOP + len(teams) * ROW_HEIGHT + 8
    per_row = int((CHART_WIDTH - LABEL_WIDTH) // LEGEND_ITEM_WIDTH)
    for index, group in enumerate(StatusGroup):
        x = LABEL_WIDTH + (index % per_row) * LEGEND_ITEM_WIDTH
        y = legend_top + (index // per_row) * LEGEND_ROW_HEIGHT
        chart.bars.append(
            Bar(x=x, y=y, width=12, height=12, fill=GROUP_COLOURS[group], title=group.label)
        )
        chart.labels.append(
            Label(x=x + 17, y=y + 10, text=GROUP_SHORT_LABELS[group], fill=SOFT_INK_COLOUR)
        )
    legend_rows = -(-len(StatusGroup) // per_row)
    chart.height = legend_top + legend_rows * LEGEND_ROW_HEIGHT + 4
    return chart


def lead_time_chart(teams: Sequence[TeamFigures]) -> Chart:
    """Per team, its median lead time to production drawn over its 90th percentile."""
    chart = Chart(
        key="lead-time",
        title="Lead time to production per team",
        description="Lead time from promotion to production per team: median over 90th percentile",
        caption="Dark: median; light: 90th percentile.",
    )
    area = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    longest = max((_seconds(team.lead_time.p90) for team in teams), default=0.0) or 1.0
    for row, team in enumerate(teams):
        top = TOP + row * ROW_HEIGHT
        middle = top + BAR_HEIGHT / 2 + 4
        chart.labels.append(_team_label(team, middle))
        summary = team.lead_time
        if summary.median is None or summary.p90 is None:
            chart.labels.append(
                Label(
                    x=LABEL_WIDTH,
                    y=middle,
                    text="no production deployments",
                    fill=SOFT_INK_COLOUR,
                )
            )
            continue
        median, p90 = summary.median.total_seconds(), summary.p90.total_seconds()
        for seconds, colour, what in (
            (p90, P90_COLOUR, "90th percentile"),
            (median, MEDIAN_COLOUR, "median"),
        ):
            chart.bars.append(
                Bar(
                    x=LABEL_WIDTH,
                    y=top,
                    width=max(area * seconds / longest, 1.0),
                    height=BAR_HEIGHT,
                    fill=colour,
                    title=f"{team.team.name} · {what}: {format_duration(seconds)}",
                )
            )
        chart.labels.append(
            Label(
                x=LABEL_WIDTH + max(area * p90 / longest, 1.0) + 6,
                y=middle,
                text=f"{format_duration(median)} · {format_duration(p90)}",
            )
        )
    chart.height = TOP + max(len(teams), 1) * ROW_HEIGHT
    return chart


def trend_chart(weeks: Sequence[WeekFigures]) -> Chart:
    """Per week, the median lead time of that week's production deployments over its p90."""
    chart = Chart(
        key="lead-time-trend",
        title="Weekly lead time to production",
        description="Weekly lead time to production: median over 90th percentile",
        caption="Deployments that reached production each week (Monday to Sunday, UTC). "
        "Dark: median; light: 90th percentile.",
        width=TREND_WIDTH,
        height=TOP + TREND_HEIGHT + TREND_LABEL_HEIGHT,
    )
    base = TOP + TREND_HEIGHT
    area = TREND_WIDTH - TREND_AXIS_WIDTH
    longest = max((_seconds(week.lead_time.p90) for week in weeks), default=0.0) or 1.0
    chart.rules.append(Rule(TREND_AXIS_WIDTH, base, TREND_WIDTH, base))
    chart.rules.append(Rule(TREND_AXIS_WIDTH, TOP, TREND_WIDTH, TOP))
    chart.labels.append(
        Label(TREND_AXIS_WIDTH - 6, TOP + 4, format_duration(longest), "end", SOFT_INK_COLOUR)
    )
    chart.labels.append(Label(TREND_AXIS_WIDTH - 6, base + 4, "0", "end", SOFT_INK_COLOUR))
    slot = area / max(len(weeks), 1)
    column = min(slot * 0.6, 48.0)
    label_every = max(1, math.ceil(TREND_LABEL_SPACING / slot))
    for index, week in enumerate(weeks):
        centre = TREND_AXIS_WIDTH + slot * index + slot / 2
        label = week.week_start.strftime("%b %d")
        if index % label_every == 0:
            chart.labels.append(
                Label(centre, base + 16, label, "middle", SOFT_INK_COLOUR, f"Week of {label}")
            )
        summary = week.lead_time
        if summary.median is None or summary.p90 is None:
            continue
        for seconds, colour, what in (
            (summary.p90.total_seconds(), P90_COLOUR, "90th percentile"),
            (summary.median.total_seconds(), MEDIAN_COLOUR, "median"),
        ):
            height = max(TREND_HEIGHT * seconds / longest, 1.0)
            chart.bars.append(
                Bar(
                    x=centre - column / 2,
                    y=base - height,
                    width=column,
                    height=height,
                    fill=colour,
                    title=(
                        f"Week of {label} · {what}: {format_duration(seconds)} "
                        f"({summary.count} deployments)"
                    ),
                )
            )
    return chart


def _seconds(duration: timedelta | None) -> float:
    return 0.0 if duration is None else duration.total_seconds()


# --- Page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """A table row: the team (or week) it is about and its figures under their export names."""

    scope: str
    key: str
    label: str
    groups: tuple[str, ...]
    fields: dict[str, Any]


def _team_row(scope: str, figures: TeamFigures) -> FigureRow:
    return FigureRow(
        scope=scope,
        key=figures.team.team_id,
        label=figures.team.name,
        groups=figures.team.groups,
        fields=team_fields(figures),
    )


def _week_row(week: WeekFigures) -> FigureRow:
    return FigureRow(
        scope="week",
        key=week.week_start.isoformat(),
        label=week.week_start.strftime("%Y-%m-%d"),
        groups=(),
        fields=week_fields(week),
    )


def _page_now() -> datetime:
    # Whole minutes, the form's precision: submitting the form unchanged asks for this period.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now + timedelta(minutes=1)


def _form_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(FORM_TIME_FORMAT)


@router.get(METRICS_PATH, name="delivery_metrics")
async def delivery_metrics_page(
    request: Request, principal: Admin, since: str = "", until: str = ""
) -> Response:
    try:
        period = resolve_period(since.strip() or None, until.strip() or None, now=_page_now())
    except InvalidRequest as error:
        return render(
            request,
            "delivery_metrics.html",
            {"form": {"since": since, "until": until}, "error": error, "metrics": None},
            principal=principal,
            active="admin-metrics",
            status_code=error.status_code,
        )
    metrics = await load_delivery_metrics(container_of(request).uow_factory, period)
    return render(
        request,
        "delivery_metrics.html",
        _page_context(metrics),
        principal=principal,
        active="admin-metrics",
    )


def _page_context(metrics: DeliveryMetrics) -> dict[str, Any]:
    period = metrics.period
    return {
        "form": {"since": _form_time(period.since), "until": _form_time(period.until)},
        "error": None,
        "metrics": metrics,
        "since": format_instant(period.since),
        "until": format_instant(period.until),
        "overall": _team_row("overall", metrics.overall),
        "teams": [_team_row("team", team) for team in metrics.teams],
        "weeks": [_week_row(week) for week in metrics.weeks],
        "groups": list(StatusGroup),
        "group_colours": GROUP_COLOURS,
        "team_charts": [promotions_chart(metrics.teams), lead_time_chart(metrics.teams)],
        "trend_chart": trend_chart(metrics.weeks),
        "duration": format_duration,
        "rate": format_rate,
    }


@router.get(EXPORT_PATH, name="delivery_metrics_export")
async def delivery_metrics_export(
    request: Request,
    principal: Admin,
    since: str = "",
    until: str = "",
    export_format: Annotated[MetricsFormat, Query(alias="format")] = MetricsFormat.CSV,
) -> Response:
    """What ``promo metrics export`` writes for the same period, as a download."""
    try:
        period = resolve_period(since.strip() or None, until.strip() or None, now=_page_now())
    except InvalidRequest as error:
        return Response(
            f"{error.field}: {error.message}\n",
            status_code=error.status_code,
            media_type="text/plain; charset=utf-8",
        )
    metrics = await load_delivery_metrics(container_of(request).uow_factory, period)
    out = io.StringIO()
    write_metrics(metrics, out, export_format)
    media_type = "text/csv" if export_format is MetricsFormat.CSV else "application/json"
    return Response(
        out.getvalue(),
        media_type=f"{media_type}; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="delivery-metrics.{export_format.value}"',
            "Cache-Control": "no-store",
        },
    )
