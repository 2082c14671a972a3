"""O updateMapExtension: a read-modify-write of the *current* map extension.

The caller sends the version (or fingerprint) it read and a change set; the service refuses
with 409 ``MAP_EXTENSION_CHANGED`` when the extension changed since, applies the change set to
what is there now, checks inline scripts with validateScript's rules, and either answers the
preview or writes. Edits of one map extension are serialised (a lock in the process, and a
PostgreSQL advisory lock across replicas), so two edits from the same read cannot both pass
the check. See :mod:`.extension_updates` for what the extension actions share.

``mapExtensionPayload`` (JSON text or an object)::

    {"addMappings":    [{"fromXPath": "...", "toXPath": "...", "fromFunction": "...", ...}],
     "removeMappings": [ same shape, matched exactly ],
     "functions":      [ Boomi MapExtensionFunction objects: added, or replacing the same id ],
     "removeFunctions": ["FUNCEXT-1"]}
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId, SynthesizedBoomiId
from boomi_promo.actions.extension_updates import payload_document, validation_message
from boomi_promo.actions.extensions import (
    require_client_environment,
    require_map_editor,
)
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.models import (
    EnvironmentMapExtension,
    MapExtensionFunction,
    MapExtensionMapping,
)
from boomi_promo.domain.extension_rules import (
    MapChangePreview,
    MapEdit,
    MapEditError,
    UncheckableScript,
    apply_map_edit,
    function_script,
    mapping_label,
)
from boomi_promo.domain.scripts import (
    LanguageName,
    ScriptRejected,
    validate_script,
)
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.locks import one_at_a_time
from boomi_promo.errors import Conflict, InvalidRequest, NotFound, PromoError

MAP_EXTENSION_CHANGED = "MAP_EXTENSION_CHANGED"
SCRIPT_VALIDATION_FAILED = "SCRIPT_VALIDATION_FAILED"
AUDIT_TARGET_MAP_EXTENSION = "map_extension"


class ScriptValidationFailed(PromoError):
    status_code = 422
    error_code = SCRIPT_VALIDATION_FAILED


# ---------------------------------------------------------------- O updateMapExtension


class MapEditPayload(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    add_mappings: list[MapExtensionMapping] = Field(default_factory=list)
    remove_mappings: list[MapExtensionMapping] = Field(default_factory=list)
    functions: list[MapExtensionFunction] = Field(default_factory=list)
    remove_functions: list[str] = Field(default_factory=list)


class UpdateMapExtensionRequest(Profile):
    client_account_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present the environment's account"
    )
    environment_id: BoomiId
    map_extension_id: SynthesizedBoomiId
    map_extension_payload: str | dict[str, Any] = Field(
        description="The change set: addMappings, removeMappings, functions (added or replacing "
        "the same id), removeFunctions; JSON text or an object"
    )
    expected_version: int | None = Field(
        default=None, description="The map extension's version when the client read it"
    )
    expected_fingerprint: str | None = Field(
        default=None,
        max_length=128,
        description="Or the fingerprint of what the client read (for Boomi, which has no version)",
    )
    preview: bool = Field(default=False, description="Answer the changes without writing them")
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )
    user_email: str | None = Field(
        default=None, description="Optional; when present must be the signed-in user's e-mail"
    )


class MappingItem(Profile):
    from_xpath: str = Field(default="", alias="fromXPath")
    to_xpath: str = Field(default="", alias="toXPath")
    from_function: str = ""
    to_function: str = ""
    label: str = ""


class MapChangesItem(Profile):
    mappings_added: list[MappingItem] = Field(default_factory=list)
    mappings_removed: list[MappingItem] = Field(default_factory=list)
    functions_added: list[str] = Field(default_factory=list)
    functions_changed: list[str] = Field(default_factory=list)
    functions_removed: list[str] = Field(default_factory=list)


class UpdateMapExtensionResponse(ResponseProfile):
    map_extension_id: str = ""
    map_name: str = ""
    preview: bool = False
    saved: bool = Field(default=False, description="Whether the map extension was written")
    version: int | None = Field(default=None, description="The version after the call")
    fingerprint: str = Field(default="", description="The fingerprint after the call")
    changes: MapChangesItem = Field(default_factory=MapChangesItem)


@action(
    name="updateMapExtension",
    code="O",
    description="Update Map Extension",
    request=UpdateMapExtensionRequest,
    response=UpdateMapExtensionResponse,
)
async def update_map_extension(
    ctx: ActionContext, request: UpdateMapExtensionRequest
) -> UpdateMapExtensionResponse:
    account = await require_client_environment(
        ctx, request.environment_id, request.client_account_id
    )
    edit = _map_edit(request)
    if (
        not request.preview
        and request.expected_version is None
        and not request.expected_fingerprint
    ):
        raise InvalidRequest(
            "Send expectedVersion or expectedFingerprint from your read of the map extension, "
            "so that a change made since is not overwritten.",
            field="expectedVersion",
        )
    async with one_at_a_time(ctx.uow_factory, f"map-extension:{request.map_extension_id}") as uow:
        current = await ctx.boomi.get_map_extension(
            request.map_extension_id, override_account=account.client_account_id
        )
        if current.environment_id and current.environment_id != request.environment_id:
            raise NotFound(
                f"Map extension '{request.map_extension_id}' is not in environment "
                f"'{request.environment_id}'.",
                error_code="MAP_EXTENSION_NOT_FOUND",
                field="mapExtensionId",
            )
        await require_map_editor(ctx, current)
        _require_unchanged(request, current)
        try:
            edited, preview = apply_map_edit(current, edit)
        except MapEditError as exc:
            raise InvalidRequest(str(exc), field="mapExtensionPayload") from exc
        await _require_valid_scripts(edited, preview)
        response = UpdateMapExtensionResponse(
            map_extension_id=current.id,
            map_name=current.name or "",
            preview=request.preview,
            version=current.version,
            fingerprint=current.fingerprint(),
            changes=_changes_item(preview),
        )
        if request.preview or not preview.changes_anything:
            return response
        written = await ctx.boomi.update_map_extension(
            current.id, edited, override_account=account.client_account_id
        )
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="map_extension.updated",
            process_name=ctx.process_name,
            target_type=AUDIT_TARGET_MAP_EXTENSION,
            target_id=current.id,
            detail={
                "clientAccountId": account.client_account_id,
                "environmentId": request.environment_id,
                "versionBefore": current.version,
                "versionAfter": written.version,
                "changes": response.changes.model_dump(by_alias=True),
            },
        )
        await uow.commit()
    ctx.log.info(
        "map extension updated",
        map_extension_id=current.id,
        version=written.version,
        mappings_added=len(preview.mappings_added),
        mappings_removed=len(preview.mappings_removed),
    )
    return response.model_copy(
        update={"saved": True, "version": written.version, "fingerprint": written.fingerprint()}
    )


def _map_edit(request: UpdateMapExtensionRequest) -> MapEdit:
    field = "mapExtensionPayload"
    document = payload_document(request.map_extension_payload, field)
    try:
        payload = MapEditPayload.model_validate(document)
    except ValidationError as exc:
        raise validation_message(exc, field) from exc
    return MapEdit(
        add_mappings=payload.add_mappings,
        remove_mappings=payload.remove_mappings,
        put_functions=payload.functions,
        remove_functions=payload.remove_functions,
    )


def _require_unchanged(
    request: UpdateMapExtensionRequest, current: EnvironmentMapExtension
) -> None:
    fingerprint = current.fingerprint()
    changed = False
    if request.expected_version is not None:
        if current.version is None and not request.expected_fingerprint:
            raise InvalidRequest(
                "This map extension has no version to compare; send expectedFingerprint.",
                field="expectedFingerprint",
            )
        changed = current.version is not None and current.version != request.expected_version
    if request.expected_fingerprint and request.expected_fingerprint != fingerprint:
        changed = True
    if changed:
        raise Conflict(
            f"Map extension {current.name or current.id} was changed since you read it. Reload "
            "it, check the changes and make your edit again.",
            error_code=MAP_EXTENSION_CHANGED,
            details={"currentVersion": current.version, "currentFingerprint": fingerprint},
        )


async def _require_valid_scripts(
    edited: EnvironmentMapExtension, preview: MapChangePreview
) -> None:
    """Inline scripts of the added and changed functions pass validateScript's checks."""
    touched = set(preview.functions_added) | set(preview.functions_changed)
    issues: list[dict[str, Any]] = []
    for function in edited.map.functions:
        try:
            script = function_script(function) if function.id in touched else None
        except UncheckableScript as exc:
            issues.append(_issue(function.id, 1, 1, "SCRIPT_UNCHECKABLE", str(exc)))
            continue
        if script is None:
            continue
        try:
            language = LanguageName(script.language)
        except ValueError:
            issues.append(
                _issue(function.id, 1, 1, "SYNTAX", f"Unknown script language {script.language!r}")
            )
            continue
        try:
            report = await asyncio.to_thread(validate_script, script.script, language.language)
        except ScriptRejected as exc:
            issues.append(_issue(function.id, 1, 1, exc.code, str(exc)))
            continue
        issues += [
            _issue(function.id, i.line, i.column, i.type.value, i.message) for i in report.errors
        ]
    if issues:
        raise ScriptValidationFailed(
            f"{len(issues)} script problem(s) in the map extension's functions; nothing was saved.",
            field="mapExtensionPayload",
            details={"issues": issues},
        )


def _issue(function_id: str, line: int, column: int, kind: str, message: str) -> dict[str, Any]:
    return {
        "functionId": function_id,
        "line": line,
        "column": column,
        "type": kind,
        "message": message,
    }


def _mapping_item(mapping: MapExtensionMapping) -> MappingItem:
    return MappingItem(
        from_xpath=mapping.from_xpath or "",
        to_xpath=mapping.to_xpath or "",
        from_function=mapping.from_function or "",
        to_function=mapping.to_function or "",
        label=mapping_label(mapping),
    )


def _changes_item(preview: MapChangePreview) -> MapChangesItem:
    return MapChangesItem(
        mappings_added=[_mapping_item(m) for m in preview.mappings_added],
        mappings_removed=[_mapping_item(m) for m in preview.mappings_removed],
        functions_added=preview.functions_added,
        functions_changed=preview.functions_changed,
        functions_removed=preview.functions_removed,
    )
