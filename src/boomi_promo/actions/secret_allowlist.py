"""C3 manageSecretAllowlist: an admin accepts a secret finding as a false positive.

A promotion is refused with ``SECRETS_DETECTED`` while a component it writes carries a
credential that stripping cannot take out (script code, a description, a name, inside a
longer text, or a value that only looks like a secret). When a finding is not a secret — a
test fixture's fake key, a hash that looks random — an ADMIN records an allowlist entry for
that dev component and that location, with a reason; from then on that finding does not block
(resolveDependencies, planPromotion and executePromotion all consult the list).

* ``query`` — the entries, optionally of one dev account or one component;
* ``add`` — the finding must be one the component carries now: the component is read from its
  dev account and looked at, so nobody allowlists a location that does not exist or types a
  kind; adding the same finding again replaces its reason;
* ``remove`` — the finding blocks again.

Every change leaves an audit entry with the entry before and after. No value is ever sent,
stored or shown: an entry holds the component, the location, the kind and the reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints

from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.domain.component_xml import ComponentXmlError
from boomi_promo.domain.secrets import find_blocking_secrets
from boomi_promo.engine.access import require_dev_account
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.errors import ComponentNotFound
from boomi_promo.engine.secret_check import ComponentSecret
from boomi_promo.errors import InvalidRequest, NotFound
from boomi_promo.identity.principal import Tier
from boomi_promo.store import SecretAllowlistEntry
from boomi_promo.store.tables import ID, LOCATION, NAME

ALLOWLIST_TARGET = "secret_allowlist"
MIN_REASON = 10
"""A reason says why the finding is not a secret; a word or two does not."""
MAX_REASON = 2000


class SecretFindingItem(Profile):
    """A credential a promotion cannot strip: where and what kind, never the value."""

    component_id: str
    component_name: str
    component_type: str
    location: str = Field(description="XPath in the component; '… line N' inside a script")
    kind: str = Field(
        description="url-credentials, connection-string, authorization-value, private-key, "
        "cloud-key, service-token, jwt, secret-assignment or high-entropy-string"
    )
    description: str = Field(description="The kind, in words")
    allowlisted: bool = Field(
        default=False, description="An admin accepted it as a false positive: it does not block"
    )

    @classmethod
    def of(cls, finding: ComponentSecret) -> SecretFindingItem:
        return cls.model_validate(finding.to_json())


def _blank_as_none(value: Any) -> Any:
    # Flow-style clients send every profile field, unused ones as "".
    if isinstance(value, str) and not value.strip():
        return None
    return value


OptionalId = Annotated[
    Annotated[str, StringConstraints(max_length=ID)] | None, BeforeValidator(_blank_as_none)
]
OptionalLocation = Annotated[
    Annotated[str, StringConstraints(max_length=LOCATION)] | None,
    BeforeValidator(_blank_as_none),
]
OptionalReason = Annotated[
    Annotated[str, StringConstraints(max_length=MAX_REASON)] | None,
    BeforeValidator(_blank_as_none),
]


class AllowlistOperation(StrEnum):
    QUERY = "query"
    ADD = "add"
    REMOVE = "remove"


class ManageSecretAllowlistRequest(Profile):
    action: AllowlistOperation = Field(description="query, add or remove")
    dev_account_id: OptionalId = Field(
        default=None, description="query: filter; add: the dev account the component is in"
    )
    component_id: OptionalId = Field(
        default=None, description="query: filter; add/remove: the dev component"
    )
    location: OptionalLocation = Field(
        default=None, description="add/remove: the finding's location, as the finding gives it"
    )
    reason: OptionalReason = Field(
        default=None, description=f"add: why this is not a secret (at least {MIN_REASON} chars)"
    )
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=100, ge=1, le=500)


class SecretAllowlistItem(Profile):
    component_id: str
    component_name: str
    dev_account_id: str
    location: str
    kind: str
    reason: str
    created_by: str
    updated_at: str


class ManageSecretAllowlistResponse(ResponseProfile):
    entries: list[SecretAllowlistItem] = Field(
        default_factory=list, description="query: a page of matches; otherwise the entry changed"
    )
    total: int = 0


def _item(entry: SecretAllowlistEntry) -> SecretAllowlistItem:
    return SecretAllowlistItem(
        component_id=entry.component_id,
        component_name=entry.component_name,
        dev_account_id=entry.dev_account_id,
        location=entry.location,
        kind=entry.kind,
        reason=entry.reason,
        created_by=entry.created_by,
        updated_at=entry.updated_at.isoformat(timespec="seconds") if entry.updated_at else "",
    )


def _snapshot(entry: SecretAllowlistEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    snapshot = _item(entry).model_dump(by_alias=True)
    snapshot.pop("updatedAt")
    return snapshot


def _required(value: str | None, field: str, operation: str) -> str:
    if value is None:
        raise InvalidRequest(f"{field} is required for action '{operation}'.", field=field)
    return value


@action(
    name="manageSecretAllowlist",
    code="C3",
    description="Manage Secret Allowlist",
    request=ManageSecretAllowlistRequest,
    response=ManageSecretAllowlistResponse,
    min_tier=Tier.ADMIN,
)
async def manage_secret_allowlist(
    ctx: ActionContext, request: ManageSecretAllowlistRequest
) -> ManageSecretAllowlistResponse:
    if request.action is AllowlistOperation.QUERY:
        async with ctx.unit_of_work() as uow:
            page = await uow.secret_allowlist.query(
                component_id=request.component_id,
                dev_account_id=request.dev_account_id,
                page=request.page,
                page_size=request.page_size,
            )
        return ManageSecretAllowlistResponse(
            entries=[_item(entry) for entry in page.items], total=page.total
        )
    component_id = _required(request.component_id, "componentId", request.action)
    location = _required(request.location, "location", request.action)
    if request.action is AllowlistOperation.ADD:
        return await _add(ctx, request, component_id, location)
    return await _remove(ctx, component_id, location)


async def _add(
    ctx: ActionContext, request: ManageSecretAllowlistRequest, component_id: str, location: str
) -> ManageSecretAllowlistResponse:
    account_id = _required(request.dev_account_id, "devAccountId", request.action)
    reason = _required(request.reason, "reason", request.action)
    if len(reason) < MIN_REASON:
        raise InvalidRequest(
            f"Say why this finding is not a secret (at least {MIN_REASON} characters).",
            field="reason",
        )
    account = await require_dev_account(ctx, account_id)
    try:
        component = await ctx.boomi.get_component(component_id, override_account=account_id)
    except BoomiNotFoundError as exc:
        raise ComponentNotFound(
            f"Component {component_id} does not exist in dev account {account.account_name}.",
            field="componentId",
        ) from exc
    try:
        findings = find_blocking_secrets(component.xml)
    except ComponentXmlError as exc:
        raise InvalidRequest(
            f"Component {component.name or component_id} cannot be read safely: {exc}",
            field="componentId",
        ) from exc
    kinds = sorted({f.kind.value for f in findings if f.location == location})
    if not kinds:
        raise NotFound(
            f"Component {component.name or component_id} carries no secret finding at "
            f"{location}; allowlist a location its review or plan lists.",
            error_code="SECRET_FINDING_NOT_FOUND",
            field="location",
        )
    async with ctx.unit_of_work() as uow:
        before = _snapshot(await uow.secret_allowlist.get(component_id, location))
        stored = await uow.secret_allowlist.add(
            SecretAllowlistEntry(
                component_id=component_id,
                location=location,
                kind=",".join(kinds),
                component_name=(component.name or component_id)[:NAME],
                dev_account_id=account_id,
                reason=reason,
                created_by=ctx.principal.email,
            )
        )
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="secret_allowlist.added",
            process_name=ctx.process_name,
            target_type=ALLOWLIST_TARGET,
            target_id=component_id,
            detail={"before": before, "after": _snapshot(stored)},
        )
        item = _item(stored)
        await uow.commit()
    ctx.log.info("secret finding allowlisted", component=component_id, kinds=kinds)
    return ManageSecretAllowlistResponse(entries=[item], total=1)


async def _remove(
    ctx: ActionContext, component_id: str, location: str
) -> ManageSecretAllowlistResponse:
    async with ctx.unit_of_work() as uow:
        existing = await uow.secret_allowlist.get(component_id, location)
        if existing is None:
            raise NotFound(
                f"No allowlist entry for component {component_id} at {location}.",
                error_code="ALLOWLIST_ENTRY_NOT_FOUND",
                field="location",
            )
        item = _item(existing)
        before = _snapshot(existing)
        await uow.secret_allowlist.delete(component_id, location)
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="secret_allowlist.removed",
            process_name=ctx.process_name,
            target_type=ALLOWLIST_TARGET,
            target_id=component_id,
            detail={"before": before, "after": None},
        )
        await uow.commit()
    ctx.log.info("secret allowlist entry removed", component=component_id)
    return ManageSecretAllowlistResponse(entries=[item], total=1)
