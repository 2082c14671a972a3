"""A0 getDevAccounts: the caller's tier and the dev accounts their team groups grant."""

from __future__ import annotations

from pydantic import Field

from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.engine.access import granted_dev_accounts
from boomi_promo.engine.context import ActionContext


class GetDevAccountsRequest(Profile):
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )


class DevAccountItem(Profile):
    account_id: str
    account_name: str


class GetDevAccountsResponse(ResponseProfile):
    effective_tier: str = ""
    dev_accounts: list[DevAccountItem] = Field(default_factory=list)


@action(
    name="getDevAccounts",
    code="A0",
    description="Get Dev Accounts",
    request=GetDevAccountsRequest,
    response=GetDevAccountsResponse,
)
async def get_dev_accounts(
    ctx: ActionContext, request: GetDevAccountsRequest
) -> GetDevAccountsResponse:
    accounts = await granted_dev_accounts(ctx)
    return GetDevAccountsResponse(
        effective_tier=ctx.principal.tier.value,
        dev_accounts=[
            DevAccountItem(account_id=a.account_id, account_name=a.account_name) for a in accounts
        ],
    )
