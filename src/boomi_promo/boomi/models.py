"""Boomi Platform API objects as typed models.

Field names are snake_case in Python and camelCase on the wire (the OpenAPI names, e.g.
``componentId``, ``parentId``); models accept either. Boomi's OpenAPI document requires almost
no field of an answer, so fields are optional except an object's own identity (its id, and the
names the product finds branches and packs by), which it cannot act without: an answer lacking
it fails at the boundary, naming the field. Unknown fields and the ``"@type"`` marker Boomi
puts on every JSON object are ignored, so new Boomi fields never break reads.
Dates stay the ISO-8601 strings Boomi sends.

:class:`Component` is the XML-only Component object: the root attributes parsed into
fields, plus the document itself in ``xml``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from lxml import etree
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    WrapSerializer,
)
from pydantic.alias_generators import to_camel

from boomi_promo.xmlsafe import parse_xml, to_bytes

BNS_NAMESPACE = "http://api.platform.boomi.com/"
COMPONENT_TAG = f"{{{BNS_NAMESPACE}}}Component"


def _lenient_int(value: Any) -> Any:
    # Some Boomi samples carry revisions as "2.0"; an integral float string is still an int.
    if isinstance(value, str) and value.strip().endswith(".0"):
        return value.strip()[:-2]
    return value


LenientInt = Annotated[int, BeforeValidator(_lenient_int)]


class BoomiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body Boomi expects: wire names, unset fields left out."""
        return self.model_dump(by_alias=True, exclude_none=True)


class MergeStrategy(StrEnum):
    OVERRIDE = "OVERRIDE"
    CONFLICT_RESOLVE = "CONFLICT_RESOLVE"
    SUBSET = "SUBSET"


class PriorityBranch(StrEnum):
    SOURCE = "SOURCE"
    DESTINATION = "DESTINATION"


class MergeRequestAction(StrEnum):
    UPDATE = "UPDATE"
    MERGE = "MERGE"
    RETRY_DRAFTING = "RETRY_DRAFTING"
    REVERT = "REVERT"


class MergeStage(StrEnum):
    NOT_EXIST = "NOT_EXIST"
    DRAFTING = "DRAFTING"
    FAILED_TO_DRAFT = "FAILED_TO_DRAFT"
    FAILED_TO_REDRAFT = "FAILED_TO_REDRAFT"
    DRAFTED = "DRAFTED"
    REVIEWING = "REVIEWING"
    MERGING = "MERGING"
    MERGED = "MERGED"
    FAILED_TO_MERGE = "FAILED_TO_MERGE"
    DELETED = "DELETED"
    REDRAFTING = "REDRAFTING"
    REVERTED = "REVERTED"


class BranchStage(StrEnum):
    CREATING = "CREATING"
    NORMAL = "NORMAL"
    DELETING = "DELETING"


class Account(BoomiModel):
    account_id: str
    name: str | None = None
    status: str | None = None
    """trial, active, suspended, deleted or unlimited."""
    date_created: str | None = None
    expiration_date: str | None = None
    support_level: str | None = None
    widget_account: bool | None = None
    over_deployed: bool | None = None


class Folder(BoomiModel):
    id: str
    name: str | None = None
    parent_id: str | None = None
    parent_name: str | None = None
    full_path: str | None = None
    deleted: bool = False


class ComponentMetadata(BoomiModel):
    component_id: str
    version: LenientInt | None = None
    name: str | None = None
    type: str | None = None
    sub_type: str | None = None
    created_date: str | None = None
    created_by: str | None = None
    modified_date: str | None = None
    modified_by: str | None = None
    deleted: bool = False
    current_version: bool | None = None
    folder_id: str | None = None
    folder_name: str | None = None
    folder_full_path: str | None = None
    copied_from_component_id: str | None = None
    copied_from_component_version: LenientInt | None = None
    branch_id: str | None = None
    branch_name: str | None = None


class ComponentReference(BoomiModel):
    """One edge of the reference graph: ``parent_component_id`` uses ``component_id``."""

    parent_component_id: str
    parent_version: LenientInt | None = None
    component_id: str
    type: str | None = None
    """DEPENDENT (packaged with the parent) or INDEPENDENT (deployed on its own)."""
    branch_id: str | None = None


class PackagedComponent(BoomiModel):
    package_id: str | None = None
    package_version: str | None = None
    component_id: str
    component_version: LenientInt | None = None
    component_type: str | None = None
    branch_name: str | None = None
    notes: str | None = None
    shareable: bool | None = None
    fully_publicly_consumable: bool | None = None
    created_date: str | None = None
    created_by: str | None = None
    deleted: bool = False


class Branch(BoomiModel):
    id: str
    name: str
    """Required here though not by Boomi's schema: the product finds its branches by name."""
    description: str | None = None
    parent_id: str | None = None
    package_id: str | None = None
    deployment_id: str | None = None
    ready: bool = False
    stage: str | None = None
    """CREATING, NORMAL or DELETING (see :class:`BranchStage`)."""
    deleted: bool = False
    created_by: str | None = None
    created_date: str | None = None
    modified_by: str | None = None
    modified_date: str | None = None


class MergeRequestDetail(BoomiModel):
    component_guid: str
    change_type: str | None = None
    conflict: bool | None = None
    resolution: str | None = None
    stage: str | None = None
    excluded: bool | None = None
    locked_on_destination_branch: bool | None = None
    source_revision: LenientInt | None = None
    destination_revision: LenientInt | None = None
    merge_revision: LenientInt | None = None
    created_by: str | None = None
    created_date: str | None = None
    modified_by: str | None = None
    modified_date: str | None = None


def _unwrap_merge_details(value: Any) -> Any:
    # Wire shape: "MergeRequestDetails": {"MergeRequestDetail": [ ... ]}
    if isinstance(value, dict):
        return value.get("MergeRequestDetail") or []
    return value if value is not None else []


class MergeRequest(BoomiModel):
    id: str
    source_branch_id: str | None = None
    source_branch_name: str | None = None
    destination_branch_id: str | None = None
    destination_branch_name: str | None = None
    strategy: str | None = None
    priority_branch: str | None = None
    stage: str | None = None
    """See :class:`MergeStage`."""
    previous_stage: str | None = None
    merge_request_action: str | None = None
    note: str | None = None
    lock_nonce: LenientInt | None = None
    locked_by: str | None = None
    locked_date: str | None = None
    inactive_date: str | None = None
    created_by: str | None = None
    created_date: str | None = None
    modified_by: str | None = None
    modified_date: str | None = None
    details: Annotated[list[MergeRequestDetail], BeforeValidator(_unwrap_merge_details)] = Field(
        default_factory=list, alias="MergeRequestDetails"
    )


class InstallationType(StrEnum):
    SINGLE = "SINGLE"
    MULTI = "MULTI"


class ReleaseSchedule(StrEnum):
    IMMEDIATELY = "IMMEDIATELY"
    RELEASE_ON_SPECIFIED_DATE = "RELEASE_ON_SPECIFIED_DATE"


class ReleaseStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    SCHEDULED = "SCHEDULED"
    SUCCESS = "SUCCESS"
    ERROR = "ERROR"


class EnvironmentClassification(StrEnum):
    PROD = "PROD"
    TEST = "TEST"


class ListenerStatus(StrEnum):
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"


def _unwrapped(item: str) -> BeforeValidator:
    """Boomi wraps lists as ``{"Wrapper": {"Item": [ ... ]}}``; the model keeps the list."""

    def unwrap(value: Any) -> Any:
        if isinstance(value, dict):
            value = value.get(item)
        if value is None:
            return []
        return [value] if isinstance(value, dict) else value

    return BeforeValidator(unwrap)


class PublisherPackagedComponent(BoomiModel):
    """A component in a publisher's integration pack (by componentId, not by package)."""

    component_id: str
    component_name: str | None = None
    component_type: str | None = None
    current_version: str | None = None
    """The package version the last release shipped."""
    pending_version: str | None = None
    """The newest package version, when the next release would ship a different one."""
    latest_version: str | None = None
    """The newest shareable package version."""
    deleted: bool = False
    """Marked for removal: it leaves the pack at the next release."""


class PublisherIntegrationPack(BoomiModel):
    id: str
    name: str
    """Required here though not by Boomi's schema: the product tells its packs by name."""
    description: str | None = Field(default=None, alias="Description")
    installation_type: str | None = None
    """SINGLE or MULTI (see :class:`InstallationType`); fixed once created."""
    components: Annotated[
        list[PublisherPackagedComponent], _unwrapped("PublisherPackagedComponent")
    ] = Field(default_factory=list, alias="PublisherPackagedComponents")

    def component(self, component_id: str) -> PublisherPackagedComponent | None:
        return next((c for c in self.components if c.component_id == component_id), None)


class IntegrationPack(BoomiModel):
    """An integration pack available to the account (read only)."""

    id: str
    name: str | None = None
    description: str | None = Field(default=None, alias="Description")
    installation_type: str | None = None


class ReleasePackagedComponent(BoomiModel):
    component_id: str
    version: str | None = None
    """The package version requested for release."""
    released_version: str | None = None
    """The package version released (in a finished status)."""


class ReleaseIntegrationPack(BoomiModel):
    """The answer to a release request; poll its ``request_id`` for the outcome."""

    id: str | None = None
    """The integration pack's id."""
    name: str | None = None
    installation_type: str | None = None
    release_schedule: str | None = None
    release_on_date: str | None = None
    request_id: str | None = None
    """``None`` only when the client recognised a release whose answer was lost by its effect
    (the pack runs the versions): it has finished and has no request id to poll."""
    release_status_url: str | None = None
    components: Annotated[
        list[ReleasePackagedComponent], _unwrapped("ReleasePackagedComponent")
    ] = Field(default_factory=list, alias="ReleasePackagedComponents")


class ReleaseIntegrationPackStatus(BoomiModel):
    request_id: str | None = None
    """Boomi may leave it out; :meth:`BoomiClient.get_release_status` fills it in."""
    integration_pack_id: str | None = None
    name: str | None = None
    installation_type: str | None = None
    release_schedule: str | None = None
    release_on_date: str | None = None
    release_status: str = ReleaseStatus.IN_PROGRESS
    """See :class:`ReleaseStatus`: IN_PROGRESS and SCHEDULED are still pending. Boomi's
    schema does not require it: an answer without it (a 202 with a sparse body) is pending,
    and the caller's bounded wait decides."""
    response_status_code: int | None = None
    message: str | None = None
    components: Annotated[
        list[ReleasePackagedComponent], _unwrapped("ReleasePackagedComponent")
    ] = Field(default_factory=list, alias="ReleasePackagedComponents")

    @property
    def finished(self) -> bool:
        """SUCCESS or ERROR: the status will not change any more."""
        return self.release_status in (ReleaseStatus.SUCCESS, ReleaseStatus.ERROR)


class Environment(BoomiModel):
    id: str
    name: str | None = None
    classification: str | None = None
    """PROD or TEST (see :class:`EnvironmentClassification`)."""
    parent_account: str | None = None
    parent_environment: str | None = None


class DeployedPackage(BoomiModel):
    deployment_id: str
    environment_id: str | None = None
    package_id: str | None = None
    package_version: str | None = None
    component_id: str | None = None
    component_version: LenientInt | None = None
    component_type: str | None = None
    version: LenientInt | None = None
    """Counts this component's deployments to this environment."""
    active: bool | None = None
    deployed_date: str | None = None
    deployed_by: str | None = None
    notes: str | None = None
    message: str | None = None
    branch_name: str | None = None
    listener_status: str | None = None


class QueryResult(BoomiModel):
    """One page of a query; ``query_token`` is present while more pages remain."""

    number_of_results: int = 0
    query_token: str | None = None
    result: list[dict[str, Any]] = Field(default_factory=list)


ResultT = TypeVar("ResultT")


@dataclass(frozen=True, slots=True)
class BulkItem(Generic[ResultT]):
    """One id of a bulk GET: the object, or the status and message Boomi gave for that id."""

    id: str
    status_code: int
    result: ResultT | None = None
    error_message: str | None = None

    @property
    def found(self) -> bool:
        return self.result is not None


_COMPONENT_ATTRIBUTES = (
    "componentId",
    "version",
    "name",
    "type",
    "subType",
    "folderId",
    "folderName",
    "folderFullPath",
    "branchId",
    "branchName",
    "currentVersion",
    "deleted",
    "createdDate",
    "createdBy",
    "modifiedDate",
    "modifiedBy",
    "copiedFromComponentId",
    "copiedFromComponentVersion",
)


class Component(BoomiModel):
    """A ``<bns:Component>`` document: its root attributes, and the document in ``xml``."""

    component_id: str | None = None
    version: LenientInt | None = None
    name: str | None = None
    type: str | None = None
    sub_type: str | None = None
    folder_id: str | None = None
    folder_name: str | None = None
    folder_full_path: str | None = None
    branch_id: str | None = None
    branch_name: str | None = None
    current_version: bool | None = None
    deleted: bool = False
    created_date: str | None = None
    created_by: str | None = None
    modified_date: str | None = None
    modified_by: str | None = None
    copied_from_component_id: str | None = None
    copied_from_component_version: LenientInt | None = None
    description: str | None = None
    xml: bytes

    @classmethod
    def from_xml(cls, xml: bytes) -> Component:
        """Parse a Component document (safely); ``ValueError`` when it is not one."""
        root = component_root(xml)
        fields: dict[str, Any] = {
            name: root.get(name) for name in _COMPONENT_ATTRIBUTES if root.get(name)
        }
        description = root.find(f"{{{BNS_NAMESPACE}}}description")
        if description is not None and description.text and description.text.strip():
            fields["description"] = description.text.strip()
        return cls.model_validate({**fields, "xml": xml})


def component_root(xml: bytes) -> etree._Element:
    """The parsed ``<bns:Component>`` root element; ``ValueError`` for anything else."""
    root = parse_xml(xml)
    if root.tag != COMPONENT_TAG:
        raise ValueError(
            f"expected a <bns:Component> document in {BNS_NAMESPACE}, got <{root.tag}>"
        )
    return root


def with_root_attributes(xml: bytes, attributes: dict[str, str | None]) -> bytes:
    """The Component document with root attributes set (a value) or removed (``None``)."""
    root = component_root(xml)
    for name, value in attributes.items():
        if value is None:
            if name in root.attrib:
                del root.attrib[name]
        else:
            root.set(name, value)
    return to_bytes(root)


# ---------------------------------------------------------------------------- extensions


def _wrapped_list(item: str) -> Any:
    """A list Boomi wraps as ``{"item": [ ... ]}``: read into the list, written back wrapped."""

    def wrap(value: Any, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {item: handler(value)}

    return (_unwrapped(item), WrapSerializer(wrap))


class ExtensionCustomProperty(BoomiModel):
    key: str
    value: str | None = None
    """Left out by Boomi when ``encrypted``."""
    encrypted: bool = False


class ExtensionField(BoomiModel):
    """One extensible field of a connection, operation, trading partner or shared channel.

    Boomi never returns an encrypted value: ``value`` is ``None`` and ``encrypted_value_set``
    tells whether a secret is stored. Send a ``value`` to set one.
    """

    id: str
    value: str | None = None
    use_default: bool | None = None
    uses_encryption: bool = False
    encrypted_value_set: bool = False
    component_override: bool = False
    custom_properties: (
        Annotated[list[ExtensionCustomProperty], *_wrapped_list("properties")] | None
    ) = None
    """``None`` (not sent) leaves the field's custom properties as they are."""


class ConnectionExtension(BoomiModel):
    id: str
    name: str | None = None
    fields: list[ExtensionField] = Field(default_factory=list, alias="field")


class OperationExtension(BoomiModel):
    id: str
    name: str | None = None
    fields: list[ExtensionField] = Field(default_factory=list, alias="field")


class SharedCommunicationExtension(BoomiModel):
    id: str
    name: str | None = None
    type: str | None = None
    """The channel, e.g. AS2, FTP, HTTP."""
    fields: list[ExtensionField] = Field(default_factory=list, alias="field")


class TradingPartnerCategory(BoomiModel):
    id: str
    name: str | None = None
    fields: list[ExtensionField] = Field(default_factory=list, alias="field")


class TradingPartnerExtension(BoomiModel):
    id: str
    name: str | None = None
    categories: list[TradingPartnerCategory] = Field(default_factory=list, alias="category")


_CROSS_REFERENCE_COLUMNS = 20


def _read_cross_reference_rows(value: Any) -> Any:
    # Wire: {"row": [{"ref1": "a", "ref2": "b"}, ...]}; the model keeps [["a", "b"], ...].
    if isinstance(value, dict):
        value = value.get("row")
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    rows: list[list[str]] = []
    for entry in value:
        if not isinstance(entry, dict):
            return value  # let validation report it
        refs = {
            int(key[3:]): str(text)
            for key, text in entry.items()
            if key.startswith("ref") and key[3:].isdigit()
        }
        width = max(refs, default=0)
        rows.append([refs.get(column, "") for column in range(1, width + 1)])
    return rows


def _write_cross_reference_rows(rows: list[list[str]]) -> dict[str, Any]:
    return {"row": [{f"ref{index + 1}": value for index, value in enumerate(row)} for row in rows]}


class CrossReferenceExtension(BoomiModel):
    """A cross-reference table; Boomi replaces the whole table when ``override_values``."""

    id: str
    name: str | None = None
    override_values: bool = False
    rows: Annotated[
        list[Annotated[list[str], Field(max_length=_CROSS_REFERENCE_COLUMNS)]],
        BeforeValidator(_read_cross_reference_rows),
        PlainSerializer(_write_cross_reference_rows),
    ] = Field(default_factory=list, alias="CrossReferenceRows")
    """Each row's values in column order (``ref1`` first)."""


class DynamicProcessProperty(BoomiModel):
    name: str
    value: str | None = None


class ProcessPropertyValue(BoomiModel):
    key: str
    label: str | None = None
    value: str | None = None
    """``None`` for an encrypted value (never returned)."""
    use_default: bool | None = None
    uses_encryption: bool = False
    encrypted_value_set: bool = False
    component_override: bool = False
    validate_: bool | None = Field(default=None, alias="validate")


class ProcessPropertyExtension(BoomiModel):
    """A process property component; an update must carry all of its values."""

    id: str
    name: str | None = None
    values: list[ProcessPropertyValue] = Field(default_factory=list, alias="ProcessPropertyValue")


class PGPCertificateExtension(BoomiModel):
    id: str
    value: str | None = None
    use_default: bool | None = None


class EnvironmentExtensions(BoomiModel):
    """Everything extensible in an environment, each section a list.

    :meth:`to_wire` sends every section, empty ones too, as Boomi's schema requires them all:
    with ``partial`` an empty one changes nothing, and without it an empty section reverts to
    defaults just as a missing one would.
    """

    id: str | None = None
    environment_id: str | None = None
    extension_group_id: str | None = None
    connections: Annotated[list[ConnectionExtension], *_wrapped_list("connection")] = Field(
        default_factory=list
    )
    operations: Annotated[list[OperationExtension], *_wrapped_list("operation")] = Field(
        default_factory=list
    )
    trading_partners: Annotated[list[TradingPartnerExtension], *_wrapped_list("tradingPartner")] = (
        Field(default_factory=list)
    )
    shared_communications: Annotated[
        list[SharedCommunicationExtension], *_wrapped_list("sharedCommunication")
    ] = Field(default_factory=list)
    cross_references: Annotated[list[CrossReferenceExtension], *_wrapped_list("crossReference")] = (
        Field(default_factory=list)
    )
    properties: Annotated[list[DynamicProcessProperty], *_wrapped_list("property")] = Field(
        default_factory=list
    )
    """Dynamic process properties."""
    process_properties: Annotated[
        list[ProcessPropertyExtension], *_wrapped_list("ProcessProperty")
    ] = Field(default_factory=list)
    pgp_certificates: Annotated[list[PGPCertificateExtension], *_wrapped_list("PGPCertificate")] = (
        Field(default_factory=list, alias="PGPCertificates")
    )


class MapExtensionBrowseField(BoomiModel):
    name: str
    value: str | None = None


class MapExtensionFieldSet(BoomiModel):
    connection_id: str | None = None
    browse_fields: list[MapExtensionBrowseField] = Field(default_factory=list, alias="BrowseField")


class MapExtensionSummary(BoomiModel):
    """One extensible map of an environment; ``name`` is "source - destination"."""

    id: str
    map_id: str | None = None
    process_id: str | None = None
    environment_id: str | None = None
    extension_group_id: str | None = None
    name: str | None = None
    source_field_set: MapExtensionFieldSet | None = Field(default=None, alias="SourceFieldSet")
    destination_field_set: MapExtensionFieldSet | None = Field(
        default=None, alias="DestinationFieldSet"
    )


class MapExtensionNode(BoomiModel):
    name: str
    xpath: str


class MapExtensionProfile(BoomiModel):
    component_id: str | None = None
    type: str | None = None
    nodes: list[MapExtensionNode] = Field(default_factory=list, alias="Node")


class MapExtensionMapping(BoomiModel):
    """From a source field or a function output, to a destination field or a function input."""

    from_xpath: str | None = Field(default=None, alias="fromXPath")
    to_xpath: str | None = Field(default=None, alias="toXPath")
    from_function: str | None = None
    to_function: str | None = None


class MapExtensionFunctionInput(BoomiModel):
    key: int
    name: str
    default: str | None = None


class MapExtensionFunctionOutput(BoomiModel):
    key: int
    name: str


class MapExtensionFunction(BoomiModel):
    id: str
    type: str
    """E.g. StringToUpper, SimpleLookup, CrossRefLookup, Scripting, UserDefined."""
    cache_type: str = "None"
    """None, ByDocument or ByMap."""
    inputs: Annotated[list[MapExtensionFunctionInput], *_wrapped_list("Input")] = Field(
        default_factory=list, alias="Inputs"
    )
    outputs: Annotated[list[MapExtensionFunctionOutput], *_wrapped_list("Output")] = Field(
        default_factory=list, alias="Outputs"
    )
    configuration: dict[str, Any] = Field(default_factory=dict, alias="Configuration")
    """The function's typed configuration block, as Boomi sends it."""


class MapExtensionMap(BoomiModel):
    source_profile: MapExtensionProfile | None = Field(default=None, alias="SourceProfile")
    destination_profile: MapExtensionProfile | None = Field(
        default=None, alias="DestinationProfile"
    )
    source_profile_extensions: Annotated[list[MapExtensionNode], *_wrapped_list("Node")] = Field(
        default_factory=list, alias="SourceProfileExtensions"
    )
    destination_profile_extensions: Annotated[list[MapExtensionNode], *_wrapped_list("Node")] = (
        Field(default_factory=list, alias="DestinationProfileExtensions")
    )
    functions: Annotated[list[MapExtensionFunction], *_wrapped_list("Function")] = Field(
        default_factory=list, alias="ExtendedFunctions"
    )
    mappings: Annotated[list[MapExtensionMapping], *_wrapped_list("Mapping")] = Field(
        default_factory=list, alias="ExtendedMappings"
    )
    browse_settings: dict[str, Any] | None = Field(default=None, alias="BrowseSettings")
    """Kept as read and sent back: Boomi requires it on an update."""


class EnvironmentMapExtension(BoomiModel):
    """A map extension. An update replaces it whole: send every mapping and function.

    ``version`` and ``etag`` are change markers the emulator provides (``etag`` from the
    response header); against real Boomi they are ``None`` and :meth:`fingerprint` of the
    content serves instead.
    """

    id: str
    map_id: str | None = None
    process_id: str | None = None
    environment_id: str | None = None
    extension_group_id: str | None = None
    name: str | None = None
    map: MapExtensionMap = Field(default_factory=MapExtensionMap, alias="Map")
    version: int | None = None
    etag: str | None = Field(default=None, exclude=True)

    def fingerprint(self) -> str:
        """A digest of what an update replaces (mappings, functions, custom profile fields):
        equal fingerprints mean nobody changed the extension in between."""
        content = self.map.model_dump(
            by_alias=True,
            include={"functions", "mappings", "source_profile_extensions"}
            | {"destination_profile_extensions"},
        )
        return hashlib.sha256(
            json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()

    def to_wire(self) -> dict[str, Any]:
        body = super().to_wire()
        body.pop("version", None)
        return body
