"""A listDevPackages: every PackagedComponent of a granted dev account, newest first."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from pydantic import Field

from boomi_promo.actions.boomi_ids import BoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.query import QueryFilter
from boomi_promo.engine.access import require_dev_account
from boomi_promo.engine.context import ActionContext

# Metadata reads are independent; a few in flight keep the shared rate limiter busy
# without queueing hundreds of requests at once.
METADATA_CONCURRENCY = 4


class ListDevPackagesRequest(Profile):
    dev_account_id: BoomiId = Field(description="Dev sub-account to list packages of")


class PackageItem(Profile):
    package_id: str
    package_version: str
    component_id: str
    component_name: str
    component_type: str
    created_date: str
    created_by: str
    notes: str


class ListDevPackagesResponse(ResponseProfile):
    packages: list[PackageItem] = Field(default_factory=list)


async def component_names(
    ctx: ActionContext, component_ids: Iterable[str], *, account_id: str
) -> dict[str, str]:
    """Names of components in a dev account; one deleted since it was packaged shows its id."""
    semaphore = asyncio.Semaphore(METADATA_CONCURRENCY)
    names: dict[str, str] = {}

    async def lookup(component_id: str) -> None:
        async with semaphore:
            try:
                meta = await ctx.boomi.get_component_metadata(
                    component_id, override_account=account_id
                )
            except BoomiNotFoundError:
                names[component_id] = component_id
            else:
                names[component_id] = meta.name or component_id

    async with asyncio.TaskGroup() as group:
        for component_id in set(component_ids):
            group.create_task(lookup(component_id))
    return names


@action(
    name="listDevPackages",
    code="A",
    description="List Dev Packages",
    request=ListDevPackagesRequest,
    response=ListDevPackagesResponse,
)
async def list_dev_packages(
    ctx: ActionContext, request: ListDevPackagesRequest
) -> ListDevPackagesResponse:
    account = await require_dev_account(ctx, request.dev_account_id)
    packages = [
        package
        async for package in ctx.boomi.query_packaged_components(
            QueryFilter.all(), override_account=account.account_id
        )
        if not package.deleted
    ]
    names = await component_names(
        ctx, (p.component_id for p in packages), account_id=account.account_id
    )
    items = [
        PackageItem(
            package_id=p.package_id or "",
            package_version=p.package_version or "",
            component_id=p.component_id,
            component_name=names.get(p.component_id, p.component_id),
            component_type=p.component_type or "",
            created_date=p.created_date or "",
            created_by=p.created_by or "",
            notes=p.notes or "",
        )
        for p in packages
    ]
    items.sort(key=lambda item: (item.created_date, item.package_version), reverse=True)
    ctx.log.info("listed dev packages", dev_account=account.account_id, count=len(items))
    return ListDevPackagesResponse(packages=items)
