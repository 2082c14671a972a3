"""``promo doctor``: one line per check of the deployment, exit code 1 when any failed."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated

import typer

from boomi_promo.config import Settings
from boomi_promo.logging import configure_logging


def doctor(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the results as a JSON list.")
    ] = False,
) -> None:
    """Check settings, database, Boomi credentials, Partner API, branching and every account."""
    # Imported here: the checks reuse `settings_problems` from the CLI module that imports this.
    from boomi_promo.doctor import run_checks

    settings = Settings()
    # Every Boomi call is logged at info; only warnings belong beside the report (on stderr).
    configure_logging(json_output=settings.log_json, level=logging.WARNING)
    results = asyncio.run(run_checks(settings))
    if as_json:
        typer.echo(json.dumps([result.as_json() for result in results], indent=2))
    else:
        for result in results:
            typer.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.name}: {result.detail}")
    if not all(result.ok for result in results):
        raise typer.Exit(code=1)
