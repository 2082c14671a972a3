"""One place that wires adapters: settings → database, Boomi client, identity."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.limiter import LocalRateLimiter, RateLimiter
from boomi_promo.config import IdentityMode, Settings
from boomi_promo.identity import build_verifier
from boomi_promo.identity.local import LocalIdentity, load_or_create_session_secret
from boomi_promo.identity.verification import TokenVerifier
from boomi_promo.jobs.runner import JobRunner
from boomi_promo.logging import configure_logging
from boomi_promo.observability import ServiceMetrics
from boomi_promo.store import current_revision, head_revision, upgrade_database
from boomi_promo.store.database import create_engine
from boomi_promo.store.rate_limits import DatabaseRateLimiter
from boomi_promo.store.sessions import SESSION_MAX_AGE_SECONDS, SignedOutSessions
from boomi_promo.store.uow import UnitOfWorkFactory


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    uow_factory: UnitOfWorkFactory
    boomi: BoomiClient
    verifier: TokenVerifier
    local_identity: LocalIdentity | None
    session_secret: str
    metrics: ServiceMetrics
    jobs: JobRunner = field(init=False)
    signed_out: SignedOutSessions = field(init=False)

    def __post_init__(self) -> None:
        self.jobs = JobRunner(self)
        self.signed_out = SignedOutSessions(
            self.uow_factory, max_age_seconds=SESSION_MAX_AGE_SECONDS
        )

    async def aclose(self) -> None:
        await self.jobs.aclose()
        await self.boomi.aclose()
        await self.engine.dispose()


def resolve_session_secret(settings: Settings) -> str:
    configured = settings.session_secret.get_secret_value()
    if configured:
        return configured
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return load_or_create_session_secret(settings.data_dir)


class SchemaOutOfDate(RuntimeError):
    pass


async def ensure_schema(url: str) -> None:
    """SQLite (embedded) migrates itself; a shared server is migrated by `promo db upgrade`."""
    if url.startswith("sqlite"):
        await upgrade_database(url)
        return
    current, head = await current_revision(url), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"The database schema is at revision {current or 'none'}, the code needs {head}: "
            "run `promo db upgrade` first."
        )


def rate_limiter(settings: Settings, engine: AsyncEngine) -> RateLimiter:
    """PostgreSQL means replicas and workers may share the account: one limit in the database."""
    rate = settings.boomi.requests_per_second
    if settings.uses_postgres:
        return DatabaseRateLimiter(engine, rate=rate)
    return LocalRateLimiter(rate=rate)


async def bootstrap(
    settings: Settings, *, boomi_transport: httpx.AsyncBaseTransport | None = None
) -> Container:
    configure_logging(json_output=settings.log_json)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    await ensure_schema(url)
    engine = create_engine(url)
    metrics = ServiceMetrics()
    boomi = BoomiClient.from_settings(
        settings.boomi,
        limiter=rate_limiter(settings, engine),
        transport=boomi_transport,
        on_call=metrics.record_boomi_call,
    )
    local = (
        LocalIdentity(settings.data_dir) if settings.identity_mode is IdentityMode.LOCAL else None
    )
    secret = resolve_session_secret(settings)
    return Container(
        settings=settings,
        engine=engine,
        uow_factory=UnitOfWorkFactory(engine),
        boomi=boomi,
        verifier=build_verifier(settings),
        local_identity=local,
        session_secret=secret,
        metrics=metrics,
    )
