"""The ``promo`` command line: run the service, the emulator or the demo; sign tokens; migrate."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Annotated

import typer

from boomi_promo.cli.audit import audit_app
from boomi_promo.cli.doctor import doctor
from boomi_promo.cli.extensions import extensions_app
from boomi_promo.cli.mappings import mappings_app
from boomi_promo.cli.metrics import metrics_app
from boomi_promo.cli.notifications import notifications_app
from boomi_promo.cli.reconcile import reconcile
from boomi_promo.config import IdentityMode, JobQueue, Settings
from boomi_promo.doctor.startup import identity_problems, settings_problems
from boomi_promo.remote.commands import remote_app

app = typer.Typer(
    help="boomi-promo: promote Boomi components into the primary account.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(mappings_app, name="mappings")
app.add_typer(extensions_app, name="extensions")
app.add_typer(audit_app, name="audit")
app.add_typer(metrics_app, name="metrics")
app.add_typer(notifications_app, name="notifications")
app.add_typer(remote_app, name="remote")
app.command("doctor")(doctor)
app.command("reconcile")(reconcile)

HostOption = Annotated[str, typer.Option(help="Interface to listen on.")]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (database, keys, demo.json).")
]


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the dashboard and API.")] = 8000,
) -> None:
    """Serve the dashboard and JSON API with settings from PROMO_* environment variables."""
    import uvicorn

    from boomi_promo.service import create_app

    settings = Settings()
    problems = settings_problems(settings) + identity_problems(settings, host=host)
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(code=2)
    if settings.identity_mode is IdentityMode.LOCAL:
        typer.echo(LOCAL_IDENTITY_WARNING, err=True)
    service = create_app(settings)
    freeze_startup_objects()
    uvicorn.run(service, host=host, port=port, log_level="info")


def freeze_startup_objects() -> None:
    """Keep what start-up built (modules, app, templates) out of every later garbage collection:
    a full collection over them took ~100 ms and showed up as p95 spikes in the benchmarks."""
    gc.collect()
    gc.freeze()


LOCAL_IDENTITY_WARNING = (
    "WARNING: local identity (PROMO_IDENTITY_MODE=local): anyone who reaches this service can "
    "sign in as any user, ADMIN included, without a password. Use it for a trial on this "
    "machine only; a team needs PROMO_IDENTITY_MODE=oidc."
)


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(help="Jobs run at once (default PROMO_JOBS__WORKER_CONCURRENCY)."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's Prometheus metrics on this port (loopback)."),
    ] = None,
) -> None:
    """Run long actions (promotions, deployments) from the task queue until stopped.

    Needs PROMO_JOBS__QUEUE=procrastinate and the same PostgreSQL as the service; run as many
    workers as you like. SIGTERM lets running jobs finish for PROMO_JOBS__SHUTDOWN_GRACE_SECONDS,
    then compensates those still running.
    """
    settings = Settings()
    problems = settings_problems(settings)
    if settings.jobs.queue is not JobQueue.PROCRASTINATE:
        problems.append("promo worker needs PROMO_JOBS__QUEUE=procrastinate.")
    if problems:
        for problem in problems:
            typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(code=2)
    asyncio.run(run_worker(settings, concurrency or settings.jobs.worker_concurrency, metrics_port))


async def run_worker(settings: Settings, concurrency: int, metrics_port: int | None) -> None:
    from prometheus_client import start_http_server

    from boomi_promo.bootstrap import bootstrap

    container = await bootstrap(settings)
    try:
        if metrics_port is not None:
            start_http_server(metrics_port, addr="127.0.0.1", registry=container.metrics.registry)
        await container.jobs.start()
        freeze_startup_objects()
        await container.jobs.work_queue(concurrency=concurrency)
    finally:
        await container.aclose()


@app.command()
def emulator(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the emulated Platform API.")] = 8081,
    state: Annotated[
        Path | None,
        typer.Option(help="State file: loaded when it exists, else the demo seed; saved on exit."),
    ] = None,
) -> None:
    """Serve the Boomi Platform API emulator on loopback."""
    from boomi_promo.emulator.server import run_emulator

    run_emulator(host, port, state)


@app.command()
def demo(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the dashboard and API.")] = 8000,
    data_dir: DataDirOption = None,
) -> None:
    """Emulator with its demo seed + service on SQLite + dashboard, all on this machine.
    Started again on the same --data-dir, it continues the same world."""
    from boomi_promo.demo import DemoDataDirError, run_demo

    try:
        asyncio.run(run_demo(host=host, port=port, data_dir=data_dir))
    except DemoDataDirError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc


@app.command()
def token(
    email: Annotated[str, typer.Option(help="E-mail of the user the token names.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    groups: Annotated[str, typer.Option(help="Comma-separated SSO groups.")] = "",
    data_dir: DataDirOption = None,
    ttl_hours: Annotated[float, typer.Option(help="Hours until the token expires.")] = 12.0,
) -> None:
    """Print a signed bearer token for local identity mode (the demo)."""
    from boomi_promo.identity.local import LocalIdentity

    settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
    identity = LocalIdentity(settings.data_dir)
    group_list = [g.strip() for g in groups.split(",") if g.strip()]
    typer.echo(
        identity.issue_token(email, name or email, group_list, ttl_seconds=int(ttl_hours * 3600))
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured database (PROMO_DATABASE_URL)."""
    from boomi_promo.store import upgrade_database

    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade_database(settings.resolved_database_url()))
    typer.echo("database is at the latest revision")
