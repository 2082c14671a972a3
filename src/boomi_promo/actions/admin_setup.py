"""The admin's set-up of an installation, checked against Boomi and audited.

* A1 ``manageDevAccountAccess`` — which team group may promote from which dev sub-account
  (DevAccountAccess): ``query``, ``grant`` (or grant again), ``revoke`` (kept, inactive).
* K1 ``manageClientAccounts`` — client sub-accounts, their Test and Prod environments and
  the SSO group that manages their extensions (ClientAccountConfig): ``query``, ``save``,
  ``deactivate``.
* A2 ``findBoomiAccounts``, K2 ``findBoomiEnvironments``, F1 ``findPrimaryComponents`` — the
  lookups the set-up pages pick from by name, so nobody pastes a GUID: the primary account's
  sub-accounts, an account's environments, the primary account's components.

Names are always read from Boomi, never typed: a record names what Boomi says the id is.
Every change is refused before anything is written when Boomi does not confirm it (the account
is not a sub-account of the primary, the API user cannot act in it, an environment is not in
the client account or has the wrong classification), and leaves an audit entry with the record
before and after.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.errors import (
    BoomiBadRequestError,
    BoomiForbiddenError,
    BoomiNotFoundError,
)
from boomi_promo.boomi.models import Account, ComponentMetadata, Environment
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.domain.component_types import COMPONENT_TYPES, CONNECTION_TYPE
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.extension_access import refresh_authorized_groups
from boomi_promo.errors import Conflict, InvalidRequest, NotFound
from boomi_promo.identity.principal import Tier
from boomi_promo.store import ClientAccountConfig, DevAccountAccess
from boomi_promo.store.tables import NAME, utcnow

MAX_LOOKUP_RESULTS = 200
"""A lookup answers at most this many matches; a narrower search finds the rest."""

DEV_ACCESS_TARGET = "dev_account_access"
CLIENT_ACCOUNT_TARGET = "client_account_config"


def _blank_as_none(value: Any) -> Any:
    # Flow-style clients send every profile field, unused ones as "".
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalName = Annotated[
    Annotated[str, StringConstraints(max_length=NAME)] | None, BeforeValidator(_blank_as_none)
]


def _required(value: str | None, field: str, operation: str) -> str:
    if value is None:
        raise InvalidRequest(f"{field} is required for action '{operation}'.", field=field)
    return value


# ---------------------------------------------------------------- Boomi checks


async def _sub_account(ctx: ActionContext, account_id: str, field: str) -> Account:
    """The primary account's sub-account ``account_id``, active; else a refusal naming ``field``.

    Boomi's GET Account answers only the primary account itself, so sub-accounts are found by
    the Account QUERY, which lists the accounts the primary created.
    """
    if account_id == ctx.settings.boomi.primary_account_id:
        raise InvalidRequest(
            f"{account_id} is the primary (production) account; choose one of its sub-accounts.",
            field=field,
        )
    found = [
        account
        async for account in ctx.boomi.query_accounts(
            QueryFilter.where("ACCOUNTID", Operator.EQUALS, account_id)
        )
        if account.account_id == account_id
    ]
    if not found:
        raise NotFound(
            f"Account {account_id} is not a sub-account of the primary account in Boomi.",
            error_code="ACCOUNT_NOT_FOUND",
            field=field,
        )
    account = found[0]
    if (account.status or "active").lower() not in ("active", "trial", "unlimited"):
        raise InvalidRequest(
            f"Account {account.name or account_id} is {account.status} in Boomi; only an active "
            "account can be set up.",
            field=field,
        )
    return account


async def _check_override(ctx: ActionContext, account: Account, field: str) -> None:
    """The API user may act in the account (``overrideAccount``), or nothing could be done."""
    probe = QueryFilter.where("currentVersion", Operator.EQUALS, "true").and_(
        QueryFilter.where("deleted", Operator.EQUALS, "false")
    )
    try:
        async for _first in ctx.boomi.query_component_metadata(
            probe, override_account=account.account_id
        ):
            break
    except BoomiForbiddenError as exc:
        raise InvalidRequest(
            f"The Boomi API user cannot act in account {account.name or account.account_id} "
            "(overrideAccount was refused); give it access to the sub-account first.",
            field=field,
        ) from exc


async def _environment(
    ctx: ActionContext, account: Account, environment_id: str, classification: str, field: str
) -> Environment:
    """An environment of the client account with the expected classification (TEST or PROD)."""
    try:
        environment = await ctx.boomi.get_environment(
            environment_id, override_account=account.account_id
        )
    except (BoomiNotFoundError, BoomiForbiddenError, BoomiBadRequestError) as exc:
        raise NotFound(
            f"Environment {environment_id} is not an environment of account "
            f"{account.name or account.account_id} in Boomi.",
            error_code="ENVIRONMENT_NOT_FOUND",
            field=field,
        ) from exc
    found = (environment.classification or "").upper()
    if found != classification:
        raise InvalidRequest(
            f"Environment {environment.name or environment_id} is classified {found or 'unset'} "
            f"in Boomi; this one must be a {classification} environment.",
            field=field,
        )
    return environment


# ---------------------------------------------------------------- A1 manageDevAccountAccess


class DevAccessOperation(StrEnum):
    QUERY = "query"
    GRANT = "grant"
    REVOKE = "revoke"


class ManageDevAccountAccessRequest(Profile):
    action: DevAccessOperation = Field(description="query, grant or revoke")
    sso_group_id: OptionalName = Field(
        default=None, description="grant/revoke: the team group (starts with the team prefix)"
    )
    sso_group_name: OptionalName = Field(
        default=None, description="grant: the group's display name (default: its id)"
    )
    dev_account_id: OptionalBoomiId = Field(
        default=None, description="query: filter; grant/revoke: the dev sub-account"
    )
    include_inactive: bool = Field(default=True, description="query: list revoked grants too")


class DevAccessItem(Profile):
    sso_group_id: str
    sso_group_name: str
    dev_account_id: str
    dev_account_name: str
    is_active: bool
    updated_at: str


class ManageDevAccountAccessResponse(ResponseProfile):
    grants: list[DevAccessItem] = Field(
        default_factory=list, description="query: every match; otherwise the grant written"
    )
    team_prefix: str = Field(default="", description="Team groups start with this prefix")


def _access_item(record: DevAccountAccess) -> DevAccessItem:
    return DevAccessItem(
        sso_group_id=record.sso_group_id,
        sso_group_name=record.sso_group_name,
        dev_account_id=record.dev_account_id,
        dev_account_name=record.dev_account_name,
        is_active=record.is_active,
        updated_at=record.updated_at.isoformat(timespec="seconds") if record.updated_at else "",
    )


def _access_snapshot(record: DevAccountAccess | None) -> dict[str, Any] | None:
    if record is None:
        return None
    snapshot = _access_item(record).model_dump(by_alias=True)
    snapshot.pop("updatedAt")
    return snapshot


@action(
    name="manageDevAccountAccess",
    code="A1",
    description="Manage Dev Account Access",
    request=ManageDevAccountAccessRequest,
    response=ManageDevAccountAccessResponse,
    min_tier=Tier.ADMIN,
)
async def manage_dev_account_access(
    ctx: ActionContext, request: ManageDevAccountAccessRequest
) -> ManageDevAccountAccessResponse:
    prefix = ctx.settings.groups.team_prefix
    if request.action is DevAccessOperation.QUERY:
        async with ctx.unit_of_work() as uow:
            records = await uow.access.list_all()
        grants = [
            _access_item(r)
            for r in records
            if (request.include_inactive or r.is_active)
            and request.dev_account_id in (None, r.dev_account_id)
        ]
        return ManageDevAccountAccessResponse(grants=grants, team_prefix=prefix)
    group = _required(request.sso_group_id, "ssoGroupId", request.action)
    account_id = _required(request.dev_account_id, "devAccountId", request.action)
    if request.action is DevAccessOperation.GRANT:
        return await _grant(ctx, request, group, account_id)
    return await _revoke(ctx, group, account_id)


async def _grant(
    ctx: ActionContext, request: ManageDevAccountAccessRequest, group: str, account_id: str
) -> ManageDevAccountAccessResponse:
    prefix = ctx.settings.groups.team_prefix
    if not prefix or not group.startswith(prefix) or group == prefix:
        raise InvalidRequest(
            f"Team group '{group}' does not start with the team prefix '{prefix}' "
            "(PROMO_GROUPS__TEAM_PREFIX), so no user's groups would ever match it.",
            field="ssoGroupId",
        )
    if group in (ctx.settings.groups.admin, ctx.settings.groups.contributor):
        raise InvalidRequest(f"'{group}' is a tier group, not a team group.", field="ssoGroupId")
    account = await _sub_account(ctx, account_id, "devAccountId")
    await _check_override(ctx, account, "devAccountId")
    async with ctx.unit_of_work() as uow:
        clients = await uow.client_accounts.list_for_client_account(account_id)
        if clients:
            raise Conflict(
                f"Account {account.name or account_id} is set up as a client account; a dev "
                "account is where teams build, a client account where releases run.",
                error_code="ACCOUNT_IS_CLIENT_ACCOUNT",
                field="devAccountId",
            )
        existing = await uow.access.get(group, account_id)
        before = _access_snapshot(existing)
        stored = await uow.access.upsert(
            DevAccountAccess(
                sso_group_id=group,
                sso_group_name=request.sso_group_name or group,
                dev_account_id=account_id,
                dev_account_name=(account.name or account_id)[:NAME],
                is_active=True,
            )
        )
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="dev_account_access.granted",
            process_name=ctx.process_name,
            target_type=DEV_ACCESS_TARGET,
            target_id=f"{group}/{account_id}",
            detail={"before": before, "after": _access_snapshot(stored)},
        )
        await refresh_authorized_groups(uow, account_id, actor=ctx.principal.email)
        item = _access_item(stored)
        await uow.commit()
    ctx.log.info("dev account granted", sso_group=group, dev_account=account_id)
    return ManageDevAccountAccessResponse(grants=[item], team_prefix=prefix)


async def _revoke(
    ctx: ActionContext, group: str, account_id: str
) -> ManageDevAccountAccessResponse:
    async with ctx.unit_of_work() as uow:
        existing = await uow.access.get(group, account_id)
        if existing is None or not existing.is_active:
            raise NotFound(
                f"Team group {group} holds no active grant of dev account {account_id}.",
                error_code="ACCESS_NOT_FOUND",
                field="ssoGroupId",
            )
        before = _access_snapshot(existing)
        existing.is_active = False
        existing.updated_at = utcnow()
        await uow.session.flush()
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="dev_account_access.revoked",
            process_name=ctx.process_name,
            target_type=DEV_ACCESS_TARGET,
            target_id=f"{group}/{account_id}",
            detail={"before": before, "after": _access_snapshot(existing)},
        )
        await refresh_authorized_groups(uow, account_id, actor=ctx.principal.email)
        item = _access_item(existing)
        await uow.commit()
    ctx.log.info("dev account revoked", sso_group=group, dev_account=account_id)
    return ManageDevAccountAccessResponse(
        grants=[item], team_prefix=ctx.settings.groups.team_prefix
    )


# ---------------------------------------------------------------- K1 manageClientAccounts


class ClientAccountOperation(StrEnum):
    QUERY = "query"
    SAVE = "save"
    DEACTIVATE = "deactivate"


class ManageClientAccountsRequest(Profile):
    action: ClientAccountOperation = Field(description="query, save or deactivate")
    client_account_id: OptionalBoomiId = Field(
        default=None, description="query: filter; save/deactivate: the client sub-account"
    )
    sso_group_id: OptionalName = Field(
        default=None, description="save/deactivate: the SSO group that manages the account"
    )
    sso_group_name: OptionalName = Field(
        default=None, description="save: the group's display name (default: its id)"
    )
    test_environment_id: OptionalBoomiId = Field(
        default=None, description="save: a TEST environment"
    )
    prod_environment_id: OptionalBoomiId = Field(
        default=None, description="save: a PROD environment"
    )
    include_inactive: bool = Field(default=True, description="query: list deactivated ones too")


class ClientAccountConfigItem(Profile):
    client_account_id: str
    client_account_name: str
    sso_group_id: str
    sso_group_name: str
    test_environment_id: str
    test_environment_name: str
    prod_environment_id: str
    prod_environment_name: str
    is_active: bool
    last_extension_sync_at: str
    last_extension_sync_by: str


class ManageClientAccountsResponse(ResponseProfile):
    client_accounts: list[ClientAccountConfigItem] = Field(
        default_factory=list, description="query: every match; otherwise the record written"
    )


def _client_item(config: ClientAccountConfig) -> ClientAccountConfigItem:
    synced = config.last_extension_sync_at
    return ClientAccountConfigItem(
        client_account_id=config.client_account_id,
        client_account_name=config.client_account_name,
        sso_group_id=config.sso_group_id,
        sso_group_name=config.sso_group_name,
        test_environment_id=config.test_environment_id,
        test_environment_name=config.test_environment_name,
        prod_environment_id=config.prod_environment_id,
        prod_environment_name=config.prod_environment_name,
        is_active=config.is_active,
        last_extension_sync_at=synced.isoformat(timespec="seconds") if synced else "",
        last_extension_sync_by=config.last_extension_sync_by or "",
    )


def _client_snapshot(config: ClientAccountConfig | None) -> dict[str, Any] | None:
    if config is None:
        return None
    snapshot = _client_item(config).model_dump(by_alias=True)
    for moving in ("lastExtensionSyncAt", "lastExtensionSyncBy"):
        snapshot.pop(moving)
    return snapshot


@action(
    name="manageClientAccounts",
    code="K1",
    description="Manage Client Accounts",
    request=ManageClientAccountsRequest,
    response=ManageClientAccountsResponse,
    min_tier=Tier.ADMIN,
)
async def manage_client_accounts(
    ctx: ActionContext, request: ManageClientAccountsRequest
) -> ManageClientAccountsResponse:
    if request.action is ClientAccountOperation.QUERY:
        async with ctx.unit_of_work() as uow:
            if request.client_account_id is None:
                configs = await uow.client_accounts.list_all()
            else:
                configs = await uow.client_accounts.list_for_client_account(
                    request.client_account_id
                )
        return ManageClientAccountsResponse(
            client_accounts=[
                _client_item(c) for c in configs if request.include_inactive or c.is_active
            ]
        )
    account_id = _required(request.client_account_id, "clientAccountId", request.action)
    group = _required(request.sso_group_id, "ssoGroupId", request.action)
    if request.action is ClientAccountOperation.SAVE:
        return await _save_client_account(ctx, request, account_id, group)
    return await _deactivate_client_account(ctx, account_id, group)


async def _save_client_account(
    ctx: ActionContext, request: ManageClientAccountsRequest, account_id: str, group: str
) -> ManageClientAccountsResponse:
    test_id = _required(request.test_environment_id, "testEnvironmentId", request.action)
    prod_id = _required(request.prod_environment_id, "prodEnvironmentId", request.action)
    if test_id == prod_id:
        raise InvalidRequest(
            "testEnvironmentId and prodEnvironmentId name the same environment; a client account "
            "needs one TEST and one PROD environment.",
            field="prodEnvironmentId",
        )
    account = await _sub_account(ctx, account_id, "clientAccountId")
    test = await _environment(ctx, account, test_id, "TEST", "testEnvironmentId")
    prod = await _environment(ctx, account, prod_id, "PROD", "prodEnvironmentId")
    async with ctx.unit_of_work() as uow:
        if await uow.access.list_active_for_dev_account(account_id):
            raise Conflict(
                f"Account {account.name or account_id} is granted to teams as a dev account; "
                "revoke those grants before setting it up as a client account.",
                error_code="ACCOUNT_IS_DEV_ACCOUNT",
                field="clientAccountId",
            )
        existing = await uow.client_accounts.get(account_id, group)
        before = _client_snapshot(existing)
        stored = await uow.client_accounts.upsert(
            ClientAccountConfig(
                client_account_id=account_id,
                client_account_name=(account.name or account_id)[:NAME],
                test_environment_id=test.id,
                test_environment_name=(test.name or test.id)[:NAME],
                prod_environment_id=prod.id,
                prod_environment_name=(prod.name or prod.id)[:NAME],
                sso_group_id=group,
                sso_group_name=request.sso_group_name or group,
                integration_pack_instance_id=(
                    existing.integration_pack_instance_id if existing else None
                ),
                is_active=True,
                last_extension_sync_at=existing.last_extension_sync_at if existing else None,
                last_extension_sync_by=existing.last_extension_sync_by if existing else None,
            )
        )
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="client_account.saved",
            process_name=ctx.process_name,
            target_type=CLIENT_ACCOUNT_TARGET,
            target_id=f"{account_id}/{group}",
            detail={"before": before, "after": _client_snapshot(stored)},
        )
        item = _client_item(stored)
        await uow.commit()
    ctx.log.info("client account saved", client_account=account_id, sso_group=group)
    return ManageClientAccountsResponse(client_accounts=[item])


async def _deactivate_client_account(
    ctx: ActionContext, account_id: str, group: str
) -> ManageClientAccountsResponse:
    async with ctx.unit_of_work() as uow:
        existing = await uow.client_accounts.get(account_id, group)
        if existing is None or not existing.is_active:
            raise NotFound(
                f"Group {group} has no active set-up of client account {account_id}.",
                error_code="CLIENT_ACCOUNT_NOT_FOUND",
                field="clientAccountId",
            )
        before = _client_snapshot(existing)
        existing.is_active = False
        existing.updated_at = utcnow()
        await uow.session.flush()
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="client_account.deactivated",
            process_name=ctx.process_name,
            target_type=CLIENT_ACCOUNT_TARGET,
            target_id=f"{account_id}/{group}",
            detail={"before": before, "after": _client_snapshot(existing)},
        )
        item = _client_item(existing)
        await uow.commit()
    ctx.log.info("client account deactivated", client_account=account_id, sso_group=group)
    return ManageClientAccountsResponse(client_accounts=[item])


# ---------------------------------------------------------------- lookups by name


def _contains(needle: str | None, *haystacks: str | None) -> bool:
    if not needle:
        return True
    folded = needle.casefold()
    return any(folded in (h or "").casefold() for h in haystacks)


class FindBoomiAccountsRequest(Profile):
    name_contains: OptionalName = Field(
        default=None, description="A part of the account's name or id (any letter case)"
    )


class BoomiAccountItem(Profile):
    account_id: str
    account_name: str
    status: str
    role: str = Field(description="DEV (granted to a team), CLIENT (set up as one), or ''")


class FindBoomiAccountsResponse(ResponseProfile):
    accounts: list[BoomiAccountItem] = Field(default_factory=list)
    truncated: bool = Field(default=False, description="More matched than were answered")


@action(
    name="findBoomiAccounts",
    code="A2",
    description="Find Boomi Accounts",
    request=FindBoomiAccountsRequest,
    response=FindBoomiAccountsResponse,
    min_tier=Tier.ADMIN,
)
async def find_boomi_accounts(
    ctx: ActionContext, request: FindBoomiAccountsRequest
) -> FindBoomiAccountsResponse:
    """The primary account's active sub-accounts, by name, with what each is used for here."""
    async with ctx.unit_of_work() as uow:
        dev_ids = {r.dev_account_id for r in await uow.access.list_all_active()}
        client_ids = {c.client_account_id for c in await uow.client_accounts.list_all_active()}
    found: list[BoomiAccountItem] = []
    truncated = False
    not_deleted = QueryFilter.where("STATUS", Operator.NOT_EQUALS, "deleted")
    async for account in ctx.boomi.query_accounts(not_deleted):
        if not _contains(request.name_contains, account.name, account.account_id):
            continue
        if len(found) == MAX_LOOKUP_RESULTS:
            truncated = True
            break
        role = (
            "DEV"
            if account.account_id in dev_ids
            else "CLIENT"
            if account.account_id in client_ids
            else ""
        )
        found.append(
            BoomiAccountItem(
                account_id=account.account_id,
                account_name=account.name or account.account_id,
                status=account.status or "",
                role=role,
            )
        )
    found.sort(key=lambda a: (a.account_name.casefold(), a.account_id))
    return FindBoomiAccountsResponse(accounts=found, truncated=truncated)


class FindBoomiEnvironmentsRequest(Profile):
    account_id: BoomiId = Field(description="A client sub-account")
    classification: Annotated[str | None, BeforeValidator(_blank_as_none)] = Field(
        default=None, pattern="^(TEST|PROD)$", description="TEST or PROD; empty for both"
    )


class BoomiEnvironmentItem(Profile):
    environment_id: str
    environment_name: str
    classification: str


class FindBoomiEnvironmentsResponse(ResponseProfile):
    environments: list[BoomiEnvironmentItem] = Field(default_factory=list)


@action(
    name="findBoomiEnvironments",
    code="K2",
    description="Find Boomi Environments",
    request=FindBoomiEnvironmentsRequest,
    response=FindBoomiEnvironmentsResponse,
    min_tier=Tier.ADMIN,
)
async def find_boomi_environments(
    ctx: ActionContext, request: FindBoomiEnvironmentsRequest
) -> FindBoomiEnvironmentsResponse:
    """The environments of a sub-account of the primary, by name."""
    account = await _sub_account(ctx, request.account_id, "accountId")
    classifications = [request.classification] if request.classification else ["TEST", "PROD"]
    where = QueryFilter.where("classification", Operator.EQUALS, classifications[0]).or_(
        *(QueryFilter.where("classification", Operator.EQUALS, c) for c in classifications[1:])
    )
    environments = [
        BoomiEnvironmentItem(
            environment_id=environment.id,
            environment_name=environment.name or environment.id,
            classification=(environment.classification or "").upper(),
        )
        async for environment in ctx.boomi.query_environments(
            where, override_account=account.account_id
        )
    ]
    environments.sort(key=lambda e: (e.classification, e.environment_name.casefold()))
    return FindBoomiEnvironmentsResponse(environments=environments)


class FindPrimaryComponentsRequest(Profile):
    name_contains: OptionalName = Field(
        default=None, description="A part of the component's name (any letter case)"
    )
    component_type: Annotated[str | None, BeforeValidator(_blank_as_none)] = Field(
        default=CONNECTION_TYPE, description="Boomi component type; connections by default"
    )
    folder_contains: OptionalName = Field(
        default=None, description="A part of the component's folder path"
    )


class PrimaryComponentItem(Profile):
    component_id: str
    component_name: str
    component_type: str
    folder_full_path: str
    version: int


class FindPrimaryComponentsResponse(ResponseProfile):
    components: list[PrimaryComponentItem] = Field(default_factory=list)
    truncated: bool = Field(default=False, description="More matched than were answered")


@action(
    name="findPrimaryComponents",
    code="F1",
    description="Find Primary Components",
    request=FindPrimaryComponentsRequest,
    response=FindPrimaryComponentsResponse,
    min_tier=Tier.ADMIN,
)
async def find_primary_components(
    ctx: ActionContext, request: FindPrimaryComponentsRequest
) -> FindPrimaryComponentsResponse:
    """Current, undeleted components on the primary account's main, by name, type and folder."""
    if request.component_type is not None and request.component_type not in COMPONENT_TYPES:
        raise InvalidRequest(
            f"componentType '{request.component_type}' is not a Boomi component type.",
            field="componentType",
        )
    where = QueryFilter.where("currentVersion", Operator.EQUALS, "true").and_(
        QueryFilter.where("deleted", Operator.EQUALS, "false")
    )
    if request.component_type:
        where = where.and_(QueryFilter.where("type", Operator.EQUALS, request.component_type))
    if request.name_contains:
        # Boomi's LIKE may match letter case exactly: the filter below decides, this narrows.
        where = where.and_(QueryFilter.where("name", Operator.LIKE, f"%{request.name_contains}%"))
    found: list[PrimaryComponentItem] = []
    truncated = False
    async for meta in ctx.boomi.query_component_metadata(where):
        if meta.branch_name not in (None, "", "main") or not _matches(request, meta):
            continue
        if len(found) == MAX_LOOKUP_RESULTS:
            truncated = True
            break
        found.append(
            PrimaryComponentItem(
                component_id=meta.component_id,
                component_name=meta.name or meta.component_id,
                component_type=meta.type or "",
                folder_full_path=meta.folder_full_path or meta.folder_name or "",
                version=meta.version or 1,
            )
        )
    found.sort(key=lambda c: (c.folder_full_path.casefold(), c.component_name.casefold()))
    return FindPrimaryComponentsResponse(components=found, truncated=truncated)


def _matches(request: FindPrimaryComponentsRequest, meta: ComponentMetadata) -> bool:
    return _contains(request.name_contains, meta.name) and _contains(
        request.folder_contains, meta.folder_full_path, meta.folder_name
    )
