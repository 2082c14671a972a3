"""The actions the dashboard runs, called exactly as the JSON API calls them, with typed answers.

Refusals and Boomi failures arrive as :class:`boomi_promo.errors.PromoError`; pages show their
``message``, which is written for people.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from boomi_promo.actions.accounts import DevAccountItem, GetDevAccountsResponse
from boomi_promo.actions.packages import ListDevPackagesResponse, PackageItem
from boomi_promo.actions.runner import execute_action
from boomi_promo.identity.principal import Principal

if TYPE_CHECKING:
    from boomi_promo.bootstrap import Container


async def dev_accounts(container: Container, principal: Principal) -> list[DevAccountItem]:
    response = await execute_action(container, "getDevAccounts", {}, principal)
    return GetDevAccountsResponse.model_validate(response).dev_accounts


async def dev_packages(
    container: Container, principal: Principal, dev_account_id: str
) -> list[PackageItem]:
    response = await execute_action(
        container, "listDevPackages", {"devAccountId": dev_account_id}, principal
    )
    return ListDevPackagesResponse.model_validate(response).packages
