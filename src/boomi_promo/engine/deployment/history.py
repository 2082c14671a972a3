"""History for J: the pack the last deployment of a process used."""

from __future__ import annotations

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.deployment.rules import PackPurpose
from boomi_promo.store import UnitOfWork

_S = PromotionStatus


async def suggested_pack(
    uow: UnitOfWork, process_name: str, purpose: PackPurpose
) -> tuple[str, str] | None:
    """(pack id, name) the last deployment of ``process_name`` used for ``purpose``."""
    if purpose is PackPurpose.TEST:
        latest = await uow.promotions.latest(statuses=[_S.TEST_DEPLOYED], process_name=process_name)
        if latest is not None and latest.test_integration_pack_id:
            return latest.test_integration_pack_id, latest.test_integration_pack_name or ""
        return None
    latest = await uow.promotions.latest(statuses=[_S.DEPLOYED], process_name=process_name)
    if latest is not None and latest.integration_pack_id:
        return latest.integration_pack_id, latest.integration_pack_name or ""
    return None
