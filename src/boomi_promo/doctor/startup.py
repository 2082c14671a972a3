"""What stops ``promo serve`` from starting: settings an operator must fix, in sentences.

``promo serve`` refuses to start on any of them; ``promo doctor`` reports the same ones.
"""

from __future__ import annotations

from boomi_promo.config import IdentityMode, JobQueue, Settings
from boomi_promo.identity.oidc import LOOPBACK_HOSTS, validate_oidc_settings


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
