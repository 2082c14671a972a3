"""M updateExtensions, and what the extension actions share.

The extension actions (M here, N in :mod:`.extension_copy`, O in :mod:`.map_extension_updates`)
work in an environment of a client account granted to the caller
(:func:`boomi_promo.actions.extensions.require_client_environment`) and talk to Boomi with
``overrideAccount`` = the client account. Who may edit which component comes from the
ExtensionAccessMapping cache (:mod:`boomi_promo.engine.extension_access`), built on first use
when an environment has none yet. Dynamic process properties belong to no component: anyone
the client account is granted to may change them (the dashboard warns that they are
environment-wide).

**M** checks every component the payload names before anything is written and writes nothing
when one check fails; then sends one ``partial`` update with only what changed
(:func:`boomi_promo.domain.extension_rules.plan_partial_update`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import Field, ValidationError

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId
from boomi_promo.actions.extensions import (
    ClientAccount,
    require_client_environment,
)
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.models import (
    EnvironmentExtensions,
)
from boomi_promo.domain.extension_rules import (
    EXTENSION_NOT_FOUND,
    ComponentChange,
    ComponentRef,
    ExtensionProblem,
    Section,
    plan_partial_update,
    requested_components,
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
from boomi_promo.errors import Forbidden, InvalidRequest, NotFound, PromoError
from boomi_promo.identity.principal import Principal

if TYPE_CHECKING:
    pass

AUDIT_TARGET_ENVIRONMENT = "environment"


# ---------------------------------------------------------------- shared


def payload_document(payload: str | dict[str, Any], field: str) -> dict[str, Any]:
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


def validation_message(exc: ValidationError, field: str) -> InvalidRequest:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return InvalidRequest(f"Field '{field}' at '{where}': {first['msg']}.", field=field)


async def environment_access(ctx: ActionContext, environment_id: str) -> dict[str, ExtensionAccess]:
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


def edit_refusal(
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


def error_item(problem: ExtensionProblem) -> ExtensionErrorItem:
    return ExtensionErrorItem(
        component_id=problem.component.component_id,
        component_name=problem.component.component_name,
        error_code=problem.error_code,
        error_message=problem.message,
    )


def changed_item(change: ComponentChange) -> ChangedComponentItem:
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
    access = await environment_access(ctx, request.environment_id)
    problems = list(plan.problems)
    missing = {p.component for p in plan.problems}
    for ref in requested_components(requested):
        if ref in missing:
            continue
        refusal = edit_refusal(ref, access.get(ref.component_id), ctx.principal)
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
                    "components": [changed_item(c).model_dump(by_alias=True) for c in plan.changes],
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
        updated_components=[changed_item(c) for c in plan.changes],
    )


def _requested_extensions(request: UpdateExtensionsRequest) -> EnvironmentExtensions:
    field = "extensionPayload"
    document = payload_document(request.extension_payload, field)
    try:
        requested = EnvironmentExtensions.model_validate(document)
    except ValidationError as exc:
        raise validation_message(exc, field) from exc
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
        "errors": [error_item(p).model_dump(by_alias=True) for p in problems],
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
                "errors": [error_item(p).model_dump(by_alias=True) for p in problems],
            },
        )
        await uow.commit()
