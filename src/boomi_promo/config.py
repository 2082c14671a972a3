"""Settings: environment variables with the ``PROMO_`` prefix, or a ``.env``-style file.

Nested names use ``__`` (``PROMO_BOOMI__API_TOKEN``). Every limit the specification calls
"configuration" lives here with its default.
"""

from __future__ import annotations

from email.utils import parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
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
    """The client's pace per rate-limit account; Boomi answers 503 past about 10."""
    override_account_rate_limit: bool = False
    """Whether Boomi counts a Partner API call (``overrideAccount``) against the override
    account: set it only when the primary account has Boomi's ``overrideAccountRateLimit``
    property on. Off (the safe default), every call counts against the primary account, so
    the calls for all dev accounts share one budget."""
    call_mode: Literal["concurrent", "sequential"] = "concurrent"
    """``sequential``: one call at a time with a fixed gap after each, as the public design
    made them (a baseline for benchmarks); ``concurrent``: as many as the rate limiter allows."""
    bulk_reads: bool = True
    """Read components, their metadata and folders with Boomi's bulk GET (5 documents, 100
    metadata or folders a call); ``false`` reads one per call, as before issue 16 (a benchmark
    baseline, or a fallback should an account refuse bulk reads)."""
    timeout_seconds: float = 30.0
    max_response_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    """A Boomi answer larger than this is refused (BOOMI_BAD_RESPONSE) instead of read."""
    max_retries: int = 5
    """Retries of 503 (Boomi's rate-limit answer), 429, other 5xx and lost connections, as
    Boomi's own connectors do; never of 401 or another 4xx."""
    backoff_seconds: float = 1.0
    """First retry waits about this long; each further retry doubles it (1 s, 2 s, 4 s, 8 s,
    16 s), each wait jittered between half and one and a half times."""
    branch_soft_limit: int = 15
    """Branches (``main`` and those Boomi is still deleting included) at which no promotion
    or review starts."""
    branch_hard_limit: int = 20
    branch_ready_timeout_seconds: float = 120.0
    branch_query_delay_seconds: float = Field(default=10.0, ge=0)
    """How long a new branch may be missing from Boomi's Branch QUERY answers. A branch whose
    create got no answer is looked for by name this long (from when the create was sent)
    before it is left to ``promo reconcile``."""
    merge_timeout_seconds: float = Field(default=120.0, gt=0)
    """How long a merge request may take from its creation to MERGED before MERGE_TIMEOUT."""
    release_status_polls: int = Field(default=10, ge=1)
    """Release-status reads (``poll_interval_seconds`` apart) after a release before it is
    reported as still in progress (checkReleaseStatus follows it afterwards)."""
    poll_interval_seconds: float = 1.0


class PromotionSettings(BaseModel):
    delta: bool = True
    """Leave a component whose promoted form equals the version the branch starts from
    unwritten (UNCHANGED, issue 16); ``false`` writes every component, as before (a benchmark
    baseline)."""


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


class ReviewSettings(BaseModel):
    require_owning_team_reviewer: bool = False
    """Peer review only by a contributor of the team that owns the dev account (its team group
    is granted the account); off: any other contributor may peer-review (SPEC §4 E3)."""


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


class NotificationEvent(StrEnum):
    """What a notification channel can subscribe to."""

    SUBMITTED = "submitted"
    """A promotion entered peer review (production from test, or a hotfix)."""
    PEER_DECISION = "peer_decision"
    ADMIN_DECISION = "admin_decision"
    """Approved or rejected by an admin, or a failed production deployment abandoned."""
    DEPLOYED = "deployed"
    """Released to Test (TEST_DEPLOYED) or deployed to Production (DEPLOYED)."""
    FAILED = "failed"
    """A promotion FAILED, or a deployment ended TEST_DEPLOY_FAILED / DEPLOY_FAILED."""
    STALE_REVIEW = "stale_review"
    """A promotion waited in peer or admin review longer than ``stale_review_after_hours``."""
    PACK_ASSIGNMENT = "pack_assignment"
    """A first test deployment found no Test pack: an admin must choose one (mode 4)."""


ALL_NOTIFICATION_EVENTS = list(NotificationEvent)


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS before logging in (port 587)."""
    TLS = "tls"
    """TLS from the first byte (port 465)."""
    NONE = "none"
    """No encryption: only for a relay on the same host or network."""


class SmtpSettings(BaseModel):
    host: str = ""
    port: int = Field(default=587, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str = ""
    """Log in when set (after STARTTLS, when that is on)."""
    password: SecretStr = SecretStr("")
    sender: str = ""
    """The From address, e.g. ``boomi-promo <promo@example.com>``."""
    ca_file: Path | None = None
    """Trust this CA bundle instead of the system's (an internal mail relay)."""
    timeout_seconds: float = Field(default=30.0, gt=0)


class EmailChannel(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    to: list[str] = Field(min_length=1)
    """Recipients of every notification of this channel (a team list, the platform team)."""
    events: list[NotificationEvent] = Field(default_factory=lambda: list(ALL_NOTIFICATION_EVENTS))
    notify_initiator: bool = False
    """Also send each notification to the promotion's initiator and submitter."""

    @field_validator("to")
    @classmethod
    def _addresses(cls, recipients: list[str]) -> list[str]:
        for address in recipients:
            if "@" not in parseaddr(address)[1]:
                raise ValueError(f"{address!r} is not an e-mail address")
        return recipients


class WebhookFormat(StrEnum):
    JSON = "json"
    SLACK = "slack"
    TEAMS = "teams"


class WebhookChannel(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    url: SecretStr
    """Secret: Slack and Teams webhook URLs carry their token in the path."""
    format: WebhookFormat = WebhookFormat.JSON
    events: list[NotificationEvent] = Field(default_factory=lambda: list(ALL_NOTIFICATION_EVENTS))
    signing_secret: SecretStr = SecretStr("")
    """``json`` format: sign each body with HMAC-SHA256 (``X-Promo-Signature: sha256=<hex>``)."""

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: SecretStr) -> SecretStr:
        parsed = urlsplit(url.get_secret_value())
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return url


class NotificationSettings(BaseModel):
    """Where promotion events are announced (docs/deployment.md, "Notifications").

    Lists come as JSON: ``PROMO_NOTIFICATIONS__WEBHOOKS='[{"name": "slack", "url": "...",
    "format": "slack", "events": ["deployed", "failed"]}]'``.
    """

    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    emails: list[EmailChannel] = Field(default_factory=list)
    webhooks: list[WebhookChannel] = Field(default_factory=list)
    poll_seconds: float = Field(default=5.0, gt=0)
    """How often the audit trail is read for new events and due deliveries are sent."""
    stale_review_after_hours: float | None = Field(default=24.0, gt=0)
    """A review waiting this long is announced, and again after each further such period;
    ``None``: never."""
    max_attempts: int = Field(default=5, ge=1, le=20)
    backoff_seconds: float = Field(default=30.0, ge=0)
    """The wait before the second attempt; it doubles before each further one."""
    timeout_seconds: float = Field(default=10.0, gt=0)
    """Per webhook request."""

    @model_validator(mode="after")
    def _check_channels(self) -> NotificationSettings:
        names = [email.name for email in self.emails] + [hook.name for hook in self.webhooks]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"notification channel names must be unique: {', '.join(repeated)}")
        if self.emails and (not self.smtp.host or not self.smtp.sender):
            raise ValueError("e-mail channels need notifications.smtp.host and smtp.sender")
        return self

    @property
    def configured(self) -> bool:
        return bool(self.emails or self.webhooks)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROMO_",
        env_nested_delimiter="__",
        env_file=None,
        extra="ignore",
        # A refused value is not repeated in the error: it may be a token or a webhook URL,
        # whose path is the hook's secret.
        hide_input_in_errors=True,
    )

    data_dir: Path = Field(default_factory=lambda: Path.cwd() / ".data")
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite in the data directory."""
    identity_mode: IdentityMode = IdentityMode.LOCAL
    """``promo serve`` needs it set explicitly; ``local`` there also needs allow_local_identity."""
    allow_local_identity: bool = False
    """Lets ``promo serve`` run local sign-in (anyone signs in as any user, without a password):
    for a trial on one machine, never for a team (PROMO_ALLOW_LOCAL_IDENTITY)."""
    session_secret: SecretStr = SecretStr("")
    """Signs dashboard sessions; in local mode generated into the data directory when empty."""
    public_url: str = ""
    boomi: BoomiSettings = Field(default_factory=BoomiSettings)
    groups: GroupSettings = Field(default_factory=GroupSettings)
    promotion: PromotionSettings = Field(default_factory=PromotionSettings)
    oidc: OidcSettings = Field(default_factory=OidcSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    log_json: bool = False
    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Larger request bodies are answered 413 before they are read (PROMO_MAX_REQUEST_BYTES)."""
    max_json_depth: int = Field(default=32, ge=4, le=256)
    """JSON bodies nested deeper are refused with 400 (PROMO_MAX_JSON_DEPTH)."""

    @property
    def uses_postgres(self) -> bool:
        return self.resolved_database_url().startswith("postgresql")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'promo.db'}"
