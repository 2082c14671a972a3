"""K listClientAccounts, L getExtensions, L3 getMapExtension and the admin's
rebuildExtensionAccess.

Client accounts are granted to SSO groups by ClientAccountConfig; an admin sees every active
one. L answers an environment's extensions with the caller's access for each component; the
extension, access and map-summary documents travel as JSON text, as the profile has them.
L3 reads one map extension of such an environment for its viewer and editor, with the change
markers updateMapExtension expects back and whether the caller may edit it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId, SynthesizedBoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.models import (
    EnvironmentExtensions,
    EnvironmentMapExtension,
    ExtensionField,
    MapExtensionSummary,
)
from boomi_promo.boomi.query import QueryFilter
from boomi_promo.engine.access import granted_dev_accounts
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.extension_access import (
    UNAUTHORIZED_EXTENSION_EDIT,
    ExtensionAccess,
    access_for_environment,
    decide_edit,
    extension_components,
    rebuild_extension_access,
)
from boomi_promo.errors import Forbidden, NotFound
from boomi_promo.identity.principal import Tier
from boomi_promo.store import ClientAccountConfig

UNAUTHORIZED_CLIENT_ACCOUNT = "UNAUTHORIZED_CLIENT_ACCOUNT"


@dataclass(frozen=True)
class ClientAccount:
    client_account_id: str
    client_account_name: str
    test_environment_id: str
    test_environment_name: str
    prod_environment_id: str
    prod_environment_name: str


async def granted_client_accounts(ctx: ActionContext) -> list[ClientAccount]:
    """Active client accounts the caller's groups are granted (admins: all), each once."""
    async with ctx.unit_of_work() as uow:
        if ctx.principal.tier is Tier.ADMIN:
            configs = await uow.client_accounts.list_all_active()
        else:
            configs = await uow.client_accounts.list_active_for_groups(ctx.principal.groups)
    accounts: dict[str, ClientAccount] = {}
    for config in configs:
        accounts.setdefault(config.client_account_id, _client_account(config))
    return sorted(
        accounts.values(), key=lambda a: (a.client_account_name.lower(), a.client_account_id)
    )


def _client_account(config: ClientAccountConfig) -> ClientAccount:
    return ClientAccount(
        client_account_id=config.client_account_id,
        client_account_name=config.client_account_name,
        test_environment_id=config.test_environment_id,
        test_environment_name=config.test_environment_name,
        prod_environment_id=config.prod_environment_id,
        prod_environment_name=config.prod_environment_name,
    )


async def require_client_environment(
    ctx: ActionContext, environment_id: str, client_account_id: str | None = None
) -> ClientAccount:
    """The client account granted to the caller whose Test or Prod environment this is.

    403 ``UNAUTHORIZED_CLIENT_ACCOUNT`` otherwise (also when ``client_account_id`` names a
    different account than the environment's).
    """
    for account in await granted_client_accounts(ctx):
        if environment_id in (account.test_environment_id, account.prod_environment_id):
            if client_account_id and client_account_id != account.client_account_id:
                break
            return account
    raise Forbidden(
        f"Environment '{environment_id}' is not in a client account your groups manage.",
        error_code=UNAUTHORIZED_CLIENT_ACCOUNT,
        field="environmentId",
    )


# ---------------------------------------------------------------- K listClientAccounts


class ListClientAccountsRequest(Profile):
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )


class ClientAccountItem(Profile):
    client_account_id: str
    client_account_name: str
    test_environment_id: str
    test_environment_name: str
    prod_environment_id: str
    prod_environment_name: str


class ListClientAccountsResponse(ResponseProfile):
    client_accounts: list[ClientAccountItem] = Field(default_factory=list)


@action(
    name="listClientAccounts",
    code="K",
    description="List Client Accounts",
    request=ListClientAccountsRequest,
    response=ListClientAccountsResponse,
)
async def list_client_accounts(
    ctx: ActionContext, request: ListClientAccountsRequest
) -> ListClientAccountsResponse:
    return ListClientAccountsResponse(
        client_accounts=[
            ClientAccountItem(
                client_account_id=a.client_account_id,
                client_account_name=a.client_account_name,
                test_environment_id=a.test_environment_id,
                test_environment_name=a.test_environment_name,
                prod_environment_id=a.prod_environment_id,
                prod_environment_name=a.prod_environment_name,
            )
            for a in await granted_client_accounts(ctx)
        ]
    )


# ---------------------------------------------------------------- L getExtensions


class GetExtensionsRequest(Profile):
    client_account_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present must be the environment's account"
    )
    environment_id: BoomiId
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )
    user_email: str | None = Field(
        default=None, description="Optional; when present must be the signed-in user's e-mail"
    )


class GetExtensionsResponse(ResponseProfile):
    environment_id: str = ""
    extension_data: str = Field(
        default="",
        description="EnvironmentExtensions as JSON (Boomi's shape); encrypted values are never "
        "included, encryptedValueSet tells whether one is stored",
    )
    access_mappings: str = Field(
        default="",
        description="JSON array: per component the caller's access (canEdit, reasonCode, "
        "isConnection, isShared, ownerProcessName, authorizedGroups ...)",
    )
    map_extension_summaries: str = Field(
        default="", description="JSON array of EnvironmentMapExtensionsSummary items"
    )
    component_count: int = 0
    connection_count: int = 0
    process_property_count: int = 0
    dynamic_property_count: int = 0
    map_extension_count: int = 0


@action(
    name="getExtensions",
    code="L",
    description="Get Extensions",
    request=GetExtensionsRequest,
    response=GetExtensionsResponse,
)
async def get_extensions(
    ctx: ActionContext, request: GetExtensionsRequest
) -> GetExtensionsResponse:
    account = await require_client_environment(
        ctx, request.environment_id, request.client_account_id
    )
    extensions = await ctx.boomi.get_environment_extensions(
        request.environment_id, override_account=account.client_account_id
    )
    summaries = [
        summary
        async for summary in ctx.boomi.query_map_extension_summaries(
            QueryFilter.where("environmentId", "EQUALS", request.environment_id),
            override_account=account.client_account_id,
        )
    ]
    async with ctx.unit_of_work() as uow:
        access = await access_for_environment(uow, request.environment_id)
    if not access:
        # Never built for this environment (a new client account): build it now rather than
        # show every component as unknown until an admin rebuilds.
        await rebuild_extension_access(
            ctx.boomi,
            ctx.uow_factory,
            environment_ids=[request.environment_id],
            actor=ctx.principal.email,
        )
        async with ctx.unit_of_work() as uow:
            access = await access_for_environment(uow, request.environment_id)
    components = extension_components(extensions)
    return GetExtensionsResponse(
        environment_id=request.environment_id,
        extension_data=json.dumps(_without_secrets(extensions).to_wire()),
        access_mappings=json.dumps(
            [
                _access_item(ctx, c.component_id, c.name, c.type, access.get(c.component_id))
                for c in components
            ]
        ),
        map_extension_summaries=json.dumps([_summary_item(s) for s in summaries]),
        component_count=len(components),
        connection_count=len(extensions.connections),
        process_property_count=len(extensions.process_properties),
        dynamic_property_count=len(extensions.properties),
        map_extension_count=len(summaries),
    )


def _access_item(
    ctx: ActionContext,
    component_id: str,
    name: str,
    component_type: str,
    access: ExtensionAccess | None,
) -> dict[str, Any]:
    decision = decide_edit(access, ctx.principal)
    return {
        "prodComponentId": component_id,
        "componentName": access.component_name if access else name,
        "componentType": access.component_type if access else component_type,
        "canEdit": decision.error_code is None,
        "decision": decision.value,
        "reasonCode": decision.error_code or "",
        "isConnection": access.is_connection if access else component_type == "connector-settings",
        "isShared": access.is_shared if access else False,
        "ownerProcessId": access.owner_process_id if access else "",
        "ownerProcessName": access.owner_process_name if access else "",
        "devAccountId": access.dev_account_id if access else "",
        "devAccountName": access.dev_account_name if access else "",
        "authorizedGroups": sorted(access.authorized_groups) if access else [],
    }


def _summary_item(summary: MapExtensionSummary) -> dict[str, Any]:
    return summary.to_wire()


def _blank_secret(field: ExtensionField) -> ExtensionField:
    if not field.uses_encryption:
        return field
    properties = field.custom_properties
    if properties is not None:
        properties = [
            p.model_copy(update={"value": None}) if p.encrypted else p for p in properties
        ]
    return field.model_copy(update={"value": None, "custom_properties": properties})


def _without_secrets(extensions: EnvironmentExtensions) -> EnvironmentExtensions:
    """Boomi never returns encrypted values; this makes sure none is passed on if one did."""

    def fields(items: list[ExtensionField]) -> list[ExtensionField]:
        return [_blank_secret(f) for f in items]

    return extensions.model_copy(
        update={
            "connections": [
                c.model_copy(update={"fields": fields(c.fields)}) for c in extensions.connections
            ],
            "operations": [
                o.model_copy(update={"fields": fields(o.fields)}) for o in extensions.operations
            ],
            "shared_communications": [
                s.model_copy(update={"fields": fields(s.fields)})
                for s in extensions.shared_communications
            ],
            "trading_partners": [
                t.model_copy(
                    update={
                        "categories": [
                            c.model_copy(update={"fields": fields(c.fields)}) for c in t.categories
                        ]
                    }
                )
                for t in extensions.trading_partners
            ],
            "process_properties": [
                p.model_copy(
                    update={
                        "values": [
                            v.model_copy(update={"value": None}) if v.uses_encryption else v
                            for v in p.values
                        ]
                    }
                )
                for p in extensions.process_properties
            ],
        }
    )


# ---------------------------------------------------------------- rebuildExtensionAccess


class RebuildExtensionAccessRequest(Profile):
    environment_id: OptionalBoomiId = Field(
        default=None, description="One client environment; empty = every active one"
    )


class RebuildExtensionAccessResponse(ResponseProfile):
    environment_ids: list[str] = Field(default_factory=list)
    records_written: int = 0


@action(
    name="rebuildExtensionAccess",
    code="L2",
    description="Rebuild Extension Access",
    request=RebuildExtensionAccessRequest,
    response=RebuildExtensionAccessResponse,
    min_tier=Tier.ADMIN,
)
async def rebuild_access(
    ctx: ActionContext, request: RebuildExtensionAccessRequest
) -> RebuildExtensionAccessResponse:
    if request.environment_id:
        targets = [request.environment_id]
    else:
        accounts = await granted_client_accounts(ctx)
        targets = [e for a in accounts for e in (a.test_environment_id, a.prod_environment_id)]
    written = await rebuild_extension_access(
        ctx.boomi, ctx.uow_factory, environment_ids=targets, actor=ctx.principal.email
    )
    return RebuildExtensionAccessResponse(environment_ids=targets, records_written=written)


# ---------------------------------------------------------------- L3 getMapExtension

MAP_EXTENSION_NOT_FOUND = "MAP_EXTENSION_NOT_FOUND"


class GetMapExtensionRequest(Profile):
    client_account_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present must be the environment's account"
    )
    environment_id: BoomiId
    map_extension_id: SynthesizedBoomiId


class GetMapExtensionResponse(ResponseProfile):
    map_extension_id: str = ""
    map_name: str = ""
    environment_id: str = ""
    map_extension_data: str = Field(
        default="",
        description="EnvironmentMapExtension as JSON (Boomi's shape): mappings, functions with "
        "their scripts, source and destination profile extensions",
    )
    version: int | None = Field(
        default=None, description="The map extension's version (send it back as expectedVersion)"
    )
    fingerprint: str = Field(
        default="", description="A digest of its content (send it back as expectedFingerprint)"
    )
    can_edit: bool = Field(default=False, description="Whether updateMapExtension would let you")


@action(
    name="getMapExtension",
    code="L3",
    description="Get Map Extension",
    request=GetMapExtensionRequest,
    response=GetMapExtensionResponse,
)
async def get_map_extension(
    ctx: ActionContext, request: GetMapExtensionRequest
) -> GetMapExtensionResponse:
    account = await require_client_environment(
        ctx, request.environment_id, request.client_account_id
    )
    listed = [
        summary
        async for summary in ctx.boomi.query_map_extension_summaries(
            QueryFilter.where("environmentId", "EQUALS", request.environment_id),
            override_account=account.client_account_id,
        )
        if summary.id == request.map_extension_id
    ]
    if not listed:
        raise NotFound(
            f"Environment '{request.environment_id}' has no map extension "
            f"'{request.map_extension_id}'.",
            error_code=MAP_EXTENSION_NOT_FOUND,
            field="mapExtensionId",
        )
    extension = await ctx.boomi.get_map_extension(
        request.map_extension_id, override_account=account.client_account_id
    )
    try:
        await require_map_editor(ctx, extension)
    except Forbidden:
        can_edit = False
    else:
        can_edit = True
    return GetMapExtensionResponse(
        map_extension_id=extension.id,
        map_name=extension.name or listed[0].name or "",
        environment_id=request.environment_id,
        map_extension_data=json.dumps(extension.to_wire()),
        version=extension.version,
        fingerprint=extension.fingerprint(),
        can_edit=can_edit,
    )


async def require_map_editor(ctx: ActionContext, extension: EnvironmentMapExtension) -> None:
    """Admins, or contributors whose groups grant a dev account the map's process (or the map)
    was promoted from."""
    if ctx.principal.tier is Tier.ADMIN:
        return
    granted = {a.account_id for a in await granted_dev_accounts(ctx)}
    async with ctx.unit_of_work() as uow:
        for component_id in (extension.process_id, extension.map_id):
            if not component_id:
                continue
            mappings = await uow.mappings.list_for_prod_component(component_id)
            if any(m.dev_account_id in granted for m in mappings):
                return
    raise Forbidden(
        f"Your groups may not change map extension {extension.name or extension.id}: its process "
        "comes from a dev account they do not grant.",
        error_code=UNAUTHORIZED_EXTENSION_EDIT,
        field="mapExtensionId",
    )
