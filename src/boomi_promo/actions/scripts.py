"""Q validateScript: a Groovy or JavaScript map/process script checked before it is saved.

The script is parsed, never run (:mod:`boomi_promo.domain.scripts`): syntax errors and
forbidden APIs come back as ``errors`` (type ``SYNTAX`` or ``SECURITY``) with 1-based line and
column, doubtful usage as ``warnings`` (type ``USAGE``); ``isValid`` is true when there are
no errors. A check that finds problems is still a successful call: ``success`` is false only
when the script could not be checked at all.

Error codes (the reference profile names none; these are the product's):

* ``SCRIPT_EMPTY`` (422) — ``scriptContent`` is blank.
* ``SCRIPT_TOO_LARGE`` (422) — ``scriptContent`` is over 10 KB in UTF-8 (``maxBytes`` and
  ``sizeBytes`` say by how much).
* ``INVALID_REQUEST`` (400) — ``language`` is not ``groovy``, ``groovy2`` or ``javascript``
  (any case), or ``scriptContent`` is missing; ``errorField`` names the field.

``clientAccountId``, ``environmentId`` and ``mapExtensionId`` say where the script is headed;
they are accepted for the dashboard's convenience and do not change the check.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field

from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.domain.scripts import (
    MAX_SCRIPT_BYTES,
    IssueType,
    LanguageName,
    ScriptIssue,
    ScriptRejected,
    ScriptTooLarge,
    validate_script,
)
from boomi_promo.engine.context import ActionContext
from boomi_promo.errors import PromoError
from boomi_promo.store.tables import ID, NAME


def _lower_case(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class ScriptNotCheckable(PromoError):
    status_code = 422
    error_code = "SCRIPT_EMPTY"


class ValidateScriptRequest(Profile):
    # Leading blank lines and indentation are part of the line and column of every issue.
    model_config = ConfigDict(str_strip_whitespace=False)

    client_account_id: str = Field(default="", max_length=ID, description="Where it is headed")
    environment_id: str = Field(default="", max_length=ID)
    map_extension_id: str = Field(default="", max_length=ID)
    function_name: str = Field(
        default="", max_length=NAME, description="The map function the script belongs to; echoed"
    )
    script_content: str = Field(description="The script text, at most 10 KB in UTF-8")
    language: Annotated[LanguageName, BeforeValidator(_lower_case)] = Field(
        description="groovy, groovy2 or javascript (any case)"
    )
    user_sso_groups: list[str] | None = Field(
        default=None, description="Optional; when present must equal the signed-in user's groups"
    )
    user_email: str | None = Field(
        default=None, description="Optional; when present must be the signed-in user's e-mail"
    )


class ScriptIssueItem(Profile):
    model_config = ConfigDict(extra="ignore")

    line: int = Field(description="1-based")
    column: int = Field(description="1-based, in characters")
    message: str
    type: str = Field(description="SYNTAX or SECURITY for errors; USAGE for warnings")


class ValidateScriptResponse(ResponseProfile):
    language: str = ""
    function_name: str = ""
    is_valid: bool = False
    errors: list[ScriptIssueItem] = Field(
        default_factory=list, description="Syntax errors and forbidden APIs, in script order"
    )
    warnings: list[ScriptIssueItem] = Field(
        default_factory=list, description="Allowed but doubtful usage, in script order"
    )
    warning_count: int = 0
    validated_at: str = Field(default="", description="When the check ran (ISO 8601, UTC)")


@action(
    name="validateScript",
    code="Q",
    description="Validate Script",
    request=ValidateScriptRequest,
    response=ValidateScriptResponse,
)
async def validate_script_action(
    ctx: ActionContext, request: ValidateScriptRequest
) -> ValidateScriptResponse:
    try:
        # Parsing is CPU work of a few milliseconds; off the event loop all the same.
        report = await asyncio.to_thread(
            validate_script, request.script_content, request.language.language
        )
    except ScriptRejected as exc:
        raise _refusal(exc) from exc
    ctx.log.info(
        "script validated",
        language=request.language.value,
        function_name=request.function_name,
        valid=report.is_valid,
        syntax_errors=sum(1 for issue in report.errors if issue.type is IssueType.SYNTAX),
        security_errors=sum(1 for issue in report.errors if issue.type is IssueType.SECURITY),
        warnings=len(report.warnings),
    )
    return ValidateScriptResponse(
        language=request.language.value,
        function_name=request.function_name,
        is_valid=report.is_valid,
        errors=[_item(issue) for issue in report.errors],
        warnings=[_item(issue) for issue in report.warnings],
        warning_count=len(report.warnings),
        validated_at=datetime.now(UTC).isoformat(),
    )


def _refusal(exc: ScriptRejected) -> ScriptNotCheckable:
    details = (
        {"maxBytes": MAX_SCRIPT_BYTES, "sizeBytes": exc.size_bytes}
        if isinstance(exc, ScriptTooLarge)
        else {}
    )
    return ScriptNotCheckable(str(exc), error_code=exc.code, field="scriptContent", details=details)


def _item(issue: ScriptIssue) -> ScriptIssueItem:
    return ScriptIssueItem(
        line=issue.line, column=issue.column, message=issue.message, type=issue.type.value
    )
