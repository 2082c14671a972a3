"""The ``promo`` command line: run the service, the emulator or the demo; sign tokens; migrate."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Annotated

import typer

from boomi_promo.cli_audit import audit_app
from boomi_promo.cli_doctor import doctor
from boomi_promo.cli_extensions import extensions_app
from boomi_promo.cli_mappings import mappings_app
from boomi_promo.cli_metrics import metrics_app
from boomi_promo.cli_reconcile import reconcile
from boomi_promo.config import IdentityMode, JobQueue, Settings
from boomi_promo.notifications.cli import notifications_app
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

    from boomi_promo.api.app import create_app

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
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def identity_problems(settings: Settings, *, host: str | None) -> list[str]:
    """Why the configured sign-in must not serve (``host`` None: wherever it would be served).

    Identity must be chosen explicitly: a service started with no identity settings must not
    fall back to a sign-in without passwords.
    """
    if "identity_mode" not in settings.model_fields_set:
        return [
            "PROMO_IDENTITY_MODE is not set: use oidc to sign in through your identity provider "
            "(with PROMO_OIDC__*); local sign-in (no passwords) is for a trial and also needs "
            "PROMO_ALLOW_LOCAL_IDENTITY=true."
        ]
    if settings.identity_mode is not IdentityMode.LOCAL:
        return []
    if not settings.allow_local_identity:
        return [
            "PROMO_IDENTITY_MODE=local lets anyone sign in as any user without a password; set "
            "PROMO_ALLOW_LOCAL_IDENTITY=true to run it anyway (a trial on this machine), or use "
            "PROMO_IDENTITY_MODE=oidc."
        ]
    if host is not None and host not in LOOPBACK_HOSTS:
        return [
            f"--host {host}: local sign-in (no passwords) is served on loopback only "
            "(127.0.0.1); use PROMO_IDENTITY_MODE=oidc to serve a network."
        ]
    return []


def settings_problems(settings: Settings) -> list[str]:
    """What stops `promo serve` from starting, in sentences an operator can act on."""
    from boomi_promo.config import IdentityMode
    from boomi_promo.identity.oidc import validate_oidc_settings

    problems = []
    if not settings.boomi.primary_account_id:
        problems.append("PROMO_BOOMI__PRIMARY_ACCOUNT_ID is not set: name the primary account.")
    if not settings.boomi.username or not settings.boomi.api_token.get_secret_value():
        problems.append(
            "PROMO_BOOMI__USERNAME and PROMO_BOOMI__API_TOKEN must name a Boomi user and token."
        )
    if settings.identity_mode is IdentityMode.OIDC:
        problems.extend(validate_oidc_settings(settings))
    if settings.jobs.queue is JobQueue.PROCRASTINATE and not settings.uses_postgres:
        problems.append(
            "PROMO_JOBS__QUEUE=procrastinate needs PostgreSQL: set PROMO_DATABASE_URL to a "
            "postgresql+psycopg:// URL (workers and services share that database)."
        )
    return problems


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


if __name__ == "__main__":
    app()
