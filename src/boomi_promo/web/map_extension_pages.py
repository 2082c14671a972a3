"""Map extensions of a client environment: a read-only view and an editor.

The view (``/extensions/maps/{id}``) lists the extension's mappings and functions. The editor
(``/extensions/maps/{id}/edit``) removes and adds mappings and edits scripting functions'
scripts; "Validate" checks one script with validateScript (parsed, never run) and shows the
problems with their line and column. "Save" sends the change set with the version the editor
read (updateMapExtension); when somebody changed the extension since, nothing is written and
the editor says so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.actions.scripts import ScriptIssueItem
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.extension_pages import (
    EXTENSIONS_PATH,
    EnvironmentChoice,
    manager_url,
    pick_environment,
)
from boomi_promo.web.guards import Developer, container_of, verified_csrf
from boomi_promo.web.map_extension_editing import (
    MapEdit,
    MapExtensionView,
    change_set,
    expected_marker,
    map_extension_view,
)
from boomi_promo.web.messages import technical
from boomi_promo.web.session import flash, take_flash
from boomi_promo.web.templating import render

MAPS_PATH = EXTENSIONS_PATH + "/maps"
MAP_EXTENSION_CHANGED = "MAP_EXTENSION_CHANGED"
CHANGED_SINCE_READ = (
    "Someone changed this map extension since you opened it; reload it and make your edit again. "
    "Nothing was saved."
)
SCRIPT_FIELD_PREFIX = "script:"
VALIDATE_PREFIX = "validate:"

router = APIRouter(include_in_schema=False)


def map_url(map_extension_id: str, choice: EnvironmentChoice, *, edit: bool = False) -> str:
    query = urlencode({"account": choice.account.client_account_id, "env": choice.stage})
    return f"{MAPS_PATH}/{map_extension_id}{'/edit' if edit else ''}?{query}"


@dataclass
class ScriptCheck:
    """validateScript's answer for one function, shown under its script."""

    function_id: str
    is_valid: bool
    errors: list[ScriptIssueItem] = field(default_factory=list)
    warnings: list[ScriptIssueItem] = field(default_factory=list)
    message: str = ""


def _problem(
    request: Request,
    principal: Principal,
    *,
    message: str,
    details: str = "",
    status_code: int,
    back_url: str = EXTENSIONS_PATH,
) -> Response:
    return render(
        request,
        "problem.html",
        {
            "heading": "Map extension",
            "message": message,
            "back_url": back_url,
            "back_label": "Back to the Extension Manager",
            "details": details,
        },
        principal=principal,
        active="extensions",
        status_code=status_code,
    )


async def _load(
    request: Request, principal: Principal, account: str, env: str, map_extension_id: str
) -> tuple[EnvironmentChoice, MapExtensionView] | Response:
    picker = await pick_environment(request, principal, account.strip(), env)
    if picker.choice is None:
        return _problem(
            request,
            principal,
            message=picker.error or "Choose a client account in the Extension Manager first.",
            status_code=picker.status_code if picker.error else 400,
        )
    choice = picker.choice
    try:
        extension = await gateway.map_extension(
            container_of(request),
            principal,
            choice.account.client_account_id,
            choice.environment_id,
            map_extension_id,
        )
    except PromoError as exc:
        return _problem(
            request,
            principal,
            message=exc.message,
            details=technical(exc),
            status_code=exc.status_code,
            back_url=manager_url(choice.account.client_account_id, choice.stage),
        )
    return choice, map_extension_view(extension)


@router.get(MAPS_PATH + "/{map_extension_id}", name="map_extension")
async def map_extension_page(
    request: Request, principal: Developer, map_extension_id: str, account: str = "", env: str = ""
) -> Response:
    loaded = await _load(request, principal, account, env, map_extension_id)
    if isinstance(loaded, Response):
        return loaded
    choice, view = loaded
    return render(
        request,
        "map_extension.html",
        {
            "choice": choice,
            "view": view,
            "notice": take_flash(request),
            "edit_url": map_url(map_extension_id, choice, edit=True),
            "back_url": manager_url(choice.account.client_account_id, choice.stage),
        },
        principal=principal,
        active="extensions",
    )


def _editor(
    request: Request,
    principal: Principal,
    choice: EnvironmentChoice,
    view: MapExtensionView,
    *,
    version_read: str,
    edit: MapEdit,
    check: ScriptCheck | None = None,
    error: str = "",
    issues: list[dict[str, Any]] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "map_extension_edit.html",
        {
            "choice": choice,
            "view": view,
            "version_read": version_read,
            "edit": edit,
            "check": check,
            "error": error,
            "issues": issues or [],
            "reload_url": map_url(view.extension.id, choice, edit=True),
            "view_url": map_url(view.extension.id, choice),
        },
        principal=principal,
        active="extensions",
        status_code=status_code,
    )


@router.get(MAPS_PATH + "/{map_extension_id}/edit", name="map_extension_editor")
async def map_extension_editor(
    request: Request, principal: Developer, map_extension_id: str, account: str = "", env: str = ""
) -> Response:
    loaded = await _load(request, principal, account, env, map_extension_id)
    if isinstance(loaded, Response):
        return loaded
    choice, view = loaded
    return _editor(request, principal, choice, view, version_read=view.version_read, edit=MapEdit())


def _posted_edit(form: FormData) -> MapEdit:
    return MapEdit(
        removed=frozenset(str(v) for v in form.getlist("remove")),
        add_from=str(form.get("add_from", "")).strip(),
        add_to=str(form.get("add_to", "")).strip(),
        scripts={
            key.removeprefix(SCRIPT_FIELD_PREFIX): value.replace("\r\n", "\n")
            for key, value in form.multi_items()
            if key.startswith(SCRIPT_FIELD_PREFIX) and isinstance(value, str)
        },
    )


@router.post(MAPS_PATH + "/{map_extension_id}/edit", dependencies=[Depends(verified_csrf)])
async def submit_map_edit(
    request: Request, principal: Developer, map_extension_id: str
) -> Response:
    form = await request.form()
    loaded = await _load(
        request,
        principal,
        str(form.get("account", "")),
        str(form.get("env", "")),
        map_extension_id,
    )
    if isinstance(loaded, Response):
        return loaded
    choice, view = loaded
    edit = _posted_edit(form)
    version_read = str(form.get("version_read", ""))
    intent = str(form.get("intent", ""))
    if intent.startswith(VALIDATE_PREFIX):
        check = await _validate(request, principal, choice, view, edit, intent)
        return _editor(
            request, principal, choice, view, version_read=version_read, edit=edit, check=check
        )
    if bool(edit.add_from) != bool(edit.add_to):
        return _editor(
            request,
            principal,
            choice,
            view,
            version_read=version_read,
            edit=edit,
            error="To add a mapping, choose both a source field and a destination field.",
            status_code=422,
        )
    changes, lines = change_set(view.extension, edit)
    if not lines:
        flash(request, "Nothing was changed, so nothing was saved.")
        return RedirectResponse(map_url(map_extension_id, choice), status_code=303)
    try:
        saved = await gateway.update_map_extension(
            container_of(request),
            principal,
            {
                "clientAccountId": choice.account.client_account_id,
                "environmentId": choice.environment_id,
                "mapExtensionId": map_extension_id,
                "mapExtensionPayload": changes,
                **expected_marker(version_read),
            },
        )
    except PromoError as exc:
        changed = exc.error_code == MAP_EXTENSION_CHANGED
        issues = exc.details.get("issues")
        return _editor(
            request,
            principal,
            choice,
            view,
            version_read=version_read,
            edit=edit,
            error=CHANGED_SINCE_READ if changed else exc.message,
            issues=issues if isinstance(issues, list) else None,
            status_code=exc.status_code,
        )
    version = f" (now version {saved.version})" if saved.version is not None else ""
    flash(request, f"Saved {saved.map_name or view.name}{version}: " + "; ".join(lines) + ".")
    return RedirectResponse(map_url(map_extension_id, choice), status_code=303)


async def _validate(
    request: Request,
    principal: Principal,
    choice: EnvironmentChoice,
    view: MapExtensionView,
    edit: MapEdit,
    intent: str,
) -> ScriptCheck:
    function_id = intent.removeprefix(VALIDATE_PREFIX)
    function = next((f for f in view.functions if f.function_id == function_id), None)
    if function is None or not function.is_script:
        return ScriptCheck(function_id, False, message="This function has no script to validate.")
    try:
        checked = await gateway.validate_script(
            container_of(request),
            principal,
            {
                "clientAccountId": choice.account.client_account_id,
                "environmentId": choice.environment_id,
                "mapExtensionId": view.extension.id,
                "functionName": function_id,
                "scriptContent": edit.script_for(function),
                "language": function.language,
            },
        )
    except PromoError as exc:
        return ScriptCheck(function_id, False, message=exc.message)
    return ScriptCheck(function_id, checked.is_valid, checked.errors, checked.warnings)
