"""The emulated Boomi world as plain records; :class:`StateDocument` is what a state file holds.

Component content is kept per revision. A revision is tagged with the branch it was written on;
branches and packages point at revisions by ``(componentId, version)`` so that a package keeps
the exact versions it snapshotted even after the branch that wrote them is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    account_id: str
    name: str
    parent_account_id: str | None
    date_created: str
    main_branch_id: str
    root_folder_id: str
    status: str = "active"


@dataclass
class Folder:
    folder_id: str
    account_id: str
    name: str
    parent_id: str | None
    deleted: bool = False


@dataclass(frozen=True)
class EncryptedValue:
    path: str
    is_set: bool


@dataclass(frozen=True)
class Revision:
    """One version of a component's content, as written on one branch."""

    component_id: str
    account_id: str
    version: int
    branch_id: str
    name: str
    type: str
    sub_type: str
    folder_id: str
    description: str
    encrypted_values: tuple[EncryptedValue, ...]
    object_xml: str
    """Serialised children of ``<bns:object>``."""
    process_overrides_xml: str
    """Serialised ``<bns:processOverrides>`` element, or empty."""
    deleted: bool
    modified_by: str
    modified_date: str


@dataclass
class ComponentRecord:
    component_id: str
    account_id: str
    created_by: str
    created_date: str
    revisions: dict[int, Revision] = field(default_factory=dict)
    """Every revision ever written; versions count up across all branches and are never reused."""

    def next_version(self) -> int:
        return max(self.revisions, default=0) + 1


@dataclass
class Branch:
    branch_id: str
    account_id: str
    name: str
    description: str
    parent_id: str | None
    package_id: str | None
    created_by: str
    created_date: str
    ready_at: float
    """Epoch seconds from which the branch reports ``ready``; creation is simulated as a delay."""
    base: dict[str, int] = field(default_factory=dict)
    """componentId → version the branch sees until it writes its own revision."""
    deleted: bool = False
    """Set when the delete is asked for: its content is gone from then on, although the branch
    is still listed (stage ``DELETING``) until ``gone_at``."""
    modified_by: str = ""
    modified_date: str = ""
    visible_at: float = 0.0
    """Epoch seconds from which a Branch QUERY lists the branch (GET by id sees it at once)."""
    gone_at: float = 0.0
    """Epoch seconds at which a deleted branch stops being listed as ``DELETING``."""


@dataclass
class PackagedComponent:
    package_id: str
    account_id: str
    component_id: str
    component_version: int
    component_type: str
    package_version: str
    branch_name: str
    notes: str
    shareable: bool
    created_by: str
    created_date: str
    snapshot: dict[str, int] = field(default_factory=dict)
    """The packaged component and every component it depends on: componentId → version."""
    deleted: bool = False


@dataclass
class MergeDetail:
    component_id: str
    change_type: str
    conflict: bool
    source_revision: int
    destination_revision: int | None
    merge_revision: int | None = None
    stage: str = "DRAFTED"
    unresolved: bool = False
    """A conflict nobody resolved (CONFLICT_RESOLVE, or an injected conflict): its detail has
    no ``resolution`` and the merge cannot go through."""


@dataclass
class MergeRequest:
    merge_request_id: str
    account_id: str
    source_branch_id: str
    destination_branch_id: str
    strategy: str
    priority_branch: str
    note: str
    created_by: str
    created_date: str
    stage: str
    previous_stage: str
    next_stage_at: float | None
    """Epoch seconds of the next automatic stage change; ``None`` when none is due."""
    modified_by: str = ""
    modified_date: str = ""
    details: list[MergeDetail] = field(default_factory=list)
    planned_failure: str | None = None
    """An injected outcome (:class:`~boomi_promo.emulator.control.MergeFault`) taken when the
    request was created: ``CONFLICT``, ``FAILED_TO_MERGE`` or ``FAILED_TO_DRAFT``."""
    conflict_components: list[str] | None = None
    """For a planned ``CONFLICT``: the components that conflict (``None``: those changed on
    both sides, else every one the merge would bring)."""


@dataclass
class Environment:
    environment_id: str
    account_id: str
    name: str
    classification: str
    """``PROD`` or ``TEST``."""
    created_date: str


@dataclass
class PackMember:
    """A component in a publisher's integration pack; identified by componentId, not package."""

    component_id: str
    released_version: str | None = None
    """The package version the last successful release shipped; ``None`` before that."""
    deleted: bool = False
    """Marked for removal: it leaves the pack at the next successful release."""


@dataclass
class IntegrationPack:
    """A PublisherIntegrationPack; accounts see it as an IntegrationPack once it is released."""

    pack_id: str
    account_id: str
    name: str
    description: str
    installation_type: str
    created_by: str
    created_date: str
    members: list[PackMember] = field(default_factory=list)
    released: bool = False
    deleted: bool = False


@dataclass
class ReleasedComponent:
    component_id: str
    package_version: str


@dataclass
class Release:
    """A ReleaseIntegrationPack request and the status it reports as time passes."""

    request_id: str
    account_id: str
    pack_id: str
    pack_name: str
    installation_type: str
    schedule: str
    release_on_date: str | None
    components: list[ReleasedComponent]
    created_by: str
    created_date: str
    starts_at: float
    """Epoch seconds: SCHEDULED before, IN_PROGRESS from then until ``ends_at``."""
    ends_at: float
    status: str
    planned_failure: str | None = None
    """Set when an injected release fault matched: the release ends in ERROR with this text."""
    message: str = ""


@dataclass
class Deployment:
    """A DeployedPackage: one package deployed to one environment."""

    deployment_id: str
    account_id: str
    environment_id: str
    package_id: str
    component_id: str
    component_version: int
    component_type: str
    package_version: str
    branch_name: str
    version: int
    """Counts the deployments of this component to this environment, from 1."""
    notes: str
    listener_status: str
    deployed_by: str
    deployed_date: str
    active: bool = True
    deleted: bool = False
    """Undeployed: gone from the API, kept so that version numbers are never reused."""


@dataclass
class CustomProperty:
    """An entry of a field's ``customProperties`` (e.g. an extra HTTP header)."""

    key: str
    value: str
    encrypted: bool = False


@dataclass
class ExtensionSetting:
    """One extensible value: a connection, operation, trading-partner or shared-communication
    field, a process-property value, a dynamic process property or a PGP certificate.

    ``default_value`` is what the installed component says; an override replaces it in this
    environment. Encrypted values are stored like any other and never answered.
    """

    key: str
    default_value: str = ""
    override_value: str | None = None
    """``None`` while the environment uses the default (``useDefault`` true)."""
    label: str = ""
    uses_encryption: bool = False
    component_override: bool = False
    validate: bool = False
    custom_properties: list[CustomProperty] = field(default_factory=list)


@dataclass
class ExtensionCategory:
    """A trading partner's category of fields (e.g. ``AS2`` communication settings)."""

    category_id: str
    name: str
    settings: list[ExtensionSetting] = field(default_factory=list)


@dataclass
class ExtensibleComponent:
    """A component of an installed process whose settings an environment may override."""

    component_id: str
    name: str
    settings: list[ExtensionSetting] = field(default_factory=list)
    type: str = ""
    """Shared communications only: the channel type, e.g. ``AS2`` or ``FTP``."""
    categories: list[ExtensionCategory] = field(default_factory=list)
    """Trading partners only."""


@dataclass
class CrossReferenceExtension:
    component_id: str
    name: str
    column_count: int
    default_rows: list[list[str]] = field(default_factory=list)
    override_rows: list[list[str]] | None = None
    """The whole table when ``overrideValues`` is true; ``None`` uses the component's rows."""


@dataclass
class EnvironmentExtensionSet:
    """Everything extensible in one environment (and extension group), with its overrides."""

    environment_id: str
    account_id: str
    extension_group_id: str = ""
    connections: list[ExtensibleComponent] = field(default_factory=list)
    operations: list[ExtensibleComponent] = field(default_factory=list)
    trading_partners: list[ExtensibleComponent] = field(default_factory=list)
    shared_communications: list[ExtensibleComponent] = field(default_factory=list)
    cross_references: list[CrossReferenceExtension] = field(default_factory=list)
    properties: list[ExtensionSetting] = field(default_factory=list)
    """Dynamic process properties, by name (``key``)."""
    process_properties: list[ExtensibleComponent] = field(default_factory=list)
    pgp_certificates: list[ExtensionSetting] = field(default_factory=list)


@dataclass
class ProfileNode:
    name: str
    xpath: str


@dataclass
class MapProfile:
    component_id: str
    type: str
    nodes: list[ProfileNode] = field(default_factory=list)
    connection_id: str = ""
    """The connection whose browse fields the profile was read with, when there is one."""


@dataclass
class ExtendedMapping:
    from_xpath: str = ""
    to_xpath: str = ""
    from_function: str = ""
    to_function: str = ""


@dataclass
class FunctionInput:
    key: int
    name: str
    default: str = ""


@dataclass
class FunctionOutput:
    key: int
    name: str


@dataclass
class MapFunction:
    function_id: str
    type: str
    cache_type: str = "None"
    inputs: list[FunctionInput] = field(default_factory=list)
    outputs: list[FunctionOutput] = field(default_factory=list)
    configuration: dict[str, Any] = field(default_factory=dict)
    """The function's one typed configuration block, kept as Boomi sent it."""


@dataclass
class MapExtension:
    """An EnvironmentMapExtension; ``version`` counts its replacements (the change marker)."""

    extension_id: str
    account_id: str
    environment_id: str
    extension_group_id: str
    map_id: str
    process_id: str
    name: str
    source_profile: MapProfile
    destination_profile: MapProfile
    mappings: list[ExtendedMapping] = field(default_factory=list)
    functions: list[MapFunction] = field(default_factory=list)
    source_profile_extensions: list[ProfileNode] = field(default_factory=list)
    destination_profile_extensions: list[ProfileNode] = field(default_factory=list)
    version: int = 1


@dataclass
class StateDocument:
    """Everything :meth:`EmulatorState.save` writes; runtime settings and faults are not saved."""

    primary_account_id: str
    username: str
    api_token: str
    branch_sequence: int
    folder_sequence: int
    accounts: list[Account]
    folders: list[Folder]
    components: list[ComponentRecord]
    branches: list[Branch]
    packages: list[PackagedComponent]
    merge_requests: list[MergeRequest]
    environments: list[Environment] = field(default_factory=list)
    integration_packs: list[IntegrationPack] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    environment_extensions: list[EnvironmentExtensionSet] = field(default_factory=list)
    map_extensions: list[MapExtension] = field(default_factory=list)
