"""F manageMappings: read ComponentMappings; admins edit them and seed connection mappings.

One action, four operations chosen by ``action``:

* ``query`` (CONTRIBUTOR+) — filters and pages; a contributor sees the mappings of the dev
  accounts their team groups grant, an admin all of them.
* ``update`` (ADMIN) — upsert one mapping after checking in Boomi that the prod component
  exists in the primary account and the dev component in its dev account, of the same type.
* ``delete`` (ADMIN) — remove one mapping.
* ``importCsv`` (ADMIN) — create or update many mappings from CSV text
  (:mod:`boomi_promo.exports.mappings_csv`), all rows or none; ``dryRun`` only reports
  what it would do.
* ``seedConnection`` (ADMIN) — point dev connections of any number of dev accounts at one
  shared production connection in the primary account's ``#Connections`` folder (connections
  are never promoted, SPEC §5.6). Every row is checked before any is written.

Every write leaves an audit entry with the mapping before and after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints
from sqlalchemy import ColumnElement, func, select

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId
from boomi_promo.actions.mapping_import import import_mapping_rows
from boomi_promo.actions.mapping_records import (
    MappingItem,
    audit_mapping_change,
    mapping_item,
    mapping_snapshot,
)
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.models import ComponentMetadata
from boomi_promo.domain.component_types import COMPONENT_TYPES, CONNECTION_TYPE
from boomi_promo.engine.access import granted_dev_accounts, require_dev_account
from boomi_promo.engine.context import ActionContext
from boomi_promo.errors import Conflict, InsufficientTier, InvalidRequest, NotFound
from boomi_promo.exports.mappings_csv import MappingCsvError, parse_mappings_csv
from boomi_promo.identity.principal import Tier
from boomi_promo.store import ComponentMapping, MappingSource, Page, UnitOfWork
from boomi_promo.store.repositories.base import MAX_PAGE, MAX_PAGE_SIZE
from boomi_promo.store.tables import CODE, NAME

CONNECTIONS_FOLDER = "#Connections"
MAX_SEED_CONNECTIONS = 200
MAX_CSV_CHARS = 4 * 1024 * 1024
# Metadata reads are independent; a few in flight keep the shared rate limiter busy.
METADATA_CONCURRENCY = 4


class MappingOperation(StrEnum):
    QUERY = "query"
    UPDATE = "update"
    DELETE = "delete"
    SEED_CONNECTION = "seedConnection"
    IMPORT_CSV = "importCsv"


def _blank_as_none(value: Any) -> Any:
    # Flow-style clients send every profile field, unused ones as "".
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalText = Annotated[
    Annotated[str, StringConstraints(max_length=NAME)] | None, BeforeValidator(_blank_as_none)
]
OptionalType = Annotated[
    Annotated[str, StringConstraints(max_length=CODE * 2)] | None, BeforeValidator(_blank_as_none)
]


class DevConnection(Profile):
    dev_account_id: BoomiId
    dev_component_id: BoomiId


class ManageMappingsRequest(Profile):
    action: MappingOperation = Field(description="query, update, delete or seedConnection")
    dev_component_id: OptionalBoomiId = Field(
        default=None, description="query: filter; update/delete: the mapping's dev component"
    )
    dev_account_id: OptionalBoomiId = Field(
        default=None, description="query: filter; update/delete: the mapping's dev account"
    )
    prod_component_id: OptionalBoomiId = Field(
        default=None, description="query: filter; update: target; seedConnection: the shared one"
    )
    component_name: OptionalText = Field(
        default=None, description="update: defaults to the dev component's name in Boomi"
    )
    component_type: OptionalType = Field(
        default=None, description="query: filter; update: must match both components"
    )
    name_contains: OptionalText = Field(
        default=None, description="query: case-insensitive part of the component name"
    )
    mapping_source: Annotated[MappingSource | None, BeforeValidator(_blank_as_none)] = Field(
        default=None, description="query: ADMIN_SEEDING or PROMOTION_ENGINE"
    )
    page: int = Field(default=1, ge=1, le=MAX_PAGE, description="query: 1-based page number")
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    dev_connections: list[DevConnection] = Field(
        default_factory=list,
        max_length=MAX_SEED_CONNECTIONS,
        description="seedConnection: the dev connections to point at prodComponentId",
    )
    csv_text: str | None = Field(
        default=None,
        max_length=MAX_CSV_CHARS,
        description="importCsv: the file's text, header line first",
    )
    dry_run: bool = Field(default=False, description="importCsv: check and count, write nothing")


class ManageMappingsResponse(ResponseProfile):
    mappings: list[MappingItem] = Field(
        default_factory=list, description="query: one page; otherwise those written or deleted"
    )
    total_count: int = Field(default=0, description="query: matches across all pages")
    page: int | None = None
    page_size: int | None = None
    created: int = Field(default=0, description="importCsv: mappings created (or that would be)")
    updated: int = Field(default=0, description="importCsv: mappings updated (or that would be)")
    unchanged: int = Field(default=0, description="importCsv: rows that matched what is stored")


@dataclass(frozen=True)
class MappingFilter:
    """What ``find_mappings`` selects; ``None`` means no restriction."""

    dev_account_ids: Collection[str] | None = None
    dev_component_id: str | None = None
    component_type: str | None = None
    name_contains: str | None = None
    prod_component_id: str | None = None
    mapping_source: str | None = None


async def find_mappings(
    uow: UnitOfWork, where: MappingFilter, *, page: int = 1, page_size: int = 50
) -> Page[ComponentMapping]:
    """Mappings matching ``where``, by component name, dev account and dev component."""
    table = ComponentMapping
    conditions: list[ColumnElement[bool]] = []
    if where.dev_account_ids is not None:
        conditions.append(table.dev_account_id.in_(set(where.dev_account_ids)))
    if where.dev_component_id is not None:
        conditions.append(table.dev_component_id == where.dev_component_id)
    if where.component_type is not None:
        conditions.append(table.component_type == where.component_type)
    if where.name_contains:
        conditions.append(
            func.lower(table.component_name).contains(where.name_contains.lower(), autoescape=True)
        )
    if where.prod_component_id is not None:
        conditions.append(table.prod_component_id == where.prod_component_id)
    if where.mapping_source is not None:
        conditions.append(table.mapping_source == where.mapping_source)
    total = await uow.session.scalar(select(func.count()).select_from(table).where(*conditions))
    rows = await uow.session.scalars(
        select(table)
        .where(*conditions)
        .order_by(table.component_name, table.dev_account_id, table.dev_component_id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return Page(list(rows), total or 0)


async def other_mappings_of_target(
    uow: UnitOfWork, prod_component_id: str, key: tuple[str, str]
) -> list[ComponentMapping]:
    """Mappings other than ``key`` that point at the same prod component."""
    return [
        mapping
        for mapping in await uow.mappings.list_for_prod_component(prod_component_id)
        if (mapping.dev_account_id, mapping.dev_component_id) != key
    ]


@action(
    name="manageMappings",
    code="F",
    description="Manage Mappings",
    request=ManageMappingsRequest,
    response=ManageMappingsResponse,
)
async def manage_mappings(
    ctx: ActionContext, request: ManageMappingsRequest
) -> ManageMappingsResponse:
    if request.action is MappingOperation.QUERY:
        return await _query(ctx, request)
    if ctx.principal.tier is not Tier.ADMIN:
        raise InsufficientTier(
            f"manageMappings action '{request.action}' needs the ADMIN tier; "
            f"your groups give {ctx.principal.tier.value}."
        )
    if request.action is MappingOperation.UPDATE:
        return await _update(ctx, request)
    if request.action is MappingOperation.DELETE:
        return await _delete(ctx, request)
    if request.action is MappingOperation.IMPORT_CSV:
        return await _import_csv(ctx, request)
    return await _seed_connection(ctx, request)


async def _import_csv(ctx: ActionContext, request: ManageMappingsRequest) -> ManageMappingsResponse:
    text = request.csv_text
    if not text or not text.strip():
        raise InvalidRequest("csvText is required for action 'importCsv'.", field="csvText")
    try:
        rows = parse_mappings_csv(text)
        async with ctx.unit_of_work() as uow:
            outcome = await import_mapping_rows(
                uow,
                rows,
                actor=ctx.principal.email,
                process_name=ctx.process_name,
                dry_run=request.dry_run,
                prod_account_id=ctx.settings.boomi.primary_account_id,
            )
    except MappingCsvError as error:
        problems = [str(problem) for problem in error.problems]
        raise InvalidRequest(
            f"Nothing was imported: {len(problems)} problem(s) in the file — "
            + "; ".join(problems[:10])
            + ("; …" if len(problems) > 10 else "")
            + ".",
            field="csvText",
            details={"problems": problems},
        ) from error
    ctx.log.info(
        "mappings imported",
        dry_run=request.dry_run,
        created=len(outcome.created),
        updated=len(outcome.updated),
        unchanged=outcome.unchanged,
    )
    return ManageMappingsResponse(
        created=len(outcome.created),
        updated=len(outcome.updated),
        unchanged=outcome.unchanged,
    )


async def _query(ctx: ActionContext, request: ManageMappingsRequest) -> ManageMappingsResponse:
    account_ids: list[str] | None
    if ctx.principal.tier is Tier.ADMIN:
        account_ids = None if request.dev_account_id is None else [request.dev_account_id]
    elif request.dev_account_id is not None:
        account_ids = [(await require_dev_account(ctx, request.dev_account_id)).account_id]
    else:
        account_ids = [account.account_id for account in await granted_dev_accounts(ctx)]
    where = MappingFilter(
        dev_account_ids=account_ids,
        dev_component_id=request.dev_component_id,
        component_type=request.component_type,
        name_contains=request.name_contains,
        prod_component_id=request.prod_component_id,
        mapping_source=request.mapping_source,
    )
    async with ctx.unit_of_work() as uow:
        found = await find_mappings(uow, where, page=request.page, page_size=request.page_size)
    return ManageMappingsResponse(
        mappings=[mapping_item(mapping) for mapping in found.items],
        total_count=found.total,
        page=request.page,
        page_size=request.page_size,
    )


async def _update(ctx: ActionContext, request: ManageMappingsRequest) -> ManageMappingsResponse:
    dev_component_id = _required(request.dev_component_id, "devComponentId", request.action)
    dev_account_id = _required(request.dev_account_id, "devAccountId", request.action)
    prod_component_id = _required(request.prod_component_id, "prodComponentId", request.action)
    if request.component_type is not None and request.component_type not in COMPONENT_TYPES:
        raise InvalidRequest(
            f"componentType '{request.component_type}' is not a Boomi component type.",
            field="componentType",
        )
    await _require_registered_dev_accounts(ctx, {dev_account_id: "devAccountId"})
    prod, dev = await _read_metadata(
        ctx, [(prod_component_id, None), (dev_component_id, dev_account_id)]
    )
    if prod is None:
        raise _prod_not_found(prod_component_id)
    if dev is None:
        raise NotFound(
            f"Component {dev_component_id} does not exist in dev account {dev_account_id}.",
            error_code="DEV_COMPONENT_NOT_FOUND",
            field="devComponentId",
        )
    if request.component_type is not None and request.component_type != prod.type:
        raise InvalidRequest(
            f"componentType '{request.component_type}' does not match the prod component, "
            f"which is a '{prod.type}'.",
            field="componentType",
        )
    if dev.type != prod.type:
        raise InvalidRequest(
            f"Dev component {dev_component_id} is a '{dev.type}' but prod component "
            f"{prod_component_id} is a '{prod.type}'; a mapping joins components of one type.",
            field="devComponentId",
        )
    key = (dev_account_id, dev_component_id)
    async with ctx.unit_of_work() as uow:
        if prod.type != CONNECTION_TYPE:
            taken = await other_mappings_of_target(uow, prod_component_id, key)
            if taken:
                raise Conflict(
                    f"Prod component {prod_component_id} is already the target of dev component "
                    f"{taken[0].dev_component_id} in dev account {taken[0].dev_account_id}; only "
                    f"connections ({CONNECTION_TYPE}) may be shared by several dev components.",
                    error_code="PROD_COMPONENT_ALREADY_MAPPED",
                    field="prodComponentId",
                )
        existing = await uow.mappings.get(dev_component_id, dev_account_id)
        # Snapshot first: the upsert refreshes ``existing`` in place.
        before = mapping_snapshot(existing) if existing is not None else None
        same_target = existing is not None and existing.prod_component_id == prod_component_id
        stored = await uow.mappings.upsert(
            _seeded_mapping(
                ctx,
                key,
                prod,
                name=request.component_name or dev.name or prod.name or dev_component_id,
                last_promotion_id=existing.last_promotion_id if existing and same_target else None,
            )
        )
        item = mapping_item(stored)
        await audit_mapping_change(
            uow,
            actor=ctx.principal.email,
            action_name="mapping.updated",
            process_name=ctx.process_name,
            key=key,
            before=before,
            after=mapping_snapshot(stored),
        )
        await uow.commit()
    ctx.log.info("mapping updated", dev_account=dev_account_id, dev_component=dev_component_id)
    return ManageMappingsResponse(mappings=[item], total_count=1)


async def _delete(ctx: ActionContext, request: ManageMappingsRequest) -> ManageMappingsResponse:
    dev_component_id = _required(request.dev_component_id, "devComponentId", request.action)
    dev_account_id = _required(request.dev_account_id, "devAccountId", request.action)
    async with ctx.unit_of_work() as uow:
        existing = await uow.mappings.get(dev_component_id, dev_account_id)
        if existing is None:
            raise NotFound(
                f"There is no mapping for dev component {dev_component_id} "
                f"in dev account {dev_account_id}.",
                error_code="MAPPING_NOT_FOUND",
                field="devComponentId",
            )
        item = mapping_item(existing)
        before = mapping_snapshot(existing)
        await uow.mappings.delete(dev_component_id, dev_account_id)
        await audit_mapping_change(
            uow,
            actor=ctx.principal.email,
            action_name="mapping.deleted",
            process_name=ctx.process_name,
            key=(dev_account_id, dev_component_id),
            before=before,
            after=None,
        )
        await uow.commit()
    ctx.log.info("mapping deleted", dev_account=dev_account_id, dev_component=dev_component_id)
    return ManageMappingsResponse(mappings=[item], total_count=1)


async def _seed_connection(
    ctx: ActionContext, request: ManageMappingsRequest
) -> ManageMappingsResponse:
    prod_component_id = _required(request.prod_component_id, "prodComponentId", request.action)
    rows = request.dev_connections
    if not rows:
        raise InvalidRequest(
            "devConnections must list at least one {devAccountId, devComponentId}.",
            field="devConnections",
        )
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        first = seen.setdefault((row.dev_account_id, row.dev_component_id), index)
        if first != index:
            raise InvalidRequest(
                f"devConnections[{index}] repeats devConnections[{first}].",
                field=f"devConnections[{index}].devComponentId",
            )
    await _require_registered_dev_accounts(
        ctx, {row.dev_account_id: f"devConnections[{i}].devAccountId" for i, row in enumerate(rows)}
    )
    prod, *devs = await _read_metadata(
        ctx,
        [(prod_component_id, None)] + [(row.dev_component_id, row.dev_account_id) for row in rows],
    )
    if prod is None:
        raise _prod_not_found(prod_component_id)
    if prod.type != CONNECTION_TYPE:
        raise InvalidRequest(
            f"Prod component {prod_component_id} is a '{prod.type}', not a connection "
            f"({CONNECTION_TYPE}).",
            field="prodComponentId",
        )
    folder_path = await _folder_path(ctx, prod)
    if CONNECTIONS_FOLDER not in folder_path.split("/")[:2]:
        raise InvalidRequest(
            f"Prod connection {prod_component_id} is in the folder '{folder_path}'; shared "
            f"connections live in the primary account's '{CONNECTIONS_FOLDER}' folder.",
            field="prodComponentId",
        )
    problems: list[tuple[str, str]] = []
    checked: list[tuple[DevConnection, ComponentMetadata]] = []
    for index, (row, dev) in enumerate(zip(rows, devs, strict=True)):
        field = f"devConnections[{index}].devComponentId"
        if dev is None:
            problems.append(
                (
                    field,
                    f"component {row.dev_component_id} does not exist "
                    f"in dev account {row.dev_account_id}",
                )
            )
        elif dev.type != CONNECTION_TYPE:
            problems.append(
                (field, f"component {row.dev_component_id} is a '{dev.type}', not a connection")
            )
        else:
            checked.append((row, dev))
    if problems:
        raise InvalidRequest(
            f"Nothing was seeded: {len(problems)} of {len(rows)} dev connections cannot be "
            "mapped — " + "; ".join(f"{field}: {message}" for field, message in problems) + ".",
            field=problems[0][0],
            details={"problems": [{"field": f, "message": m} for f, m in problems]},
        )
    items: list[MappingItem] = []
    async with ctx.unit_of_work() as uow:
        for row, dev in checked:
            key = (row.dev_account_id, row.dev_component_id)
            existing = await uow.mappings.get(row.dev_component_id, row.dev_account_id)
            before = mapping_snapshot(existing) if existing is not None else None
            stored = await uow.mappings.upsert(
                _seeded_mapping(ctx, key, prod, name=dev.name or prod.name or prod_component_id)
            )
            items.append(mapping_item(stored))
            await audit_mapping_change(
                uow,
                actor=ctx.principal.email,
                action_name="mapping.seeded",
                process_name=ctx.process_name,
                key=key,
                before=before,
                after=mapping_snapshot(stored),
            )
        await uow.commit()
    ctx.log.info("connection mappings seeded", prod_component=prod_component_id, count=len(items))
    return ManageMappingsResponse(mappings=items, total_count=len(items))


def _required(value: str | None, field: str, operation: MappingOperation) -> str:
    if value is None:
        raise InvalidRequest(f"{field} is required for action '{operation}'.", field=field)
    return value


def _prod_not_found(prod_component_id: str) -> NotFound:
    return NotFound(
        f"Component {prod_component_id} does not exist in the primary account.",
        error_code="PROD_COMPONENT_NOT_FOUND",
        field="prodComponentId",
    )


async def _require_registered_dev_accounts(ctx: ActionContext, fields: dict[str, str]) -> None:
    """Each dev account id must be an active dev account; ``fields`` names where each came from."""
    known = {account.account_id for account in await granted_dev_accounts(ctx)}
    for account_id, field in fields.items():
        if account_id not in known:
            raise InvalidRequest(
                f"Dev account '{account_id}' is not a registered dev account "
                "(no active DevAccountAccess record grants it).",
                field=field,
            )


async def _read_metadata(
    ctx: ActionContext, targets: list[tuple[str, str | None]]
) -> list[ComponentMetadata | None]:
    """Metadata of each (component id, dev account or ``None`` for the primary account).

    A component that does not exist or is deleted reads as ``None``; other Boomi failures raise.
    """
    semaphore = asyncio.Semaphore(METADATA_CONCURRENCY)

    async def read(component_id: str, account_id: str | None) -> ComponentMetadata | None:
        async with semaphore:
            try:
                meta = await ctx.boomi.get_component_metadata(
                    component_id, override_account=account_id
                )
            except BoomiNotFoundError:
                return None
        return None if meta.deleted else meta

    results = await asyncio.gather(
        *(read(component_id, account_id) for component_id, account_id in targets),
        return_exceptions=True,
    )
    found: list[ComponentMetadata | None] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        found.append(result)
    return found


async def _folder_path(ctx: ActionContext, meta: ComponentMetadata) -> str:
    """The full path of a primary-account component's folder (root folder first)."""
    if not meta.folder_id:
        return meta.folder_name or ""
    folder = await ctx.boomi.get_folder(meta.folder_id)
    return folder.full_path or folder.name or meta.folder_name or ""


def _seeded_mapping(
    ctx: ActionContext,
    key: tuple[str, str],
    prod: ComponentMetadata,
    *,
    name: str,
    last_promotion_id: str | None = None,
) -> ComponentMapping:
    """An admin's mapping to a prod component that exists on main, at its current version."""
    dev_account_id, dev_component_id = key
    return ComponentMapping(
        dev_component_id=dev_component_id,
        dev_account_id=dev_account_id,
        prod_component_id=prod.component_id,
        component_name=name[:NAME],
        component_type=prod.type or "",
        prod_account_id=ctx.settings.boomi.primary_account_id,
        prod_latest_version=prod.version or 1,
        last_promoted_at=datetime.now(UTC),
        last_promoted_by=ctx.principal.email,
        mapping_source=MappingSource.ADMIN_SEEDING,
        on_main=True,
        last_promotion_id=last_promotion_id,
    )
