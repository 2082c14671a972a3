"""The service's answers as short text for people; ``--json`` prints the answers themselves."""

from __future__ import annotations

from typing import Any


def _items(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = body.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _mapping(body: dict[str, Any], key: str) -> dict[str, Any]:
    value = body.get(key)
    return value if isinstance(value, dict) else {}


def promotion_lines(body: dict[str, Any]) -> list[str]:
    results = _items(body, "promotionResults")
    counts: dict[str, int] = {}
    for result in results:
        counts[str(result.get("action"))] = counts.get(str(result.get("action")), 0) + 1
    tally = ", ".join(f"{count} {action.lower()}" for action, count in sorted(counts.items()))
    lines = [
        f"promotion {body.get('promotionId')} on branch {body.get('branchName') or '-'}"
        + (f": {tally}" if tally else "")
    ]
    lines += [
        f"  {result.get('action', ''):<8} {result.get('componentName', '')} "
        f"({result.get('componentType', '')}) v{result.get('version', '?')} "
        f"prod {result.get('prodComponentId', '')}"
        for result in results
    ]
    if body.get("connectionsSkipped"):
        lines.append(f"  {body['connectionsSkipped']} connection(s) mapped, not copied")
    return lines


def deployment_lines(body: dict[str, Any]) -> list[str]:
    lines = [
        f"promotion {body.get('promotionId')} is {body.get('newStatus') or '?'}"
        + (f" ({body['deploymentTarget']})" if body.get("deploymentTarget") else "")
    ]
    if body.get("decision"):
        lines[0] += f": admin decision {body['decision']}"
    if body.get("integrationPackName") or body.get("integrationPackId"):
        lines.append(
            f"  pack {body.get('integrationPackName') or body.get('integrationPackId')}"
            f" release {body.get('releaseVersion') or '-'} {body.get('releaseStatus') or ''}"
        )
    if body.get("testIntegrationPackName") or body.get("testReleaseVersion"):
        lines.append(
            f"  test pack {body.get('testIntegrationPackName') or '-'}"
            f" release {body.get('testReleaseVersion') or '-'}"
            f" {body.get('testReleaseStatus') or ''}"
        )
    if body.get("testReleaseError"):
        lines.append(f"  test release failed: {body['testReleaseError']}")
    if body.get("needsPackAssignment"):
        lines.append(
            "  waiting for a Test pack: an admin runs "
            f"`promo remote assign-pack {body.get('promotionId')} --new-pack NAME` "
            "(or --pack-id ID)"
        )
    return lines


def submission_lines(body: dict[str, Any]) -> list[str]:
    line = f"promotion {body.get('promotionId')} is {body.get('newStatus') or '?'}"
    if body.get("testPromotionId") and body.get("testPromotionId") != body.get("promotionId"):
        line += f" (from test promotion {body['testPromotionId']})"
    return [line]


def peer_review_lines(body: dict[str, Any]) -> list[str]:
    return [f"promotion {body.get('promotionId')} is {body.get('newStatus') or '?'}"]


def ended_lines(body: dict[str, Any]) -> list[str]:
    """A promotion ended early (abandoned, withdrawn, cancelled): its status and what followed."""
    lines = [f"promotion {body.get('promotionId')} is {body.get('newStatus') or '?'}"]
    if body.get("message"):
        lines.append(f"  {body['message']}")
    return lines


STATUS_COLUMNS = (
    ("promotionId", "PROMOTION"),
    ("status", "STATUS"),
    ("targetEnvironment", "TARGET"),
    ("processName", "PROCESS"),
    ("initiatedBy", "INITIATED BY"),
    ("initiatedAt", "INITIATED AT"),
)
PROMOTION_FIELDS = (
    "promotionId",
    "status",
    "targetEnvironment",
    "processName",
    "devAccountName",
    "initiatedBy",
    "initiatedAt",
    "testPromotionId",
    "branchName",
    "testIntegrationPackName",
    "testDeployedAt",
    "integrationPackName",
    "packageVersion",
    "peerReviewStatus",
    "peerReviewedBy",
    "adminReviewStatus",
    "adminApprovedBy",
    "errorMessage",
)


def status_lines(body: dict[str, Any], *, one_promotion: bool) -> list[str]:
    promotions = _items(body, "promotions")
    if one_promotion and promotions:
        promotion = promotions[0]
        width = max(len(name) for name in PROMOTION_FIELDS)
        return [
            f"{name:<{width}}  {promotion[name]}"
            for name in PROMOTION_FIELDS
            if promotion.get(name) not in (None, "")
        ]
    if not promotions:
        return ["no promotions match"]
    rows = [[title for _, title in STATUS_COLUMNS]] + [
        [str(p.get(key) or "-") for key, _ in STATUS_COLUMNS] for p in promotions
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(STATUS_COLUMNS))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    total = body.get("totalCount", len(promotions))
    if isinstance(total, int) and total > len(promotions):
        lines.append(f"({len(promotions)} of {total}; see --page)")
    return lines


_DIFF_PREFIX = {"added": "+", "removed": "-", "context": " "}


def diff_lines(body: dict[str, Any]) -> list[str]:
    """A unified diff: main (old) against the branch (new)."""
    name = body.get("componentName") or body.get("prodComponentId")
    main_version = body.get("mainVersion") or 0
    diff = _mapping(body, "diff")
    lines = [
        f"--- main {name}" + (f" v{main_version}" if main_version else " (not on main)"),
        f"+++ branch {name} v{body.get('branchVersion', '?')} ({body.get('componentAction', '')})",
    ]
    for hunk in _items(diff, "hunks"):
        lines.append(
            f"@@ -{hunk.get('oldStart')},{hunk.get('oldLines')} "
            f"+{hunk.get('newStart')},{hunk.get('newLines')} @@"
        )
        lines += [
            f"{_DIFF_PREFIX.get(str(line.get('type')), ' ')}{line.get('text', '')}"
            for line in _items(hunk, "lines")
        ]
    summary = _mapping(diff, "summary")
    lines.append(
        f"{summary.get('added', 0)} added, {summary.get('removed', 0)} removed, "
        f"{summary.get('changed', 0)} changed"
        + (" (cut at the size cap)" if diff.get("truncated") else "")
    )
    return lines


def job_lines(job: dict[str, Any], job_url: str) -> list[str]:
    lines = [f"job {job.get('jobId')} ({job.get('action')}) is {job.get('state')}: {job_url}"]
    if job.get("promotionId"):
        lines.append(f"  promotion {job['promotionId']}")
    return lines


def error_details(answer: dict[str, Any]) -> list[str]:
    """What a refusal lists beyond its sentence (e.g. the connections still to map)."""
    lines = [
        f"  missing connection mapping: {item.get('name')} ({item.get('type')}) "
        f"dev id {item.get('devComponentId')}"
        for item in _items(answer, "missingConnectionMappings")
    ]
    if answer.get("currentStatus"):
        lines.append(f"  current status: {answer['currentStatus']}")
    return lines
