"""The message actions: one registry that the JSON API, the dashboard and the CLI all read.

Each action is an async function ``handler(ctx, request) -> response`` registered with its
letter code and description from the seed document (``A0 · PROMO - Get Dev Accounts``), the
lowest tier allowed to call it, and its request/response profiles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from boomi_promo.identity.principal import Tier

if TYPE_CHECKING:
    from boomi_promo.engine.context import ActionContext, Services
    from boomi_promo.store import Job


class Profile(BaseModel):
    """Base of every request/response profile: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


class ResponseProfile(Profile):
    model_config = ConfigDict(extra="ignore")

    success: bool = True
    error_code: str = Field(default="", description="UPPER_SNAKE_CASE code when success is false")
    error_message: str = Field(default="", description="A sentence a person can act on")


RequestT = TypeVar("RequestT", bound=Profile)
ResponseT = TypeVar("ResponseT", bound=ResponseProfile)
Handler = Callable[["ActionContext", Any], Awaitable[ResponseProfile]]
Recovery = Callable[["Services", "Job"], Awaitable[None]]
Precheck = Callable[["ActionContext", Any], Awaitable[None]]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    code: str
    description: str
    min_tier: Tier
    request_model: type[Profile]
    response_model: type[ResponseProfile]
    handler: Handler
    long_running: bool = False
    recover: Recovery | None = None
    """Undo what an interrupted run of this action left behind (long-running actions only)."""
    one_per_dev_account: bool = False
    """On the task queue, jobs of this action for one dev account run one after another."""
    precheck: Precheck | None = None
    """A long action's refusals (account, status, segregation), run before its job is created,
    so the caller gets its 403/409 at once, even asynchronously; the job checks again."""

    @property
    def pascal_name(self) -> str:
        return self.name[:1].upper() + self.name[1:]

    @property
    def process_name(self) -> str:
        return f"{self.code} · PROMO - {self.description}"

    @property
    def operation_summary(self) -> str:
        return f"PROMO - FSS Op - {self.pascal_name}"


ACTIONS: dict[str, ActionSpec] = {}


def action(
    *,
    name: str,
    code: str,
    description: str,
    request: type[RequestT],
    response: type[ResponseT],
    min_tier: Tier = Tier.CONTRIBUTOR,
    long_running: bool = False,
    recover: Recovery | None = None,
    one_per_dev_account: bool = False,
    precheck: Precheck | None = None,
) -> Callable[
    [Callable[[ActionContext, RequestT], Awaitable[ResponseT]]],
    Callable[[ActionContext, RequestT], Awaitable[ResponseT]],
]:
    """Register a handler; the profile models get the seed's ``PROMO - Profile - ...`` titles."""

    def register(
        handler: Callable[[ActionContext, RequestT], Awaitable[ResponseT]],
    ) -> Callable[[ActionContext, RequestT], Awaitable[ResponseT]]:
        if name in ACTIONS:
            raise RuntimeError(f"action {name} registered twice")
        spec = ActionSpec(
            name=name,
            code=code,
            description=description,
            min_tier=min_tier,
            request_model=request,
            response_model=response,
            handler=handler,
            long_running=long_running,
            recover=recover,
            one_per_dev_account=one_per_dev_account,
            precheck=precheck,
        )
        request.model_config["title"] = f"PROMO - Profile - {spec.pascal_name}Request"
        response.model_config["title"] = f"PROMO - Profile - {spec.pascal_name}Response"
        request.model_rebuild(force=True)
        response.model_rebuild(force=True)
        ACTIONS[name] = spec
        return handler

    return register
