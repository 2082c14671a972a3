"""Run one action for one verified caller: the same path for the API, the dashboard and the CLI.

Checks run in this order and each refuses before anything is read or written: the action
exists, the caller's tier is high enough, body fields that name the caller match the
principal, the body is valid. Boomi failures become typed product errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, Protocol, TypeVar

import structlog
from pydantic import ValidationError

from boomi_promo.actions.boomi_ids import BOOMI_ID_PATTERN, BOOMI_ID_RULE
from boomi_promo.actions.catalog import get_action
from boomi_promo.actions.registry import ActionSpec, Profile, ResponseProfile
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.engine.context import Services, action_context
from boomi_promo.errors import (
    IdentityMismatch,
    InsufficientTier,
    InvalidRequest,
    NotFound,
    PromoError,
    from_boomi_error,
)
from boomi_promo.identity.principal import Principal, check_identity_fields
from boomi_promo.logging import current_request_id, new_request_id
from boomi_promo.store import Job, JobState

T = TypeVar("T")


class LongActions(Protocol):
    """Where a long action runs to its end: the job runner (``jobs.runner.JobRunner``)."""

    async def submit(self, spec: ActionSpec, request: Profile, principal: Principal) -> Job: ...

    async def wait(self, job_id: str, principal: Principal) -> Job: ...


class ActionServices(Services, Protocol):
    @property
    def jobs(self) -> LongActions: ...


def require_action(name: str) -> ActionSpec:
    spec = get_action(name)
    if spec is None:
        raise NotFound(f"There is no action named '{name}'.", error_code="UNKNOWN_ACTION")
    return spec


def describe_validation_error(exc: ValidationError) -> InvalidRequest:
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "body"
    message = first["msg"]
    if (
        first["type"] == "string_pattern_mismatch"
        and (first.get("ctx") or {}).get("pattern") == BOOMI_ID_PATTERN
    ):
        message = f"not a Boomi id ({BOOMI_ID_RULE})"
    return InvalidRequest(f"Field '{field}': {message}.", field=field)


def authorize(spec: ActionSpec, principal: Principal, payload: Mapping[str, Any]) -> None:
    if not principal.tier.at_least(spec.min_tier):
        raise InsufficientTier(
            f"{spec.name} needs the {spec.min_tier.value} tier; "
            f"your groups give {principal.tier.value}."
        )
    mismatched = check_identity_fields(principal, payload)
    if mismatched is not None:
        raise IdentityMismatch(
            f"Field '{mismatched}' names someone other than the signed-in user.", field=mismatched
        )


def prepare_action(
    name: str, payload: Mapping[str, Any], principal: Principal
) -> tuple[ActionSpec, Profile]:
    """Every check that must pass before an action may run, in order; the validated request."""
    spec = require_action(name)
    authorize(spec, principal, payload)
    field = nul_character_field(payload)
    if field is not None:
        raise InvalidRequest(
            f"Field '{field}': text cannot contain the NUL character (\\u0000).", field=field
        )
    try:
        request = spec.request_model.model_validate(dict(payload))
    except ValidationError as exc:
        raise describe_validation_error(exc) from exc
    return spec, request


def nul_character_field(value: Any, path: str = "") -> str | None:
    """The first field (dotted path) whose text holds a NUL character, or ``None``.

    PostgreSQL text columns cannot store NUL, so such a value is refused as bad input before
    it reaches the store, on every database alike.
    """
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if "\x00" in str(key):
                return path or "body"
            inner = f"{path}.{key}" if path else str(key)
            found = nul_character_field(item, inner)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_character_field(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


async def boomi_errors_mapped(call: Awaitable[T]) -> T:
    """The one place a Boomi failure becomes the product error callers see (``errors``)."""
    try:
        return await call
    except BoomiError as exc:
        structlog.get_logger("boomi_promo.actions").warning(
            "boomi call failed", error_code=exc.error_code, status=exc.status_code
        )
        raise from_boomi_error(exc) from exc


async def run_handler(
    container: Services, spec: ActionSpec, request: Profile, principal: Principal
) -> ResponseProfile:
    """Run a short action in the caller's task; its log lines carry who, what and which request."""
    log_context: dict[str, str] = {
        "action": spec.name,
        "process": spec.process_name,
        "user": principal.email,
        "request_id": current_request_id() or new_request_id(),
    }
    promotion_id = getattr(request, "promotion_id", None)
    if isinstance(promotion_id, str) and promotion_id:
        log_context["promotion_id"] = promotion_id
    # Bound for this call only, so the handler's, the engine's and the Boomi client's lines all
    # carry them; afterwards the task's context is as it was (nothing leaks into the next call).
    with structlog.contextvars.bound_contextvars(**log_context):
        log = structlog.get_logger("boomi_promo.actions")
        ctx = action_context(container, principal, process_name=spec.process_name, log=log)
        response = await boomi_errors_mapped(spec.handler(ctx, request))
        log.info("action completed")
        return response


async def execute_action(
    container: ActionServices, name: str, payload: Mapping[str, Any], principal: Principal
) -> ResponseProfile:
    """Run an action to its end and return its response (long actions still run as a job)."""
    spec, request = prepare_action(name, payload, principal)
    if not spec.long_running:
        return await run_handler(container, spec, request, principal)
    job = await container.jobs.submit(spec, request, principal)
    finished = await container.jobs.wait(job.id, principal)
    response = finished.response or {}
    if finished.state is not JobState.SUCCEEDED:
        raise job_failure(response, finished.http_status or 500)
    return spec.response_model.model_validate(response)


def job_failure(envelope: Mapping[str, Any], status_code: int) -> PromoError:
    """A finished job's failure envelope as the typed error it was."""
    details = {
        k: v
        for k, v in envelope.items()
        if k not in {"success", "errorCode", "errorMessage", "errorField"}
    }
    error = PromoError(
        str(envelope.get("errorMessage", "")),
        error_code=str(envelope.get("errorCode", "INTERNAL_ERROR")),
        field=envelope.get("errorField"),
        details=details,
    )
    error.status_code = status_code
    return error
