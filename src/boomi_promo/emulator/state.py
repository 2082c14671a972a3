"""The emulated Boomi accounts and every operation the API performs on them.

All operations are synchronous and take ``lock`` (a re-entrant thread lock) for their whole
duration; nothing awaits while holding it, so the state is safe to share between the server's
event loop and a test thread. Time-based changes (branch readiness, merge stages) happen in
:meth:`EmulatorState.settle`, which every API call runs first, so each request sees a world
that is up to date with the clock.

Folder paths: every account has a root folder named after the account; a folder's
``fullPath`` is the names from the root down joined by ``/``, e.g.
``Primary Account/Promoted/DevTeamA/Orders``. A component's ``folderFullPath`` is its folder's
``fullPath``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from pydantic import TypeAdapter

from boomi_promo.domain.component_types import COMPONENT_TYPES
from boomi_promo.emulator import ids
from boomi_promo.emulator.component_xml import (
    ComponentDocument,
    reference_candidates,
    render_component,
)
from boomi_promo.emulator.control import (
    FaultInjector,
    MergeFaults,
    ReleaseFaults,
    RequestLog,
    TokenBucket,
)
from boomi_promo.emulator.errors import ApiError, bad_request, forbidden, not_found
from boomi_promo.emulator.extensions import (
    extend_for_deployment,
    extension_set_id,
    render_extensions,
    render_map_extension,
    render_map_summary,
    replaced_map_extension,
    synthesized_id,
    updated_extensions,
)
from boomi_promo.emulator.queries import (
    Expression,
    QuerySchema,
    clause_arguments,
    disjuncts,
    equality_arguments,
)
from boomi_promo.emulator.records import (
    Account,
    Branch,
    ComponentRecord,
    Deployment,
    Environment,
    EnvironmentExtensionSet,
    Folder,
    IntegrationPack,
    MapExtension,
    MapProfile,
    MergeDetail,
    MergeRequest,
    PackagedComponent,
    PackMember,
    Release,
    ReleasedComponent,
    Revision,
    StateDocument,
    iso,
)

Row = dict[str, Any]
P = ParamSpec("P")
R = TypeVar("R")

MAIN_BRANCH_NAME = "main"
PACKAGEABLE_TYPES = frozenset(
    {
        "certificate",
        "customlibrary",
        "flowservice",
        "process",
        "processroute",
        "tpgroup",
        "webservice",
    }
)
MERGE_STRATEGIES = frozenset({"OVERRIDE", "CONFLICT_RESOLVE"})
PRIORITY_BRANCHES = frozenset({"SOURCE", "DESTINATION"})
ENVIRONMENT_CLASSIFICATIONS = frozenset({"PROD", "TEST"})
INSTALLATION_TYPES = frozenset({"SINGLE", "MULTI"})
PACK_OPERATIONS = frozenset({"ADD", "DELETE"})
RELEASE_IMMEDIATELY = "IMMEDIATELY"
RELEASE_ON_DATE = "RELEASE_ON_SPECIFIED_DATE"
LISTENER_STATUSES = frozenset({"RUNNING", "PAUSED"})
RELEASE_PENDING = ("SCHEDULED", "IN_PROGRESS")
_STATE_ADAPTER = TypeAdapter(StateDocument)
BULK_LIMITS: dict[str, int] = {
    "Component": 5,
    "ComponentMetadata": 100,
    "Folder": 100,
    "PackagedComponent": 100,
    "Account": 100,
}
"""Ids per bulk GET (``POST /{Object}/bulk``), as Boomi documents them: 5 Components, else 100."""


@dataclass
class EmulatorSettings:
    """Runtime behaviour; not part of a saved state file."""

    branch_ready_seconds: float = 0.3
    """A new branch reports ``ready:false, stage:CREATING`` for this long."""
    branch_query_delay_seconds: float = 0.2
    """A new branch is missing from Branch QUERY answers for this long, as in Boomi; GET by id
    (with the id from the create's answer) finds it at once."""
    branch_delete_seconds: float = 0.3
    """A deleted branch is still listed, ``stage:DELETING``, for this long — counted toward the
    branch limit, deletable again — then it is gone (404)."""
    merge_draft_seconds: float = 0.3
    """DRAFTING → DRAFTED."""
    merge_review_seconds: float = 0.2
    """DRAFTED → REVIEWING."""
    merge_execute_seconds: float = 0.3
    """MERGING → MERGED."""
    branch_limit: int = 20
    """Branches per account, ``main`` included."""
    requests_per_second: float | None = 10.0
    """Token-bucket rate per rate-limit account (503 past it, as Boomi); ``None`` or 0 turns
    throttling off."""
    override_account_rate_limit: bool = False
    """Boomi's ``overrideAccountRateLimit`` account property: on, a Partner API call counts
    against its override account; off (Boomi's default), against the primary account in the
    path."""
    page_size: int = 100
    hang_seconds: float = 300.0
    """How long a ``timeout`` fault holds a request before giving up with 504."""
    release_seconds: float = 1.0
    """A release reports ``IN_PROGRESS`` (HTTP 202) this long after it starts, then finishes."""
    latency_seconds: float = 0.0
    """Added to every API call the emulator answers, as Boomi's own round trip (benchmarks)."""
    log_bodies: bool = False
    """Keep request and answer bodies in the request log (contract tests)."""


@dataclass(frozen=True)
class ComponentView:
    """A revision as read in the context of one branch."""

    revision: Revision
    branch: Branch


@dataclass
class _Cursor:
    object_type: str
    account_id: str
    remaining: list[Row]
    created: float


@dataclass(frozen=True)
class BulkAnswer:
    """One id of a bulk GET: what its own GET would answer (a row, a Component document) or
    the status and message of its failure."""

    id: str
    status: int
    result: Row | bytes | None = None
    message: str | None = None


@dataclass(frozen=True)
class Reference:
    parent: Revision
    child: Revision
    type: str
    branch_id: str


def _locked(method: Callable[P, R]) -> Callable[P, R]:
    """Run a state method holding the state's lock."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        state = args[0]
        assert isinstance(state, EmulatorState)
        with state.lock:
            return method(*args, **kwargs)

    return run


def normalise_branch_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", name.strip())


def _text(body: Row, key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise bad_request(f"{key} must be a string.")
    return str(value).strip()


def _schema(
    object_type: str,
    names: str,
    *,
    case_insensitive: bool = False,
    aliases: dict[str, str] | None = None,
) -> QuerySchema[Row]:
    """Properties are read from the object's API representation, by name (or an alias's)."""

    def getter(name: str) -> Callable[[Row], Any]:
        return lambda row: row.get(name)

    properties = {n: getter(n) for n in names.split()}
    properties.update({alias: getter(name) for alias, name in (aliases or {}).items()})
    return QuerySchema(object_type, properties, case_insensitive)


def _process_pack_ids(row: Row) -> Any:
    # Matches when any of the process's integration packs has the id (first one for ordering).
    packs = [info.get("integrationPackId") for info in row.get("IntegrationPack", [])]
    return packs[0] if packs else None


def _latest(record: ComponentRecord) -> Revision:
    return record.revisions[max(record.revisions)]


def _items(body: Row, wrapper: str, item: str) -> list[Row]:
    """The entries of Boomi's list wrapper, e.g. ``{"Wrapper": {"Item": [ {...} ]}}``."""
    container = body.get(wrapper)
    if container is None or container == "":
        return []
    if not isinstance(container, dict):
        raise bad_request(f'{wrapper} must be an object: {{"{item}": [ ... ]}}.')
    entries = container.get(item, [])
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise bad_request(f"{wrapper}.{item} must be a list of objects.")
    return entries


def _wrapped(wrapper: str, item: str, entries: list[Row]) -> Row:
    return {"@type": wrapper, item: entries}


SCHEMAS: dict[str, QuerySchema[Row]] = {
    "Account": _schema(
        "Account",
        "accountId dateCreated expirationDate name status widgetAccount overDeployed",
        case_insensitive=True,
    ),
    "Environment": _schema("Environment", "id name classification"),
    "EnvironmentExtensions": _schema("EnvironmentExtensions", "environmentId extensionGroupId"),
    "EnvironmentMapExtensionsSummary": _schema(
        "EnvironmentMapExtensionsSummary", "environmentId extensionGroupId"
    ),
    "PublisherIntegrationPack": _schema("PublisherIntegrationPack", "id name installationType"),
    "IntegrationPack": _schema("IntegrationPack", "id name installationType"),
    "DeployedPackage": _schema(
        "DeployedPackage",
        "deploymentId environmentId packageId packageVersion componentId componentVersion "
        "componentType version active deployedDate deployedBy notes",
        aliases={"current": "active", "branch": "branchName", "uid": "deploymentId"},
    ),
    "Folder": _schema("Folder", "accountId id name deleted parentId parentName permittedRoles"),
    "ComponentMetadata": _schema(
        "ComponentMetadata",
        "accountId componentId version name type subType createdDate createdBy modifiedDate "
        "modifiedBy deleted currentVersion folderName folderId copiedFromComponentId "
        "copiedFromComponentVersion branchName branchId",
    ),
    "ComponentReference": _schema(
        "ComponentReference", "parentComponentId parentVersion componentId type"
    ),
    "PackagedComponent": _schema(
        "PackagedComponent",
        "packageId packageVersion componentId componentVersion componentType createdDate "
        "createdBy deleted shareable branchName notes",
    ),
    "Process": QuerySchema(
        "Process",
        {
            "id": lambda row: row.get("id"),
            "name": lambda row: row.get("name"),
            "integrationPackId": _process_pack_ids,
            # No pack instances are modelled: a process is never in one.
            "integrationPackInstanceId": lambda _row: None,
        },
    ),
    "Branch": _schema(
        "Branch",
        "id name parentId parentName packageId ready stage createdBy createdDate modifiedBy "
        "modifiedDate deleted",
    ),
    "MergeRequest": _schema(
        "MergeRequest",
        "id sourceBranchId destinationBranchId createdDate createdBy stage modifiedDate "
        "modifiedBy strategy",
    ),
}


class EmulatorState:
    def __init__(
        self,
        *,
        primary_account_id: str,
        username: str,
        api_token: str,
        settings: EmulatorSettings | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lock = threading.RLock()
        self.primary_account_id = primary_account_id
        self.username = username
        self.api_token = api_token
        self.settings = settings or EmulatorSettings()
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.folders: dict[str, Folder] = {}
        self.components: dict[str, ComponentRecord] = {}
        self.branches: dict[str, Branch] = {}
        self.packages: dict[str, PackagedComponent] = {}
        self.merge_requests: dict[str, MergeRequest] = {}
        self.environments: dict[str, Environment] = {}
        self.integration_packs: dict[str, IntegrationPack] = {}
        self.releases: dict[str, Release] = {}
        self.deployments: dict[str, Deployment] = {}
        self.environment_extensions: dict[str, EnvironmentExtensionSet] = {}
        """By extensions id: the environment id, or synthesized with an extension group."""
        self.map_extensions: dict[str, MapExtension] = {}
        self.branch_sequence = 0
        self.folder_sequence = 0
        self.faults = FaultInjector()
        self.release_faults = ReleaseFaults()
        self.merge_faults = MergeFaults()
        self.request_log = RequestLog()
        self.throttle = TokenBucket(lambda: self.settings.requests_per_second, time.monotonic)
        self._cursors: dict[str, _Cursor] = {}
        self.new_uuid: Callable[[], str] = ids.new_uuid

    # ---------------------------------------------------------------- construction, files

    @classmethod
    def create(
        cls,
        *,
        primary_account_id: str,
        primary_account_name: str,
        username: str,
        api_token: str,
        settings: EmulatorSettings | None = None,
        id_seed: int | None = None,
    ) -> EmulatorState:
        state = cls(
            primary_account_id=primary_account_id,
            username=username,
            api_token=api_token,
            settings=settings,
        )
        if id_seed is not None:
            state.new_uuid = ids.seeded_uuids(id_seed)
        state.add_account(primary_account_id, primary_account_name)
        return state

    @_locked
    def to_document(self) -> StateDocument:
        return StateDocument(
            primary_account_id=self.primary_account_id,
            username=self.username,
            api_token=self.api_token,
            branch_sequence=self.branch_sequence,
            folder_sequence=self.folder_sequence,
            accounts=list(self.accounts.values()),
            folders=list(self.folders.values()),
            components=list(self.components.values()),
            branches=list(self.branches.values()),
            packages=list(self.packages.values()),
            merge_requests=list(self.merge_requests.values()),
            environments=list(self.environments.values()),
            integration_packs=list(self.integration_packs.values()),
            releases=list(self.releases.values()),
            deployments=list(self.deployments.values()),
            environment_extensions=list(self.environment_extensions.values()),
            map_extensions=list(self.map_extensions.values()),
        )

    def dump_json(self) -> bytes:
        return _STATE_ADAPTER.dump_json(self.to_document(), indent=1)

    def save(self, path: Path) -> None:
        """Write the state as JSON, atomically (a crash mid-write leaves the old file)."""
        data = self.dump_json()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path, *, settings: EmulatorSettings | None = None) -> EmulatorState:
        document = _STATE_ADAPTER.validate_json(path.read_bytes())
        state = cls(
            primary_account_id=document.primary_account_id,
            username=document.username,
            api_token=document.api_token,
            settings=settings,
        )
        state.branch_sequence = document.branch_sequence
        state.folder_sequence = document.folder_sequence
        state.accounts = {a.account_id: a for a in document.accounts}
        state.folders = {f.folder_id: f for f in document.folders}
        state.components = {c.component_id: c for c in document.components}
        state.branches = {b.branch_id: b for b in document.branches}
        state.packages = {p.package_id: p for p in document.packages}
        state.merge_requests = {m.merge_request_id: m for m in document.merge_requests}
        state.environments = {e.environment_id: e for e in document.environments}
        state.integration_packs = {p.pack_id: p for p in document.integration_packs}
        state.releases = {r.request_id: r for r in document.releases}
        state.deployments = {d.deployment_id: d for d in document.deployments}
        state.environment_extensions = {
            extension_set_id(e.environment_id, e.extension_group_id): e
            for e in document.environment_extensions
        }
        state.map_extensions = {m.extension_id: m for m in document.map_extensions}
        return state

    # ---------------------------------------------------------------- time

    def _now(self, at: datetime | None = None) -> str:
        return iso(at) if at is not None else iso(datetime.fromtimestamp(self.clock(), UTC))

    @_locked
    def settle(self) -> None:
        """Advance merge requests whose next stage is due, and releases whose time has come."""
        now = self.clock()
        for request in self.merge_requests.values():
            while request.next_stage_at is not None and request.next_stage_at <= now:
                self._advance_merge(request, request.next_stage_at)
        pending = [r for r in self.releases.values() if r.status in RELEASE_PENDING]
        # Releases that are due together land in the order they would have finished.
        for release in sorted(pending, key=lambda r: r.ends_at):
            if release.status == "SCHEDULED" and release.starts_at <= now:
                release.status = "IN_PROGRESS"
            if release.ends_at <= now:
                self._finish_release(release)

    # ---------------------------------------------------------------- accounts

    @_locked
    def add_account(
        self,
        account_id: str,
        name: str,
        *,
        parent_account_id: str | None = None,
        at: datetime | None = None,
    ) -> Account:
        if account_id in self.accounts:
            raise bad_request(f"Account {account_id} already exists.")
        created = self._now(at)
        self.folder_sequence += 1
        root = Folder(ids.folder_id(self.folder_sequence), account_id, name, None)
        self.folders[root.folder_id] = root
        self.branch_sequence += 1
        main = Branch(
            branch_id=ids.branch_id(self.branch_sequence),
            account_id=account_id,
            name=MAIN_BRANCH_NAME,
            description="",
            parent_id=None,
            package_id=None,
            created_by=self.username,
            created_date=created,
            ready_at=0.0,
        )
        self.branches[main.branch_id] = main
        account = Account(
            account_id=account_id,
            name=name,
            parent_account_id=parent_account_id,
            date_created=created,
            main_branch_id=main.branch_id,
            root_folder_id=root.folder_id,
        )
        self.accounts[account_id] = account
        return account

    def is_descendant(self, account_id: str, ancestor_id: str) -> bool:
        account = self.accounts.get(account_id)
        while account is not None and account.parent_account_id is not None:
            if account.parent_account_id == ancestor_id:
                return True
            account = self.accounts.get(account.parent_account_id)
        return False

    def _account_row(self, account: Account) -> Row:
        return {
            "@type": "Account",
            "accountId": account.account_id,
            "name": account.name,
            "status": account.status,
            "dateCreated": account.date_created,
            "supportLevel": "standard",
            "supportAccess": False,
            "suggestionsEnabled": False,
            "overDeployed": False,
            "widgetAccount": False,
        }

    @_locked
    def get_account(self, effective_account_id: str, account_id: str) -> Row:
        account = self.accounts.get(account_id)
        if account is None:
            raise not_found(f"Account {account_id} was not found.")
        if account_id != effective_account_id and not self.is_descendant(
            account_id, effective_account_id
        ):
            raise forbidden(f"Account {effective_account_id} may not read account {account_id}.")
        return self._account_row(account)

    # ---------------------------------------------------------------- folders

    def folder_path(self, folder: Folder) -> str:
        names = [folder.name]
        while folder.parent_id is not None:
            folder = self.folders[folder.parent_id]
            names.append(folder.name)
        return "/".join(reversed(names))

    def _folder(self, account_id: str, folder_id: str) -> Folder | None:
        folder = self.folders.get(folder_id)
        if folder is None or folder.account_id != account_id or folder.deleted:
            return None
        return folder

    def _folder_row(self, folder: Folder) -> Row:
        row: Row = {"@type": "Folder", "id": folder.folder_id, "name": folder.name}
        row["fullPath"] = self.folder_path(folder)
        if folder.parent_id is not None:
            row["parentId"] = folder.parent_id
            row["parentName"] = self.folders[folder.parent_id].name
        row["deleted"] = folder.deleted
        return row

    @_locked
    def create_folder(self, account_id: str, body: Row) -> Row:
        name = _text(body, "name")
        if not name or "/" in name:
            raise bad_request("A folder needs a name without '/'.")
        parent_id = _text(body, "parentId") or self.accounts[account_id].root_folder_id
        parent = self._folder(account_id, parent_id)
        if parent is None:
            raise bad_request(f"Parent folder {parent_id} does not exist.")
        for sibling in self.folders.values():
            if (
                sibling.parent_id == parent_id
                and not sibling.deleted
                and sibling.name.lower() == name.lower()
            ):
                raise bad_request(
                    f"A folder named {name!r} already exists in {self.folder_path(parent)}."
                )
        self.folder_sequence += 1
        folder = Folder(ids.folder_id(self.folder_sequence), account_id, name, parent_id)
        self.folders[folder.folder_id] = folder
        return self._folder_row(folder)

    @_locked
    def get_folder(self, account_id: str, folder_id: str) -> Row:
        folder = self._folder(account_id, folder_id)
        if folder is None:
            raise not_found(f"Folder {folder_id} was not found.")
        return self._folder_row(folder)

    @_locked
    def find_folder(self, account_id: str, full_path: str) -> Folder | None:
        for folder in self.folders.values():
            if (
                folder.account_id == account_id
                and not folder.deleted
                and self.folder_path(folder) == full_path
            ):
                return folder
        return None

    # ---------------------------------------------------------------- branches

    def main_branch(self, account_id: str) -> Branch:
        return self.branches[self.accounts[account_id].main_branch_id]

    def _live_branch(self, account_id: str, branch_id: str) -> Branch | None:
        branch = self.branches.get(branch_id)
        if branch is None or branch.account_id != account_id or branch.deleted:
            return None
        return branch

    def _listed(self, branch: Branch) -> bool:
        """Whether the API still shows the branch: live, or deleted but still DELETING."""
        return not branch.deleted or self.clock() < branch.gone_at

    def _listed_branch(self, account_id: str, branch_id: str) -> Branch | None:
        branch = self.branches.get(branch_id)
        if branch is None or branch.account_id != account_id or not self._listed(branch):
            return None
        return branch

    def _branch_by_name(self, account_id: str, name: str) -> Branch | None:
        for branch in self.branches.values():
            if branch.account_id == account_id and not branch.deleted and branch.name == name:
                return branch
        return None

    def _branch_row(self, branch: Branch) -> Row:
        # A branch being deleted is neither ready nor, until the deletion ends, deleted.
        ready = not branch.deleted and self.clock() >= branch.ready_at
        stage = "DELETING" if branch.deleted else "NORMAL" if ready else "CREATING"
        row: Row = {"@type": "Branch", "id": branch.branch_id, "name": branch.name}
        if branch.description:
            row["description"] = branch.description
        if branch.parent_id is not None:
            row["parentId"] = branch.parent_id
            row["parentName"] = self.branches[branch.parent_id].name
        if branch.package_id is not None:
            row["packageId"] = branch.package_id
        row.update(
            {
                "ready": ready,
                "stage": stage,
                "deleted": False,
                "createdBy": branch.created_by,
                "createdDate": branch.created_date,
                "modifiedBy": branch.modified_by or branch.created_by,
                "modifiedDate": branch.modified_date or branch.created_date,
            }
        )
        return row

    @_locked
    def create_branch(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> Row:
        raw_name = _text(body, "name")
        if not raw_name:
            raise bad_request("A branch needs a name.")
        name = normalise_branch_name(raw_name)
        if self._branch_by_name(account_id, name) is not None:
            raise bad_request(f"A branch named {name!r} already exists.")
        # Branches still DELETING count toward the limit until they are gone.
        held = [b for b in self.branches.values() if b.account_id == account_id and self._listed(b)]
        if len(held) >= self.settings.branch_limit:
            raise bad_request(
                f"The account has reached the limit of {self.settings.branch_limit} branches; "
                "delete a branch before creating another."
            )
        parent_id = _text(body, "parentId") or self.accounts[account_id].main_branch_id
        parent = self._live_branch(account_id, parent_id)
        if parent is None:
            raise bad_request(f"Parent branch {parent_id} does not exist.")
        base = {
            record.component_id: view.version
            for record in self._records(account_id)
            if (view := self._view(parent, record)) is not None
        }
        package_id = _text(body, "packageId") or None
        if package_id is not None:
            package = self.packages.get(package_id)
            if package is None or package.account_id != account_id or package.deleted:
                raise bad_request(f"Packaged component {package_id} does not exist.")
            base.update(package.snapshot)
        self.branch_sequence += 1
        created = self._now(at)
        branch = Branch(
            branch_id=ids.branch_id(self.branch_sequence),
            account_id=account_id,
            name=name,
            description=_text(body, "description"),
            parent_id=parent.branch_id,
            package_id=package_id,
            created_by=user,
            created_date=created,
            ready_at=self.clock() + self.settings.branch_ready_seconds,
            base=base,
            visible_at=self.clock() + self.settings.branch_query_delay_seconds,
        )
        self.branches[branch.branch_id] = branch
        return self._branch_row(branch)

    @_locked
    def get_branch(self, account_id: str, branch_id: str) -> Row:
        branch = self._listed_branch(account_id, branch_id)
        if branch is None:
            raise not_found(f"Branch {branch_id} was not found.")
        return self._branch_row(branch)

    @_locked
    def delete_branch(self, account_id: str, branch_id: str, *, user: str) -> None:
        """Every revision that only the branch held is gone at once; the branch itself is listed
        as DELETING for ``branch_delete_seconds`` (a second delete meanwhile is accepted), then
        it is gone."""
        branch = self._listed_branch(account_id, branch_id)
        if branch is None:
            raise not_found(f"Branch {branch_id} was not found.")
        if branch.deleted:
            return
        if branch.name == MAIN_BRANCH_NAME and branch.parent_id is None:
            raise bad_request("The main branch cannot be deleted.")
        branch.deleted = True
        branch.gone_at = self.clock() + self.settings.branch_delete_seconds
        branch.modified_by = user
        branch.modified_date = self._now()

    # ---------------------------------------------------------------- components: reading

    def _records(self, account_id: str) -> list[ComponentRecord]:
        return [r for r in self.components.values() if r.account_id == account_id]

    def _view(self, branch: Branch, record: ComponentRecord) -> Revision | None:
        """What ``branch`` sees of a component: its own latest write, else its base snapshot."""
        own = [r for r in record.revisions.values() if r.branch_id == branch.branch_id]
        if own:
            return max(own, key=lambda r: r.version)
        version = branch.base.get(record.component_id)
        return record.revisions[version] if version is not None else None

    def _reachable(self, revision: Revision) -> bool:
        if self._live_branch(revision.account_id, revision.branch_id) is not None:
            return True
        key = (revision.component_id, revision.version)
        holders = [p.snapshot for p in self.packages.values() if not p.deleted]
        holders += [b.base for b in self.branches.values() if not b.deleted]
        return any(held.get(key[0]) == key[1] for held in holders)

    def _record(self, account_id: str, component_id: str) -> ComponentRecord | None:
        record = self.components.get(component_id)
        return record if record is not None and record.account_id == account_id else None

    @staticmethod
    def split_ref(ref: str) -> tuple[str, str | None]:
        component_id, _, suffix = ref.partition("~")
        return component_id, suffix or None

    def _read(self, account_id: str, ref: str) -> ComponentView:
        component_id, suffix = self.split_ref(ref)
        record = self._record(account_id, component_id)
        if record is None:
            raise not_found(f"Component {component_id} was not found.")
        if suffix is None:
            branch = self.main_branch(account_id)
        elif (number := ids.parse_number(suffix)) is not None:
            revision = record.revisions.get(number)
            if revision is None or not self._reachable(revision):
                raise not_found(f"Component {component_id} has no version {suffix}.")
            branch = self._live_branch(account_id, revision.branch_id) or self.main_branch(
                account_id
            )
            return ComponentView(revision, branch)
        elif ids.is_branch_id(suffix):
            found = self._live_branch(account_id, suffix)
            if found is None:
                raise not_found(f"Branch {suffix} was not found.")
            branch = found
        else:
            raise bad_request(f"{ref!r} is neither componentId~version nor componentId~branchId.")
        revision = self._view(branch, record)
        if revision is None:
            raise not_found(f"Component {component_id} was not found on branch {branch.name}.")
        return ComponentView(revision, branch)

    def _metadata_row(self, view: ComponentView) -> Row:
        revision = view.revision
        record = self.components[revision.component_id]
        current = self._view(view.branch, record)
        folder = self.folders[revision.folder_id]
        shown_branch = self._live_branch(revision.account_id, revision.branch_id) or view.branch
        row: Row = {
            "@type": "ComponentMetadata",
            "componentId": revision.component_id,
            "version": revision.version,
            "name": revision.name,
            "type": revision.type,
        }
        if revision.sub_type:
            row["subType"] = revision.sub_type
        row.update(
            {
                "createdDate": record.created_date,
                "createdBy": record.created_by,
                "modifiedDate": revision.modified_date,
                "modifiedBy": revision.modified_by,
                "deleted": revision.deleted,
                "currentVersion": current is not None and current.version == revision.version,
                "folderName": folder.name,
                "folderId": folder.folder_id,
                "branchName": shown_branch.name,
                "branchId": shown_branch.branch_id,
            }
        )
        return row

    @_locked
    def get_component_xml(self, account_id: str, ref: str) -> bytes:
        return self._component_xml(self._read(account_id, ref))

    def _component_xml(self, view: ComponentView) -> bytes:
        row = self._metadata_row(view)
        attributes = {key: _attribute(value) for key, value in row.items() if key != "@type"}
        attributes["folderFullPath"] = self.folder_path(self.folders[view.revision.folder_id])
        return render_component(view.revision, attributes)

    @_locked
    def get_component_metadata(self, account_id: str, ref: str) -> Row:
        return self._metadata_row(self._read(account_id, ref))

    # ---------------------------------------------------------------- components: writing

    @_locked
    def write_component(
        self,
        account_id: str,
        document: ComponentDocument,
        *,
        path_component_id: str | None,
        path_branch_id: str | None,
        user: str,
        at: datetime | None = None,
    ) -> bytes:
        """Create (no id in the path) or fully replace a component; answer the new revision."""
        return self._component_xml(
            self.apply_write(
                account_id,
                document,
                path_component_id=path_component_id,
                path_branch_id=path_branch_id,
                user=user,
                at=at,
            )
        )

    @_locked
    def apply_write(
        self,
        account_id: str,
        document: ComponentDocument,
        *,
        path_component_id: str | None,
        path_branch_id: str | None,
        user: str,
        at: datetime | None = None,
    ) -> ComponentView:
        if path_branch_id and document.branch_id and path_branch_id != document.branch_id:
            raise bad_request("The branchId attribute and the branch in the path differ.")
        branch_id = path_branch_id or document.branch_id or self.accounts[account_id].main_branch_id
        branch = self._live_branch(account_id, branch_id)
        if branch is None:
            raise bad_request(f"Branch {branch_id} does not exist.")
        if document.object_xml is None:
            raise bad_request("The component has no <bns:object> element.")
        if document.folder_id and self._folder(account_id, document.folder_id) is None:
            raise bad_request(f"Folder {document.folder_id} does not exist.")
        moment = self._now(at)
        if path_component_id is None:
            return self._create(account_id, document, branch, user, moment)
        return self._update(account_id, path_component_id, document, branch, user, moment)

    def _create(
        self, account_id: str, document: ComponentDocument, branch: Branch, user: str, moment: str
    ) -> ComponentView:
        if document.component_id:
            raise bad_request(
                "A new component must not carry a componentId; POST to /Component/{id} to update."
            )
        if not document.name:
            raise bad_request("A component needs a name.")
        if document.type not in COMPONENT_TYPES:
            raise bad_request(f"Component type {document.type!r} is not valid.")
        record = ComponentRecord(self.new_uuid(), account_id, user, moment)
        self.components[record.component_id] = record
        revision = self._revision(
            record,
            document,
            branch,
            user,
            moment,
            name=document.name,
            sub_type=document.sub_type,
            folder_id=document.folder_id or self.accounts[account_id].root_folder_id,
        )
        return ComponentView(revision, branch)

    def _update(
        self,
        account_id: str,
        component_id: str,
        document: ComponentDocument,
        branch: Branch,
        user: str,
        moment: str,
    ) -> ComponentView:
        if document.component_id and document.component_id != component_id:
            raise bad_request("The componentId attribute does not match the id in the path.")
        record = self._record(account_id, component_id)
        current = self._view(branch, record) if record is not None else None
        if record is None or current is None:
            raise bad_request(f"ComponentId {component_id} is invalid on branch {branch.name}.")
        if document.type and document.type != current.type:
            raise bad_request(
                f"The type of component {component_id} cannot change from {current.type}."
            )
        revision = self._revision(
            record,
            document,
            branch,
            user,
            moment,
            name=document.name or current.name,
            sub_type=document.sub_type or current.sub_type,
            folder_id=document.folder_id or current.folder_id,
            type_=current.type,
        )
        return ComponentView(revision, branch)

    def _revision(
        self,
        record: ComponentRecord,
        document: ComponentDocument,
        branch: Branch,
        user: str,
        moment: str,
        *,
        name: str,
        sub_type: str,
        folder_id: str,
        type_: str | None = None,
    ) -> Revision:
        revision = Revision(
            component_id=record.component_id,
            account_id=record.account_id,
            version=record.next_version(),
            branch_id=branch.branch_id,
            name=name,
            type=type_ or document.type,
            sub_type=sub_type,
            folder_id=folder_id,
            description=document.description,
            encrypted_values=document.encrypted_values,
            object_xml=document.object_xml or "",
            process_overrides_xml=document.process_overrides_xml,
            deleted=False,
            modified_by=user,
            modified_date=moment,
        )
        record.revisions[revision.version] = revision
        return revision

    @_locked
    def delete_component(self, account_id: str, ref: str, *, user: str) -> None:
        """Soft delete: a new revision marked deleted, on main or on the tilde's branch."""
        view = self._read(account_id, ref)
        if self.split_ref(ref)[1] not in (None, view.branch.branch_id):
            raise bad_request("Delete a component on main or on a branch, not a version.")
        record = self.components[view.revision.component_id]
        deleted = dataclasses.replace(
            view.revision,
            version=record.next_version(),
            branch_id=view.branch.branch_id,
            deleted=True,
            modified_by=user,
            modified_date=self._now(),
        )
        record.revisions[deleted.version] = deleted

    # ---------------------------------------------------------------- references

    def _references(self, revision: Revision, branch: Branch) -> list[Reference]:
        found: list[Reference] = []
        for candidate in reference_candidates(revision.object_xml):
            if candidate == revision.component_id:
                continue
            record = self._record(revision.account_id, candidate)
            child = self._view(branch, record) if record is not None else None
            if child is None or child.deleted:
                continue
            kind = (
                "INDEPENDENT"
                if revision.type == "processroute" and child.type == "process"
                else "DEPENDENT"
            )
            found.append(Reference(revision, child, kind, branch.branch_id))
        return found

    @staticmethod
    def _reference_row(reference: Reference) -> Row:
        return {
            "@type": "References",
            "parentComponentId": reference.parent.component_id,
            "parentVersion": reference.parent.version,
            "componentId": reference.child.component_id,
            "type": reference.type,
            "branchId": reference.branch_id,
        }

    def _all_references(self, account_id: str, branch: Branch) -> list[Row]:
        """The references of the current revision of every live component ``branch`` sees."""
        rows: list[Row] = []
        for record in self._records(account_id):
            revision = self._view(branch, record)
            if revision is not None and not revision.deleted:
                rows.extend(self._reference_row(r) for r in self._references(revision, branch))
        return rows

    @_locked
    def get_references(self, account_id: str, ref: str) -> Row:
        """``GET /ComponentReference/{id}[~branchId]``: ``id`` is the *secondary* component;
        the answer lists the components that reference it (their current revisions on main,
        or on the branch). Boomi answers 400 for a component that neither references nor is
        referenced by anything."""
        view = self._read(account_id, ref)
        component_id = view.revision.component_id
        rows = [
            row
            for row in self._all_references(account_id, view.branch)
            if row["componentId"] == component_id
        ]
        if not rows and not self._references(view.revision, view.branch):
            raise bad_request(f"Component {component_id} has no parent or child references.")
        return {"@type": "ComponentReference", "references": rows}

    def _children_rows(self, account_id: str, parent_id: str, version: str) -> list[Row]:
        """What one revision of a component references (nothing for an unknown revision)."""
        record = self._record(account_id, parent_id)
        number = ids.parse_number(version)
        revision = record.revisions.get(number) if record and number is not None else None
        if revision is None or not self._reachable(revision):
            return []
        branch = self._live_branch(account_id, revision.branch_id)
        if branch is None:
            # Written on a branch that is gone (a package or another branch still holds it):
            # Boomi keeps a revision's references with the revision, so they are the
            # components it names, wherever they live now — not only those main has.
            return [self._reference_row(r) for r in self._saved_references(revision)]
        return [self._reference_row(r) for r in self._references(revision, branch)]

    def _saved_references(self, revision: Revision) -> list[Reference]:
        found: list[Reference] = []
        for candidate in reference_candidates(revision.object_xml):
            record = self._record(revision.account_id, candidate)
            if candidate == revision.component_id or record is None:
                continue
            held = [r for r in record.revisions.values() if self._reachable(r)]
            child = max(held, key=lambda r: r.version) if held else None
            if child is None or child.deleted:
                continue
            kind = (
                "INDEPENDENT"
                if revision.type == "processroute" and child.type == "process"
                else "DEPENDENT"
            )
            found.append(Reference(revision, child, kind, revision.branch_id))
        return found

    def _reference_rows(self, account_id: str, expression: Expression | None) -> list[Row]:
        """Candidate rows for each ``or``-ed clause of the filter (the filter itself is applied
        afterwards): every clause names parentComponentId and parentVersion, or componentId."""
        rows: dict[tuple[Any, ...], Row] = {}
        on_main: list[Row] | None = None
        for clause in disjuncts(expression):
            parents = clause_arguments(clause, "parentComponentId")
            children = clause_arguments(clause, "componentId")
            found: list[Row] = []
            if parents:
                versions = clause_arguments(clause, "parentVersion")
                if not versions:
                    raise bad_request(
                        "A query by parentComponentId needs parentVersion (EQUALS) too."
                    )
                for parent_id in parents:
                    for version in versions:
                        found.extend(self._children_rows(account_id, parent_id, version))
            elif children:
                if on_main is None:
                    on_main = self._all_references(account_id, self.main_branch(account_id))
                found = on_main
            else:
                raise bad_request(
                    "A ComponentReference query needs parentComponentId and parentVersion, "
                    "or componentId."
                )
            for row in found:
                fields = ("parentComponentId", "parentVersion", "componentId", "branchId")
                rows.setdefault(tuple(row[name] for name in fields), row)
        return list(rows.values())

    @staticmethod
    def _group_references(rows: list[Row]) -> list[Row]:
        grouped: dict[tuple[str, int], list[Row]] = {}
        for row in rows:
            grouped.setdefault((row["parentComponentId"], row["parentVersion"]), []).append(row)
        return [{"@type": "ComponentReference", "references": refs} for refs in grouped.values()]

    # ---------------------------------------------------------------- packaged components

    def _package_row(self, package: PackagedComponent) -> Row:
        return {
            "@type": "PackagedComponent",
            "packageId": package.package_id,
            "packageVersion": package.package_version,
            "componentId": package.component_id,
            "componentVersion": package.component_version,
            "componentType": package.component_type,
            "branchName": package.branch_name,
            "notes": package.notes,
            "shareable": package.shareable,
            "fullyPubliclyConsumable": False,
            "createdDate": package.created_date,
            "createdBy": package.created_by,
            "deleted": package.deleted,
        }

    def _dependency_snapshot(self, root: Revision, branch: Branch) -> dict[str, int]:
        snapshot = {root.component_id: root.version}
        pending = [root]
        while pending:
            for reference in self._references(pending.pop(), branch):
                child = reference.child
                if reference.type == "DEPENDENT" and child.component_id not in snapshot:
                    snapshot[child.component_id] = child.version
                    pending.append(child)
        return snapshot

    @_locked
    def create_package(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> Row:
        return self._package_row(self.add_package(account_id, body, user=user, at=at))

    @_locked
    def add_package(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> PackagedComponent:
        component_id = _text(body, "componentId")
        if not component_id:
            raise bad_request("componentId is required.")
        branch_name = _text(body, "branchName") or MAIN_BRANCH_NAME
        branch = self._branch_by_name(account_id, branch_name)
        if branch is None:
            raise bad_request(f"Branch {branch_name!r} does not exist.")
        record = self._record(account_id, component_id)
        root = self._view(branch, record) if record is not None else None
        if root is None or root.deleted:
            raise bad_request(f"Component {component_id} does not exist on branch {branch_name}.")
        if root.type not in PACKAGEABLE_TYPES:
            raise bad_request(f"Components of type {root.type} cannot be packaged.")
        requested_type = _text(body, "componentType")
        if requested_type and requested_type != root.type:
            raise bad_request(
                f"componentType {requested_type} does not match the component ({root.type})."
            )
        taken = {
            p.package_version
            for p in self.packages.values()
            if p.component_id == component_id and not p.deleted
        }
        package_version = _text(body, "packageVersion")
        if package_version in taken:
            raise bad_request(
                f"Package version {package_version} already exists for component {component_id}."
            )
        if not package_version:
            package_version = f"{root.version}.0"
            suffix = 0
            while package_version in taken:
                suffix += 1
                package_version = f"{root.version}.{suffix}"
        shareable = body.get("shareable", False)
        if not isinstance(shareable, bool):
            raise bad_request("shareable must be true or false.")
        package = PackagedComponent(
            package_id=self.new_uuid(),
            account_id=account_id,
            component_id=component_id,
            component_version=root.version,
            component_type=root.type,
            package_version=package_version,
            branch_name=branch.name,
            notes=_text(body, "notes"),
            shareable=shareable,
            created_by=user,
            created_date=self._now(at),
            snapshot=self._dependency_snapshot(root, branch),
        )
        self.packages[package.package_id] = package
        return package

    @_locked
    def get_package(self, account_id: str, package_id: str) -> Row:
        package = self.packages.get(package_id)
        if package is None or package.account_id != account_id:
            raise not_found(f"Packaged component {package_id} was not found.")
        return self._package_row(package)

    # ---------------------------------------------------------------- merge requests

    def _merge_row(self, request: MergeRequest) -> Row:
        source = self.branches[request.source_branch_id]
        destination = self.branches[request.destination_branch_id]
        details = [
            {
                "@type": "MergeRequestDetail",
                "componentGuid": detail.component_id,
                "changeType": detail.change_type,
                "conflict": detail.conflict,
                **(
                    {}
                    if detail.unresolved
                    else {
                        "resolution": "OVERRIDE"
                        if request.priority_branch == "SOURCE"
                        else "KEEP_DESTINATION"
                    }
                ),
                "stage": detail.stage,
                "excluded": False,
                "lockedOnDestinationBranch": False,
                "sourceRevision": detail.source_revision,
                **(
                    {"destinationRevision": detail.destination_revision}
                    if detail.destination_revision is not None
                    else {}
                ),
                **(
                    {"mergeRevision": detail.merge_revision}
                    if detail.merge_revision is not None
                    else {}
                ),
                "createdBy": request.created_by,
                "createdDate": request.created_date,
            }
            for detail in request.details
        ]
        return {
            "@type": "MergeRequest",
            "id": request.merge_request_id,
            "sourceBranchId": source.branch_id,
            "sourceBranchName": source.name,
            "destinationBranchId": destination.branch_id,
            "destinationBranchName": destination.name,
            "strategy": request.strategy,
            "priorityBranch": request.priority_branch,
            "stage": request.stage,
            "previousStage": request.previous_stage,
            "note": request.note,
            "createdBy": request.created_by,
            "createdDate": request.created_date,
            "modifiedBy": request.modified_by or request.created_by,
            "modifiedDate": request.modified_date or request.created_date,
            "MergeRequestDetails": {"@type": "MergeRequestDetails", "MergeRequestDetail": details},
        }

    @_locked
    def create_merge_request(self, account_id: str, body: Row, *, user: str) -> Row:
        source_id, destination_id = (
            _text(body, "sourceBranchId"),
            _text(body, "destinationBranchId"),
        )
        source = self._live_branch(account_id, source_id)
        destination = self._live_branch(account_id, destination_id)
        if source is None or destination is None:
            raise bad_request(
                "sourceBranchId and destinationBranchId must be ids of existing branches."
            )
        if source.branch_id == destination.branch_id:
            raise bad_request("A branch cannot be merged into itself.")
        strategy = _text(body, "strategy") or "OVERRIDE"
        if strategy not in MERGE_STRATEGIES:
            raise bad_request(f"strategy must be one of {sorted(MERGE_STRATEGIES)}.")
        priority = _text(body, "priorityBranch") or "SOURCE"
        if priority not in PRIORITY_BRANCHES:
            raise bad_request("priorityBranch must be SOURCE or DESTINATION.")
        fault = self.merge_faults.take(source.name)
        request = MergeRequest(
            merge_request_id=self.new_uuid(),
            account_id=account_id,
            source_branch_id=source.branch_id,
            destination_branch_id=destination.branch_id,
            strategy=strategy,
            priority_branch=priority,
            note=_text(body, "note"),
            created_by=user,
            created_date=self._now(),
            stage="DRAFTING",
            previous_stage="NOT_EXIST",
            next_stage_at=self.clock() + self.settings.merge_draft_seconds,
            planned_failure=fault.outcome if fault is not None else None,
            conflict_components=list(fault.components)
            if fault is not None and fault.components is not None
            else None,
        )
        self.merge_requests[request.merge_request_id] = request
        return self._merge_row(request)

    def _merge_request(self, account_id: str, merge_request_id: str) -> MergeRequest:
        request = self.merge_requests.get(merge_request_id)
        if request is None or request.account_id != account_id:
            raise not_found(f"Merge request {merge_request_id} was not found.")
        return request

    @_locked
    def get_merge_request(self, account_id: str, merge_request_id: str) -> Row:
        return self._merge_row(self._merge_request(account_id, merge_request_id))

    @_locked
    def execute_merge_request(
        self, account_id: str, merge_request_id: str, body: Row, *, user: str
    ) -> Row:
        request = self._merge_request(account_id, merge_request_id)
        if _text(body, "id") and _text(body, "id") != merge_request_id:
            raise bad_request("The id in the body does not match the merge request in the path.")
        action = _text(body, "mergeRequestAction")
        if action != "MERGE":
            raise bad_request('The emulator executes only {"mergeRequestAction": "MERGE"}.')
        if request.stage not in ("REVIEWING", "FAILED_TO_MERGE"):
            raise bad_request(
                f"Merge request {merge_request_id} is {request.stage}; it can be merged only "
                "from REVIEWING or FAILED_TO_MERGE."
            )
        self._set_stage(request, "MERGING", self.clock() + self.settings.merge_execute_seconds)
        request.modified_by = user
        request.modified_date = self._now()
        return self._merge_row(request)

    def _set_stage(
        self, request: MergeRequest, stage: str, next_stage_at: float | None = None
    ) -> None:
        request.previous_stage = request.stage
        request.stage = stage
        request.next_stage_at = next_stage_at

    def _advance_merge(self, request: MergeRequest, due: float) -> None:
        source = self._live_branch(request.account_id, request.source_branch_id)
        destination = self._live_branch(request.account_id, request.destination_branch_id)
        if request.stage == "DRAFTING":
            if (
                source is None
                or destination is None
                or request.planned_failure == "FAILED_TO_DRAFT"
            ):
                self._set_stage(request, "FAILED_TO_DRAFT")
                return
            request.details = self._draft(source, destination)
            if request.strategy == "CONFLICT_RESOLVE":
                # Left to a person; the emulator takes no resolutions (action UPDATE).
                for detail in request.details:
                    detail.unresolved = detail.conflict
            if request.planned_failure == "CONFLICT":
                self._flag_conflicts(request)
            self._set_stage(request, "DRAFTED", due + self.settings.merge_review_seconds)
        elif request.stage == "DRAFTED":
            self._set_stage(request, "REVIEWING")
        elif request.stage == "MERGING":
            if source is None or destination is None or not self._mergeable(request):
                self._set_stage(request, "FAILED_TO_MERGE")
                return
            self._merge(request, source, destination)
            self._set_stage(request, "MERGED")
        else:
            request.next_stage_at = None

    def _mergeable(self, request: MergeRequest) -> bool:
        """Whether executing the merge can succeed; nothing is merged when it cannot."""
        if request.planned_failure == "CONFLICT":
            return False
        if request.planned_failure == "FAILED_TO_MERGE":
            # A passing failure: executing MERGE again (allowed from FAILED_TO_MERGE) merges.
            request.planned_failure = None
            return False
        return not any(d.unresolved for d in request.details)

    @staticmethod
    def _flag_conflicts(request: MergeRequest) -> None:
        """Mark the components of a planned CONFLICT as conflicting in the details."""
        if request.conflict_components is not None:
            wanted = set(request.conflict_components)
        else:
            wanted = {d.component_id for d in request.details if d.conflict} or {
                d.component_id for d in request.details
            }
        for detail in request.details:
            if detail.component_id in wanted:
                detail.conflict = detail.unresolved = True

    def _draft(self, source: Branch, destination: Branch) -> list[MergeDetail]:
        """Components whose source view is newer than the destination's (versions only grow)."""
        details: list[MergeDetail] = []
        for record in self._records(source.account_id):
            theirs = self._view(source, record)
            ours = self._view(destination, record)
            if theirs is None or (ours is not None and theirs.version <= ours.version):
                continue
            base = source.base.get(record.component_id)
            details.append(
                MergeDetail(
                    component_id=record.component_id,
                    change_type="ADDED" if ours is None else "MODIFIED",
                    conflict=ours is not None and base is not None and ours.version != base,
                    source_revision=theirs.version,
                    destination_revision=ours.version if ours is not None else None,
                )
            )
        return details

    def _merge(self, request: MergeRequest, source: Branch, destination: Branch) -> None:
        moment = self._now()
        for detail in request.details:
            record = self.components[detail.component_id]
            theirs = self._view(source, record)
            if theirs is None:
                continue
            if detail.conflict and request.priority_branch == "DESTINATION":
                detail.stage = "MERGED"
                continue
            merged = dataclasses.replace(
                theirs,
                version=record.next_version(),
                branch_id=destination.branch_id,
                modified_by=request.modified_by or request.created_by,
                modified_date=moment,
            )
            record.revisions[merged.version] = merged
            detail.merge_revision = merged.version
            detail.stage = "MERGED"

    # ---------------------------------------------------------------- environments

    @_locked
    def add_environment(
        self, account_id: str, name: str, classification: str, *, at: datetime | None = None
    ) -> Environment:
        """An environment of ``account_id`` (names are unique per account)."""
        if account_id not in self.accounts:
            raise bad_request(f"Account {account_id} does not exist.")
        if classification not in ENVIRONMENT_CLASSIFICATIONS:
            raise bad_request("classification must be PROD or TEST.")
        for other in self.environments.values():
            if other.account_id == account_id and other.name.lower() == name.lower():
                raise bad_request(f"An environment named {name!r} already exists.")
        environment = Environment(self.new_uuid(), account_id, name, classification, self._now(at))
        self.environments[environment.environment_id] = environment
        # Every environment has its EnvironmentExtensions object, empty until something
        # extensible is deployed or installed there.
        key = extension_set_id(environment.environment_id, "")
        self.environment_extensions.setdefault(
            key, EnvironmentExtensionSet(environment.environment_id, account_id)
        )
        return environment

    @_locked
    def create_environment(self, account_id: str, body: Row) -> Row:
        """POST /Environment: a unique ``name`` and a ``classification`` (PROD by default)."""
        name = _text(body, "name").strip()
        if not name:
            raise bad_request("An environment needs a name.")
        classification = _text(body, "classification") or "PROD"
        return self._environment_row(self.add_environment(account_id, name, classification))

    def _environment(self, account_id: str, environment_id: str) -> Environment | None:
        environment = self.environments.get(environment_id)
        return environment if environment and environment.account_id == account_id else None

    @staticmethod
    def _environment_row(environment: Environment) -> Row:
        return {
            "@type": "Environment",
            "id": environment.environment_id,
            "name": environment.name,
            "classification": environment.classification,
        }

    @_locked
    def get_environment(self, account_id: str, environment_id: str) -> Row:
        environment = self._environment(account_id, environment_id)
        if environment is None:
            raise not_found(f"Environment {environment_id} was not found.")
        return self._environment_row(environment)

    # ---------------------------------------------------------------- environment extensions

    @_locked
    def install_extensions(self, extensions: EnvironmentExtensionSet) -> EnvironmentExtensionSet:
        """Make components extensible in an environment, as installing a pack there would.

        Replaces what the environment (and extension group) had; the overrides in
        ``extensions`` are its starting values.
        """
        environment = self._environment(extensions.account_id, extensions.environment_id)
        if environment is None:
            raise bad_request(
                f"Environment {extensions.environment_id} does not exist in account "
                f"{extensions.account_id}."
            )
        key = extension_set_id(extensions.environment_id, extensions.extension_group_id)
        self.environment_extensions[key] = extensions
        return extensions

    def _extensions(self, account_id: str, extensions_id: str) -> EnvironmentExtensionSet:
        extensions = self.environment_extensions.get(extensions_id)
        if extensions is None or extensions.account_id != account_id:
            raise not_found(f"EnvironmentExtensions {extensions_id} was not found.")
        return extensions

    @_locked
    def get_environment_extensions(self, account_id: str, extensions_id: str) -> Row:
        """Every extensible value; encrypted ones without their value."""
        return render_extensions(self._extensions(account_id, extensions_id))

    @_locked
    def update_environment_extensions(self, account_id: str, extensions_id: str, body: Row) -> Row:
        """Apply a partial or full update (all or nothing); answer the result."""
        current = self._extensions(account_id, extensions_id)
        updated = updated_extensions(current, body, path_id=extensions_id)
        self.environment_extensions[extensions_id] = updated
        return render_extensions(updated)

    # ---------------------------------------------------------------- map extensions

    @_locked
    def add_map_extension(
        self,
        account_id: str,
        environment_id: str,
        *,
        map_id: str,
        process_id: str,
        source_profile: MapProfile,
        destination_profile: MapProfile,
        extension_group_id: str = "",
    ) -> MapExtension:
        """Make a map of an installed process extensible in an environment (no mappings yet).

        Its name is "source - destination", from the profiles' component names.
        """
        if self._environment(account_id, environment_id) is None:
            raise bad_request(
                f"Environment {environment_id} does not exist in account {account_id}."
            )
        names = [
            self._component_name(profile.component_id)
            for profile in (source_profile, destination_profile)
        ]
        extension = MapExtension(
            extension_id=synthesized_id(map_id, process_id, extension_group_id, environment_id),
            account_id=account_id,
            environment_id=environment_id,
            extension_group_id=extension_group_id,
            map_id=map_id,
            process_id=process_id,
            name=" - ".join(names),
            source_profile=source_profile,
            destination_profile=destination_profile,
        )
        self.map_extensions[extension.extension_id] = extension
        return extension

    def _component_name(self, component_id: str) -> str:
        record = self.components.get(component_id)
        if record is None or not record.revisions:
            return component_id
        return record.revisions[max(record.revisions)].name

    def _map_extension(self, account_id: str, extension_id: str) -> MapExtension:
        extension = self.map_extensions.get(extension_id)
        if extension is None or extension.account_id != account_id:
            raise not_found(f"EnvironmentMapExtension {extension_id} was not found.")
        return extension

    @_locked
    def get_map_extension(self, account_id: str, extension_id: str) -> Row:
        return render_map_extension(self._map_extension(account_id, extension_id))

    @_locked
    def update_map_extension(self, account_id: str, extension_id: str, body: Row) -> Row:
        """Replace the extension with ``body`` (Boomi has no partial map-extension update)."""
        current = self._map_extension(account_id, extension_id)
        replaced = replaced_map_extension(current, body, path_id=extension_id)
        self.map_extensions[extension_id] = replaced
        return render_map_extension(replaced)

    # ---------------------------------------------------------------- integration packs

    def _shareable_packages(self, account_id: str, component_id: str) -> list[PackagedComponent]:
        """The component's packages that may go into a pack, oldest first."""
        return [
            p
            for p in self.packages.values()
            if p.account_id == account_id
            and p.component_id == component_id
            and p.shareable
            and not p.deleted
        ]

    def _member_row(self, pack: IntegrationPack, member: PackMember) -> Row:
        packages = self._shareable_packages(pack.account_id, member.component_id)
        row: Row = {"@type": "PublisherPackagedComponent", "componentId": member.component_id}
        if packages:
            latest = packages[-1]
            record = self.components[member.component_id]
            row["componentName"] = record.revisions[latest.component_version].name
            row["componentType"] = latest.component_type
        if member.released_version is not None:
            row["currentVersion"] = member.released_version
        if packages and packages[-1].package_version != member.released_version:
            row["pendingVersion"] = packages[-1].package_version
        if packages:
            row["latestVersion"] = packages[-1].package_version
        row["deleted"] = member.deleted
        return row

    def _publisher_pack_row(self, pack: IntegrationPack) -> Row:
        return {
            "@type": "PublisherIntegrationPack",
            "id": pack.pack_id,
            "name": pack.name,
            "Description": pack.description,
            "installationType": pack.installation_type,
            "PublisherPackagedComponents": _wrapped(
                "PublisherPackagedComponents",
                "PublisherPackagedComponent",
                [self._member_row(pack, m) for m in pack.members],
            ),
        }

    def _publisher_pack(self, account_id: str, pack_id: str) -> IntegrationPack | None:
        pack = self.integration_packs.get(pack_id)
        if pack is None or pack.account_id != account_id or pack.deleted:
            return None
        return pack

    def _check_pack_name(self, account_id: str, name: str, *, renaming: str | None = None) -> None:
        if not name:
            raise bad_request("An integration pack needs a name.")
        for other in self.integration_packs.values():
            if (
                other.account_id == account_id
                and not other.deleted
                and other.pack_id != renaming
                and other.name.lower() == name.lower()
            ):
                raise bad_request(f"An integration pack named {name!r} already exists.")

    @staticmethod
    def _description(body: Row) -> str | None:
        if "description" in body and "Description" not in body:
            raise bad_request("The pack's description field is 'Description' (capital D).")
        return _text(body, "Description") if "Description" in body else None

    @_locked
    def create_publisher_pack(self, account_id: str, body: Row, *, user: str) -> Row:
        name = _text(body, "name")
        self._check_pack_name(account_id, name)
        installation_type = _text(body, "installationType")
        if installation_type not in INSTALLATION_TYPES:
            raise bad_request("installationType must be SINGLE or MULTI.")
        pack = IntegrationPack(
            pack_id=self.new_uuid(),
            account_id=account_id,
            name=name,
            description=self._description(body) or "",
            installation_type=installation_type,
            created_by=user,
            created_date=self._now(),
        )
        self._add_members(pack, self._listed_components(body))
        self.integration_packs[pack.pack_id] = pack
        return self._publisher_pack_row(pack)

    @_locked
    def get_publisher_pack(self, account_id: str, pack_id: str) -> Row:
        pack = self._publisher_pack(account_id, pack_id)
        if pack is None:
            raise not_found(f"Integration pack {pack_id} was not found.")
        return self._publisher_pack_row(pack)

    @staticmethod
    def _listed_components(body: Row) -> list[str]:
        entries = _items(body, "PublisherPackagedComponents", "PublisherPackagedComponent")
        component_ids = [_text(entry, "componentId") for entry in entries]
        if not all(component_ids):
            raise bad_request("Every PublisherPackagedComponent needs a componentId.")
        if len(set(component_ids)) != len(component_ids):
            raise bad_request("A component is listed more than once.")
        return component_ids

    def _add_members(self, pack: IntegrationPack, component_ids: list[str]) -> None:
        """Add components (all or none); re-adding a member undoes a pending removal."""
        for component_id in component_ids:
            if not self._shareable_packages(pack.account_id, component_id):
                raise bad_request(
                    f"Component {component_id} has no shareable packaged component; package it "
                    "with shareable=true before adding it to an integration pack."
                )
        members = {m.component_id: m for m in pack.members}
        for component_id in component_ids:
            if component_id in members:
                members[component_id].deleted = False
            else:
                pack.members.append(PackMember(component_id))

    def _replace_members(self, pack: IntegrationPack, component_ids: list[str]) -> None:
        """The listed components become the pack's list: Boomi's update deletes every packaged
        component it does not list (they leave at the next release, as a removal does)."""
        self._add_members(pack, component_ids)
        listed = set(component_ids)
        for member in pack.members:
            if member.component_id not in listed:
                member.deleted = True

    @_locked
    def update_publisher_pack(self, account_id: str, pack_id: str, body: Row) -> Row:
        """``operationType: ADD`` (or no operation, for a name or description change): the
        listed components are the pack's list afterwards, and any member left out is removed.
        ``DELETE`` removes the listed members only. Removals take effect at the next release."""
        pack = self._publisher_pack(account_id, pack_id)
        if pack is None:
            raise not_found(f"Integration pack {pack_id} was not found.")
        if _text(body, "id") and _text(body, "id") != pack_id:
            raise bad_request("The id in the body does not match the integration pack in the path.")
        installation_type = _text(body, "installationType")
        if installation_type and installation_type != pack.installation_type:
            raise bad_request("The installationType of an integration pack cannot change.")
        name = _text(body, "name")
        if name and name != pack.name:
            if pack.installation_type != "SINGLE":
                raise bad_request("Only a SINGLE integration pack can be renamed.")
            self._check_pack_name(account_id, name, renaming=pack_id)
        operation = _text(body, "operationType")
        component_ids = self._listed_components(body)
        if (component_ids or operation) and operation not in PACK_OPERATIONS:
            raise bad_request("operationType must be ADD or DELETE when components are listed.")
        if operation == "DELETE":
            members = {m.component_id: m for m in pack.members if not m.deleted}
            missing = [c for c in component_ids if c not in members]
            if missing:
                raise bad_request(f"Components {missing} are not in integration pack {pack_id}.")
            for component_id in component_ids:
                members[component_id].deleted = True
        else:
            # ADD, or a change of name or description alone: the update lists every packaged
            # component the pack keeps; one it leaves out is deleted (Boomi's documented rule).
            self._replace_members(pack, component_ids)
        if name:
            pack.name = name
        description = self._description(body)
        if description is not None:
            pack.description = description
        return self._publisher_pack_row(pack)

    @_locked
    def delete_publisher_pack(self, account_id: str, pack_id: str) -> None:
        pack = self._publisher_pack(account_id, pack_id)
        if pack is None:
            raise not_found(f"Integration pack {pack_id} was not found.")
        pack.deleted = True

    def _available_packs(self, account_id: str) -> list[IntegrationPack]:
        """Released packs the account published, or its parents published for it to install."""
        return [
            p
            for p in self.integration_packs.values()
            if p.released
            and not p.deleted
            and (p.account_id == account_id or self.is_descendant(account_id, p.account_id))
        ]

    @staticmethod
    def _integration_pack_row(pack: IntegrationPack) -> Row:
        return {
            "@type": "IntegrationPack",
            "id": pack.pack_id,
            "name": pack.name,
            "Description": pack.description,
            "installationType": pack.installation_type,
        }

    @_locked
    def get_integration_pack(self, account_id: str, pack_id: str) -> Row:
        for pack in self._available_packs(account_id):
            if pack.pack_id == pack_id:
                return self._integration_pack_row(pack)
        raise not_found(f"Integration pack {pack_id} was not found.")

    # ---------------------------------------------------------------- releases

    def _release_date(self, body: Row, schedule: str) -> date | None:
        text = _text(body, "releaseOnDate")
        if schedule == RELEASE_IMMEDIATELY:
            if text:
                raise bad_request("releaseOnDate is only for RELEASE_ON_SPECIFIED_DATE.")
            return None
        if not text:
            raise bad_request(f"releaseOnDate (yyyy-MM-dd) is required for {RELEASE_ON_DATE}.")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise bad_request("releaseOnDate must be a date, yyyy-MM-dd.") from None
        if day < datetime.fromtimestamp(self.clock(), UTC).date():
            raise bad_request(f"releaseOnDate {text} is in the past.")
        return day

    def _released_components(self, pack: IntegrationPack, body: Row) -> list[ReleasedComponent]:
        entries = _items(body, "ReleasePackagedComponents", "ReleasePackagedComponent")
        if not entries:
            raise bad_request(
                "ReleasePackagedComponents.ReleasePackagedComponent must list the pack's "
                "components, each with componentId and version."
            )
        members = {m.component_id for m in pack.members if not m.deleted}
        released: list[ReleasedComponent] = []
        for entry in entries:
            component_id, version = _text(entry, "componentId"), _text(entry, "version")
            if not component_id or not version:
                raise bad_request("Every ReleasePackagedComponent needs componentId and version.")
            if component_id not in members:
                raise bad_request(
                    f"Component {component_id} is not in integration pack {pack.pack_id}."
                )
            versions = {
                p.package_version for p in self._shareable_packages(pack.account_id, component_id)
            }
            if version not in versions:
                raise bad_request(
                    f"Version {version} is not a shareable packaged component of {component_id}."
                )
            released.append(ReleasedComponent(component_id, version))
        if len({r.component_id for r in released}) != len(released):
            raise bad_request("A component is listed more than once.")
        return released

    @_locked
    def create_release(self, account_id: str, body: Row, *, user: str) -> Row:
        pack_id = _text(body, "id")
        pack = self._publisher_pack(account_id, pack_id) if pack_id else None
        if pack is None:
            raise bad_request(f"id must be the id of an integration pack; {pack_id!r} is not.")
        installation_type = _text(body, "installationType")
        if installation_type and installation_type != pack.installation_type:
            raise bad_request(
                f"installationType {installation_type} does not match the pack "
                f"({pack.installation_type})."
            )
        schedule = _text(body, "releaseSchedule") or RELEASE_IMMEDIATELY
        if schedule not in (RELEASE_IMMEDIATELY, RELEASE_ON_DATE):
            raise bad_request(
                f"releaseSchedule must be {RELEASE_IMMEDIATELY} or {RELEASE_ON_DATE}."
            )
        day = self._release_date(body, schedule)
        components = self._released_components(pack, body)
        now = self.clock()
        starts = now
        if day is not None:
            starts = max(now, datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        release = Release(
            request_id=self.new_uuid(),
            account_id=account_id,
            pack_id=pack.pack_id,
            pack_name=pack.name,
            installation_type=pack.installation_type,
            schedule=schedule,
            release_on_date=day.isoformat() if day is not None else None,
            components=components,
            created_by=user,
            created_date=self._now(),
            starts_at=starts,
            ends_at=starts + self.settings.release_seconds,
            status="SCHEDULED" if starts > now else "IN_PROGRESS",
            planned_failure=self.release_faults.take(pack.pack_id, pack.name),
        )
        self.releases[release.request_id] = release
        row = self._release_header(release, "ReleaseIntegrationPack")
        row["id"] = pack.pack_id
        row["requestId"] = release.request_id
        row["ReleasePackagedComponents"] = _wrapped(
            "ReleasePackagedComponents",
            "ReleasePackagedComponent",
            [
                {"componentId": c.component_id, "version": c.package_version}
                for c in release.components
            ],
        )
        return row

    @staticmethod
    def _release_header(release: Release, object_type: str) -> Row:
        row: Row = {
            "@type": object_type,
            "name": release.pack_name,
            "installationType": release.installation_type,
            "releaseSchedule": release.schedule,
        }
        if release.release_on_date is not None:
            row["releaseOnDate"] = release.release_on_date
        return row

    @_locked
    def get_release_status(self, account_id: str, request_id: str) -> tuple[int, Row]:
        """HTTP 202 while the release is scheduled or running, 200 once it has finished."""
        release = self.releases.get(request_id)
        if release is None or release.account_id != account_id:
            raise not_found(f"Release request {request_id} was not found.")
        status = 202 if release.status in RELEASE_PENDING else 200
        row: Row = {
            "@type": "ReleaseIntegrationPackStatus",
            "requestId": release.request_id,
            "integrationPackId": release.pack_id,
            **self._release_header(release, "ReleaseIntegrationPackStatus"),
            "releaseStatus": release.status,
            "responseStatusCode": status,
        }
        if release.status == "SUCCESS":
            row["ReleasePackagedComponents"] = _wrapped(
                "ReleasePackagedComponents",
                "ReleasePackagedComponent",
                [
                    {"componentId": c.component_id, "releasedVersion": c.package_version}
                    for c in release.components
                ],
            )
        if release.message:
            row["message"] = release.message
        return status, row

    def _finish_release(self, release: Release) -> None:
        """The released set is exactly the listed components; removals take effect now."""
        pack = self.integration_packs.get(release.pack_id)
        if pack is None or pack.deleted:
            release.status, release.message = "ERROR", "The integration pack was deleted."
            return
        if release.planned_failure is not None:
            release.status, release.message = "ERROR", release.planned_failure
            return
        listed = {c.component_id: c.package_version for c in release.components}
        pack.members = [m for m in pack.members if not m.deleted]
        for member in pack.members:
            member.released_version = listed.get(member.component_id)
        pack.released = True
        release.status = "SUCCESS"

    # ---------------------------------------------------------------- processes

    def _process_rows(self, account_id: str) -> list[Row]:
        """The processes the account runs: those deployed in it (the process component's id)
        and those of the released integration packs available to it, with the pack's id."""
        rows: dict[str, Row] = {}
        for deployment in self.deployments.values():
            if (
                deployment.account_id == account_id
                and deployment.active
                and not deployment.deleted
                and deployment.component_type == "process"
            ):
                rows.setdefault(deployment.component_id, self._process_row(deployment.component_id))
        for pack in self._available_packs(account_id):
            for member in pack.members:
                record = self.components.get(member.component_id)
                if member.released_version is None or record is None:
                    continue
                if _latest(record).type != "process":
                    continue
                row = rows.setdefault(member.component_id, self._process_row(member.component_id))
                row["IntegrationPack"].append(
                    {"@type": "ProcessIntegrationPackInfo", "integrationPackId": pack.pack_id}
                )
        return list(rows.values())

    def _process_row(self, component_id: str) -> Row:
        latest = _latest(self.components[component_id])
        return {
            "@type": "Process",
            "id": component_id,
            "name": latest.name,
            "Description": latest.description,
            "IntegrationPack": [],
        }

    @_locked
    def get_process(self, account_id: str, process_id: str) -> Row:
        for row in self._process_rows(account_id):
            if row["id"] == process_id:
                return row
        raise not_found(f"Process {process_id} was not found.")

    @_locked
    def get_package_manifest(self, account_id: str, package_id: str) -> Row:
        """The components a package holds, each at its packaged version."""
        package = self.packages.get(package_id)
        if package is None or package.account_id != account_id:
            raise not_found(f"Packaged component {package_id} was not found.")
        return {
            "@type": "PackagedComponentManifest",
            "packageId": package.package_id,
            "componentInfo": [
                {"@type": "ComponentInfo", "id": component_id, "version": version}
                for component_id, version in sorted(package.snapshot.items())
            ],
        }

    # ---------------------------------------------------------------- deployed packages

    @staticmethod
    def _deployment_row(deployment: Deployment) -> Row:
        return {
            "@type": "DeployedPackage",
            "deploymentId": deployment.deployment_id,
            "environmentId": deployment.environment_id,
            "packageId": deployment.package_id,
            "packageVersion": deployment.package_version,
            "componentId": deployment.component_id,
            "componentVersion": deployment.component_version,
            "componentType": deployment.component_type,
            "branchName": deployment.branch_name,
            "version": deployment.version,
            "active": deployment.active,
            "notes": deployment.notes,
            "listenerStatus": deployment.listener_status,
            "deployedBy": deployment.deployed_by,
            "deployedDate": deployment.deployed_date,
        }

    def _package_to_deploy(self, account_id: str, body: Row, user: str) -> PackagedComponent:
        package_id, component_id = _text(body, "packageId"), _text(body, "componentId")
        if package_id:
            package = self.packages.get(package_id)
            if package is None or package.account_id != account_id or package.deleted:
                raise bad_request(f"Packaged component {package_id} does not exist.")
            if component_id and component_id != package.component_id:
                raise bad_request("componentId does not match the package's component.")
            return package
        if component_id:
            # Packages main and deploys in one step; Boomi ignores branchName here.
            return self.add_package(
                account_id, {"componentId": component_id, "notes": _text(body, "notes")}, user=user
            )
        raise bad_request("A deployment needs packageId (or componentId).")

    @_locked
    def create_deployment(
        self, account_id: str, body: Row, *, user: str, at: datetime | None = None
    ) -> Row:
        environment_id = _text(body, "environmentId")
        environment = self._environment(account_id, environment_id)
        if environment is None:
            raise bad_request(f"Environment {environment_id!r} does not exist.")
        listener_status = _text(body, "listenerStatus") or "RUNNING"
        if listener_status not in LISTENER_STATUSES:
            raise bad_request("listenerStatus must be RUNNING or PAUSED.")
        package = self._package_to_deploy(account_id, body, user)
        same_component = [
            d
            for d in self.deployments.values()
            if d.environment_id == environment_id and d.component_id == package.component_id
        ]
        for deployment in same_component:
            if deployment.package_id == package.package_id and deployment.active:
                raise bad_request(
                    f"Deployment is a duplicate: package {package.package_id} (version "
                    f"{package.package_version}) is already deployed to {environment.name}."
                )
        for deployment in same_component:
            deployment.active = False
        deployment = Deployment(
            deployment_id=self.new_uuid(),
            account_id=account_id,
            environment_id=environment_id,
            package_id=package.package_id,
            component_id=package.component_id,
            component_version=package.component_version,
            component_type=package.component_type,
            package_version=package.package_version,
            branch_name=package.branch_name,
            version=max((d.version for d in same_component), default=0) + 1,
            notes=_text(body, "notes"),
            listener_status=listener_status,
            deployed_by=user,
            deployed_date=self._now(at),
        )
        self.deployments[deployment.deployment_id] = deployment
        self._extend_environment(environment, package)
        return self._deployment_row(deployment)

    def _extend_environment(self, environment: Environment, package: PackagedComponent) -> None:
        """The environment's extensions gain what the deployed process makes extensible."""
        key = extension_set_id(environment.environment_id, "")
        extensions = self.environment_extensions.setdefault(
            key, EnvironmentExtensionSet(environment.environment_id, environment.account_id)
        )
        revisions = [
            record.revisions[version]
            for component_id, version in package.snapshot.items()
            if (record := self.components.get(component_id)) is not None
            and version in record.revisions
        ]
        root = next((r for r in revisions if r.component_id == package.component_id), None)
        if root is not None and root.type == "process":
            extend_for_deployment(extensions, root, revisions)

    def _deployment(self, account_id: str, deployment_id: str) -> Deployment:
        deployment = self.deployments.get(deployment_id)
        if deployment is None or deployment.account_id != account_id or deployment.deleted:
            raise not_found(f"Deployment {deployment_id} was not found.")
        return deployment

    @_locked
    def get_deployment(self, account_id: str, deployment_id: str) -> Row:
        return self._deployment_row(self._deployment(account_id, deployment_id))

    @_locked
    def delete_deployment(self, account_id: str, deployment_id: str) -> None:
        """Undeploy; the environment no longer runs the component."""
        deployment = self._deployment(account_id, deployment_id)
        deployment.active = False
        deployment.deleted = True

    # ---------------------------------------------------------------- queries

    def _row_sources(self) -> dict[str, Callable[[str, Expression | None], list[Row]]]:
        """Per queryable object: its rows (API representations) for an account and a filter."""
        return {
            "Account": lambda account_id, _: [
                self._account_row(a)
                for a in self.accounts.values()
                if a.parent_account_id == account_id
            ],
            "Folder": lambda account_id, _: [
                self._folder_row(f) for f in self.folders.values() if f.account_id == account_id
            ],
            "ComponentMetadata": self._metadata_rows,
            "ComponentReference": self._reference_rows,
            "PackagedComponent": lambda account_id, _: [
                self._package_row(p) for p in self.packages.values() if p.account_id == account_id
            ],
            "Branch": self._branch_rows,
            "MergeRequest": self._merge_request_rows,
            "Environment": lambda account_id, _: [
                self._environment_row(e)
                for e in self.environments.values()
                if e.account_id == account_id
            ],
            "PublisherIntegrationPack": lambda account_id, _: [
                self._publisher_pack_row(p)
                for p in self.integration_packs.values()
                if p.account_id == account_id and not p.deleted
            ],
            "IntegrationPack": lambda account_id, _: [
                self._integration_pack_row(p) for p in self._available_packs(account_id)
            ],
            "Process": lambda account_id, _: self._process_rows(account_id),
            "DeployedPackage": lambda account_id, _: [
                self._deployment_row(d)
                for d in self.deployments.values()
                if d.account_id == account_id and not d.deleted
            ],
            "EnvironmentExtensions": lambda account_id, _: [
                render_extensions(e)
                for e in self.environment_extensions.values()
                if e.account_id == account_id
            ],
            "EnvironmentMapExtensionsSummary": lambda account_id, _: [
                render_map_summary(m)
                for m in self.map_extensions.values()
                if m.account_id == account_id
            ],
        }

    def _branch_rows(self, account_id: str, _expression: Expression | None) -> list[Row]:
        """Listed branches (DELETING ones too) once their query delay has passed."""
        now = self.clock()
        return [
            self._branch_row(b)
            for b in self.branches.values()
            if b.account_id == account_id and self._listed(b) and b.visible_at <= now
        ]

    def _merge_request_rows(self, account_id: str, expression: Expression | None) -> list[Row]:
        if not (
            equality_arguments(expression, "sourceBranchId")
            or equality_arguments(expression, "destinationBranchId")
        ):
            raise bad_request(
                "A MergeRequest query needs sourceBranchId or destinationBranchId (EQUALS)."
            )
        return [
            self._merge_row(m) for m in self.merge_requests.values() if m.account_id == account_id
        ]

    def _metadata_rows(self, account_id: str, expression: Expression | None) -> list[Row]:
        """History of one branch (main unless the filter names one): its writes and its base."""
        branch = self.main_branch(account_id)
        for branch_id in equality_arguments(expression, "branchId"):
            branch = self._live_branch(account_id, branch_id) or branch
        for name in equality_arguments(expression, "branchName"):
            branch = self._branch_by_name(account_id, name) or branch
        rows: list[Row] = []
        for record in self._records(account_id):
            revisions = [r for r in record.revisions.values() if r.branch_id == branch.branch_id]
            base = branch.base.get(record.component_id)
            if base is not None:
                revisions.append(record.revisions[base])
            rows.extend(
                self._metadata_row(ComponentView(r, branch))
                for r in sorted(revisions, key=lambda r: r.version)
            )
        return rows

    @_locked
    def query(self, object_type: str, account_id: str, expression: Expression | None) -> Row:
        schema, source = SCHEMAS.get(object_type), self._row_sources().get(object_type)
        if schema is None or source is None:
            raise not_found(f"{object_type} cannot be queried.")
        matches = schema.compile(expression)
        rows = [
            row
            for row in source(account_id, expression)
            if matches({"accountId": account_id, **row})
        ]
        if object_type == "ComponentReference":
            rows = self._group_references(rows)
        return self._page(_Cursor(object_type, account_id, rows, self.clock()))

    @_locked
    def query_more(self, object_type: str, account_id: str, token: str) -> Row:
        cursor = self._cursors.pop(token, None)
        if cursor is None or cursor.object_type != object_type or cursor.account_id != account_id:
            raise bad_request(
                "The queryToken is not valid (unknown, used up, or for another query)."
            )
        return self._page(cursor)

    def _page(self, cursor: _Cursor) -> Row:
        size = self.settings.page_size
        page, rest = cursor.remaining[:size], cursor.remaining[size:]
        result: Row = {"@type": "QueryResult", "numberOfResults": len(page)}
        if rest:
            token = secrets.token_urlsafe(24)
            self._cursors[token] = _Cursor(
                cursor.object_type, cursor.account_id, rest, self.clock()
            )
            result["queryToken"] = token
            self._forget_old_cursors()
        result["result"] = page
        return result

    def _forget_old_cursors(self, max_age: float = 3600.0) -> None:
        horizon = self.clock() - max_age
        for token in [t for t, c in self._cursors.items() if c.created < horizon]:
            del self._cursors[token]

    # ---------------------------------------------------------------- bulk GET

    @_locked
    def bulk_get(self, object_type: str, account_id: str, ids: list[str]) -> list[BulkAnswer]:
        """Each id as its own GET would answer it, in request order, seen at one moment."""
        getters: dict[str, Callable[[str], Row | bytes]] = {
            "Component": lambda ref: self.get_component_xml(account_id, ref),
            "ComponentMetadata": lambda ref: self.get_component_metadata(account_id, ref),
            "Folder": lambda folder_id: self.get_folder(account_id, folder_id),
            "PackagedComponent": lambda package_id: self.get_package(account_id, package_id),
            "Account": lambda other: self.get_account(account_id, other),
        }
        get = getters.get(object_type)
        if get is None:
            raise not_found(f"{object_type} has no bulk GET in the emulator.")
        answers: list[BulkAnswer] = []
        for object_id in ids:
            try:
                answers.append(BulkAnswer(object_id, 200, get(object_id)))
            except ApiError as error:
                answers.append(BulkAnswer(object_id, error.status, message=error.message))
        return answers

    # ---------------------------------------------------------------- conveniences for tests

    @_locked
    def component_view(self, account_id: str, ref: str) -> ComponentView:
        """The revision ``GET /Component/{ref}`` would answer."""
        return self._read(account_id, ref)

    @_locked
    def branch_named(self, account_id: str, name: str) -> Branch | None:
        return self._branch_by_name(account_id, name)


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
