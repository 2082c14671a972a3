"""The Developer lane's Extensions pages: Extension Manager, Test → Prod copy, map extensions.

* **Extension Manager** (``/extensions``): a client account and its Test or Production
  environment; the environment's extensions grouped by the process that owns them, each
  component editable inline by type or locked with the reason (connections are admin-only).
  Save first shows the changes (``/extensions/review``), then sends only the changed
  components as a partial update (updateExtensions). The pending update waits on the server,
  so a new secret typed in never travels back to the browser.
* **Copy Test → Production** (``/extensions/copy``): what will and will not be copied, then
  copyExtensionsTestToProd as a job followed on ``/jobs/{id}``.
* **Map extensions** (``/extensions/maps/{id}``): the mappings and functions, and an editor
  (:mod:`boomi_promo.web.map_extension_pages`).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.actions.extensions import ClientAccountItem
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.extension_editing import (
    ComponentChange,
    UnreadableExtensions,
    build_manager,
    copy_preview,
    parse_access,
    parse_extensions,
    plan_edit,
)
from boomi_promo.web.guards import Developer, container_of, verified_csrf
from boomi_promo.web.messages import technical
from boomi_promo.web.pending_edits import PendingEdit, PendingEdits
from boomi_promo.web.session import flash, take_flash
from boomi_promo.web.templating import render

EXTENSIONS_PATH = "/extensions"
TEST, PRODUCTION = "test", "prod"
STAGE_NAMES = {"": TEST, "test": TEST, PRODUCTION: PRODUCTION, "production": PRODUCTION}
"""What ``env=`` may say; anything else is refused rather than read as Test."""

router = APIRouter(include_in_schema=False)


def manager_url(account_id: str, stage: str = TEST, query: str = "") -> str:
    params = {"account": account_id, "env": stage}
    if query:
        params["q"] = query
    return f"{EXTENSIONS_PATH}?{urlencode(params)}"


@dataclass(frozen=True)
class EnvironmentChoice:
    account: ClientAccountItem
    stage: str

    @property
    def environment_id(self) -> str:
        if self.stage == PRODUCTION:
            return self.account.prod_environment_id
        return self.account.test_environment_id

    @property
    def environment_name(self) -> str:
        if self.stage == PRODUCTION:
            return self.account.prod_environment_name
        return self.account.test_environment_name

    @property
    def is_production(self) -> bool:
        return self.stage == PRODUCTION


@dataclass
class AccountPicker:
    accounts: list[ClientAccountItem] = field(default_factory=list)
    choice: EnvironmentChoice | None = None
    error: str = ""
    status_code: int = 200


async def pick_environment(
    request: Request, principal: Principal, account_id: str, stage: str
) -> AccountPicker:
    """The caller's client accounts and the one chosen (the only one, when there is one)."""
    try:
        accounts = await gateway.client_accounts(container_of(request), principal)
    except PromoError as exc:
        return AccountPicker(error=exc.message, status_code=exc.status_code)
    picker = AccountPicker(accounts=accounts)
    named = STAGE_NAMES.get(stage.strip().lower())
    if named is None:
        picker.error = (
            f"There is no environment '{stage}': choose Test (env=test) or Production (env=prod)."
        )
        picker.status_code = 400
        return picker
    stage = named
    if not account_id:
        if len(accounts) == 1:
            picker.choice = EnvironmentChoice(accounts[0], stage)
        return picker
    found = next((a for a in accounts if a.client_account_id == account_id), None)
    if found is None:
        picker.error = (
            f"Your groups do not manage client account '{account_id}'; choose one of yours."
        )
        picker.status_code = 403
    else:
        picker.choice = EnvironmentChoice(found, stage)
    return picker


def _problem(
    request: Request,
    principal: Principal,
    *,
    heading: str,
    message: str,
    details: str = "",
    status_code: int,
    back_url: str = EXTENSIONS_PATH,
    back_label: str = "Back to the Extension Manager",
) -> Response:
    return render(
        request,
        "problem.html",
        {
            "heading": heading,
            "message": message,
            "back_url": back_url,
            "back_label": back_label,
            "details": details,
        },
        principal=principal,
        active="extensions",
        status_code=status_code,
    )


@router.get(EXTENSIONS_PATH, name="extension_manager")
async def extension_manager(
    request: Request, principal: Developer, account: str = "", env: str = TEST, q: str = ""
) -> Response:
    picker = await pick_environment(request, principal, account.strip(), env)
    query = q.strip()
    context: dict[str, object] = {
        "picker": picker,
        "query": query,
        "manager": None,
        "maps": [],
        "error": picker.error,
        "notice": take_flash(request),
    }
    status_code = picker.status_code
    if picker.choice is not None:
        choice = picker.choice
        try:
            found = await gateway.extensions(
                container_of(request),
                principal,
                choice.account.client_account_id,
                choice.environment_id,
            )
            extensions = parse_extensions(found.extension_data)
            access = parse_access(found.access_mappings, choice.environment_id, principal)
            context["manager"] = build_manager(extensions, access, principal, query)
            context["maps"] = map_summaries(found.map_extension_summaries)
        except PromoError as exc:
            context["error"], status_code = exc.message, exc.status_code
        except UnreadableExtensions as exc:
            context["error"], status_code = str(exc), 502
    return render(
        request,
        "extensions.html",
        context,
        principal=principal,
        active="extensions",
        status_code=status_code,
    )


@dataclass(frozen=True)
class MapSummary:
    map_extension_id: str
    name: str


def map_summaries(summaries: str) -> list[MapSummary]:
    try:
        loaded = json.loads(summaries or "[]")
    except ValueError:
        return []
    return [
        MapSummary(str(item["id"]), str(item.get("name") or item["id"]))
        for item in (loaded if isinstance(loaded, list) else [])
        if isinstance(item, dict) and item.get("id")
    ]


# --------------------------------------------------------------------------- saving


def pending_edits(request: Request) -> PendingEdits:
    container = container_of(request)
    return PendingEdits(container.uow_factory, container.session_secret)


@router.post(EXTENSIONS_PATH + "/review", dependencies=[Depends(verified_csrf)])
async def review_changes(request: Request, principal: Developer) -> Response:
    form = await request.form()
    account_id = str(form.get("account", "")).strip()
    stage = str(form.get("env", TEST))
    submitted = {str(v) for v in form.getlist("component")}
    values = {key: str(value) for key, value in form.multi_items() if isinstance(value, str)}
    picker = await pick_environment(request, principal, account_id, stage)
    back = manager_url(account_id, stage)
    if picker.choice is None:
        return _problem(
            request,
            principal,
            heading="Nothing saved",
            message=picker.error or "Choose a client account first.",
            status_code=picker.status_code if picker.error else 400,
        )
    choice = picker.choice
    try:
        found = await gateway.extensions(
            container_of(request),
            principal,
            choice.account.client_account_id,
            choice.environment_id,
        )
        extensions = parse_extensions(found.extension_data)
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="Nothing saved",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            back_url=back,
        )
    except UnreadableExtensions as exc:
        return _problem(
            request, principal, heading="Nothing saved", message=str(exc), status_code=502
        )
    access = parse_access(found.access_mappings, choice.environment_id, principal)
    plan = plan_edit(extensions, access, principal, values, submitted)
    if plan.empty:
        flash(request, "Nothing was changed, so nothing was saved.")
        return RedirectResponse(back, status_code=303)
    token = await pending_edits(request).put(
        PendingEdit(
            email=principal.email,
            client_account_id=choice.account.client_account_id,
            stage=choice.stage,
            environment_id=choice.environment_id,
            environment_name=choice.environment_name,
            payload=plan.payload(),
            changes=plan.changes,
        )
    )
    return _changes_page(request, principal, token, choice, plan.changes)


def _changes_page(
    request: Request,
    principal: Principal,
    token: str,
    choice: EnvironmentChoice,
    changes: list[ComponentChange],
    *,
    refusal: str = "",
    refusals: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "extension_changes.html",
        {
            "token": token,
            "choice": choice,
            "changes": changes,
            "refusal": refusal,
            "refusals": refusals or [],
            "back_url": manager_url(choice.account.client_account_id, choice.stage),
        },
        principal=principal,
        active="extensions",
        status_code=status_code,
    )


@router.post(EXTENSIONS_PATH + "/save", dependencies=[Depends(verified_csrf)])
async def save_changes(
    request: Request, principal: Developer, token: Annotated[str, Form()] = ""
) -> Response:
    store = pending_edits(request)
    edit = await store.take(token, principal.email)
    if edit is None:
        return _problem(
            request,
            principal,
            heading="Nothing saved",
            message=(
                "These changes are no longer waiting to be saved (they were saved already or "
                "waited too long). Open the environment again and make them anew."
            ),
            status_code=409,
        )
    picker = await pick_environment(request, principal, edit.client_account_id, edit.stage)
    if picker.choice is None:
        return _problem(
            request,
            principal,
            heading="Nothing saved",
            message=picker.error,
            status_code=picker.status_code,
        )
    try:
        saved = await gateway.update_extensions(
            container_of(request),
            principal,
            {
                "clientAccountId": edit.client_account_id,
                "environmentId": edit.environment_id,
                "extensionPayload": edit.payload,
            },
        )
    except PromoError as exc:
        retry = await store.put(edit)
        return _changes_page(
            request,
            principal,
            retry,
            picker.choice,
            edit.changes,
            refusal=exc.message,
            refusals=refusal_sentences(exc.details.get("errors")),
            status_code=exc.status_code,
        )
    if not saved.success:
        return _changes_page(
            request,
            principal,
            await store.put(edit),
            picker.choice,
            edit.changes,
            refusal=saved.error_message or "Nothing was saved.",
            refusals=[_error_sentence(e.component_name, e.error_message) for e in saved.errors],
            status_code=422,
        )
    fields = saved.updated_field_count
    flash(
        request,
        f"Saved in {edit.environment_name}: {fields} value{'' if fields == 1 else 's'} updated "
        f"in {len(edit.changes)} component{'' if len(edit.changes) == 1 else 's'}.",
    )
    return RedirectResponse(manager_url(edit.client_account_id, edit.stage), status_code=303)


def _error_sentence(component_name: str, message: str) -> str:
    return f"{component_name}: {message}" if component_name else message


def refusal_sentences(errors: object) -> list[str]:
    """updateExtensions' per-component refusals, each naming its component."""
    sentences: list[str] = []
    for item in errors if isinstance(errors, list) else []:
        if isinstance(item, dict):
            name = str(item.get("componentName") or item.get("componentId") or "")
            sentences.append(_error_sentence(name, str(item.get("errorMessage") or "")))
    return sentences


# ---------------------------------------------------------------- Test → Production copy

COPY_PATH = EXTENSIONS_PATH + "/copy"


@router.get(COPY_PATH, name="extension_copy")
async def copy_confirmation(request: Request, principal: Developer, account: str = "") -> Response:
    """Exactly what a copy of this account's Test extensions to Production will do."""
    picker = await pick_environment(request, principal, account.strip(), TEST)
    if picker.choice is None:
        return _problem(
            request,
            principal,
            heading="Copy Test → Production",
            message=picker.error or "Choose a client account in the Extension Manager first.",
            status_code=picker.status_code if picker.error else 400,
        )
    choice = picker.choice
    account_id = choice.account.client_account_id
    prod_environment_id = choice.account.prod_environment_id
    try:
        test, prod = await asyncio.gather(
            gateway.extensions(container_of(request), principal, account_id, choice.environment_id),
            gateway.extensions(container_of(request), principal, account_id, prod_environment_id),
        )
        # The copy writes Production: its access decides, as it does for the copy itself.
        preview = copy_preview(
            parse_extensions(test.extension_data),
            parse_extensions(prod.extension_data),
            parse_access(prod.access_mappings, prod_environment_id, principal),
            principal,
        )
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="Copy Test → Production",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            back_url=manager_url(choice.account.client_account_id),
        )
    except UnreadableExtensions as exc:
        return _problem(
            request, principal, heading="Copy Test → Production", message=str(exc), status_code=502
        )
    return render(
        request,
        "extension_copy.html",
        {"account": choice.account, "preview": preview},
        principal=principal,
        active="extensions",
    )


@router.post(COPY_PATH, dependencies=[Depends(verified_csrf)])
async def start_copy(
    request: Request, principal: Developer, account: Annotated[str, Form()] = ""
) -> Response:
    picker = await pick_environment(request, principal, account.strip(), TEST)
    if picker.choice is None:
        return _problem(
            request,
            principal,
            heading="The copy did not start",
            message=picker.error or "Choose a client account first.",
            status_code=picker.status_code if picker.error else 400,
        )
    client = picker.choice.account
    try:
        job_id = await gateway.submit_job(
            container_of(request),
            principal,
            gateway.COPY_EXTENSIONS_TEST_TO_PROD,
            {
                "clientAccountId": client.client_account_id,
                "testEnvironmentId": client.test_environment_id,
                "prodEnvironmentId": client.prod_environment_id,
            },
        )
    except PromoError as exc:
        return _problem(
            request,
            principal,
            heading="The copy did not start",
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            back_url=f"{COPY_PATH}?{urlencode({'account': client.client_account_id})}",
            back_label="Back to the copy",
        )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)
