"""The probe's report as a user attaches it to a bug report: the table and the JSON."""

from __future__ import annotations

import json

from boomi_promo.doctor.probe import ProbeCheck, ProbeReport, Result, render_json, render_table


def report(*checks: ProbeCheck) -> ProbeReport:
    return ProbeReport(
        base_url="https://api.boomi.com",
        primary_account_id="acme-A1B2C3",
        started_at="2026-03-01T12:00:00Z",
        elapsed_seconds=4.25,
        checks=list(checks),
    )


BRANCH = ProbeCheck(
    "branch lifecycle",
    Result.OK,
    "promo-probe-1a2b3c4d created (Qjo5, stage CREATING), NORMAL after 0.31 s; listed by a "
    "Branch QUERY after 0.52 s; delete answered 200; stage DELETING (deleting it again "
    "meanwhile answered 200), gone after 0.40 s",
    2.406,
    {"deleteStatus": 200, "stagesAfterDelete": ["DELETING"]},
)
BURST = ProbeCheck("rate limit burst", Result.WARN, "15 reads at once: 10 answered 200", 0.1)
BULK = ProbeCheck("bulk GET limit", Result.FAIL, "5 ids were refused", 12.5)


def test_the_table_aligns_the_columns_and_wraps_what_was_seen_under_itself() -> None:
    lines = render_table(report(BRANCH, BURST, BULK), width=80).splitlines()

    assert lines[0] == (
        "Boomi probe of account acme-A1B2C3 at https://api.boomi.com, 2026-03-01T12:00:00Z (4.2 s)"
    )
    assert lines[1] == "CHECK             RESULT  ELAPSED  SEEN"
    assert lines[2].startswith("branch lifecycle  ok       2.41 s  promo-probe-1a2b3c4d created")
    indent = len("branch lifecycle  ok       2.41 s  ")
    continued = lines[3 : lines.index(next(x for x in lines if x.startswith("rate limit")))]
    assert continued and all(line.startswith(" " * indent) for line in continued)
    assert all(len(line) <= 80 for line in lines[1:-1])
    seen = " ".join(
        part.strip() for part in [lines[2][indent:], *(line[indent:] for line in continued)]
    )
    assert seen == BRANCH.seen, "nothing lost in the wrapping"
    assert "rate limit burst  warn     0.10 s  15 reads at once: 10 answered 200" in lines
    assert "bulk GET limit    fail    12.50 s  5 ids were refused" in lines
    assert lines[-1] == "1 ok, 1 warn, 1 fail"


def test_the_json_names_every_check_with_its_result_time_and_facts() -> None:
    document = json.loads(render_json(report(BRANCH, BURST)))

    assert document == {
        "probe": "boomi",
        "baseUrl": "https://api.boomi.com",
        "primaryAccountId": "acme-A1B2C3",
        "startedAt": "2026-03-01T12:00:00Z",
        "elapsedSeconds": 4.25,
        "result": "warn",
        "checks": [
            {
                "name": "branch lifecycle",
                "result": "ok",
                "seen": BRANCH.seen,
                "elapsedSeconds": 2.406,
                "facts": {"deleteStatus": 200, "stagesAfterDelete": ["DELETING"]},
            },
            {
                "name": "rate limit burst",
                "result": "warn",
                "seen": BURST.seen,
                "elapsedSeconds": 0.1,
                "facts": {},
            },
        ],
    }


def test_the_worst_result_is_the_report_s() -> None:
    assert report(BRANCH).result is Result.OK
    assert report(BRANCH, BURST).result is Result.WARN
    assert report(BURST, BULK, BRANCH).result is Result.FAIL
