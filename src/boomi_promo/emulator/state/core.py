"""The emulated accounts' data, the lock, the clock, and the lookups every Boomi object uses;
module helpers shared by the object modules.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from pydantic import TypeAdapter

from boomi_promo.emulator import ids
from boomi_promo.emulator.control import (
    FaultInjector,
    MergeFaults,
    ReleaseFaults,
    RequestLog,
    TokenBucket,
)
from boomi_promo.emulator.errors import bad_request
from boomi_promo.emulator.queries import QuerySchema
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
    MergeRequest,
    PackagedComponent,
    Release,
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
STATE_ADAPTER = TypeAdapter(StateDocument)
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
class QueryCursor:
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


def locked(method: Callable[P, R]) -> Callable[P, R]:
    """Run a state method holding the state's lock."""

    @functools.wraps(method)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        state = args[0]
        assert isinstance(state, StateCore)
        with state.lock:
            return method(*args, **kwargs)

    return run


def normalise_branch_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", name.strip())


def body_text(body: Row, key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise bad_request(f"{key} must be a string.")
    return str(value).strip()


def schema_of(
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


def process_pack_ids(row: Row) -> Any:
    # Matches when any of the process's integration packs has the id (first one for ordering).
    packs = [info.get("integrationPackId") for info in row.get("IntegrationPack", [])]
    return packs[0] if packs else None


def latest_revision(record: ComponentRecord) -> Revision:
    return record.revisions[max(record.revisions)]


def wrapped_items(body: Row, wrapper: str, item: str) -> list[Row]:
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


def wrap_items(wrapper: str, item: str, entries: list[Row]) -> Row:
    return {"@type": wrapper, item: entries}


SCHEMAS: dict[str, QuerySchema[Row]] = {
    "Account": schema_of(
        "Account",
        "accountId dateCreated expirationDate name status widgetAccount overDeployed",
        case_insensitive=True,
    ),
    "Environment": schema_of("Environment", "id name classification"),
    "EnvironmentExtensions": schema_of("EnvironmentExtensions", "environmentId extensionGroupId"),
    "EnvironmentMapExtensionsSummary": schema_of(
        "EnvironmentMapExtensionsSummary", "environmentId extensionGroupId"
    ),
    "PublisherIntegrationPack": schema_of("PublisherIntegrationPack", "id name installationType"),
    "IntegrationPack": schema_of("IntegrationPack", "id name installationType"),
    "DeployedPackage": schema_of(
        "DeployedPackage",
        "deploymentId environmentId packageId packageVersion componentId componentVersion "
        "componentType version active deployedDate deployedBy notes",
        aliases={"current": "active", "branch": "branchName", "uid": "deploymentId"},
    ),
    "Folder": schema_of("Folder", "accountId id name deleted parentId parentName permittedRoles"),
    "ComponentMetadata": schema_of(
        "ComponentMetadata",
        "accountId componentId version name type subType createdDate createdBy modifiedDate "
        "modifiedBy deleted currentVersion folderName folderId copiedFromComponentId "
        "copiedFromComponentVersion branchName branchId",
    ),
    "ComponentReference": schema_of(
        "ComponentReference", "parentComponentId parentVersion componentId type"
    ),
    "PackagedComponent": schema_of(
        "PackagedComponent",
        "packageId packageVersion componentId componentVersion componentType createdDate "
        "createdBy deleted shareable branchName notes",
    ),
    "Process": QuerySchema(
        "Process",
        {
            "id": lambda row: row.get("id"),
            "name": lambda row: row.get("name"),
            "integrationPackId": process_pack_ids,
            # No pack instances are modelled: a process is never in one.
            "integrationPackInstanceId": lambda _row: None,
        },
    ),
    "Branch": schema_of(
        "Branch",
        "id name parentId parentName packageId ready stage createdBy createdDate modifiedBy "
        "modifiedDate deleted",
    ),
    "MergeRequest": schema_of(
        "MergeRequest",
        "id sourceBranchId destinationBranchId createdDate createdBy stage modifiedDate "
        "modifiedBy strategy",
    ),
}


def attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class StateCore:
    """The accounts' objects by id; every object module below adds its operations."""

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
        self._cursors: dict[str, QueryCursor] = {}
        self.new_uuid: Callable[[], str] = ids.new_uuid

    def _now(self, at: datetime | None = None) -> str:
        return iso(at) if at is not None else iso(datetime.fromtimestamp(self.clock(), UTC))

    def _records(self, account_id: str) -> list[ComponentRecord]:
        return [r for r in self.components.values() if r.account_id == account_id]

    def _view(self, branch: Branch, record: ComponentRecord) -> Revision | None:
        """What ``branch`` sees of a component: its own latest write, else its base snapshot."""
        own = [r for r in record.revisions.values() if r.branch_id == branch.branch_id]
        if own:
            return max(own, key=lambda r: r.version)
        version = branch.base.get(record.component_id)
        return record.revisions[version] if version is not None else None
