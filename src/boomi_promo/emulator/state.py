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
from datetime import UTC, datetime
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
from boomi_promo.emulator.control import FaultInjector, RequestLog, TokenBucket
from boomi_promo.emulator.errors import bad_request, forbidden, not_found
from boomi_promo.emulator.queries import Expression, QuerySchema, equality_arguments
from boomi_promo.emulator.records import (
    Account,
    Branch,
    ComponentRecord,
    Folder,
    MergeDetail,
    MergeRequest,
    PackagedComponent,
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
_STATE_ADAPTER = TypeAdapter(StateDocument)


@dataclass
class EmulatorSettings:
    """Runtime behaviour; not part of a saved state file."""

    branch_ready_seconds: float = 0.3
    """A new branch reports ``ready:false, stage:CREATING`` for this long."""
    merge_draft_seconds: float = 0.3
    """DRAFTING → DRAFTED."""
    merge_review_seconds: float = 0.2
    """DRAFTED → REVIEWING."""
    merge_execute_seconds: float = 0.3
    """MERGING → MERGED."""
    branch_limit: int = 20
    """Branches per account, ``main`` included."""
    requests_per_second: float | None = 10.0
    """Token-bucket rate per effective account; ``None`` or 0 turns throttling off."""
    page_size: int = 100
    hang_seconds: float = 300.0
    """How long a ``timeout`` fault holds a request before giving up with 504."""


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


def _schema(object_type: str, names: str, *, case_insensitive: bool = False) -> QuerySchema[Row]:
    """Properties are read from the object's API representation, by name."""

    def getter(name: str) -> Callable[[Row], Any]:
        return lambda row: row.get(name)

    return QuerySchema(object_type, {n: getter(n) for n in names.split()}, case_insensitive)


SCHEMAS: dict[str, QuerySchema[Row]] = {
    "Account": _schema(
        "Account",
        "accountId dateCreated expirationDate name status widgetAccount overDeployed",
        case_insensitive=True,
    ),
    "Folder": _schema(
        "Folder", "accountId id name fullPath deleted parentId parentName permittedRoles"
    ),
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
        self.branch_sequence = 0
        self.folder_sequence = 0
        self.faults = FaultInjector()
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
        return state

    # ---------------------------------------------------------------- time

    def _now(self, at: datetime | None = None) -> str:
        return iso(at) if at is not None else iso(datetime.fromtimestamp(self.clock(), UTC))

    @_locked
    def settle(self) -> None:
        """Advance merge requests whose next stage is due."""
        now = self.clock()
        for request in self.merge_requests.values():
            while request.next_stage_at is not None and request.next_stage_at <= now:
                self._advance_merge(request, request.next_stage_at)

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

    def _branch_by_name(self, account_id: str, name: str) -> Branch | None:
        for branch in self.branches.values():
            if branch.account_id == account_id and not branch.deleted and branch.name == name:
                return branch
        return None

    def _branch_row(self, branch: Branch) -> Row:
        ready = self.clock() >= branch.ready_at
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
                "stage": "NORMAL" if ready else "CREATING",
                "deleted": branch.deleted,
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
        live = [b for b in self.branches.values() if b.account_id == account_id and not b.deleted]
        if len(live) >= self.settings.branch_limit:
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
        )
        self.branches[branch.branch_id] = branch
        return self._branch_row(branch)

    @_locked
    def get_branch(self, account_id: str, branch_id: str) -> Row:
        branch = self._live_branch(account_id, branch_id)
        if branch is None:
            raise not_found(f"Branch {branch_id} was not found.")
        return self._branch_row(branch)

    @_locked
    def delete_branch(self, account_id: str, branch_id: str, *, user: str) -> None:
        """The branch disappears, and with it every revision that only it held."""
        branch = self._live_branch(account_id, branch_id)
        if branch is None:
            raise not_found(f"Branch {branch_id} was not found.")
        if branch.name == MAIN_BRANCH_NAME and branch.parent_id is None:
            raise bad_request("The main branch cannot be deleted.")
        branch.deleted = True
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
        elif suffix.isdigit():
            revision = record.revisions.get(int(suffix))
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

    @_locked
    def get_references(self, account_id: str, ref: str) -> Row:
        view = self._read(account_id, ref)
        return {
            "@type": "ComponentReference",
            "references": [
                self._reference_row(r) for r in self._references(view.revision, view.branch)
            ],
        }

    def _reference_rows(self, account_id: str, expression: Expression | None) -> list[Row]:
        parents = equality_arguments(expression, "parentComponentId")
        children = equality_arguments(expression, "componentId")
        rows: list[Row] = []
        if parents:
            versions = equality_arguments(expression, "parentVersion")
            if not versions:
                raise bad_request("A query by parentComponentId needs parentVersion (EQUALS) too.")
            for parent_id in parents:
                record = self._record(account_id, parent_id)
                for version in versions:
                    revision = (
                        record.revisions.get(int(version)) if record and version.isdigit() else None
                    )
                    if revision is None or not self._reachable(revision):
                        continue
                    branch = self._live_branch(account_id, revision.branch_id) or self.main_branch(
                        account_id
                    )
                    rows.extend(self._reference_row(r) for r in self._references(revision, branch))
        elif children:
            main = self.main_branch(account_id)
            for record in self._records(account_id):
                revision = self._view(main, record)
                if revision is not None and not revision.deleted:
                    rows.extend(self._reference_row(r) for r in self._references(revision, main))
        else:
            raise bad_request(
                "A ComponentReference query needs parentComponentId and parentVersion, "
                "or componentId."
            )
        return rows

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
                "resolution": "OVERRIDE"
                if request.priority_branch == "SOURCE"
                else "KEEP_DESTINATION",
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
            if source is None or destination is None:
                self._set_stage(request, "FAILED_TO_DRAFT")
                return
            request.details = self._draft(source, destination)
            self._set_stage(request, "DRAFTED", due + self.settings.merge_review_seconds)
        elif request.stage == "DRAFTED":
            self._set_stage(request, "REVIEWING")
        elif request.stage == "MERGING":
            if source is None or destination is None:
                self._set_stage(request, "FAILED_TO_MERGE")
                return
            self._merge(request, source, destination)
            self._set_stage(request, "MERGED")
        else:
            request.next_stage_at = None

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
            "Branch": lambda account_id, _: [
                self._branch_row(b)
                for b in self.branches.values()
                if b.account_id == account_id and not b.deleted
            ],
            "MergeRequest": self._merge_request_rows,
        }

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
