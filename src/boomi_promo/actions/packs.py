"""J listIntegrationPacks and P checkReleaseStatus: the Integration Packs and their releases.

J lists the primary account's MULTI publisher packs by purpose — a Test pack's name ends with
`` - TEST``, a production pack's does not — and, for a process, suggests the pack its last
deployment of that purpose used.

P reports every release made for a promotion (and, for a PRODUCTION record, the test
releases of the promotion it came from) with its status read live from Boomi. Boomi's
status carries no times: ``startTime`` is when the product requested the release and
``completionTime`` when a release was first seen finished, both from the audit trail. An
admin may ask about any promotion, a contributor about those of the dev accounts their team
groups grant (403 ``UNAUTHORIZED_ACCOUNT_ACCESS`` otherwise).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.boomi.models import InstallationType, ReleaseIntegrationPackStatus
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.engine.access import visible_promotion
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.history import suggested_pack
from boomi_promo.engine.deployment.releases import record_release_settled
from boomi_promo.engine.deployment.rules import (
    AUDIT_PAGE_SIZE,
    RELEASE_REQUESTED,
    RELEASE_SETTLED,
    PackPurpose,
    ReleaseType,
    pack_purpose,
)
from boomi_promo.identity.principal import Tier
from boomi_promo.store import AuditEntry, PromotionLog, UnitOfWork

ALL = "ALL"
NOT_FOUND_STATUS = "NOT_FOUND"
"""Reported for a release Boomi no longer knows."""


def _upper_or_all(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ALL
    return value.strip().upper() if isinstance(value, str) else value


# ---------------------------------------------------------------------------- J


class ListIntegrationPacksRequest(Profile):
    suggest_for_process: str | None = Field(
        default=None, description="Process name to suggest a pack for, from deployment history"
    )
    pack_purpose: Literal["TEST", "PRODUCTION", "ALL"] = Field(
        default="ALL", description="TEST (' - TEST' suffix), PRODUCTION, or ALL"
    )

    @field_validator("pack_purpose", mode="before")
    @classmethod
    def _normalise(cls, value: object) -> object:
        return _upper_or_all(value)


class IntegrationPackItem(Profile):
    pack_id: str
    pack_name: str
    pack_description: str = ""
    installation_type: str
    pack_purpose: str = Field(description="TEST or PRODUCTION, from the name")


class ListIntegrationPacksResponse(ResponseProfile):
    integration_packs: list[IntegrationPackItem] = Field(default_factory=list)
    suggested_pack_id: str = ""
    suggested_pack_name: str = ""


@action(
    name="listIntegrationPacks",
    code="J",
    description="List Integration Packs",
    request=ListIntegrationPacksRequest,
    response=ListIntegrationPacksResponse,
    min_tier=Tier.ADMIN,
)
async def list_integration_packs(
    ctx: ActionContext, request: ListIntegrationPacksRequest
) -> ListIntegrationPacksResponse:
    wanted = None if request.pack_purpose == ALL else PackPurpose(request.pack_purpose)
    multi = QueryFilter.where("installationType", Operator.EQUALS, InstallationType.MULTI)
    packs: list[IntegrationPackItem] = []
    async for pack in ctx.boomi.query_publisher_integration_packs(multi):
        purpose = pack_purpose(pack.name)
        if pack.installation_type != InstallationType.MULTI or wanted not in (None, purpose):
            continue
        packs.append(
            IntegrationPackItem(
                pack_id=pack.id,
                pack_name=pack.name,
                pack_description=pack.description or "",
                installation_type=pack.installation_type,
                pack_purpose=purpose,
            )
        )
    packs.sort(key=lambda p: (p.pack_name.lower(), p.pack_id))
    response = ListIntegrationPacksResponse(integration_packs=packs)
    if request.suggest_for_process:
        purposes = [wanted] if wanted else [PackPurpose.PRODUCTION, PackPurpose.TEST]
        listed = {p.pack_id: p for p in packs}
        async with ctx.unit_of_work() as uow:
            for purpose in purposes:
                found = await suggested_pack(uow, request.suggest_for_process, purpose)
                # Only a pack that still exists (and is listed) is worth suggesting.
                if found is not None and found[0] in listed:
                    response.suggested_pack_id = found[0]
                    response.suggested_pack_name = listed[found[0]].pack_name
                    break
    return response


# ---------------------------------------------------------------------------- P


class CheckReleaseStatusRequest(Profile):
    promotion_id: str = Field(min_length=1)
    release_type: Literal["PRODUCTION", "TEST", "ALL"] = Field(
        default="ALL", description="PRODUCTION, TEST or ALL"
    )

    @field_validator("release_type", mode="before")
    @classmethod
    def _normalise(cls, value: object) -> object:
        return _upper_or_all(value)


class ReleaseItem(Profile):
    release_id: str
    release_type: str = Field(description="PRODUCTION or TEST")
    integration_pack_id: str = ""
    integration_pack_name: str = ""
    package_version: str = ""
    status: str = Field(description="IN_PROGRESS, SCHEDULED, SUCCESS, ERROR or NOT_FOUND")
    message: str = Field(default="", description="Boomi's explanation of an ERROR")
    start_time: str = Field(default="", description="When the release was requested")
    completion_time: str = Field(default="", description="When the release was first seen finished")


class CheckReleaseStatusResponse(ResponseProfile):
    promotion_id: str = ""
    releases: list[ReleaseItem] = Field(default_factory=list)


@dataclass
class _KnownRelease:
    promotion_id: str
    release_id: str
    release_type: str
    pack_id: str = ""
    pack_name: str = ""
    package_version: str = ""
    started: datetime | None = None
    completed: datetime | None = None


@action(
    name="checkReleaseStatus",
    code="P",
    description="Check Release Status",
    request=CheckReleaseStatusRequest,
    response=CheckReleaseStatusResponse,
)
async def check_release_status(
    ctx: ActionContext, request: CheckReleaseStatusRequest
) -> CheckReleaseStatusResponse:
    async with ctx.unit_of_work() as uow:
        promotion = await visible_promotion(ctx, uow, request.promotion_id)
        known = await _releases_of(uow, promotion)
        if promotion.test_promotion_id:
            linked = await uow.promotions.get(promotion.test_promotion_id)
            if linked is not None:
                from_test = await _releases_of(uow, linked)
                known += [r for r in from_test if r.release_type == ReleaseType.TEST]
    if request.release_type != ALL:
        known = [r for r in known if r.release_type == request.release_type]
    statuses = await asyncio.gather(*(_status(ctx, r.release_id) for r in known))
    async with ctx.unit_of_work() as uow:
        for release, status in zip(known, statuses, strict=True):
            if status is not None and status.finished and release.completed is None:
                release.completed = await record_release_settled(
                    uow, release.promotion_id, status, actor=ctx.principal.email
                )
        await uow.commit()
    items = [
        ReleaseItem(
            release_id=release.release_id,
            release_type=release.release_type,
            integration_pack_id=release.pack_id,
            integration_pack_name=release.pack_name,
            package_version=release.package_version,
            status=status.release_status if status is not None else NOT_FOUND_STATUS,
            message=(status.message or "") if status is not None else "",
            start_time=_iso(release.started),
            completion_time=_iso(release.completed),
        )
        for release, status in zip(known, statuses, strict=True)
    ]
    return CheckReleaseStatusResponse(promotion_id=request.promotion_id, releases=items)


async def _status(ctx: ActionContext, release_id: str) -> ReleaseIntegrationPackStatus | None:
    try:
        return await ctx.boomi.get_release_status(release_id)
    except BoomiNotFoundError:
        return None


async def _releases_of(uow: UnitOfWork, promotion: PromotionLog) -> list[_KnownRelease]:
    """Releases requested for one promotion, oldest first, from its audit trail and record."""
    entries = await uow.audit.list_entries(
        target_type="promotion", target_id=promotion.promotion_id, page_size=AUDIT_PAGE_SIZE
    )
    releases: dict[str, _KnownRelease] = {}
    for entry in entries.items:
        detail = entry.detail or {}
        release_id = str(detail.get("releaseId") or "")
        if entry.action == RELEASE_REQUESTED and release_id:
            releases[release_id] = _from_entry(promotion.promotion_id, release_id, entry)
    for entry in entries.items:
        release_id = str((entry.detail or {}).get("releaseId") or "")
        if entry.action == RELEASE_SETTLED and release_id in releases:
            releases[release_id].completed = entry.at
    # Releases recorded on the promotion but not in its trail still get reported.
    recorded = [
        (
            promotion.release_id,
            ReleaseType.PRODUCTION,
            promotion.integration_pack_id,
            promotion.integration_pack_name,
        ),
        (
            promotion.test_release_id,
            ReleaseType.TEST,
            promotion.test_integration_pack_id,
            promotion.test_integration_pack_name,
        ),
    ]
    for recorded_id, release_type, pack_id, pack_name in recorded:
        if recorded_id and recorded_id not in releases:
            releases[recorded_id] = _KnownRelease(
                promotion_id=promotion.promotion_id,
                release_id=recorded_id,
                release_type=release_type,
                pack_id=pack_id or "",
                pack_name=pack_name or "",
                package_version=promotion.package_version or "",
            )
    return list(releases.values())


def _from_entry(promotion_id: str, release_id: str, entry: AuditEntry) -> _KnownRelease:
    detail = entry.detail or {}
    return _KnownRelease(
        promotion_id=promotion_id,
        release_id=release_id,
        release_type=str(detail.get("releaseType") or ""),
        pack_id=str(detail.get("integrationPackId") or ""),
        pack_name=str(detail.get("integrationPackName") or ""),
        package_version=str(detail.get("packageVersion") or ""),
        started=entry.at,
    )


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""
