"""``promo reconcile``: list, and unless ``--dry-run`` delete, orphaned ``promo-*`` branches;
then check every ComponentMapping against Boomi and repair the engine's.

Uses the configured Boomi account and database (PROMO_* environment variables), like
``promo serve``. Rules: :mod:`boomi_promo.engine.reconcile` (branches) and
:mod:`boomi_promo.engine.mapping_reconcile` (mappings).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer

from boomi_promo.config import Settings
from boomi_promo.engine.mapping_reconcile import MappingReport, reconcile_mappings
from boomi_promo.engine.reconcile import (
    DEFAULT_MIN_AGE,
    Orphan,
    ReconcileReport,
    reconcile_branches,
)
from boomi_promo.engine.recovery import SYSTEM_ACTOR

HEADERS = ("BRANCH", "BRANCH ID", "PROMOTION", "REASON")


def reconcile(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the orphaned branches; delete nothing.")
    ] = False,
    min_age_minutes: Annotated[
        float,
        typer.Option(
            help="Keep a branch of an unknown promotion younger than this: a submission "
            "may still be recording it."
        ),
    ] = DEFAULT_MIN_AGE.total_seconds() / 60,
    actor: Annotated[str, typer.Option(help="Who the audit entries name.")] = SYSTEM_ACTOR,
) -> None:
    """List and remove promo-* branches that no live promotion owns; repair mappings that
    name components Boomi no longer holds where they say."""
    settings = Settings()
    report, mappings = asyncio.run(
        _reconcile(settings, dry_run=dry_run, actor=actor, min_age_minutes=min_age_minutes)
    )
    typer.echo(format_report(report))
    typer.echo(format_mapping_report(mappings))
    if report.failed:
        for orphan, error in report.failed:
            typer.echo(f"error: branch {orphan.name} was not deleted: {error}", err=True)
        raise typer.Exit(code=1)


async def _reconcile(
    settings: Settings, *, dry_run: bool, actor: str, min_age_minutes: float
) -> tuple[ReconcileReport, MappingReport]:
    from boomi_promo.bootstrap import bootstrap

    container = await bootstrap(settings)
    try:
        branches = await reconcile_branches(
            container.boomi,
            container.uow_factory,
            dry_run=dry_run,
            actor=actor,
            min_age=timedelta(minutes=min_age_minutes),
        )
        # After the branches: a mapping whose component lived only on an orphan is seen so.
        mappings = await reconcile_mappings(
            container.boomi, container.uow_factory, dry_run=dry_run, actor=actor
        )
        return branches, mappings
    finally:
        await container.aclose()


def format_report(report: ReconcileReport) -> str:
    """A plain table of the orphans and one line saying what was done (and one naming the
    branches Boomi is still deleting, if any)."""
    deleting = (
        [
            f"{len(report.deleting)} promo-* branch(es) still being deleted by Boomi (they count "
            "toward the branch limit until gone): " + ", ".join(report.deleting)
        ]
        if report.deleting
        else []
    )
    if not report.orphans:
        return "\n".join(["No orphaned promo-* branches.", *deleting])
    rows: list[Orphan] = report.orphans if report.dry_run else report.deleted
    table = [HEADERS, *((o.name, o.branch_id, o.promotion_id, o.reason) for o in rows)]
    widths = [max(len(row[column]) for row in table) for column in range(len(HEADERS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]
    if report.dry_run:
        summary = f"{len(report.orphans)} orphaned branch(es) would be deleted (dry run)."
    else:
        summary = f"{len(report.deleted)} orphaned branch(es) deleted."
    return "\n".join([*lines, summary, *deleting])


MAPPING_HEADERS = ("MAPPING", "COMPONENT", "CHANGE", "PROD BEFORE", "PROD AFTER", "WHY")


def format_mapping_report(report: MappingReport) -> str:
    """A plain table of the mapping repairs and one line saying what was done."""
    if not report.repairs:
        return f"All {report.checked} mapping(s) name a component Boomi holds where they say."
    table = [
        MAPPING_HEADERS,
        *(
            (
                f"{r.dev_account_id}/{r.dev_component_id}",
                r.component_name,
                r.what,
                str((r.before or {}).get("prodComponentId") or "-"),
                str((r.after or {}).get("prodComponentId") or "-"),
                r.reason,
            )
            for r in report.repairs
        ),
    ]
    widths = [max(len(row[column]) for row in table) for column in range(len(MAPPING_HEADERS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in table
    ]
    fixable = sum(1 for r in report.repairs if r.what != "missing connection")
    verb = "would be repaired (dry run)" if report.dry_run else "repaired"
    return "\n".join([*lines, f"{fixable} of {report.checked} mapping(s) {verb}."])
