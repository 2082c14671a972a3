"""Who may edit which environment extensions (SPEC §7: ExtensionAccessMapping).

For every component that appears in a client environment's extensions the service keeps one
record: the SSO groups that may edit it, the process that owns it, whether it is a connection
(admin-only) and whether it is shared. The records are a cache, rebuilt from:

* ComponentMapping — the dev accounts whose components were promoted into that prod component;
* DevAccountAccess — the team groups granted those dev accounts (the authorized groups);
* ComponentReference in the primary account — the owner process. From the component, parents
  are followed upward to the topmost processes that use it (the promoted root processes; a
  sub-process is not an owner). When nothing references it (a process-property component or a
  cross-reference table read only through extensions), the process of the promotion that last
  wrote its mapping is used; failing that the owner is left empty ("").

A component nobody maps (a trading partner, PGP certificate or shared channel that exists only
in the primary account) still gets a record, with no groups: in effect only admins edit it.
Dynamic process properties carry no component id and so have no record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.boomi.models import EnvironmentExtensions
from boomi_promo.boomi.query import QueryFilter
from boomi_promo.errors import NotFound
from boomi_promo.identity.principal import Principal, Tier
from boomi_promo.store.tables import (
    ClientAccountConfig,
    ComponentMapping,
    ExtensionAccessMapping,
    utcnow,
)
from boomi_promo.store.uow import UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger("boomi_promo.engine.extension_access")

CONNECTION_TYPE = "connector-settings"
PROCESS_TYPE = "process"
_MAX_REFERENCE_DEPTH = 20
"""Ancestor levels followed when looking for owner processes (real trees are far shallower)."""


@dataclass(frozen=True)
class ExtensionAccess:
    """One prod component's extension-editing rule in one environment."""

    environment_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    owner_process_id: str
    owner_process_name: str
    dev_account_id: str
    dev_account_name: str
    authorized_groups: frozenset[str]
    is_connection: bool
    is_shared: bool

    @classmethod
    def from_record(cls, record: ExtensionAccessMapping) -> ExtensionAccess:
        return cls(
            environment_id=record.environment_id,
            prod_component_id=record.prod_component_id,
            component_name=record.component_name,
            component_type=record.component_type,
            owner_process_id=record.owner_process_id,
            owner_process_name=record.owner_process_name,
            dev_account_id=record.dev_account_id,
            dev_account_name=record.dev_account_name,
            authorized_groups=frozenset(record.authorized_sso_groups),
            is_connection=record.is_connection_extension,
            is_shared=record.is_shared_component,
        )

    def to_record(self, *, updated_by: str) -> ExtensionAccessMapping:
        return ExtensionAccessMapping(
            environment_id=self.environment_id,
            prod_component_id=self.prod_component_id,
            component_name=self.component_name,
            component_type=self.component_type,
            owner_process_id=self.owner_process_id,
            owner_process_name=self.owner_process_name,
            dev_account_id=self.dev_account_id,
            dev_account_name=self.dev_account_name,
            authorized_sso_groups=sorted(self.authorized_groups),
            is_connection_extension=self.is_connection,
            is_shared_component=self.is_shared,
            last_updated_at=utcnow(),
            last_updated_by=updated_by,
        )


CONNECTION_EDIT_ADMIN_ONLY = "CONNECTION_EDIT_ADMIN_ONLY"
UNAUTHORIZED_EXTENSION_EDIT = "UNAUTHORIZED_EXTENSION_EDIT"


class EditDecision(StrEnum):
    ALLOWED = "ALLOWED"
    ADMIN_ONLY = "ADMIN_ONLY"
    """A connection's settings, and the caller is not an admin (``CONNECTION_EDIT_ADMIN_ONLY``)."""
    NOT_AUTHORIZED = "NOT_AUTHORIZED"
    """None of the caller's groups is authorized (``UNAUTHORIZED_EXTENSION_EDIT``)."""
    UNKNOWN = "UNKNOWN"
    """No access record for the component: only admins may edit it."""

    @property
    def error_code(self) -> str | None:
        """The refusal code a contributor gets for this decision (``None`` when allowed)."""
        if self is EditDecision.ALLOWED:
            return None
        if self is EditDecision.ADMIN_ONLY:
            return CONNECTION_EDIT_ADMIN_ONLY
        return UNAUTHORIZED_EXTENSION_EDIT


def decide_edit(access: ExtensionAccess | None, principal: Principal) -> EditDecision:
    """Whether ``principal`` may edit the extensions of the component ``access`` describes.

    Admins may edit everything, connections and unrecorded components included. Contributors
    need a record naming one of their groups, and never edit connection settings.
    """
    if principal.tier is Tier.ADMIN:
        return EditDecision.ALLOWED
    if access is None:
        return EditDecision.UNKNOWN
    if access.is_connection:
        return EditDecision.ADMIN_ONLY
    if principal.tier is Tier.CONTRIBUTOR and access.authorized_groups.intersection(
        principal.groups
    ):
        return EditDecision.ALLOWED
    return EditDecision.NOT_AUTHORIZED


async def access_for_environment(
    uow: UnitOfWork, environment_id: str
) -> dict[str, ExtensionAccess]:
    """The stored access records of an environment, by prod component id."""
    records = await uow.extension_access.list_for_environment(environment_id)
    return {record.prod_component_id: ExtensionAccess.from_record(record) for record in records}


async def client_account_for_environment(
    uow: UnitOfWork, environment_id: str
) -> ClientAccountConfig | None:
    """One active config of the client account whose Test or Prod environment this is."""
    configs = await uow.client_accounts.find_by_environment(environment_id)
    return configs[0] if configs else None


@dataclass(frozen=True)
class ExtensionComponent:
    """A component that appears in an environment's extensions."""

    component_id: str
    name: str
    type: str


def extension_components(extensions: EnvironmentExtensions) -> list[ExtensionComponent]:
    """Every component of the extensions, each once, with the Boomi type of its section."""
    sections: list[tuple[str, Iterable[tuple[str, str | None]]]] = [
        (CONNECTION_TYPE, ((c.id, c.name) for c in extensions.connections)),
        ("connector-action", ((o.id, o.name) for o in extensions.operations)),
        ("processproperty", ((p.id, p.name) for p in extensions.process_properties)),
        ("crossref", ((x.id, x.name) for x in extensions.cross_references)),
        ("tradingpartner", ((t.id, t.name) for t in extensions.trading_partners)),
        ("tpcommoptions", ((s.id, s.name) for s in extensions.shared_communications)),
        ("certificate.pgp", ((c.id, None) for c in extensions.pgp_certificates)),
    ]
    found: dict[str, ExtensionComponent] = {}
    for component_type, items in sections:
        for component_id, name in items:
            found.setdefault(
                component_id, ExtensionComponent(component_id, name or component_id, component_type)
            )
    return list(found.values())


async def rebuild_extension_access(
    boomi: BoomiClient,
    uow_factory: UnitOfWorkFactory,
    *,
    environment_ids: list[str] | None = None,
    actor: str,
) -> int:
    """Recompute and store the access records; ``None`` = every active client environment.

    Each environment is replaced in its own transaction, with an audit entry. Raises
    :class:`NotFound` for an environment that belongs to no active client account. Returns the
    number of records written.
    """
    async with uow_factory() as uow:
        configs = await uow.client_accounts.list_all_active()
    accounts_by_environment: dict[str, str] = {}
    for config in configs:
        accounts_by_environment.setdefault(config.test_environment_id, config.client_account_id)
        accounts_by_environment.setdefault(config.prod_environment_id, config.client_account_id)
    requested = environment_ids if environment_ids is not None else accounts_by_environment
    targets = list(dict.fromkeys(requested))
    unknown = [e for e in targets if e not in accounts_by_environment]
    if unknown:
        raise NotFound(
            f"Environment '{unknown[0]}' belongs to no active client account.",
            error_code="ENVIRONMENT_NOT_FOUND",
            field="environmentId",
        )
    resolver = _OwnerResolver(boomi)
    written = 0
    for environment_id in targets:
        client_account_id = accounts_by_environment[environment_id]
        extensions = await boomi.get_environment_extensions(
            environment_id, override_account=client_account_id
        )
        access = await _compute(
            uow_factory, resolver, environment_id, extension_components(extensions)
        )
        async with uow_factory() as uow:
            await uow.extension_access.replace_for_environment(
                environment_id, [a.to_record(updated_by=actor) for a in access]
            )
            await uow.audit.append(
                actor_email=actor,
                action="extension_access.rebuilt",
                target_type="environment",
                target_id=environment_id,
                detail={"clientAccountId": client_account_id, "records": len(access)},
            )
            await uow.commit()
        log.info(
            "extension_access.rebuilt",
            environment_id=environment_id,
            client_account_id=client_account_id,
            records=len(access),
        )
        written += len(access)
    return written


@dataclass(frozen=True)
class _Owner:
    process_id: str
    process_name: str


async def _compute(
    uow_factory: UnitOfWorkFactory,
    resolver: _OwnerResolver,
    environment_id: str,
    components: list[ExtensionComponent],
) -> list[ExtensionAccess]:
    # Store reads first, in one short transaction; the Boomi walks come after it is closed.
    grants: dict[str, tuple[dict[str, str], set[str]]] = {}
    fallback_owner: dict[str, _Owner] = {}
    async with uow_factory() as uow:
        for component in components:
            mappings = await uow.mappings.list_for_prod_component(component.component_id)
            accounts: dict[str, str] = {}
            groups: set[str] = set()
            for mapping in sorted(mappings, key=lambda m: m.dev_account_id):
                for grant in await uow.access.list_active_for_dev_account(mapping.dev_account_id):
                    accounts.setdefault(grant.dev_account_id, grant.dev_account_name)
                    groups.add(grant.sso_group_id)
                accounts.setdefault(mapping.dev_account_id, mapping.dev_account_id)
            grants[component.component_id] = (accounts, groups)
            owner = await _promotion_owner(uow, mappings)
            if owner is not None:
                fallback_owner[component.component_id] = owner
    access: list[ExtensionAccess] = []
    for component in components:
        accounts, groups = grants[component.component_id]
        owners = await resolver.root_processes(component.component_id)
        if not owners and component.component_id in fallback_owner:
            owners = [fallback_owner[component.component_id]]
        first_account = next(iter(accounts.items()), ("", ""))
        first_owner = owners[0] if owners else _Owner("", "")
        name = component.name
        if name == component.component_id:  # PGP certificates carry no name in extensions
            name = (await resolver.describe(component.component_id))[0]
        access.append(
            ExtensionAccess(
                environment_id=environment_id,
                prod_component_id=component.component_id,
                component_name=name,
                component_type=component.type,
                owner_process_id=first_owner.process_id,
                owner_process_name=first_owner.process_name,
                dev_account_id=first_account[0],
                dev_account_name=first_account[1],
                authorized_groups=frozenset(groups),
                is_connection=component.type == CONNECTION_TYPE,
                is_shared=len(accounts) > 1 or len(owners) > 1,
            )
        )
    return access


async def _promotion_owner(uow: UnitOfWork, mappings: Iterable[ComponentMapping]) -> _Owner | None:
    """The root process of the promotion that last wrote one of ``mappings``, as prod ids."""
    for mapping in mappings:
        if mapping.last_promotion_id is None:
            continue
        promotion = await uow.promotions.get(mapping.last_promotion_id)
        if promotion is None:
            continue
        root = await uow.mappings.get(promotion.root_component_id, promotion.dev_account_id)
        if root is not None:
            return _Owner(root.prod_component_id, promotion.process_name or root.component_name)
    return None


class _OwnerResolver:
    """Finds the topmost processes using a component in the primary account, with caches."""

    def __init__(self, boomi: BoomiClient) -> None:
        self._boomi = boomi
        self._parents: dict[str, list[str]] = {}
        self._metadata: dict[str, tuple[str, str]] = {}

    async def root_processes(self, component_id: str) -> list[_Owner]:
        ancestors: dict[str, int] = {}
        frontier = [component_id]
        for depth in range(1, _MAX_REFERENCE_DEPTH + 1):
            next_frontier: list[str] = []
            for node in frontier:
                for parent in await self._parents_of(node):
                    if parent not in ancestors and parent != component_id:
                        ancestors[parent] = depth
                        next_frontier.append(parent)
            if not next_frontier:
                break
            frontier = next_frontier
        processes = [a for a in ancestors if (await self.describe(a))[1] == PROCESS_TYPE]
        roots: list[_Owner] = []
        for process_id in processes:
            if not await self._has_process_ancestor(process_id):
                roots.append(_Owner(process_id, (await self.describe(process_id))[0]))
        return sorted(roots, key=lambda o: (o.process_name.lower(), o.process_id))

    async def _has_process_ancestor(self, component_id: str) -> bool:
        seen: set[str] = {component_id}
        frontier = [component_id]
        while frontier:
            node = frontier.pop()
            for parent in await self._parents_of(node):
                if parent in seen:
                    continue
                if (await self.describe(parent))[1] == PROCESS_TYPE:
                    return True
                seen.add(parent)
                frontier.append(parent)
        return False

    async def _parents_of(self, component_id: str) -> list[str]:
        if component_id not in self._parents:
            found: list[str] = []
            async for reference in self._boomi.query_component_references(
                QueryFilter.where("componentId", "EQUALS", component_id)
            ):
                if reference.parent_component_id not in found:
                    found.append(reference.parent_component_id)
            self._parents[component_id] = found
        return self._parents[component_id]

    async def describe(self, component_id: str) -> tuple[str, str]:
        """(name, type) of a primary-account component; (its id, "") if there is none."""
        if component_id not in self._metadata:
            try:
                metadata = await self._boomi.get_component_metadata(component_id)
            except BoomiError as error:
                if error.http_status != 404:
                    raise
                self._metadata[component_id] = (component_id, "")
            else:
                self._metadata[component_id] = (metadata.name or component_id, metadata.type or "")
        return self._metadata[component_id]


async def refresh_authorized_groups(uow: UnitOfWork, dev_account_id: str, *, actor: str) -> int:
    """After a dev account's grants changed: recompute, from the store alone, the groups of
    every access record whose prod component that account's mappings point at.

    The owner processes and the rest of each record come from Boomi and do not depend on
    grants, so no Boomi call is needed. Runs inside the caller's transaction; returns the
    number of records changed.
    """
    prod_ids = {
        m.prod_component_id for m in await uow.mappings.list_for_dev_account(dev_account_id)
    }
    records = await uow.extension_access.list_for_prod_components(prod_ids)
    groups_by_account: dict[str, set[str]] = {}
    changed = 0
    for record in records:
        groups: set[str] = set()
        for mapping in await uow.mappings.list_for_prod_component(record.prod_component_id):
            account = mapping.dev_account_id
            if account not in groups_by_account:
                grants = await uow.access.list_active_for_dev_account(account)
                groups_by_account[account] = {grant.sso_group_id for grant in grants}
            groups |= groups_by_account[account]
        if set(record.authorized_sso_groups) != groups:
            record.authorized_sso_groups = sorted(groups)
            record.last_updated_at = utcnow()
            record.last_updated_by = actor
            changed += 1
    await uow.session.flush()
    return changed


async def refresh_after_deployment(
    boomi: BoomiClient, uow_factory: UnitOfWorkFactory, *, promotion_id: str, actor: str
) -> None:
    """Rebuild every client environment's records after a production deployment.

    The deployment has already succeeded, so a failure here is logged and written to the
    audit trail (for an admin to rebuild by hand), never raised.
    """
    try:
        await rebuild_extension_access(boomi, uow_factory, actor=actor)
    except Exception as error:
        message = getattr(error, "message", None) or type(error).__name__
        log.warning("extension_access.refresh_failed", promotion_id=promotion_id, error=message)
        async with uow_factory() as uow:
            await uow.audit.append(
                actor_email=actor,
                action="extension_access.refresh_failed",
                target_type="promotion",
                target_id=promotion_id,
                detail={"error": str(message)[:500]},
            )
            await uow.commit()
