"""N copyExtensionsTestToProd: Test's configuration copied to Prod in one ``partial`` update.

Connections, PGP certificates, encrypted values (Boomi never returns them) and components the
caller may not edit are left out; the copy is stamped on the client account's
ClientAccountConfig records. See :mod:`.extension_updates` for what the extension actions share.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import Field

from boomi_promo.actions.boomi_ids import BoomiId, OptionalBoomiId
from boomi_promo.actions.extensions import (
    UNAUTHORIZED_CLIENT_ACCOUNT,
    ClientAccount,
    granted_client_accounts,
)
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.domain.extension_rules import (
    COPY_EXCLUDED_SECTIONS,
    ComponentRef,
    plan_test_to_prod_copy,
)
from boomi_promo.engine.context import ActionContext
from boomi_promo.errors import Forbidden, InvalidRequest

if TYPE_CHECKING:
    pass

from boomi_promo.actions.extension_updates import (
    AUDIT_TARGET_ENVIRONMENT,
    ChangedComponentItem,
    changed_item,
    edit_refusal,
    environment_access,
)

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
    access = await environment_access(ctx, account.prod_environment_id)

    def may_edit(ref: ComponentRef) -> bool:
        return edit_refusal(ref, access.get(ref.component_id), ctx.principal) is None

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
        copied_components=[changed_item(c) for c in plan.changes],
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
