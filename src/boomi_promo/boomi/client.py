"""Async client for the Boomi Platform (Partner) REST API: one method per endpoint.

One :class:`BoomiClient` per primary account; how each call is sent (auth, rate limit, retries,
typed errors) is :mod:`boomi_promo.boomi.transport`'s. Component is XML; everything else is
JSON.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import httpx
from lxml import etree
from pydantic import ValidationError

from boomi_promo.boomi.errors import (
    BoomiBadRequestError,
    BoomiNotFoundError,
    BranchNotReadyError,
)
from boomi_promo.boomi.limiter import LocalRateLimiter, RateLimiter
from boomi_promo.boomi.models import (
    COMPONENT_TAG,
    Account,
    Branch,
    BranchStage,
    BulkItem,
    Component,
    ComponentMetadata,
    ComponentReference,
    DeployedPackage,
    Environment,
    EnvironmentExtensions,
    EnvironmentMapExtension,
    Folder,
    InstallationType,
    IntegrationPack,
    ListenerStatus,
    MapExtensionSummary,
    MergeRequest,
    MergeRequestAction,
    MergeStage,
    MergeStrategy,
    PackagedComponent,
    PriorityBranch,
    PublisherIntegrationPack,
    QueryResult,
    ReleaseIntegrationPack,
    ReleaseIntegrationPackStatus,
    ReleasePackagedComponent,
    ReleaseSchedule,
    ReleaseStatus,
    with_root_attributes,
)
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.boomi.transport import (
    JSON,
    TEXT,
    XML,
    BoomiTransport,
    CallHook,
    LookupInconclusive,
    ModelT,
    Request,
    json_bytes,
    segment,
)
from boomi_promo.config import BoomiSettings
from boomi_promo.xmlsafe import parse_xml, to_bytes

BULK_COMPONENT_MAX = 5
"""Ids per Component bulk GET, as Boomi documents it."""
BULK_MAX = 100
"""Ids per bulk GET of every other object."""

REFERENCE_QUERY_PARENTS = 50
"""Parents per ComponentReference query: an ``or`` of (parentComponentId, parentVersion) pairs,
100 simple expressions, as many as the ComponentMetadata queries' ``or`` of 100 ids."""

MAIN_BRANCH = "main"
"""Boomi's default branch, which packages come from when no branch is named."""

_CLOSED_MERGE_STAGES = frozenset(
    {
        MergeStage.MERGED,
        MergeStage.REVERTED,
        MergeStage.DELETED,
        MergeStage.FAILED_TO_DRAFT,
        MergeStage.FAILED_TO_REDRAFT,
        MergeStage.FAILED_TO_MERGE,
    }
)
"""Stages a merge request reaches only long after it is created (or never again leaves)."""

_STARTED_MERGE_STAGES = frozenset({MergeStage.MERGING, MergeStage.MERGED})
"""Stages a merge request is in once its MERGE was executed."""

ResultT = TypeVar("ResultT")
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


def _revision_suffix(version: int | None, branch_id: str | None) -> str:
    if version is not None and branch_id is not None:
        raise ValueError("give a version or a branch id, not both")
    if version is not None:
        return f"~{version}"
    if branch_id is not None:
        return f"~{segment(branch_id)}"
    return ""


class BoomiClient(BoomiTransport):
    """Typed async client for one primary account. Use as an async context manager."""

    @classmethod
    def from_settings(
        cls,
        settings: BoomiSettings,
        limiter: RateLimiter | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        on_call: CallHook | None = None,
    ) -> BoomiClient:
        """A client for the configured primary account; an in-process limiter if none given."""
        return cls(
            base_url=settings.base_url,
            account_id=settings.primary_account_id,
            username=settings.username,
            api_token=settings.api_token.get_secret_value(),
            limiter=limiter or LocalRateLimiter(rate=settings.requests_per_second),
            timeout=settings.timeout_seconds,
            max_retries=settings.max_retries,
            backoff_seconds=settings.backoff_seconds,
            override_account_rate_limit=settings.override_account_rate_limit,
            transport=transport,
            on_call=on_call,
            call_mode=settings.call_mode,
            branch_query_delay_seconds=settings.branch_query_delay_seconds,
            max_response_bytes=settings.max_response_bytes,
        )

    # ---------------------------------------------------------------- Account

    async def get_account(self, account_id: str) -> Account:
        request = Request("GET", f"Account/{segment(account_id)}", "Account/{id}", None)
        return self._model(Account, request, await self._send(request))

    def query_accounts(self, filter: QueryFilter) -> AsyncIterator[Account]:
        """Accounts created by the primary account (its sub-accounts) matching ``filter``."""
        return self._query_models(Account, "Account", filter, None)

    # ---------------------------------------------------------------- queries

    async def query(
        self, object_type: str, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every result of a query, page after page (``queryMore`` until no token is left)."""
        request = Request(
            "POST",
            f"{object_type}/query",
            f"{object_type}/query",
            override_account,
            content=json_bytes(filter.to_json()),
            content_type=JSON,
        )
        seen_tokens: set[str] = set()
        while True:
            page = self._model(QueryResult, request, await self._send(request))
            for item in page.result:
                yield item
            if not page.query_token:
                return
            if page.query_token in seen_tokens:
                raise self._bad_response(request, "Boomi returned the same queryToken twice")
            seen_tokens.add(page.query_token)
            request = Request(
                "POST",
                f"{object_type}/queryMore",
                f"{object_type}/queryMore",
                override_account,
                content=page.query_token.encode("utf-8"),
                content_type=TEXT,
            )

    # ---------------------------------------------------------------- Folder

    async def get_folder(self, folder_id: str, *, override_account: str | None = None) -> Folder:
        request = Request("GET", f"Folder/{segment(folder_id)}", "Folder/{id}", override_account)
        return self._model(Folder, request, await self._send(request))

    def query_folders(
        self, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[Folder]:
        return self._query_models(Folder, "Folder", filter, override_account)

    async def create_folder(
        self, name: str, parent_id: str | None = None, *, override_account: str | None = None
    ) -> Folder:
        body: dict[str, Any] = {"name": name}
        if parent_id is not None:
            body["parentId"] = parent_id
        request = self._json_post("Folder", "Folder", body, override_account)

        async def find() -> Folder | None:
            return await self._find_folder(name, parent_id, override_account)

        return await self._create(request, self._parse_model(Folder), find)

    async def _find_folder(
        self, name: str, parent_id: str | None, override_account: str | None
    ) -> Folder | None:
        """The live folder ``name`` under ``parent_id`` (the root folder when ``None``): a
        folder's name is unique, in any case, among its parent's children."""
        if parent_id is None:
            roots = self.query_folders(
                QueryFilter.where("parentId", Operator.IS_NULL), override_account=override_account
            )
            async for root in roots:
                if not root.deleted:
                    parent_id = root.id
                    break
        where = QueryFilter.where("name", Operator.EQUALS, name)
        if parent_id is not None:
            where = where.and_(QueryFilter.where("parentId", Operator.EQUALS, parent_id))
        async for folder in self.query_folders(where, override_account=override_account):
            if (
                not folder.deleted
                and folder.parent_id == parent_id
                and (folder.name or "").casefold() == name.casefold()
            ):
                return folder
        return None

    # ---------------------------------------------------------------- Component (XML)

    async def get_component(
        self,
        component_id: str,
        *,
        version: int | None = None,
        branch_id: str | None = None,
        override_account: str | None = None,
    ) -> Component:
        """The latest revision, a given revision (``~version``) or as seen on a branch."""
        suffix = _revision_suffix(version, branch_id)
        request = Request(
            "GET",
            f"Component/{segment(component_id)}{suffix}",
            "Component/{id}" + ("~{revision}" if suffix else ""),
            override_account,
            accept=XML,
        )
        return self._component(request, await self._send(request))

    async def create_component(
        self,
        xml: bytes,
        *,
        branch_id: str | None = None,
        folder_id: str | None = None,
        override_account: str | None = None,
        not_ids: Collection[str] = (),
    ) -> Component:
        """Create a component from a ``<bns:Component>`` document; Boomi assigns the id.

        The document's ``componentId`` is dropped. ``branch_id`` writes to that branch, else
        to main (a ``branchId`` copied from another read is dropped, not followed);
        ``folder_id`` places it, else the document's own ``folderId`` stands. ``not_ids``: ids
        the new component cannot have (the caller's other components, read when a lost answer
        is looked up), so a same-named sibling is never taken for it.
        """
        document = with_root_attributes(
            xml, {"componentId": None, "branchId": branch_id, **_folder(folder_id)}
        )
        request = Request(
            "POST",
            "Component",
            "Component",
            override_account,
            accept=XML,
            content=document,
            content_type=XML,
        )
        sent = Component.from_xml(document)

        async def find() -> Component | None:
            return await self._find_component(sent, branch_id, override_account, not_ids)

        return await self._create(request, self._component, find)

    async def _find_component(
        self,
        sent: Component,
        branch_id: str | None,
        override_account: str | None,
        not_ids: Collection[str],
    ) -> Component | None:
        """The live component written on the branch with the name, type and folder of
        ``sent`` and none of ``not_ids`` (Boomi keeps no other key of a create); two such
        components cannot be told apart: :class:`LookupInconclusive`."""
        if not sent.name:
            return None
        where = QueryFilter.where("name", Operator.EQUALS, sent.name).and_(
            QueryFilter.where("currentVersion", Operator.EQUALS, True),
            QueryFilter.where("deleted", Operator.EQUALS, False),
        )
        if sent.folder_id:
            where = where.and_(QueryFilter.where("folderId", Operator.EQUALS, sent.folder_id))
        if branch_id is not None:
            where = where.and_(QueryFilter.where("branchId", Operator.EQUALS, branch_id))
        candidates = {
            found.component_id
            async for found in self.query_component_metadata(
                where, override_account=override_account
            )
            if found.name == sent.name
            and found.type == sent.type
            and not found.deleted
            and found.current_version is not False
            and (not sent.folder_id or found.folder_id == sent.folder_id)
            and (branch_id is None or found.branch_id == branch_id)
            and found.component_id not in not_ids
        }
        if len(candidates) > 1:
            raise LookupInconclusive(
                f"{len(candidates)} components named {sent.name!r} ({sent.type}) in one folder"
            )
        if not candidates:
            return None
        return await self.get_component(
            candidates.pop(), branch_id=branch_id, override_account=override_account
        )

    async def update_component(
        self,
        component_id: str,
        xml: bytes,
        *,
        branch_id: str | None = None,
        folder_id: str | None = None,
        override_account: str | None = None,
    ) -> Component:
        """Replace a component with a new revision (same id, version + 1).

        ``componentId`` in the document is set to ``component_id``; ``branch_id`` and
        ``folder_id`` as for :meth:`create_component`.
        """
        document = with_root_attributes(
            xml, {"componentId": component_id, "branchId": branch_id, **_folder(folder_id)}
        )
        request = Request(
            "POST",
            f"Component/{segment(component_id)}",
            "Component/{id}",
            override_account,
            accept=XML,
            content=document,
            content_type=XML,
        )
        return self._component(request, await self._send(request))

    # ---------------------------------------------------------------- ComponentMetadata

    async def get_component_metadata(
        self,
        component_id: str,
        *,
        version: int | None = None,
        branch_id: str | None = None,
        override_account: str | None = None,
    ) -> ComponentMetadata:
        suffix = _revision_suffix(version, branch_id)
        request = Request(
            "GET",
            f"ComponentMetadata/{segment(component_id)}{suffix}",
            "ComponentMetadata/{id}" + ("~{revision}" if suffix else ""),
            override_account,
        )
        return self._model(ComponentMetadata, request, await self._send(request))

    def query_component_metadata(
        self, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[ComponentMetadata]:
        """Matching revisions; old and deleted ones too unless ``filter`` excludes them."""
        return self._query_models(ComponentMetadata, "ComponentMetadata", filter, override_account)

    # ---------------------------------------------------------------- ComponentReference

    async def get_where_used(
        self,
        component_id: str,
        *,
        branch_id: str | None = None,
        override_account: str | None = None,
    ) -> list[ComponentReference]:
        """The components that reference ``component_id`` directly (Boomi's GET takes the
        *secondary* component's id), each at its current version; on a branch if given.

        Boomi answers 400 for a component that neither references nor is referenced by
        anything: that is an empty list here. What a component uses comes from
        :meth:`query_child_references`.
        """
        suffix = _revision_suffix(None, branch_id)
        request = Request(
            "GET",
            f"ComponentReference/{segment(component_id)}{suffix}",
            "ComponentReference/{id}" + ("~{branch}" if suffix else ""),
            override_account,
        )
        try:
            response = await self._send(request)
        except BoomiBadRequestError as exc:
            if exc.status_code == 400:
                return []
            raise
        return self._references(request, self._json(request, response))

    async def query_child_references(
        self, parents: Mapping[str, int], *, override_account: str | None = None
    ) -> dict[str, list[ComponentReference]]:
        """What each parent uses directly (one level), by component id → revision.

        Boomi's QUERY by ``parentComponentId`` and ``parentVersion``, up to
        :data:`REFERENCE_QUERY_PARENTS` parents per query (an ``or`` of one ``and`` pair each),
        every page. Every parent is in the answer; one that uses nothing has an empty list.
        """
        items = list(parents.items())
        chunks = [
            items[i : i + REFERENCE_QUERY_PARENTS]
            for i in range(0, len(items), REFERENCE_QUERY_PARENTS)
        ]
        found: dict[str, list[ComponentReference]] = {parent: [] for parent in parents}

        async def query(chunk: list[tuple[str, int]]) -> None:
            pairs = [
                QueryFilter.where("parentComponentId", Operator.EQUALS, parent).and_(
                    QueryFilter.where("parentVersion", Operator.EQUALS, version)
                )
                for parent, version in chunk
            ]
            asked = set(chunk)
            filter = pairs[0].or_(*pairs[1:])
            async for reference in self.query_component_references(
                filter, override_account=override_account
            ):
                key = (reference.parent_component_id, reference.parent_version)
                if key in asked:
                    found[reference.parent_component_id].append(reference)

        await asyncio.gather(*(query(chunk) for chunk in chunks))
        return found

    async def query_component_references(
        self, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[ComponentReference]:
        """Reference edges matching ``filter`` (e.g. the parents of a ``componentId``)."""
        request = Request(
            "POST", "ComponentReference/query", "ComponentReference/query", override_account
        )
        async for item in self.query(
            "ComponentReference", filter, override_account=override_account
        ):
            for reference in self._references(request, item):
                yield reference

    # ---------------------------------------------------------------- PackagedComponent

    def query_packaged_components(
        self, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[PackagedComponent]:
        return self._query_models(PackagedComponent, "PackagedComponent", filter, override_account)

    async def get_packaged_component(
        self, package_id: str, *, override_account: str | None = None
    ) -> PackagedComponent:
        return await self._get_model(
            PackagedComponent, "PackagedComponent", package_id, override_account
        )

    async def create_packaged_component(
        self,
        component_id: str,
        *,
        package_version: str | None = None,
        notes: str | None = None,
        branch_name: str | None = None,
        shareable: bool | None = None,
        component_type: str | None = None,
        override_account: str | None = None,
    ) -> PackagedComponent:
        """Package a component; ``branch_name`` (a name, not an id) packages from a branch,
        else from main. Boomi numbers the package when ``package_version`` is not given.

        Boomi's schema requires ``componentType``, ``branchName`` and ``notes`` on a create:
        without ``component_type`` the component's metadata is read to learn it.
        """
        if component_type is None:
            metadata = await self.get_component_metadata(
                component_id, override_account=override_account
            )
            component_type = metadata.type
        body: dict[str, Any] = {
            "componentId": component_id,
            "componentType": component_type,
            "branchName": branch_name or MAIN_BRANCH,
            "notes": notes or "",
        }
        optional = {"packageVersion": package_version, "shareable": shareable}
        body.update({key: value for key, value in optional.items() if value is not None})
        request = self._json_post("PackagedComponent", "PackagedComponent", body, override_account)

        async def find() -> PackagedComponent | None:
            return await self._find_package(
                component_id,
                package_version=package_version,
                branch_name=branch_name or MAIN_BRANCH,
                notes=notes,
                shareable=shareable,
                override_account=override_account,
            )

        return await self._create(request, self._parse_model(PackagedComponent), find)

    async def _find_package(
        self,
        component_id: str,
        *,
        package_version: str | None,
        branch_name: str,
        notes: str | None,
        shareable: bool | None,
        override_account: str | None,
    ) -> PackagedComponent | None:
        """The live package of ``component_id`` with ``package_version`` (unique per
        component); when Boomi numbers it, the one of the component's current version on
        ``branch_name``, made from that branch with the same notes and shareability."""
        where = QueryFilter.where("componentId", Operator.EQUALS, component_id)
        if package_version is not None:
            where = where.and_(
                QueryFilter.where("packageVersion", Operator.EQUALS, package_version)
            )
        packages = [
            p
            async for p in self.query_packaged_components(where, override_account=override_account)
            if not p.deleted and p.component_id == component_id
        ]
        if package_version is not None:
            return next((p for p in packages if p.package_version == package_version), None)
        current = await self._current_version(component_id, branch_name, override_account)
        same = [
            p
            for p in packages
            if (p.branch_name or MAIN_BRANCH) == branch_name
            and p.component_version == current
            and (notes is None or (p.notes or "") == notes)
            and (shareable is None or bool(p.shareable) == shareable)
        ]
        return same[-1] if same else None

    async def _current_version(
        self, component_id: str, branch_name: str, override_account: str | None
    ) -> int | None:
        """The version of ``component_id`` that branch ``branch_name`` sees, if any."""
        where = QueryFilter.where("componentId", Operator.EQUALS, component_id).and_(
            QueryFilter.where("branchName", Operator.EQUALS, branch_name),
            QueryFilter.where("currentVersion", Operator.EQUALS, True),
        )
        async for found in self.query_component_metadata(where, override_account=override_account):
            if found.component_id == component_id and found.current_version:
                return found.version
        return None

    # ---------------------------------------------------------------- Branch

    async def create_branch(
        self,
        name: str,
        *,
        parent_id: str | None = None,
        package_id: str | None = None,
        description: str | None = None,
        override_account: str | None = None,
    ) -> Branch:
        """Start a branch from a parent branch (main's id) or from a package.

        The branch comes back not ready; see :meth:`wait_for_branch_ready`.
        """
        body: dict[str, Any] = {"name": name}
        optional = {"parentId": parent_id, "packageId": package_id, "description": description}
        body.update({key: value for key, value in optional.items() if value is not None})
        request = self._json_post("Branch", "Branch", body, override_account)

        async def find() -> Branch | None:
            # A branch name is unique in the account: a live one by this name is this create.
            # Boomi may list a new branch only a while after creating it: look until then.
            deadline = self._clock() + self.branch_query_delay_seconds
            while True:
                found = await self.find_branch_by_name(name, override_account=override_account)
                if found is not None or self._clock() >= deadline:
                    return found
                await self._sleep(min(1.0, max(0.05, self.branch_query_delay_seconds / 10)))

        return await self._create(request, self._parse_model(Branch), find)

    async def get_branch(self, branch_id: str, *, override_account: str | None = None) -> Branch:
        request = Request("GET", f"Branch/{segment(branch_id)}", "Branch/{id}", override_account)
        return self._model(Branch, request, await self._send(request))

    def query_branches(
        self, filter: QueryFilter | None = None, *, override_account: str | None = None
    ) -> AsyncIterator[Branch]:
        """Branches matching ``filter``; every branch when it is not given."""
        return self._query_models(Branch, "Branch", filter or QueryFilter.all(), override_account)

    async def find_branch_by_name(
        self, name: str, *, override_account: str | None = None
    ) -> Branch | None:
        """The live branch named exactly ``name`` (e.g. ``main``), or ``None``."""
        matches = self.query_branches(
            QueryFilter.where("name", Operator.EQUALS, name), override_account=override_account
        )
        async for branch in matches:
            if branch.name == name and not branch.deleted:
                return branch
        return None

    async def delete_branch(self, branch_id: str, *, override_account: str | None = None) -> bool:
        """Delete a branch; ``False`` when it was already gone (404) or already being deleted
        (stage DELETING), which is not an error.

        Boomi lists a deleted branch as DELETING for a while; should it refuse a second delete
        meanwhile (400), the branch is read to tell that apart from a real refusal.
        """
        request = Request("DELETE", f"Branch/{segment(branch_id)}", "Branch/{id}", override_account)
        try:
            await self._send(request)
        except BoomiNotFoundError:
            return False
        except BoomiBadRequestError:
            try:
                branch = await self.get_branch(branch_id, override_account=override_account)
            except BoomiNotFoundError:
                return False
            if branch.stage == BranchStage.DELETING or branch.deleted:
                return False
            raise
        return True

    async def wait_for_branch_ready(
        self,
        branch_id: str,
        *,
        timeout_seconds: float = 120.0,
        interval_seconds: float = 1.0,
        override_account: str | None = None,
    ) -> Branch:
        """Poll the branch until ``ready``; :class:`BranchNotReadyError` after the timeout, or
        at once when the branch is being deleted (it will never be ready)."""
        deadline = self._clock() + timeout_seconds
        while True:
            branch = await self.get_branch(branch_id, override_account=override_account)
            if branch.ready:
                return branch
            if branch.stage == BranchStage.DELETING:
                raise BranchNotReadyError(
                    f"Boomi branch {branch_id} is being deleted (stage DELETING); it will "
                    "not become ready",
                    method="GET",
                    path=f"/Branch/{branch_id}",
                    branch_id=branch_id,
                    stage=branch.stage,
                )
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise BranchNotReadyError(
                    f"Boomi branch {branch_id} was not ready after {timeout_seconds:g} s "
                    f"(stage {branch.stage or 'unknown'})",
                    method="GET",
                    path=f"/Branch/{branch_id}",
                    branch_id=branch_id,
                    stage=branch.stage,
                )
            await self._sleep(min(interval_seconds, remaining))

    # ---------------------------------------------------------------- MergeRequest

    async def create_merge_request(
        self,
        source_branch_id: str,
        destination_branch_id: str,
        *,
        strategy: MergeStrategy | str = MergeStrategy.OVERRIDE,
        priority_branch: PriorityBranch | str = PriorityBranch.SOURCE,
        note: str | None = None,
        override_account: str | None = None,
    ) -> MergeRequest:
        body: dict[str, Any] = {
            "sourceBranchId": source_branch_id,
            "destinationBranchId": destination_branch_id,
            "strategy": str(MergeStrategy(strategy)),
            "priorityBranch": str(PriorityBranch(priority_branch)),
            # Required by Boomi's schema; Boomi fills in the details itself.
            "MergeRequestDetails": {},
        }
        if note is not None:
            body["note"] = note
        request = self._json_post("MergeRequest", "MergeRequest", body, override_account)

        async def find() -> MergeRequest | None:
            return await self._find_merge_request(
                source_branch_id, destination_branch_id, note, override_account
            )

        return await self._create(request, self._parse_model(MergeRequest), find)

    async def _find_merge_request(
        self,
        source_branch_id: str,
        destination_branch_id: str,
        note: str | None,
        override_account: str | None,
    ) -> MergeRequest | None:
        """The newest open merge request from the source into the destination (with the same
        note); merged, reverted or failed ones are earlier requests."""
        where = QueryFilter.where("sourceBranchId", Operator.EQUALS, source_branch_id).and_(
            QueryFilter.where("destinationBranchId", Operator.EQUALS, destination_branch_id)
        )
        requests = self._query_models(MergeRequest, "MergeRequest", where, override_account)
        open_requests = [
            r
            async for r in requests
            if r.source_branch_id == source_branch_id
            and r.destination_branch_id == destination_branch_id
            and (note is None or (r.note or "") == note)
            and r.stage not in _CLOSED_MERGE_STAGES
        ]
        return max(open_requests, key=lambda r: r.created_date or "", default=None)

    async def merge_requests_from(
        self, source_branch_id: str, *, override_account: str | None = None
    ) -> list[MergeRequest]:
        """Every merge request whose source is the branch, in any stage."""
        where = QueryFilter.where("sourceBranchId", Operator.EQUALS, source_branch_id)
        requests = self._query_models(MergeRequest, "MergeRequest", where, override_account)
        return [r async for r in requests if r.source_branch_id == source_branch_id]

    async def get_merge_request(
        self, merge_request_id: str, *, override_account: str | None = None
    ) -> MergeRequest:
        return await self._get_model(
            MergeRequest, "MergeRequest", merge_request_id, override_account
        )

    async def execute_merge_request(
        self,
        merge_request_id: str,
        action: MergeRequestAction | str = MergeRequestAction.MERGE,
        *,
        override_account: str | None = None,
    ) -> MergeRequest:
        """Start the merge (or revert / retry drafting); poll :meth:`get_merge_request`."""
        body = {
            "id": merge_request_id,
            "mergeRequestAction": str(MergeRequestAction(action)),
            "MergeRequestDetails": {},
        }
        request = self._json_post(
            f"MergeRequest/execute/{segment(merge_request_id)}",
            "MergeRequest/execute/{id}",
            body,
            override_account,
        )

        async def find() -> MergeRequest | None:
            # Executing twice is refused once the merge runs: a merge under way or done is
            # this request's effect. Other actions leave no such mark; they are resent.
            if MergeRequestAction(action) is not MergeRequestAction.MERGE:
                return None
            current = await self.get_merge_request(
                merge_request_id, override_account=override_account
            )
            return current if current.stage in _STARTED_MERGE_STAGES else None

        return await self._create(request, self._parse_model(MergeRequest), find)

    # ---------------------------------------------------------------- integration packs

    async def create_publisher_integration_pack(
        self,
        name: str,
        *,
        description: str = "",
        installation_type: InstallationType | str = InstallationType.MULTI,
        override_account: str | None = None,
    ) -> PublisherIntegrationPack:
        """A new, empty pack; its name must be unique in the account."""
        body = {
            "name": name,
            "Description": description,
            "installationType": str(InstallationType(installation_type)),
        }
        request = self._json_post(
            "PublisherIntegrationPack", "PublisherIntegrationPack", body, override_account
        )

        async def find() -> PublisherIntegrationPack | None:
            # A pack's name is unique, in any case, in the account.
            packs = self.query_publisher_integration_packs(
                QueryFilter.where("name", Operator.EQUALS, name),
                override_account=override_account,
            )
            async for pack in packs:
                if pack.name.casefold() == name.casefold():
                    return pack
            return None

        return await self._create(request, self._parse_model(PublisherIntegrationPack), find)

    async def get_publisher_integration_pack(
        self, pack_id: str, *, override_account: str | None = None
    ) -> PublisherIntegrationPack:
        return await self._get_model(
            PublisherIntegrationPack, "PublisherIntegrationPack", pack_id, override_account
        )

    def query_publisher_integration_packs(
        self, filter: QueryFilter | None = None, *, override_account: str | None = None
    ) -> AsyncIterator[PublisherIntegrationPack]:
        """Packs the account publishes (by ``name``, ``id``, ``installationType``)."""
        return self._query_models(
            PublisherIntegrationPack,
            "PublisherIntegrationPack",
            filter or QueryFilter.all(),
            override_account,
        )

    async def add_to_integration_pack(
        self, pack_id: str, component_ids: list[str], *, override_account: str | None = None
    ) -> PublisherIntegrationPack:
        """Put components in the pack (each needs a shareable package); their newest package
        is pending. The pack as it stands afterwards; nothing is written when they are in it.

        Boomi's update deletes every packaged component it does not list, so the pack is read
        first and the update lists all it holds plus the new ones: components others put in
        the pack stay.
        """
        if not component_ids:
            raise ValueError("list at least one component id")
        pack = await self.get_publisher_integration_pack(pack_id, override_account=override_account)
        kept = _live_members(pack)
        new = [c for c in dict.fromkeys(component_ids) if c not in kept]
        if not new:
            return pack
        return await self._update_pack(pack, [*kept, *new], override_account)

    async def remove_from_integration_pack(
        self, pack_id: str, component_ids: list[str], *, override_account: str | None = None
    ) -> PublisherIntegrationPack:
        """Take components out; they leave the pack at its next release. The update lists
        every other component of the pack (read first), which stays."""
        if not component_ids:
            raise ValueError("list at least one component id")
        pack = await self.get_publisher_integration_pack(pack_id, override_account=override_account)
        live = _live_members(pack)
        kept = [c for c in live if c not in set(component_ids)]
        if len(kept) == len(live):
            return pack
        return await self._update_pack(pack, kept, override_account)

    async def _update_pack(
        self,
        pack: PublisherIntegrationPack,
        component_ids: list[str],
        override_account: str | None,
    ) -> PublisherIntegrationPack:
        """``operationType: ADD`` with the pack's whole list: the listed components are what
        it holds afterwards. (DELETE is not used: Boomi does not document what it does to the
        components a DELETE leaves out, while the ADD rule is documented.)"""
        body: dict[str, Any] = {"id": pack.id, "name": pack.name}
        if pack.installation_type:
            body["installationType"] = pack.installation_type
        # Required by the OpenAPI schema; the current text, so the update keeps it.
        body["Description"] = pack.description or ""
        body["operationType"] = "ADD"
        body["PublisherPackagedComponents"] = {
            "PublisherPackagedComponent": [{"componentId": c} for c in component_ids]
        }
        # The same whole list sent twice leaves the same pack: safe to resend.
        request = self._json_post(
            f"PublisherIntegrationPack/{segment(pack.id)}",
            "PublisherIntegrationPack/{id}",
            body,
            override_account,
        )
        return self._model(PublisherIntegrationPack, request, await self._send(request))

    async def delete_publisher_integration_pack(
        self, pack_id: str, *, override_account: str | None = None
    ) -> bool:
        """Delete a pack; ``False`` when it was already gone (404)."""
        request = Request(
            "DELETE",
            f"PublisherIntegrationPack/{segment(pack_id)}",
            "PublisherIntegrationPack/{id}",
            override_account,
        )
        try:
            await self._send(request)
        except BoomiNotFoundError:
            return False
        return True

    async def get_integration_pack(
        self, pack_id: str, *, override_account: str | None = None
    ) -> IntegrationPack:
        return await self._get_model(IntegrationPack, "IntegrationPack", pack_id, override_account)

    def query_integration_packs(
        self, filter: QueryFilter | None = None, *, override_account: str | None = None
    ) -> AsyncIterator[IntegrationPack]:
        """Released packs available to the account (by ``name``, ``id``, ``installationType``)."""
        return self._query_models(
            IntegrationPack, "IntegrationPack", filter or QueryFilter.all(), override_account
        )

    # ---------------------------------------------------------------- releases

    async def release_integration_pack(
        self,
        pack_id: str,
        components: list[tuple[str, str]],
        *,
        schedule: ReleaseSchedule | str = ReleaseSchedule.IMMEDIATELY,
        release_on_date: date | None = None,
        override_account: str | None = None,
    ) -> ReleaseIntegrationPack:
        """Release the pack with exactly ``components`` — (componentId, packageVersion) pairs.

        A component of the pack left out of the list drops out of the release, so list
        them all. Poll :meth:`get_release_status` with the answer's ``request_id``; it is
        ``None`` when the answer was lost and the release was recognised by its effect (see
        :meth:`_find_release`).
        """
        release_schedule = ReleaseSchedule(schedule)
        if not components:
            raise ValueError("a release lists at least one component")
        if (release_on_date is None) != (release_schedule is ReleaseSchedule.IMMEDIATELY):
            raise ValueError("release_on_date is required for, and only for, a scheduled release")
        body: dict[str, Any] = {"id": pack_id, "releaseSchedule": str(release_schedule)}
        if release_on_date is not None:
            body["releaseOnDate"] = release_on_date.isoformat()
        body["ReleasePackagedComponents"] = {
            "ReleasePackagedComponent": [
                {"componentId": component_id, "version": version}
                for component_id, version in components
            ]
        }
        request = self._json_post(
            "ReleaseIntegrationPack", "ReleaseIntegrationPack", body, override_account
        )

        async def find() -> ReleaseIntegrationPack | None:
            if release_schedule is not ReleaseSchedule.IMMEDIATELY:
                return None  # a scheduled release shows nothing before its date
            return await self._find_release(pack_id, components, override_account)

        return await self._create(request, self._parse_model(ReleaseIntegrationPack), find)

    async def _find_release(
        self, pack_id: str, components: list[tuple[str, str]], override_account: str | None
    ) -> ReleaseIntegrationPack | None:
        """The release of exactly these versions, recognised by the pack running them.

        Boomi keeps no queryable record of release requests, so the pack's released
        (``currentVersion``) versions are the natural key: when every listed component runs
        the listed version, the release took place and has finished, and the answer has no
        request id. A release still in progress shows nothing yet and is resent (its twin
        releases the same versions).
        """
        pack = await self.get_publisher_integration_pack(pack_id, override_account=override_account)
        for component_id, version in components:
            member = pack.component(component_id)
            if member is None or member.deleted or member.current_version != version:
                return None
        return ReleaseIntegrationPack(
            id=pack.id,
            name=pack.name,
            installation_type=pack.installation_type,
            release_schedule=str(ReleaseSchedule.IMMEDIATELY),
            request_id=None,
            components=[
                ReleasePackagedComponent(
                    component_id=component_id, version=version, released_version=version
                )
                for component_id, version in components
            ],
        )

    async def get_release_status(
        self, request_id: str, *, override_account: str | None = None
    ) -> ReleaseIntegrationPackStatus:
        """Where a release stands; Boomi's HTTP 202 (still pending) is an answer, not an error."""
        request = Request(
            "GET",
            f"ReleaseIntegrationPackStatus/{segment(request_id)}",
            "ReleaseIntegrationPackStatus/{id}",
            override_account,
        )
        response = await self._send(request)
        if response.status_code == 202 and not response.content.strip():
            return ReleaseIntegrationPackStatus(
                request_id=request_id,
                release_status=ReleaseStatus.IN_PROGRESS,
                response_status_code=202,
            )
        status = self._model(ReleaseIntegrationPackStatus, request, response)
        if status.request_id is None:
            status = status.model_copy(update={"request_id": request_id})
        return status

    # ---------------------------------------------------------------- Environment

    async def get_environment(
        self, environment_id: str, *, override_account: str | None = None
    ) -> Environment:
        request = Request(
            "GET", f"Environment/{segment(environment_id)}", "Environment/{id}", override_account
        )
        return self._model(Environment, request, await self._send(request))

    def query_environments(
        self, filter: QueryFilter | None = None, *, override_account: str | None = None
    ) -> AsyncIterator[Environment]:
        """Environments of the account (by ``id``, ``name``, ``classification``)."""
        return self._query_models(
            Environment, "Environment", filter or QueryFilter.all(), override_account
        )

    # ---------------------------------------------------------------- EnvironmentExtensions

    async def get_environment_extensions(
        self, extensions_id: str, *, override_account: str | None = None
    ) -> EnvironmentExtensions:
        """Every extensible value of an environment (``extensions_id`` is its id, or the id
        synthesized for an extension group). Encrypted values come back without ``value``."""
        return await self._get_model(
            EnvironmentExtensions, "EnvironmentExtensions", extensions_id, override_account
        )

    async def update_environment_extensions(
        self,
        extensions_id: str,
        body: EnvironmentExtensions,
        *,
        partial: bool = True,
        override_account: str | None = None,
    ) -> EnvironmentExtensions:
        """Write extensions; answers the environment's extensions afterwards.

        ``partial`` (the default) changes only the components ``body`` lists (a
        cross-reference table is replaced whole; a process-property component must carry
        all its values). ``partial=False`` makes ``body`` the whole configuration: anything
        it leaves out reverts to the component's default.
        """
        wire = body.to_wire()
        wire.setdefault("id", extensions_id)
        wire["partial"] = partial
        # The same body sent twice leaves the same extensions: safe to resend.
        request = self._json_post(
            f"EnvironmentExtensions/{segment(extensions_id)}",
            "EnvironmentExtensions/{id}",
            wire,
            override_account,
        )
        return self._model(EnvironmentExtensions, request, await self._send(request))

    def query_environment_extensions(
        self, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[EnvironmentExtensions]:
        """By ``environmentId`` and ``extensionGroupId``."""
        return self._query_models(
            EnvironmentExtensions, "EnvironmentExtensions", filter, override_account
        )

    # ---------------------------------------------------------------- map extensions

    def query_map_extension_summaries(
        self, filter: QueryFilter, *, override_account: str | None = None
    ) -> AsyncIterator[MapExtensionSummary]:
        """The extensible maps of an environment (by ``environmentId``, ``extensionGroupId``)."""
        return self._query_models(
            MapExtensionSummary, "EnvironmentMapExtensionsSummary", filter, override_account
        )

    async def get_map_extension(
        self, extension_id: str, *, override_account: str | None = None
    ) -> EnvironmentMapExtension:
        """The map extension, with the response's ETag (when Boomi sends one) in ``etag``."""
        request = Request(
            "GET",
            f"EnvironmentMapExtension/{segment(extension_id)}",
            "EnvironmentMapExtension/{id}",
            override_account,
        )
        return self._map_extension(request, await self._send(request))

    async def update_map_extension(
        self,
        extension_id: str,
        body: EnvironmentMapExtension,
        *,
        override_account: str | None = None,
    ) -> EnvironmentMapExtension:
        """Replace the map extension with ``body``: mappings and functions it leaves out are
        removed. Boomi checks nothing about concurrent edits; compare change markers first."""
        wire = body.to_wire()
        wire["id"] = extension_id
        request = self._json_post(
            f"EnvironmentMapExtension/{segment(extension_id)}",
            "EnvironmentMapExtension/{id}",
            wire,
            override_account,
        )
        return self._map_extension(request, await self._send(request))

    def _map_extension(self, request: Request, response: httpx.Response) -> EnvironmentMapExtension:
        extension = self._model(EnvironmentMapExtension, request, response)
        etag = response.headers.get("ETag")
        return extension.model_copy(update={"etag": etag}) if etag else extension

    # ---------------------------------------------------------------- DeployedPackage

    async def create_deployed_package(
        self,
        environment_id: str,
        package_id: str,
        *,
        notes: str | None = None,
        listener_status: ListenerStatus | str | None = None,
        override_account: str | None = None,
    ) -> DeployedPackage:
        """Deploy a package; Boomi answers 400 ("duplicate") when it is deployed there already."""
        body: dict[str, Any] = {"environmentId": environment_id, "packageId": package_id}
        if notes is not None:
            body["notes"] = notes
        if listener_status is not None:
            body["listenerStatus"] = str(ListenerStatus(listener_status))
        request = self._json_post("DeployedPackage", "DeployedPackage", body, override_account)

        async def find() -> DeployedPackage | None:
            # A package is deployed to an environment at most once at a time.
            where = QueryFilter.where("environmentId", Operator.EQUALS, environment_id).and_(
                QueryFilter.where("packageId", Operator.EQUALS, package_id),
                QueryFilter.where("active", Operator.EQUALS, True),
            )
            async for deployed in self.query_deployed_packages(
                where, override_account=override_account
            ):
                if (
                    deployed.environment_id == environment_id
                    and deployed.package_id == package_id
                    and deployed.active
                ):
                    return deployed
            return None

        return await self._create(request, self._parse_model(DeployedPackage), find)

    async def get_deployed_package(
        self, deployment_id: str, *, override_account: str | None = None
    ) -> DeployedPackage:
        return await self._get_model(
            DeployedPackage, "DeployedPackage", deployment_id, override_account
        )

    def query_deployed_packages(
        self, filter: QueryFilter | None = None, *, override_account: str | None = None
    ) -> AsyncIterator[DeployedPackage]:
        return self._query_models(
            DeployedPackage, "DeployedPackage", filter or QueryFilter.all(), override_account
        )

    async def delete_deployed_package(
        self, deployment_id: str, *, override_account: str | None = None
    ) -> bool:
        """Undeploy; ``False`` when the deployment was already gone (404)."""
        request = Request(
            "DELETE",
            f"DeployedPackage/{segment(deployment_id)}",
            "DeployedPackage/{id}",
            override_account,
        )
        try:
            await self._send(request)
        except BoomiNotFoundError:
            return False
        return True

    # ---------------------------------------------------------------- bulk GET

    async def bulk_get_components(
        self, component_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Component]]:
        """Component documents by id (``id~version`` too), :data:`BULK_COMPONENT_MAX` per call;
        one item per id, in order. Boomi answers this one in XML only."""

        async def fetch(chunk: list[str]) -> list[BulkItem[Component]]:
            request = self._bulk_request("Component", chunk, override_account, accept=XML)
            entries = self._bulk_xml_entries(request, await self._send(request))
            return self._bulk_items(request, chunk, entries, self._bulk_component)

        return await _in_chunks(component_ids, BULK_COMPONENT_MAX, fetch)

    async def bulk_get_component_metadata(
        self, component_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[ComponentMetadata]]:
        """ComponentMetadata by id (``id~version`` too), :data:`BULK_MAX` per call, in order."""
        return await self._bulk_models(
            ComponentMetadata, "ComponentMetadata", component_ids, override_account
        )

    async def bulk_get_folders(
        self, folder_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Folder]]:
        return await self._bulk_models(Folder, "Folder", folder_ids, override_account)

    async def bulk_get_packaged_components(
        self, package_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[PackagedComponent]]:
        return await self._bulk_models(
            PackagedComponent, "PackagedComponent", package_ids, override_account
        )

    async def bulk_get_accounts(
        self, account_ids: Sequence[str], *, override_account: str | None = None
    ) -> list[BulkItem[Account]]:
        """The primary account and its sub-accounts by id; another account's item is 403."""
        return await self._bulk_models(Account, "Account", account_ids, override_account)

    async def _bulk_models(
        self,
        model: type[ModelT],
        object_type: str,
        ids: Sequence[str],
        override_account: str | None,
    ) -> list[BulkItem[ModelT]]:
        async def fetch(chunk: list[str]) -> list[BulkItem[ModelT]]:
            request = self._bulk_request(object_type, chunk, override_account, accept=JSON)
            document = self._json(request, await self._send(request))
            entries = document.get("response") or []
            if isinstance(entries, dict):
                entries = [entries]
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise self._bad_response(request, "BulkResult.response is not a list")

            def parse(result: Any) -> ModelT:
                return self._validate(model, request, result)

            return self._bulk_items(request, chunk, entries, parse)

        return await _in_chunks(ids, BULK_MAX, fetch)

    def _bulk_request(
        self, object_type: str, ids: list[str], override_account: str | None, *, accept: str
    ) -> Request:
        body = {"type": "GET", "request": [{"id": object_id} for object_id in ids]}
        return Request(
            "POST",
            f"{object_type}/bulk",
            f"{object_type}/bulk",
            override_account,
            accept=accept,
            content=json_bytes(body),
            content_type=JSON,
        )

    def _bulk_xml_entries(self, request: Request, response: httpx.Response) -> list[dict[str, Any]]:
        """The ``<response>`` elements of an XML BulkResult as JSON-like entries."""
        try:
            root = parse_xml(response.content)
        except ValueError as exc:
            raise self._bad_response(request, f"the answer is not XML: {exc}") from None
        if etree.QName(root).localname != "BulkResult":
            raise self._bad_response(request, "the answer is not a BulkResult")
        entries: list[dict[str, Any]] = []
        for element in root:
            if not isinstance(element.tag, str) or etree.QName(element).localname != "response":
                continue
            entry: dict[str, Any] = {str(k): str(v) for k, v in element.attrib.items()}
            for child in element:
                if isinstance(child.tag, str) and etree.QName(child).localname == "Result":
                    entry["Result"] = child
            entries.append(entry)
        return entries

    def _bulk_component(self, result: Any) -> Component:
        """A ``<Result xsi:type="Component">`` element as the Component document it holds."""
        if not isinstance(result, etree._Element):
            raise ValueError("a Component bulk result is not an XML element")
        result.tag = COMPONENT_TAG
        result.attrib.pop(f"{{{_XSI}}}type", "")
        return Component.from_xml(to_bytes(result))

    def _bulk_items(
        self,
        request: Request,
        ids: list[str],
        entries: list[dict[str, Any]],
        parse: Callable[[Any], ResultT],
    ) -> list[BulkItem[ResultT]]:
        """One item per requested id, in request order (by ``index`` when Boomi gives it)."""
        if len(entries) != len(ids):
            raise self._bad_response(
                request, f"the bulk answer has {len(entries)} results for {len(ids)} ids"
            )
        indexes = [str(entry.get("index", "")) for entry in entries]
        if all(index.isdigit() for index in indexes) and sorted(map(int, indexes)) == list(
            range(len(ids))
        ):
            entries = [entry for _, entry in sorted(zip(map(int, indexes), entries, strict=True))]
        items: list[BulkItem[ResultT]] = []
        for object_id, entry in zip(ids, entries, strict=True):
            result = entry.get("Result")
            status_text = str(entry.get("statusCode", "200" if result is not None else ""))
            if not status_text.isdigit():
                raise self._bad_response(request, f"no statusCode for {object_id} in the answer")
            status = int(status_text)
            message = entry.get("errorMessage")
            if status != 200 or result is None:
                items.append(BulkItem(object_id, status, None, str(message or "") or None))
                continue
            try:
                items.append(BulkItem(object_id, status, parse(result)))
            except (ValueError, ValidationError) as exc:
                raise self._bad_response(
                    request, f"unexpected result for {object_id}: {exc}"
                ) from None
        return items

    def _component(self, request: Request, response: httpx.Response) -> Component:
        try:
            return Component.from_xml(response.content)
        except (ValueError, ValidationError) as exc:
            raise self._bad_response(
                request, f"the answer is not a Component document: {exc}"
            ) from None

    def _references(self, request: Request, document: dict[str, Any]) -> list[ComponentReference]:
        items = document.get("references") or []
        if not isinstance(items, list):
            raise self._bad_response(request, "ComponentReference.references is not a list")
        return [self._validate(ComponentReference, request, item) for item in items]

    async def _query_models(
        self,
        model: type[ModelT],
        object_type: str,
        filter: QueryFilter,
        override_account: str | None,
    ) -> AsyncIterator[ModelT]:
        request = Request("POST", f"{object_type}/query", f"{object_type}/query", override_account)
        async for item in self.query(object_type, filter, override_account=override_account):
            yield self._validate(model, request, item)


async def _in_chunks(
    ids: Sequence[str],
    size: int,
    fetch: Callable[[list[str]], Awaitable[list[BulkItem[ResultT]]]],
) -> list[BulkItem[ResultT]]:
    """``fetch`` on ``size`` ids at a time (concurrently; the limiter paces them), in order."""
    listed = list(ids)
    chunks = [listed[i : i + size] for i in range(0, len(listed), size)]
    answers = await asyncio.gather(*(fetch(chunk) for chunk in chunks))
    return [item for answer in answers for item in answer]


def _live_members(pack: PublisherIntegrationPack) -> list[str]:
    """The pack's components, in its order, without those already marked for removal."""
    return [member.component_id for member in pack.components if not member.deleted]


def _folder(folder_id: str | None) -> dict[str, str | None]:
    # No folder given keeps the document's own folderId; a given one replaces it.
    return {"folderId": folder_id} if folder_id is not None else {}
