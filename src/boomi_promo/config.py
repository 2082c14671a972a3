"""Settings: environment variables with the ``PROMO_`` prefix, or a ``.env``-style file.

Nested names use ``__`` (``PROMO_BOOMI__API_TOKEN``). Every limit the specification calls
"configuration" lives here with its default.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class IdentityMode(StrEnum):
    LOCAL = "local"
    OIDC = "oidc"


class BoomiSettings(BaseModel):
    base_url: str = "https://api.boomi.com"
    """Scheme and host; the Partner API path is added by the client."""
    primary_account_id: str = ""
    username: str = ""
    """The Boomi user e-mail; the client sends ``BOOMI_TOKEN.<username>``."""
    api_token: SecretStr = SecretStr("")
    requests_per_second: float = 10.0
    call_mode: Literal["concurrent", "sequential"] = "concurrent"
    """``sequential``: one call at a time with a fixed gap after each, as the public design
    made them (a baseline for benchmarks); ``concurrent``: as many as the rate limiter allows."""
    timeout_seconds: float = 30.0
    max_response_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    """A Boomi answer larger than this is refused (BOOMI_BAD_RESPONSE) instead of read."""
    max_retries: int = 3
    backoff_seconds: float = 1.0
    """First retry waits this long; each further retry doubles it (1 s, 2 s, 4 s)."""
    branch_soft_limit: int = 15
    branch_hard_limit: int = 20
    branch_ready_timeout_seconds: float = 120.0
    poll_interval_seconds: float = 1.0


class GroupSettings(BaseModel):
    admin: str = "ABC_BOOMI_FLOW_ADMIN"
    contributor: str = "ABC_BOOMI_FLOW_CONTRIBUTOR"
    team_prefix: str = "ABC_BOOMI_FLOW_DEVTEAM"


class OidcSettings(BaseModel):
    issuer: str = ""
    audience: str = ""
    jwks_url: str = ""
    authorize_url: str = ""
    token_url: str = ""
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    redirect_url: str = ""
    email_claim: str = "email"
    name_claim: str = "name"
    groups_claim: str = "groups"
    leeway_seconds: int = 30


class JobQueue(StrEnum):
    IN_PROCESS = "in-process"
    """Jobs run as tasks of the service that accepted them (embedded, single process)."""
    PROCRASTINATE = "procrastinate"
    """Jobs go to a PostgreSQL task queue and run in ``promo worker`` processes."""


class JobSettings(BaseModel):
    queue: JobQueue = JobQueue.IN_PROCESS
    worker_concurrency: int = Field(default=4, ge=1)
    """Jobs one ``promo worker`` process runs at a time."""
    heartbeat_seconds: float = 5.0
    stale_after_seconds: float = 30.0
    """A running job silent this long belongs to a dead process and is compensated."""
    sweep_seconds: float = 5.0
    shutdown_grace_seconds: float = 10.0
    reconcile_seconds: float | None = None
    """Delete orphaned ``promo-*`` branches this often (``promo reconcile``); ``None``: never."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROMO_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
    )

    data_dir: Path = Field(default_factory=lambda: Path.cwd() / ".data")
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite in the data directory."""
    identity_mode: IdentityMode = IdentityMode.LOCAL
    session_secret: SecretStr = SecretStr("")
    """Signs dashboard sessions; in local mode generated into the data directory when empty."""
    public_url: str = ""
    boomi: BoomiSettings = Field(default_factory=BoomiSettings)
    groups: GroupSettings = Field(default_factory=GroupSettings)
    oidc: OidcSettings = Field(default_factory=OidcSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    log_json: bool = False

    @property
    def uses_postgres(self) -> bool:
        return self.resolved_database_url().startswith("postgresql")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'promo.db'}"
