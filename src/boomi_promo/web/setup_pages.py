"""The Admin lane's set-up pages: Dev Account Access and Client Accounts.

Accounts and environments are picked by name from what Boomi lists (findBoomiAccounts,
findBoomiEnvironments); every change goes through manageDevAccountAccess or
manageClientAccounts, which check it in Boomi and audit it. A change that worked is told on
the list it returns to; one that did not, on the form it came from, next to its input, with
what was typed kept. Revoking and deactivating ask for a confirmation first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.actions.admin_setup import (
    BoomiAccountItem,
    BoomiEnvironmentItem,
    ClientAccountConfigItem,
    DevAccessItem,
    FindBoomiAccountsResponse,
    FindBoomiEnvironmentsResponse,
    ManageClientAccountsResponse,
    ManageDevAccountAccessResponse,
)
from boomi_promo.actions.registry import ResponseProfile
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.guards import Admin, container_of, verified_csrf
from boomi_promo.web.session import flash, take_flash
from boomi_promo.web.templating import render

ACCOUNTS_PATH = "/admin/accounts"
CLIENTS_PATH = "/admin/client-accounts"

router = APIRouter(include_in_schema=False)
ResponseT = TypeVar("ResponseT", bound=ResponseProfile)

FIELD_LABELS = {
    "ssoGroupId": "Team group",
    "ssoGroupName": "Display name",
    "devAccountId": "Dev account",
    "clientAccountId": "Client account",
    "testEnvironmentId": "Test environment",
    "prodEnvironmentId": "Production environment",
    "accountId": "Account",
}


async def _call(
    request: Request,
    principal: Principal,
    action: str,
    payload: dict[str, Any],
    model: type[ResponseT],
) -> ResponseT:
    return await gateway.run(container_of(request), principal, action, payload, model)


@dataclass
class SetupForm:
    """What was typed into a set-up form, and the refusal to show beside its input."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""

    def refused(self, exc: PromoError) -> SetupForm:
        label = FIELD_LABELS.get(exc.field or "", "")
        if label:
            self.errors[exc.field or ""] = exc.message
            self.message = f"{label}: {exc.message}"
        else:
            self.message = exc.message
        return self

    def get(self, name: str) -> str:
        return self.values.get(name, "")


async def _boomi_accounts(
    request: Request, principal: Principal, name_contains: str
) -> tuple[list[BoomiAccountItem], bool, str]:
    """Sub-accounts to pick from, whether the list was cut short, and a problem to show."""
    try:
        found = await _call(
            request,
            principal,
            "findBoomiAccounts",
            {"nameContains": name_contains},
            FindBoomiAccountsResponse,
        )
    except PromoError as exc:
        return [], False, f"Boomi's accounts could not be listed: {exc.message}"
    return found.accounts, found.truncated, ""


# ---------------------------------------------------------------- Dev Account Access


async def _accounts_page(
    request: Request,
    principal: Principal,
    *,
    find: str = "",
    form: SetupForm | None = None,
    status_code: int = 200,
) -> Response:
    error = ""
    grants: list[DevAccessItem] = []
    prefix = ""
    try:
        listed = await _call(
            request,
            principal,
            "manageDevAccountAccess",
            {"action": "query"},
            ManageDevAccountAccessResponse,
        )
        grants, prefix = listed.grants, listed.team_prefix
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    choices, truncated, lookup_error = await _boomi_accounts(request, principal, find)
    return render(
        request,
        "admin_accounts.html",
        {
            "grants": grants,
            "active_accounts": _active_accounts(grants),
            "team_prefix": prefix,
            "choices": [c for c in choices if c.role != "CLIENT"],
            "truncated": truncated,
            "lookup_error": lookup_error,
            "find": find,
            "form": form or SetupForm(values={"ssoGroupId": prefix}),
            "error": error,
            "notice": take_flash(request),
        },
        principal=principal,
        active="admin-accounts",
        status_code=status_code,
    )


def _active_accounts(grants: list[DevAccessItem]) -> list[tuple[str, str]]:
    """(id, name) of every dev account with an active grant, by name, each once."""
    active = {g.dev_account_id: g.dev_account_name for g in grants if g.is_active}
    return sorted(active.items(), key=lambda item: (item[1].casefold(), item[0]))


@router.get(ACCOUNTS_PATH, name="admin_accounts")
async def dev_account_access(request: Request, principal: Admin, find: str = "") -> Response:
    return await _accounts_page(request, principal, find=find.strip())


@router.post(f"{ACCOUNTS_PATH}/grant", dependencies=[Depends(verified_csrf)])
async def grant_dev_account(
    request: Request,
    principal: Admin,
    sso_group_id: Annotated[str, Form(alias="ssoGroupId")] = "",
    sso_group_name: Annotated[str, Form(alias="ssoGroupName")] = "",
    dev_account_id: Annotated[str, Form(alias="devAccountId")] = "",
    find: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "ssoGroupId": sso_group_id.strip(),
        "ssoGroupName": sso_group_name.strip(),
        "devAccountId": dev_account_id.strip(),
    }
    try:
        granted = await _call(
            request,
            principal,
            "manageDevAccountAccess",
            {"action": "grant", **values},
            ManageDevAccountAccessResponse,
        )
    except PromoError as exc:
        form = SetupForm(values=values).refused(exc)
        return await _accounts_page(
            request, principal, find=find.strip(), form=form, status_code=exc.status_code
        )
    grant = granted.grants[0]
    flash(
        request,
        f"{grant.sso_group_id} may now promote from {grant.dev_account_name} "
        f"({grant.dev_account_id}).",
    )
    return RedirectResponse(ACCOUNTS_PATH, status_code=303)


@router.post(f"{ACCOUNTS_PATH}/revoke", dependencies=[Depends(verified_csrf)])
async def revoke_dev_account(
    request: Request,
    principal: Admin,
    sso_group_id: Annotated[str, Form(alias="ssoGroupId")] = "",
    dev_account_id: Annotated[str, Form(alias="devAccountId")] = "",
    dev_account_name: Annotated[str, Form(alias="devAccountName")] = "",
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    target = {
        "ssoGroupId": sso_group_id.strip(),
        "devAccountId": dev_account_id.strip(),
        "devAccountName": dev_account_name.strip() or dev_account_id.strip(),
    }
    if confirmed != "yes":
        return render(
            request,
            "admin_confirm.html",
            {
                "heading": "Revoke this grant?",
                "sentences": [
                    f"Members of {target['ssoGroupId']} will no longer see "
                    f"{target['devAccountName']} or promote from it, and lose the right to edit "
                    "the extensions of components promoted from it.",
                    "Promotions already under way are not touched; admins keep access. The "
                    "grant is kept, inactive, and can be granted again.",
                ],
                "action": f"{ACCOUNTS_PATH}/revoke",
                "fields": target,
                "confirm_label": "Revoke the grant",
                "cancel_url": ACCOUNTS_PATH,
            },
            principal=principal,
            active="admin-accounts",
        )
    try:
        await _call(
            request,
            principal,
            "manageDevAccountAccess",
            {
                "action": "revoke",
                "ssoGroupId": target["ssoGroupId"],
                "devAccountId": target["devAccountId"],
            },
            ManageDevAccountAccessResponse,
        )
    except PromoError as exc:
        return await _accounts_page(
            request, principal, form=SetupForm(message=exc.message), status_code=exc.status_code
        )
    flash(
        request,
        f"Revoked: {target['ssoGroupId']} may no longer promote from {target['devAccountName']}.",
    )
    return RedirectResponse(ACCOUNTS_PATH, status_code=303)


# ---------------------------------------------------------------- Client Accounts


@dataclass(frozen=True)
class EnvironmentChoices:
    account: BoomiAccountItem | None
    test: list[BoomiEnvironmentItem]
    prod: list[BoomiEnvironmentItem]
    problem: str = ""


async def _environment_choices(
    request: Request, principal: Principal, account_id: str, accounts: list[BoomiAccountItem]
) -> EnvironmentChoices | None:
    if not account_id:
        return None
    account = next((a for a in accounts if a.account_id == account_id), None)
    try:
        found = await _call(
            request,
            principal,
            "findBoomiEnvironments",
            {"accountId": account_id},
            FindBoomiEnvironmentsResponse,
        )
    except PromoError as exc:
        return EnvironmentChoices(account, [], [], exc.message)
    by_class = {
        c: [e for e in found.environments if e.classification == c] for c in ("TEST", "PROD")
    }
    problem = ""
    missing = [c for c, items in by_class.items() if not items]
    if missing:
        problem = (
            f"This account has no {' and no '.join(missing)} environment in Boomi; create "
            "it there first."
        )
    return EnvironmentChoices(account, by_class["TEST"], by_class["PROD"], problem)


async def _clients_page(
    request: Request,
    principal: Principal,
    *,
    account_id: str = "",
    form: SetupForm | None = None,
    status_code: int = 200,
) -> Response:
    error = ""
    configs: list[ClientAccountConfigItem] = []
    try:
        listed = await _call(
            request,
            principal,
            "manageClientAccounts",
            {"action": "query"},
            ManageClientAccountsResponse,
        )
        configs = listed.client_accounts
    except PromoError as exc:
        error, status_code = exc.message, exc.status_code
    choices, truncated, lookup_error = await _boomi_accounts(request, principal, "")
    choices = [c for c in choices if c.role != "DEV"]
    form = form or SetupForm(values={"clientAccountId": account_id})
    chosen = form.get("clientAccountId") or account_id
    return render(
        request,
        "admin_client_accounts.html",
        {
            "configs": configs,
            "choices": choices,
            "truncated": truncated,
            "lookup_error": lookup_error,
            "chosen": chosen,
            "environments": await _environment_choices(request, principal, chosen, choices),
            "form": form,
            "error": error,
            "notice": take_flash(request),
        },
        principal=principal,
        active="admin-client-accounts",
        status_code=status_code,
    )


@router.get(CLIENTS_PATH, name="admin_client_accounts")
async def client_accounts(request: Request, principal: Admin, account: str = "") -> Response:
    return await _clients_page(request, principal, account_id=account.strip())


@router.post(f"{CLIENTS_PATH}/save", dependencies=[Depends(verified_csrf)])
async def save_client_account(
    request: Request,
    principal: Admin,
    client_account_id: Annotated[str, Form(alias="clientAccountId")] = "",
    sso_group_id: Annotated[str, Form(alias="ssoGroupId")] = "",
    sso_group_name: Annotated[str, Form(alias="ssoGroupName")] = "",
    test_environment_id: Annotated[str, Form(alias="testEnvironmentId")] = "",
    prod_environment_id: Annotated[str, Form(alias="prodEnvironmentId")] = "",
) -> Response:
    values = {
        "clientAccountId": client_account_id.strip(),
        "ssoGroupId": sso_group_id.strip(),
        "ssoGroupName": sso_group_name.strip(),
        "testEnvironmentId": test_environment_id.strip(),
        "prodEnvironmentId": prod_environment_id.strip(),
    }
    try:
        saved = await _call(
            request,
            principal,
            "manageClientAccounts",
            {"action": "save", **values},
            ManageClientAccountsResponse,
        )
    except PromoError as exc:
        form = SetupForm(values=values).refused(exc)
        return await _clients_page(request, principal, form=form, status_code=exc.status_code)
    config = saved.client_accounts[0]
    flash(
        request,
        f"{config.client_account_name} is set up: {config.sso_group_id} edits the extensions of "
        f"{config.test_environment_name} and {config.prod_environment_name}.",
    )
    return RedirectResponse(CLIENTS_PATH, status_code=303)


@router.post(f"{CLIENTS_PATH}/deactivate", dependencies=[Depends(verified_csrf)])
async def deactivate_client_account(
    request: Request,
    principal: Admin,
    client_account_id: Annotated[str, Form(alias="clientAccountId")] = "",
    client_account_name: Annotated[str, Form(alias="clientAccountName")] = "",
    sso_group_id: Annotated[str, Form(alias="ssoGroupId")] = "",
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    target = {
        "clientAccountId": client_account_id.strip(),
        "clientAccountName": client_account_name.strip() or client_account_id.strip(),
        "ssoGroupId": sso_group_id.strip(),
    }
    if confirmed != "yes":
        return render(
            request,
            "admin_confirm.html",
            {
                "heading": "Deactivate this client account set-up?",
                "sentences": [
                    f"Members of {target['ssoGroupId']} will no longer see "
                    f"{target['clientAccountName']} or edit its environment extensions.",
                    "Nothing changes in Boomi. The set-up is kept, inactive, and can be saved "
                    "again.",
                ],
                "action": f"{CLIENTS_PATH}/deactivate",
                "fields": target,
                "confirm_label": "Deactivate",
                "cancel_url": CLIENTS_PATH,
            },
            principal=principal,
            active="admin-client-accounts",
        )
    try:
        await _call(
            request,
            principal,
            "manageClientAccounts",
            {
                "action": "deactivate",
                "clientAccountId": target["clientAccountId"],
                "ssoGroupId": target["ssoGroupId"],
            },
            ManageClientAccountsResponse,
        )
    except PromoError as exc:
        return await _clients_page(
            request, principal, form=SetupForm(message=exc.message), status_code=exc.status_code
        )
    flash(
        request,
        f"Deactivated: {target['ssoGroupId']} no longer manages {target['clientAccountName']}.",
    )
    return RedirectResponse(CLIENTS_PATH, status_code=303)
