"""M updateExtensions, N copyExtensionsTestToProd and O updateMapExtension.

All three work in an environment of a client account granted to the caller
(:func:`boomi_promo.actions.extensions.require_client_environment`) and talk to Boomi with
``overrideAccount`` = the client account. Who may edit which component comes from the
ExtensionAccessMapping cache (:mod:`boomi_promo.engine.extension_access`), built on first use
when an environment has none yet. Dynamic process properties belong to no component: anyone
the client account is granted to may change them (the dashboard warns that they are
environment-wide).

* **M** checks every component the payload names before anything is written and writes
  nothing when one check fails; then sends one ``partial`` update with only what changed
  (:func:`boomi_promo.domain.extension_rules.plan_partial_update`).
* **N** copies Test's configuration to Prod in one ``partial`` update, without connections,
  PGP certificates, encrypted values (Boomi never returns them) and components the caller
  may not edit, and stamps the copy on the client account's ClientAccountConfig records.
* **O** is a read-modify-write of the *current* map extension: the caller sends the version
  (or fingerprint) it read and a change set; the service refuses with 409
  ``MAP_EXTENSION_CHANGED`` when the extension changed since, applies the change set to what
  is there now, checks inline scripts with validateScript's rules, and either answers the
  preview or writes. Edits of one map extension are serialised (a lock in the process, and a
  PostgreSQL advisory lock across replicas), so two edits from the same read cannot both pass
  the check.

``mapExtensionPayload`` (JSON text or an object)::

    {"addMappings":    [{"fromXPath": "...", "toXPath": "...", "fromFunction": "...", ...}],
     "removeMappings": [ same shape, matched exactly ],
     "functions":      [ Boomi MapExtensionFunction objects: added, or replacing the same id ],
     "removeFunctions": ["FUNCEXT-1"]}
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy import text

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId, SynthesizedBoomiId
from boomi_promo.actions.extensions import (
    UNAUTHORIZED_CLIENT_ACCOUNT,
    ClientAccount,
    granted_client_accounts,
    require_client_environment,
    require_map_editor,
)
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.models import (
    EnvironmentExtensions,
    EnvironmentMapExtension,
    MapExtensionFunction,
    MapExtensionMapping,
)
from boomi_promo.domain.extension_rules import (
    COPY_EXCLUDED_SECTIONS,
    EXTENSION_NOT_FOUND,
    ComponentChange,
    ComponentRef,
    ExtensionProblem,
    MapChangePreview,
    MapEdit,
    MapEditError,
    Section,
    UncheckableScript,
    apply_map_edit,
    function_script,
    mapping_label,
    plan_partial_update,
    plan_test_to_prod_copy,
    requested_components,
)
from boomi_promo.domain.scripts import (
    LanguageName,
    ScriptRejected,
    validate_script,
)
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.extension_access import (
    CONNECTION_EDIT_ADMIN_ONLY,
    UNAUTHORIZED_EXTENSION_EDIT,
    EditDecision,
    ExtensionAccess,
    access_for_environment,
    decide_edit,
    rebuild_extension_access,
)
from boomi_promo.errors import Conflict, Forbidden, InvalidRequest, NotFound, PromoError
from boomi_promo.identity.principal import Principal

if TYPE_CHECKING:
    from boomi_promo.store.uow import UnitOfWork

MAP_EXTENSION_CHANGED = "MAP_EXTENSION_CHANGED"
SCRIPT_VALIDATION_FAILED = "SCRIPT_VALIDATION_FAILED"
AUDIT_TARGET_ENVIRONMENT = "environment"
AUDIT_TARGET_MAP_EXTENSION = "map_extension"


class ScriptValidationFailed(PromoError):
    status_code = 422
    error_code = SCRIPT_VALIDATION_FAILED


# ---------------------------------------------------------------- shared


def _payload_document(payload: str | dict[str, Any], field: str) -> dict[str, Any]:
    """A payload the profile carries as JSON text (an object is accepted as well)."""
    if isinstance(payload, dict):
        return payload
    try:
        document = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"Field '{field}' is not valid JSON: {exc.msg}.", field=field) from exc
    if not isinstance(document, dict):
        raise InvalidRequest(f"Field '{field}' must be a JSON object.", field=field)
    return document


def _validation_message(exc: ValidationError, field: str) -> InvalidRequest:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return InvalidRequest(f"Field '{field}' at '{where}': {first['msg']}.", field=field)


async def _environment_access(
    ctx: ActionContext, environment_id: str
) -> dict[str, ExtensionAccess]:
    """The access records of an environment, built first when it has none yet."""
    async with ctx.unit_of_work() as uow:
        access = await access_for_environment(uow, environment_id)
    if access:
        return access
    await rebuild_extension_access(
        ctx.boomi, ctx.uow_factory, environment_ids=[environment_id], actor=ctx.principal.email
    )
    async with ctx.unit_of_work() as uow:
        return await access_for_environment(uow, environment_id)


def _edit_refusal(
    ref: ComponentRef, access: ExtensionAccess | None, principal: Principal
) -> ExtensionProblem | None:
    """Why ``principal`` may not change ``ref``, or ``None`` when they may."""
    if ref.environment_wide:
        return None
    name = access.component_name if access else ref.component_name
    decision = decide_edit(access, principal)
    if decision is EditDecision.ALLOWED:
        return None
    if ref.section is Section.CONNECTIONS or decision is EditDecision.ADMIN_ONLY:
        return ExtensionProblem(
            ref,
            CONNECTION_EDIT_ADMIN_ONLY,
            f"Connection {name} can only be changed by an admin.",
        )
    owner = (
        f" (process {access.owner_process_name})" if access and access.owner_process_name else ""
    )
    return ExtensionProblem(
        ref,
        UNAUTHORIZED_EXTENSION_EDIT,
        f"Your groups may not change {name}{owner}; it belongs to a dev account they do not grant.",
    )


class ExtensionErrorItem(Profile):
    component_id: str
    component_name: str
    error_code: str
    error_message: str


class ChangedComponentItem(Profile):
    component_id: str
    component_name: str
    section: str
    field_count: int


def _error_item(problem: ExtensionProblem) -> ExtensionErrorItem:
    return ExtensionErrorItem(
        component_id=problem.component.component_id,
        component_name=problem.component.component_name,
        error_code=problem.error_code,
        error_message=problem.message,
    )


def _changed_item(change: ComponentChange) -> ChangedComponentItem:
    return ChangedComponentItem(
        component_id=change.component.component_id,
        component_name=change.component.component_name,
        section=change.component.section.value,
        field_count=change.field_count,
    )


# ---------------------------------------------------------------- M updateExtensions


class UpdateExtensionsRequest(Profile):
    client_account_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present the environment's account"
    )
    environment_id: BoomiId
    extension_payload: str | dict[str, Any] = Field(
        description="EnvironmentExtensions (Boomi's JSON shape) holding the components to change, "
        "as getExtensions returned them with the edits made; JSON text or an object"
    )
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )
    user_email: str | None = Field(
        default=None, description="Optional; when present must be the signed-in user's e-mail"
    )


class UpdateExtensionsResponse(ResponseProfile):
    updated_field_count: int = 0
    environment_id: str = ""
    errors: list[ExtensionErrorItem] = Field(
        default_factory=list, description="Per component, why it cannot be changed (nothing saved)"
    )
    updated_components: list[ChangedComponentItem] = Field(
        default_factory=list, description="What the partial update changed, per component"
    )


@action(
    name="updateExtensions",
    code="M",
    description="Update Extensions",
    request=UpdateExtensionsRequest,
    response=UpdateExtensionsResponse,
)
async def update_extensions(
    ctx: ActionContext, request: UpdateExtensionsRequest
) -> UpdateExtensionsResponse:
    account = await require_client_environment(
        ctx, request.environment_id, request.client_account_id
    )
    requested = _requested_extensions(request)
    current = await ctx.boomi.get_environment_extensions(
        request.environment_id, override_account=account.client_account_id
    )
    plan = plan_partial_update(requested, current)
    access = await _environment_access(ctx, request.environment_id)
    problems = list(plan.problems)
    missing = {p.component for p in plan.problems}
    for ref in requested_components(requested):
        if ref in missing:
            continue
        refusal = _edit_refusal(ref, access.get(ref.component_id), ctx.principal)
        if refusal is not None:
            problems.append(refusal)
    if problems:
        await _audit_refusal(ctx, request.environment_id, account, problems)
        raise _update_refusal(request.environment_id, problems)
    if plan.changes:
        await ctx.boomi.update_environment_extensions(
            request.environment_id,
            plan.body,
            partial=True,
            override_account=account.client_account_id,
        )
        async with ctx.unit_of_work() as uow:
            await uow.audit.append(
                actor_email=ctx.principal.email,
                action="extensions.updated",
                process_name=ctx.process_name,
                target_type=AUDIT_TARGET_ENVIRONMENT,
                target_id=request.environment_id,
                detail={
                    "clientAccountId": account.client_account_id,
                    "fieldCount": plan.field_count,
                    "components": [
                        _changed_item(c).model_dump(by_alias=True) for c in plan.changes
                    ],
                },
            )
            await uow.commit()
    ctx.log.info(
        "extensions updated",
        environment_id=request.environment_id,
        components=len(plan.changes),
        fields=plan.field_count,
    )
    return UpdateExtensionsResponse(
        updated_field_count=plan.field_count,
        environment_id=request.environment_id,
        updated_components=[_changed_item(c) for c in plan.changes],
    )


def _requested_extensions(request: UpdateExtensionsRequest) -> EnvironmentExtensions:
    field = "extensionPayload"
    document = _payload_document(request.extension_payload, field)
    try:
        requested = EnvironmentExtensions.model_validate(document)
    except ValidationError as exc:
        raise _validation_message(exc, field) from exc
    if requested.environment_id and requested.environment_id != request.environment_id:
        raise InvalidRequest(
            f"The payload's environmentId is not environment '{request.environment_id}'.",
            field=field,
        )
    if not requested_components(requested):
        raise InvalidRequest("The payload names no extension to change.", field=field)
    return requested


def _update_refusal(environment_id: str, problems: list[ExtensionProblem]) -> PromoError:
    first = problems[0]
    message = first.message
    if len(problems) > 1:
        message = f"{len(problems)} extensions cannot be changed, first: {message}"
    details = {
        "environmentId": environment_id,
        "updatedFieldCount": 0,
        "errors": [_error_item(p).model_dump(by_alias=True) for p in problems],
    }
    message += " Nothing was saved."
    if first.error_code == EXTENSION_NOT_FOUND:
        return NotFound(message, error_code=first.error_code, details=details)
    return Forbidden(message, error_code=first.error_code, details=details)


async def _audit_refusal(
    ctx: ActionContext,
    environment_id: str,
    account: ClientAccount,
    problems: list[ExtensionProblem],
) -> None:
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="extensions.update_refused",
            process_name=ctx.process_name,
            target_type=AUDIT_TARGET_ENVIRONMENT,
            target_id=environment_id,
            detail={
                "clientAccountId": account.client_account_id,
                "errors": [_error_item(p).model_dump(by_alias=True) for p in problems],
            },
        )
        await uow.commit()


# ---------------------------------------------------------------- N copyExtensionsTestToProd


class CopyExtensionsTestToProdRequest(Profile):
    client_account_id: BoomiId
    test_environment_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present the account's Test one"
    )
    prod_environment_id: OptionalBoomiId = Field(
        default=None, description="Optional; when present the account's Prod one"
    )
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )
    user_email: str | None = Field(
        default=None, description="Optional; when present must be the signed-in user's e-mail"
    )


class SkippedComponentItem(Profile):
    component_id: str
    component_name: str
    section: str
    reason: str


class CopyExtensionsTestToProdResponse(ResponseProfile):
    sections_excluded: str = Field(default="", description="Sections never copied, comma separated")
    fields_copied: int = Field(default=0, description="Values Prod took from Test")
    encrypted_fields_skipped: int = Field(
        default=0, description="Encrypted fields of the copied components: never readable"
    )
    test_environment_id: str = ""
    prod_environment_id: str = ""
    copied_components: list[ChangedComponentItem] = Field(default_factory=list)
    unchanged_component_count: int = Field(
        default=0, description="Copied components whose Prod values already equalled Test's"
    )
    skipped_components: list[SkippedComponentItem] = Field(default_factory=list)


async def precheck_copy(ctx: ActionContext, request: CopyExtensionsTestToProdRequest) -> None:
    await _granted_client_account(ctx, request)


@action(
    name="copyExtensionsTestToProd",
    code="N",
    description="Copy Extensions Test To Prod",
    request=CopyExtensionsTestToProdRequest,
    response=CopyExtensionsTestToProdResponse,
    long_running=True,
    precheck=precheck_copy,
)
async def copy_extensions_test_to_prod(
    ctx: ActionContext, request: CopyExtensionsTestToProdRequest
) -> CopyExtensionsTestToProdResponse:
    account = await _granted_client_account(ctx, request)
    client_account_id = account.client_account_id
    await ctx.progress.report(step="read", current=1, total=3, message="Reading Test and Prod")
    test, prod = await asyncio.gather(
        ctx.boomi.get_environment_extensions(
            account.test_environment_id, override_account=client_account_id
        ),
        ctx.boomi.get_environment_extensions(
            account.prod_environment_id, override_account=client_account_id
        ),
    )
    access = await _environment_access(ctx, account.prod_environment_id)

    def may_edit(ref: ComponentRef) -> bool:
        return _edit_refusal(ref, access.get(ref.component_id), ctx.principal) is None

    plan = plan_test_to_prod_copy(test, prod, may_edit=may_edit)
    await ctx.progress.report(
        step="write", current=2, total=3, message=f"Writing {plan.fields_copied} values to Prod"
    )
    if plan.changes:
        await ctx.boomi.update_environment_extensions(
            account.prod_environment_id,
            plan.body,
            partial=True,
            override_account=client_account_id,
        )
    excluded = ", ".join(section.value for section in COPY_EXCLUDED_SECTIONS)
    response = CopyExtensionsTestToProdResponse(
        sections_excluded=excluded,
        fields_copied=plan.fields_copied,
        encrypted_fields_skipped=plan.encrypted_fields_skipped,
        test_environment_id=account.test_environment_id,
        prod_environment_id=account.prod_environment_id,
        copied_components=[_changed_item(c) for c in plan.changes],
        unchanged_component_count=len(plan.unchanged),
        skipped_components=[
            SkippedComponentItem(
                component_id=s.component.component_id,
                component_name=s.component.component_name,
                section=s.component.section.value,
                reason=s.reason,
            )
            for s in plan.skipped
        ],
    )
    await ctx.progress.report(step="record", current=3, total=3, message="Recording the copy")
    async with ctx.unit_of_work() as uow:
        await uow.client_accounts.record_extension_sync(
            client_account_id, at=datetime.now(UTC), by=ctx.principal.email
        )
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="extensions.copied_test_to_prod",
            process_name=ctx.process_name,
            target_type=AUDIT_TARGET_ENVIRONMENT,
            target_id=account.prod_environment_id,
            detail={
                "clientAccountId": client_account_id,
                "testEnvironmentId": account.test_environment_id,
                "fieldsCopied": plan.fields_copied,
                "encryptedFieldsSkipped": plan.encrypted_fields_skipped,
                "copied": [c.model_dump(by_alias=True) for c in response.copied_components],
                "skipped": [s.model_dump(by_alias=True) for s in response.skipped_components],
            },
        )
        await uow.commit()
    ctx.log.info(
        "extensions copied test to prod",
        client_account_id=client_account_id,
        fields_copied=plan.fields_copied,
        encrypted_fields_skipped=plan.encrypted_fields_skipped,
        skipped=len(plan.skipped),
    )
    return response


async def _granted_client_account(
    ctx: ActionContext, request: CopyExtensionsTestToProdRequest
) -> ClientAccount:
    for account in await granted_client_accounts(ctx):
        if account.client_account_id != request.client_account_id:
            continue
        for given, expected, field in (
            (request.test_environment_id, account.test_environment_id, "testEnvironmentId"),
            (request.prod_environment_id, account.prod_environment_id, "prodEnvironmentId"),
        ):
            if given and given != expected:
                raise InvalidRequest(
                    f"Field '{field}': '{given}' is not this client account's environment "
                    f"('{expected}').",
                    field=field,
                )
        return account
    raise Forbidden(
        f"Client account '{request.client_account_id}' is not one your groups manage.",
        error_code=UNAUTHORIZED_CLIENT_ACCOUNT,
        field="clientAccountId",
    )


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
    async with _map_extension_lock(ctx, request.map_extension_id) as uow:
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
    document = _payload_document(request.map_extension_payload, field)
    try:
        payload = MapEditPayload.model_validate(document)
    except ValidationError as exc:
        raise _validation_message(exc, field) from exc
    return MapEdit(
        add_mappings=payload.add_mappings,
        remove_mappings=payload.remove_mappings,
        put_functions=payload.functions,
        remove_functions=payload.remove_functions,
    )


_map_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@asynccontextmanager
async def _map_extension_lock(
    ctx: ActionContext, map_extension_id: str
) -> AsyncIterator[UnitOfWork]:
    """One edit of a map extension at a time, from read to write; yields the unit of work
    whose transaction holds the lock (commit it to record the edit)."""
    lock = _map_locks.get(map_extension_id)
    if lock is None:
        lock = _map_locks[map_extension_id] = asyncio.Lock()
    async with lock, ctx.unit_of_work() as uow:
        if ctx.uow_factory.engine.dialect.name == "postgresql":
            # Other replicas: held until this transaction ends.
            await uow.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(map_extension_id)}
            )
        yield uow


def _lock_key(map_extension_id: str) -> int:
    digest = hashlib.sha256(f"map-extension:{map_extension_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


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
