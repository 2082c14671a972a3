"""``promo doctor``: one line per check of the deployment, exit code 1 when any failed.

``promo doctor --probe`` runs the live probe instead (a table, or ``--json``, for a bug
report). It writes to Boomi (one temporary branch, deleted again), so it runs only when asked:
with ``--probe``, or when a person at a terminal accepts the offer after the checks; never
from a script, a pipe or CI without ``--probe``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Annotated

import typer

from boomi_promo.config import Settings
from boomi_promo.logging import configure_logging

PROBE_OFFER = (
    "Run the live probe too? It creates one temporary branch in the primary account, deletes "
    "it again, and sends a burst of 15 reads"
)


def doctor(
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    probe: Annotated[
        bool,
        typer.Option(
            "--probe",
            help="Run the live probe of the Boomi account instead: a temporary branch created "
            "and deleted, references read both ways, bulk GET of 5 and 6, a burst of at most 15 "
            "reads, the Partner API override. Prints a table (or --json) for a bug report.",
        ),
    ] = False,
    process_id: Annotated[
        str | None,
        typer.Option(
            "--process-id",
            help="With --probe: the process whose references are read (default: the first "
            "process of the primary account).",
        ),
    ] = None,
) -> None:
    """Check settings, database, Boomi credentials, Partner API, branching and every account."""
    # Imported here: the checks (and their Boomi and database clients) load only when asked for.
    from boomi_promo.doctor.checks import probe as run_probe
    from boomi_promo.doctor.checks import run_checks
    from boomi_promo.doctor.probe import Result, render_json, render_table

    if process_id is not None and not probe:
        typer.echo("error: --process-id goes with --probe", err=True)
        raise typer.Exit(code=2)
    settings = Settings()
    # Every Boomi call is logged at info; only warnings belong beside the report (on stderr).
    configure_logging(json_output=settings.log_json, level=logging.WARNING)
    if probe:
        report = asyncio.run(run_probe(settings, process_id=process_id))
        typer.echo(render_json(report) if as_json else render_table(report))
        if report.result is Result.FAIL:
            raise typer.Exit(code=1)
        return
    results = asyncio.run(run_checks(settings))
    if as_json:
        typer.echo(json.dumps([result.as_json() for result in results], indent=2))
    else:
        for result in results:
            typer.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    failed = not all(result.ok for result in results)
    if not as_json and _at_a_terminal() and typer.confirm(PROBE_OFFER, default=False):
        report = asyncio.run(run_probe(settings))
        typer.echo(render_table(report))
        failed = failed or report.result is Result.FAIL
    if failed:
        raise typer.Exit(code=1)


def _at_a_terminal() -> bool:
    # A person can answer; a script, a pipe or CI cannot, and gets no probe without --probe.
    return sys.stdin.isatty() and sys.stdout.isatty()
