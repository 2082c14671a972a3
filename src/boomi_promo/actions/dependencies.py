"""B resolveDependencies: the whole tree of a dev component, as the promotion would treat it.

Beyond the reference profile, each component says whether the promotion will create it or
update an existing prod component (a usable mapping, with its prod id), whether it carries
environment-specific values, and for connections whether a mapping exists; the response
counts them and lists the unmapped connections, any reference cycles, and the secrets the
promotion cannot strip (``secretFindings``: component, location, kind — never the value —
each saying whether an admin allowlisted it; any other one refuses the promotion).
"""

from __future__ import annotations

from pydantic import Field

from boomi_promo.actions.boomi_ids import BoomiId
from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.actions.secret_allowlist import SecretFindingItem
from boomi_promo.domain.component_xml import ComponentXmlError
from boomi_promo.domain.secrets import find_environment_values
from boomi_promo.engine.access import require_dev_account
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import last_known_tree, packaged_promotions, plan_continuity
from boomi_promo.engine.secret_check import blocking, component_secrets, mark_allowlisted
from boomi_promo.engine.tree import TreeComponent, resolve_tree
from boomi_promo.store import ComponentMapping

CREATE = "CREATE"
UPDATE = "UPDATE"
SKIP = "SKIP"
"""Connections are never promoted: the mapped shared connection is used."""


class ResolveDependenciesRequest(Profile):
    dev_account_id: BoomiId = Field(description="Dev sub-account of the component")
    root_component_id: BoomiId = Field(description="Component whose tree to resolve")


class DependencyItem(Profile):
    component_id: str
    component_name: str
    component_type: str
    dependency_type: str = Field(description="ROOT, DEPENDENT or INDEPENDENT")
    depth: int = Field(description="Shortest distance from the root (the root is 0)")
    folder_full_path: str
    action: str = Field(description="CREATE, UPDATE, or SKIP for a connection")
    prod_component_id: str = ""
    prod_latest_version: int | None = None
    has_environment_values: bool = False
    is_connection: bool = False
    mapping_exists: bool = False
    error: str = Field(default="", description="Why the component cannot be promoted as it is")


class UnmappedConnection(Profile):
    dev_component_id: str
    name: str
    type: str
    dev_account_id: str


class ReferenceCycle(Profile):
    component_ids: list[str]
    component_names: list[str]


class ResolveDependenciesResponse(ResponseProfile):
    root_component_id: str = ""
    root_component_name: str = ""
    dependencies: list[DependencyItem] = Field(default_factory=list)
    total_components: int = 0
    to_create: int = 0
    to_update: int = 0
    connections: int = 0
    unmapped_connection_count: int = 0
    unmapped_connections: list[UnmappedConnection] = Field(default_factory=list)
    cycles: list[ReferenceCycle] = Field(default_factory=list)
    secret_findings: list[SecretFindingItem] = Field(
        default_factory=list,
        description="Secrets the promotion cannot strip; each not allowlisted refuses it",
    )
    blocking_secret_count: int = Field(
        default=0, description="Secret findings not allowlisted: the promotion is refused"
    )


@action(
    name="resolveDependencies",
    code="B",
    description="Resolve Dependencies",
    request=ResolveDependenciesRequest,
    response=ResolveDependenciesResponse,
)
async def resolve_dependencies(
    ctx: ActionContext, request: ResolveDependenciesRequest
) -> ResolveDependenciesResponse:
    account = await require_dev_account(ctx, request.dev_account_id)
    bulk = ctx.settings.boomi.bulk_reads
    expected: list[str] = []
    if bulk:
        async with ctx.unit_of_work() as uow:
            expected = await last_known_tree(uow, account.account_id, request.root_component_id)
    tree = await resolve_tree(
        ctx.boomi, account.account_id, request.root_component_id, bulk=bulk, expected=expected
    )
    findings = [
        finding
        for component in tree.components.values()
        for finding in component_secrets(component, component.xml)
    ]
    async with ctx.unit_of_work() as uow:
        mappings = await uow.mappings.get_many(account.account_id, tree.ids)
        packaged = await packaged_promotions(uow, account.account_id)
        findings = await mark_allowlisted(uow, findings)
    promoted = {cid: m for cid, m in mappings.items() if not tree.components[cid].is_connection}
    plan = plan_continuity(promoted, packaged, root_component_id=tree.root_id)
    items = [
        _item(
            component, mappings.get(component.component_id), component.component_id in plan.usable
        )
        for component in tree.components.values()
    ]
    unmapped = [
        UnmappedConnection(
            dev_component_id=item.component_id,
            name=item.component_name,
            type=item.component_type,
            dev_account_id=account.account_id,
        )
        for item in items
        if item.is_connection and not item.mapping_exists
    ]
    cycles = [
        ReferenceCycle(
            component_ids=cycle, component_names=[tree.components[cid].name for cid in cycle]
        )
        for cycle in tree.cycles()
    ]
    ctx.log.info(
        "dependencies resolved",
        dev_account=account.account_id,
        root=tree.root_id,
        components=len(items),
        unmapped_connections=len(unmapped),
        secret_findings=len(findings),
    )
    return ResolveDependenciesResponse(
        root_component_id=tree.root_id,
        root_component_name=tree.root.name,
        dependencies=items,
        total_components=len(items),
        to_create=sum(1 for item in items if item.action == CREATE),
        to_update=sum(1 for item in items if item.action == UPDATE),
        connections=sum(1 for item in items if item.is_connection),
        unmapped_connection_count=len(unmapped),
        unmapped_connections=unmapped,
        cycles=cycles,
        secret_findings=[SecretFindingItem.of(f) for f in findings],
        blocking_secret_count=len(blocking(findings)),
    )


def _item(
    component: TreeComponent, mapping: ComponentMapping | None, usable: bool
) -> DependencyItem:
    error = ""
    try:
        has_values = bool(find_environment_values(component.xml))
    except ComponentXmlError as exc:
        has_values, error = False, str(exc)
    if component.is_connection:
        action_name = SKIP
    else:
        action_name = UPDATE if mapping is not None and usable else CREATE
    linked = mapping if mapping is not None and (component.is_connection or usable) else None
    return DependencyItem(
        component_id=component.component_id,
        component_name=component.name,
        component_type=component.type,
        dependency_type=component.dependency_type,
        depth=component.depth,
        folder_full_path=component.folder_full_path,
        action=action_name,
        prod_component_id=linked.prod_component_id if linked else "",
        prod_latest_version=linked.prod_latest_version if linked else None,
        has_environment_values=has_values,
        is_connection=component.is_connection,
        mapping_exists=component.is_connection and mapping is not None,
        error=error,
    )
