"""Boomi Platform API objects as typed models.

Field names are snake_case in Python and camelCase on the wire (the OpenAPI names, e.g.
``componentId``, ``parentId``); models accept either. Unknown fields and the ``"@type"``
marker Boomi puts on every JSON object are ignored, so new Boomi fields never break reads.
Dates stay the ISO-8601 strings Boomi sends.

:class:`Component` is the XML-only Component object: the root attributes parsed into
fields, plus the document itself in ``xml``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from lxml import etree
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
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


class QueryResult(BoomiModel):
    """One page of a query; ``query_token`` is present while more pages remain."""

    number_of_results: int = 0
    query_token: str | None = None
    result: list[dict[str, Any]] = Field(default_factory=list)


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
