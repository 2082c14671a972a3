"""Which dev accounts a caller may work in: granted by team groups through DevAccountAccess."""

from __future__ import annotations

from dataclasses import dataclass

from boomi_promo.actions.context import ActionContext
from boomi_promo.errors import UnauthorizedAccountAccess
from boomi_promo.identity.principal import Tier, team_groups


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
