"""Helpers for the dashboard route tests: a scripted fake of the actions, a fake container.

The fake answers ``getDevAccounts`` and ``listDevPackages`` the way the real actions do for
the demo's groups (team A → acct-a, team B → acct-b, admins → both) and can be told to fail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from boomi_promo.actions.accounts import DevAccountItem, GetDevAccountsResponse
from boomi_promo.actions.packages import ListDevPackagesResponse, PackageItem
from boomi_promo.actions.registry import ResponseProfile
from boomi_promo.config import Settings
from boomi_promo.errors import PromoError, UnauthorizedAccountAccess
from boomi_promo.identity.principal import Principal, Tier

SESSION_SECRET = "unit-test-session-secret-0123456789abcdef"
ACCOUNT_A = DevAccountItem(account_id="acct-a", account_name="Dev Team A")
ACCOUNT_B = DevAccountItem(account_id="acct-b", account_name="Dev Team B")
TEAM_ACCOUNTS = {"ABC_BOOMI_FLOW_DEVTEAMA": ACCOUNT_A, "ABC_BOOMI_FLOW_DEVTEAMB": ACCOUNT_B}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def package(number: int, **overrides: str) -> PackageItem:
    """Package ``number``; higher numbers are newer."""
    values = {
        "package_id": f"pkg-{number:03d}",
        "package_version": f"1.{number}",
        "component_id": f"comp-{number:03d}",
        "component_name": f"Order Sync {number:03d}",
        "component_type": "process",
        "created_date": f"2025-01-{1 + number // 24:02d}T{number % 24:02d}:00:00Z",
        "created_by": "dev@example.com",
        "notes": "",
    }
    values.update(overrides)
    return PackageItem(**values)


@dataclass
class FakeActions:
    packages: dict[str, list[PackageItem]] = field(default_factory=dict)
    failure: PromoError | None = None
    calls: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)

    def granted(self, principal: Principal) -> list[DevAccountItem]:
        if principal.tier is Tier.ADMIN:
            return [ACCOUNT_A, ACCOUNT_B]
        return [TEAM_ACCOUNTS[g] for g in principal.groups if g in TEAM_ACCOUNTS]

    def package_calls(self) -> int:
        return sum(1 for name, _, _ in self.calls if name == "listDevPackages")

    async def __call__(
        self, container: Any, name: str, payload: Mapping[str, Any], principal: Principal
    ) -> ResponseProfile:
        self.calls.append((name, dict(payload), principal.email))
        if self.failure is not None:
            raise self.failure
        accounts = self.granted(principal)
        if name == "getDevAccounts":
            return GetDevAccountsResponse(
                effective_tier=principal.tier.value, dev_accounts=accounts
            )
        if name == "listDevPackages":
            account_id = payload["devAccountId"]
            if account_id not in {a.account_id for a in accounts}:
                raise UnauthorizedAccountAccess(
                    f"Your groups do not grant access to dev account '{account_id}'."
                )
            newest_first = sorted(
                self.packages.get(account_id, []), key=lambda p: p.created_date, reverse=True
            )
            return ListDevPackagesResponse(packages=newest_first)
        raise AssertionError(f"the dashboard ran an unexpected action {name}")


@dataclass
class FakeContainer:
    settings: Settings
    uow_factory: Any = None
    verifier: Any = None
    local_identity: Any = None
    session_secret: str = SESSION_SECRET


def csrf_token_in(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"email": email, "csrf_token": csrf_token_in(page.text), "next": "/"}
    )
    assert response.status_code == 303, response.text


HTMX = {"HX-Request": "true"}
