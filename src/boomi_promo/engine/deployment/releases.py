"""Integration Packs and their releases: find or create the pack, release it, poll the
release, record when it settled.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.models import (
    PublisherIntegrationPack,
    ReleaseIntegrationPackStatus,
    ReleaseStatus,
)
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.contents import Shipment
from boomi_promo.engine.deployment.records import (
    actor_of,
    load_promotion,
    process_name_of,
    set_fields,
)
from boomi_promo.engine.deployment.requests import ChosenPack, PackChoice, RequestedRelease
from boomi_promo.engine.deployment.rules import (
    AUDIT_PAGE_SIZE,
    RELEASE_REQUESTED,
    RELEASE_SETTLED,
    IntegrationPackNotFound,
    PackPurpose,
    ReleaseType,
    release_components,
    release_failed,
    with_test_suffix,
)
from boomi_promo.engine.locks import one_at_a_time, pack_lock
from boomi_promo.errors import InvalidRequest
from boomi_promo.store import UnitOfWork


async def get_pack(boomi: BoomiClient, pack_id: str, *, field: str) -> PublisherIntegrationPack:
    try:
        return await boomi.get_publisher_integration_pack(pack_id)
    except BoomiNotFoundError as exc:
        raise IntegrationPackNotFound(
            f"There is no Integration Pack '{pack_id}'.", field=field
        ) from exc


async def pack_for(
    ctx: ActionContext, promotion_id: str, choice: PackChoice, purpose: PackPurpose
) -> ChosenPack:
    """The chosen pack, or a new MULTI pack, recorded on the promotion at once (a retry then
    uses it rather than creating a second one). A retry that asks again for the new pack an
    interrupted attempt already made and recorded gets that pack (its name is taken now)."""
    if choice.pack_id:
        found = await get_pack(ctx.boomi, choice.pack_id, field="integrationPackId")
        pack = ChosenPack(found.id, found.name)
    elif choice.new_name:
        name = with_test_suffix(choice.new_name) if purpose is PackPurpose.TEST else choice.new_name
        made_earlier = await _recorded_pack(ctx, promotion_id, purpose, name.strip())
        if made_earlier is not None:
            pack = made_earlier
        else:
            created = await ctx.boomi.create_publisher_integration_pack(
                name.strip(), description=choice.new_description, installation_type="MULTI"
            )
            pack = ChosenPack(created.id, created.name)
            ctx.log.info("integration pack created", pack_id=pack.pack_id, name=pack.name)
    else:
        raise InvalidRequest("No Integration Pack was chosen.", field="integrationPackId")
    if purpose is PackPurpose.TEST:
        await set_fields(
            ctx,
            promotion_id,
            test_integration_pack_id=pack.pack_id,
            test_integration_pack_name=pack.name,
        )
    else:
        await set_fields(
            ctx, promotion_id, integration_pack_id=pack.pack_id, integration_pack_name=pack.name
        )
    return pack


async def _recorded_pack(
    ctx: ActionContext, promotion_id: str, purpose: PackPurpose, name: str
) -> ChosenPack | None:
    """The pack of ``purpose`` this promotion records, if it is named ``name`` and exists."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_promotion(uow, promotion_id)
    recorded = (
        (promotion.test_integration_pack_id, promotion.test_integration_pack_name)
        if purpose is PackPurpose.TEST
        else (promotion.integration_pack_id, promotion.integration_pack_name)
    )
    pack_id, pack_name = recorded
    if not pack_id or pack_name != name:
        return None
    try:
        found = await ctx.boomi.get_publisher_integration_pack(pack_id)
    except BoomiNotFoundError:
        return None
    return ChosenPack(found.id, found.name)


async def release_pack(
    ctx: ActionContext,
    promotion_id: str,
    release_type: ReleaseType,
    pack: ChosenPack,
    shipment: Shipment,
) -> RequestedRelease:
    """Put the shipment's components in the pack (those not there yet; the others of the pack
    stay), release every component of the pack, and read the release status a bounded number
    of times."""
    # The pack's list is replaced whole, and a release names its components: another
    # deployment into the same pack waits, or one of them would drop the other's components.
    async with one_at_a_time(ctx.uow_factory, pack_lock(pack.pack_id)):
        current = await ctx.boomi.add_to_integration_pack(pack.pack_id, list(shipment.versions))
        components = release_components(current, shipment.versions)
        started = await ctx.boomi.release_integration_pack(pack.pack_id, components)
    request_id = started.request_id or ""  # empty: recognised by its effect, see below
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=actor_of(ctx),
            action=RELEASE_REQUESTED,
            process_name=process_name_of(ctx),
            target_type="promotion",
            target_id=promotion_id,
            detail={
                "releaseId": request_id,
                "releaseType": str(release_type),
                "integrationPackId": pack.pack_id,
                "integrationPackName": pack.name,
                "packageVersion": shipment.root.package_version,
                "components": [
                    {"componentId": component_id, "packageVersion": version}
                    for component_id, version in shipment.versions.items()
                ],
            },
        )
        await uow.commit()
    status = await _settle_release(ctx, promotion_id, started.request_id)
    if status.release_status == ReleaseStatus.ERROR:
        why = f": {status.message}" if status.message else ""
        raise release_failed(
            f"Boomi reported the release of Integration Pack '{pack.name}' "
            f"(request {request_id}) as ERROR{why}."
        )
    ctx.log.info(
        "pack released", pack=pack.name, request_id=request_id, status=status.release_status
    )
    return RequestedRelease(request_id, status.release_status)


async def _settle_release(
    ctx: ActionContext, promotion_id: str, request_id: str | None
) -> ReleaseIntegrationPackStatus:
    """The release status after at most ``release_status_polls`` reads."""
    if request_id is None:
        return recognised_release()
    for attempt in range(ctx.settings.boomi.release_status_polls):
        if attempt:
            await asyncio.sleep(ctx.settings.boomi.poll_interval_seconds)
        status = await ctx.boomi.get_release_status(request_id)
        if status.finished:
            async with ctx.unit_of_work() as uow:
                await record_release_settled(uow, promotion_id, status, actor=actor_of(ctx))
                await uow.commit()
            break
    return status


def recognised_release() -> ReleaseIntegrationPackStatus:
    """The status of a release whose answer was lost: the client recognised it by the pack
    running its versions, so it succeeded, and there is no request id to poll."""
    return ReleaseIntegrationPackStatus(request_id="", release_status=ReleaseStatus.SUCCESS)


async def record_release_settled(
    uow: UnitOfWork, promotion_id: str, status: ReleaseIntegrationPackStatus, *, actor: str
) -> datetime:
    """Note, once, when a release was first seen finished; that time (its completion)."""
    entries = await uow.audit.list_entries(
        target_type="promotion", target_id=promotion_id, page_size=AUDIT_PAGE_SIZE
    )
    for entry in entries.items:
        if entry.action == RELEASE_SETTLED and (
            (entry.detail or {}).get("releaseId") == status.request_id
        ):
            return entry.at
    entry = await uow.audit.append(
        actor_email=actor,
        action=RELEASE_SETTLED,
        target_type="promotion",
        target_id=promotion_id,
        detail={"releaseId": status.request_id, "releaseStatus": status.release_status},
    )
    return entry.at
