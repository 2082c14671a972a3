"""What a caller may see: dev accounts granted by team groups through DevAccountAccess, and the
promotions of those accounts.

A promotion the caller may not see is answered exactly as one that does not exist (404
``PROMOTION_NOT_FOUND``), before any other check, so no answer tells another team that it
exists, what its status is or who started it.
"""

from __future__ import annotations

from dataclasses import dataclass

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.errors import PromotionNotFound, UnauthorizedAccountAccess
from boomi_promo.identity.principal import Tier, team_groups
from boomi_promo.store import PromotionLog, UnitOfWork


@dataclass(frozen=True)
class DevAccount:
    account_id: str
    account_name: str


async def granted_dev_accounts(ctx: ActionContext) -> list[DevAccount]:
    """Active dev accounts the caller may use, each once, by name. Admins see all of them."""
    async with ctx.unit_of_work() as uow:
        if ctx.principal.tier is Tier.ADMIN:
            records = await uow.access.list_all_active()
        else:
            groups = team_groups(ctx.principal.groups, ctx.settings.groups)
            records = await uow.access.list_active_for_groups(groups)
    accounts = {r.dev_account_id: DevAccount(r.dev_account_id, r.dev_account_name) for r in records}
    return sorted(accounts.values(), key=lambda a: (a.account_name.lower(), a.account_id))


async def require_dev_account(ctx: ActionContext, dev_account_id: str) -> DevAccount:
    for account in await granted_dev_accounts(ctx):
        if account.account_id == dev_account_id:
            return account
    raise UnauthorizedAccountAccess(
        f"Your groups do not grant access to dev account '{dev_account_id}'.", field="devAccountId"
    )


async def visible_promotion(
    ctx: ActionContext,
    uow: UnitOfWork,
    promotion_id: str,
    *,
    lock: bool = False,
    field: str = "promotionId",
) -> PromotionLog:
    """The promotion, if the caller may see it (``lock``: locked for this unit of work).

    Admins see every promotion; a contributor those of the dev accounts their team groups grant,
    and any promotion waiting for peer review (E2 offers those to every contributor).
    """
    promotion = await uow.promotions.require(promotion_id, lock=lock, field=field)
    if not await _may_see(ctx, uow, promotion):
        raise PromotionNotFound(promotion_id, field=field)
    return promotion


async def _may_see(ctx: ActionContext, uow: UnitOfWork, promotion: PromotionLog) -> bool:
    if ctx.principal.tier is Tier.ADMIN:
        return True
    if promotion.status == PromotionStatus.PENDING_PEER_REVIEW:
        return True
    groups = team_groups(ctx.principal.groups, ctx.settings.groups)
    return await uow.access.is_granted(groups, promotion.dev_account_id)
