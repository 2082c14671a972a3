"""``promo doctor``: check a deployment's configuration against its database and Boomi.

Every check runs even when an earlier one failed, so one run shows everything that is wrong;
each result says in a sentence what an operator should do about it. Boomi is asked with few
retries, so an unreachable Boomi is reported in seconds rather than after the full backoff.

``promo doctor --probe`` runs :mod:`boomi_promo.doctor.probe` instead (:func:`probe`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import (
    BoomiAuthError,
    BoomiError,
    BoomiForbiddenError,
    BoomiNotFoundError,
    BoomiTransportError,
)
from boomi_promo.boomi.limiter import LocalRateLimiter
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.config import Settings
from boomi_promo.doctor.probe import ProbeCheck, ProbeReport, Result, run_probe
from boomi_promo.doctor.startup import identity_problems, settings_problems
from boomi_promo.engine.branches import count_branches
from boomi_promo.store import UnitOfWorkFactory, create_engine, current_revision, head_revision
from boomi_promo.store.database import UnsupportedDatabaseError, normalize_url

DOCTOR_MAX_RETRIES = 1
UPGRADE_HINT = "run `promo db upgrade`"
PROMOTION_BRANCHES = 2
"""Branches one promotion needs under the soft limit: its own and a temporary merge branch."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Grant:
    """What the store says Boomi should let the service reach."""

    dev_accounts: dict[str, str]
    """Active dev account id → name."""
    client_environments: dict[str, list[tuple[str, str, str]]]
    """Client account id → (stage, environment id, environment name) for Test and Prod."""
    client_names: dict[str, str]


async def run_checks(settings: Settings) -> list[CheckResult]:
    """Every check, in a fixed order; a failed one never stops the checks after it."""
    results = [_settings_check(settings)]
    database_ok, database_result = await _database_check(settings)
    results.append(database_result)
    grant = await _read_grant(settings) if database_ok else None
    client = doctor_client(settings)
    if client is None:
        reason = "cannot ask Boomi: PROMO_BOOMI__PRIMARY_ACCOUNT_ID is not set"
        results += [
            CheckResult(name, False, reason)
            for name in ("Boomi credentials", "Partner API", "branching", "branch headroom")
        ]
        results += _store_dependent_skips(grant, reason)
        return results
    async with client:
        results.append(await _credentials_check(client, settings))
        results.append(await _partner_check(client))
        results += await _branch_checks(client, settings)
        if grant is None:
            results += _store_dependent_skips(
                None, "cannot list them: the database is not ready (see above)"
            )
        else:
            results += await _dev_account_checks(client, grant)
            results += await _client_environment_checks(client, grant)
    return results


def _settings_check(settings: Settings) -> CheckResult:
    problems = settings_problems(settings) + identity_problems(settings, host=None)
    if problems:
        return CheckResult("settings", False, " ".join(problems))
    return CheckResult(
        "settings", True, f"identity mode {settings.identity_mode.value}, all required values set"
    )


async def _database_check(settings: Settings) -> tuple[bool, CheckResult]:
    name = "database"
    url = settings.resolved_database_url()
    try:
        parsed = normalize_url(url)
    except (UnsupportedDatabaseError, ValueError) as error:
        return False, CheckResult(name, False, f"PROMO_DATABASE_URL is not usable: {error}")
    where = parsed.render_as_string(hide_password=True)
    missing = _missing_sqlite_file(parsed)
    if missing is not None:
        return False, CheckResult(
            name, False, f"the database file {missing} does not exist; {UPGRADE_HINT}"
        )
    try:
        current = await current_revision(url)
    except (SQLAlchemyError, OSError) as error:
        return False, CheckResult(
            name, False, f"cannot reach the database at {where}: {_first_line(error)}"
        )
    head = head_revision()
    if current is None:
        return False, CheckResult(
            name, False, f"the database at {where} has never been migrated; {UPGRADE_HINT}"
        )
    if current != head:
        return False, CheckResult(
            name,
            False,
            f"the database schema is at revision {current} but this version needs {head}; "
            f"{UPGRADE_HINT}",
        )
    return True, CheckResult(name, True, f"reachable, schema at the latest revision ({head})")


def _missing_sqlite_file(url: URL) -> str | None:
    """The SQLite file the URL names when it does not exist: asking would create it empty."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or Path(database).expanduser().exists():
        return None
    return database


async def _read_grant(settings: Settings) -> _Grant | None:
    engine = create_engine(settings.resolved_database_url())
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            access = await uow.access.list_all_active()
            configs = await uow.client_accounts.list_all_active()
    except (SQLAlchemyError, OSError):
        return None
    finally:
        await engine.dispose()
    environments: dict[str, list[tuple[str, str, str]]] = {}
    for config in configs:
        stages = environments.setdefault(config.client_account_id, [])
        for stage in (
            ("Test", config.test_environment_id, config.test_environment_name),
            ("Production", config.prod_environment_id, config.prod_environment_name),
        ):
            if stage not in stages:
                stages.append(stage)
    return _Grant(
        dev_accounts={a.dev_account_id: a.dev_account_name for a in access},
        client_environments=environments,
        client_names={c.client_account_id: c.client_account_name for c in configs},
    )


def _store_dependent_skips(grant: _Grant | None, reason: str) -> list[CheckResult]:
    if grant is None:
        return [
            CheckResult("dev accounts", False, reason),
            CheckResult("client environments", False, reason),
        ]
    results = [
        CheckResult(f"dev account {_label(name, account)}", False, reason)
        for account, name in grant.dev_accounts.items()
    ]
    results += [
        CheckResult(f"client account {_label(grant.client_names[account], account)}", False, reason)
        for account in grant.client_environments
    ]
    return results


def doctor_client(settings: Settings) -> BoomiClient | None:
    """A client that gives up quickly (few retries), or ``None`` without a primary account."""
    if not settings.boomi.primary_account_id:
        return None
    boomi = settings.boomi.model_copy(
        update={"max_retries": min(settings.boomi.max_retries, DOCTOR_MAX_RETRIES)}
    )
    return BoomiClient.from_settings(boomi, LocalRateLimiter(rate=boomi.requests_per_second))


async def probe(settings: Settings, *, process_id: str | None = None) -> ProbeReport:
    """``promo doctor --probe``: the live probe, reading as the first granted dev account (by
    name) when the database is ready, else as the first sub-account Boomi lists."""
    # Only what the probe needs: identity or job settings do not stop it.
    problems = [p for p in settings_problems(settings) if p.startswith("PROMO_BOOMI__")]
    client = doctor_client(settings) if not problems else None
    if client is None:
        seen = " ".join(problems) or "PROMO_BOOMI__PRIMARY_ACCOUNT_ID is not set"
        return ProbeReport(
            base_url=settings.boomi.base_url,
            primary_account_id=settings.boomi.primary_account_id,
            started_at="",
            elapsed_seconds=0.0,
            checks=[ProbeCheck("settings", Result.FAIL, f"cannot probe Boomi: {seen}", 0.0)],
        )
    database_ok, _ = await _database_check(settings)
    grant = await _read_grant(settings) if database_ok else None
    dev_accounts = sorted((grant.dev_accounts if grant else {}).items(), key=lambda a: a[1])
    async with client:
        return await run_probe(
            settings,
            client,
            process_id=process_id,
            dev_account_id=dev_accounts[0][0] if dev_accounts else None,
        )


async def _credentials_check(client: BoomiClient, settings: Settings) -> CheckResult:
    name = "Boomi credentials"
    primary = settings.boomi.primary_account_id
    try:
        account = await client.get_account(primary)
    except BoomiNotFoundError:
        return CheckResult(
            name, False, f"Boomi does not know the primary account {primary}; check its id"
        )
    except BoomiError as error:
        return CheckResult(
            name,
            False,
            _explain(
                error,
                forbidden="the API user is missing a privilege: it may not read the primary "
                f"account {primary}",
            ),
        )
    return CheckResult(
        name,
        True,
        f"signed in as {settings.boomi.username} to {_label(account.name, primary)}",
    )


async def _partner_check(client: BoomiClient) -> CheckResult:
    name = "Partner API"
    try:
        count = 0
        async for _account in client.query_accounts(QueryFilter.all()):
            count += 1
    except BoomiError as error:
        return CheckResult(
            name,
            False,
            _explain(
                error,
                forbidden="the primary account cannot list its sub-accounts; it must be a "
                "partner (parent) account and the API user needs account management rights",
            ),
        )
    return CheckResult(name, True, f"the primary account lists {count} sub-account(s)")


async def _branch_checks(client: BoomiClient, settings: Settings) -> list[CheckResult]:
    limit = settings.boomi.branch_soft_limit
    try:
        count = await count_branches(client)
    except BoomiError as error:
        detail = _explain(error, forbidden="branch & merge is not enabled for the primary account")
        return [
            CheckResult("branching", False, detail),
            CheckResult("branch headroom", False, f"cannot count branches: {detail}"),
        ]
    headroom = (
        CheckResult("branch headroom", True, f"{count} of {limit} branches in use")
        if count + PROMOTION_BRANCHES <= limit
        else CheckResult(
            "branch headroom",
            False,
            f"the primary account has {count} branches and the soft limit is {limit}: no "
            f"promotion can start (each needs {PROMOTION_BRANCHES}); finish or withdraw pending "
            "promotions, or remove orphaned promo-* branches",
        )
    )
    return [CheckResult("branching", True, "branch & merge is enabled"), headroom]


async def _dev_account_checks(client: BoomiClient, grant: _Grant) -> list[CheckResult]:
    if not grant.dev_accounts:
        return [CheckResult("dev accounts", True, "no dev account is granted to a team yet")]
    results = []
    for account_id, account_name in grant.dev_accounts.items():
        name = f"dev account {_label(account_name, account_id)}"
        current = QueryFilter.where("currentVersion", Operator.EQUALS, True)
        try:
            await _first(client.query_component_metadata(current, override_account=account_id))
        except BoomiError as error:
            results.append(CheckResult(name, False, _explain(error, forbidden=_not_reachable())))
            continue
        results.append(CheckResult(name, True, "reachable with overrideAccount"))
    return results


async def _client_environment_checks(client: BoomiClient, grant: _Grant) -> list[CheckResult]:
    if not grant.client_environments:
        return [CheckResult("client environments", True, "no client account is configured yet")]
    results = []
    for account_id, environments in grant.client_environments.items():
        name = f"client account {_label(grant.client_names[account_id], account_id)}"
        problems = []
        for stage, environment_id, environment_name in environments:
            try:
                await client.get_environment(environment_id, override_account=account_id)
            except BoomiNotFoundError:
                problems.append(
                    f"its {stage} environment {_label(environment_name, environment_id)} "
                    "does not exist"
                )
            except BoomiError as error:
                problems.append(_explain(error, forbidden=_not_reachable()))
                break
        if problems:
            results.append(CheckResult(name, False, "; ".join(problems)))
        else:
            results.append(CheckResult(name, True, "its Test and Production environments exist"))
    return results


async def _first(items: AsyncIterator[Any]) -> None:
    """Ask for the first page of a query only."""
    try:
        await anext(items, None)
    finally:
        if isinstance(items, AsyncGenerator):
            await items.aclose()


def _not_reachable() -> str:
    return "not a sub-account of the primary, or the API user lacks access"


def _explain(error: BoomiError, *, forbidden: str) -> str:
    """A sentence for an operator; ``forbidden`` says what a 403 means for this check."""
    if isinstance(error, BoomiAuthError):
        return (
            "the API token was refused; it may be expired or revoked "
            "(PROMO_BOOMI__USERNAME, PROMO_BOOMI__API_TOKEN)"
        )
    if isinstance(error, BoomiForbiddenError):
        if error.boomi_message:
            return f"{forbidden} (Boomi said: {error.boomi_message})"
        return forbidden
    if isinstance(error, BoomiTransportError):
        return f"Boomi is unreachable (PROMO_BOOMI__BASE_URL): {error.message}"
    return error.message


def _label(name: str | None, identifier: str) -> str:
    return f"{name} ({identifier})" if name else identifier


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
