from __future__ import annotations

import pytest

from boomi_promo.boomi import (
    Branch,
    Component,
    ComponentMetadata,
    MergeRequest,
    PackagedComponent,
    QueryResult,
)
from boomi_promo.boomi.models import with_root_attributes
from boomi_promo.xmlsafe import parse_xml
from tests.unit.boomi.support import COMPONENT_ID, PROCESS_XML


def test_component_attributes_are_parsed_from_the_root() -> None:
    component = Component.from_xml(PROCESS_XML)
    assert component.component_id == COMPONENT_ID
    assert component.version == 7
    assert component.name == "Orders - Sync to ERP"
    assert component.type == "process"
    assert component.folder_id == "RjoxMTE"
    assert component.folder_name == "Orders"
    assert component.branch_name == "main"
    assert component.deleted is False
    assert component.current_version is True
    assert component.created_by == "alice@example.com"
    assert component.xml == PROCESS_XML


def test_a_new_component_document_without_ids_parses() -> None:
    document = (
        b'<bns:Component xmlns:bns="http://api.platform.boomi.com/" componentId="" '
        b'name="Order profile" type="profile.json"><bns:object/></bns:Component>'
    )
    component = Component.from_xml(document)
    assert component.component_id is None
    assert component.version is None
    assert component.type == "profile.json"


def test_documents_that_are_not_components_or_unsafe_are_refused() -> None:
    with pytest.raises(ValueError, match="bns:Component"):
        Component.from_xml(b"<Component name='no namespace'/>")
    with pytest.raises(ValueError, match="DOCTYPE"):
        Component.from_xml(
            b'<!DOCTYPE x [<!ENTITY e "boom">]>'
            b'<bns:Component xmlns:bns="http://api.platform.boomi.com/" name="&e;"/>'
        )


def test_root_attributes_are_set_and_removed_without_touching_the_content() -> None:
    rewritten = with_root_attributes(PROCESS_XML, {"branchId": "Qjo5", "componentId": None})
    root = parse_xml(rewritten)
    assert root.get("branchId") == "Qjo5"
    assert root.get("componentId") is None
    original_shapes = parse_xml(PROCESS_XML).findall(".//shape")
    assert [s.get("name") for s in root.findall(".//shape")] == [
        s.get("name") for s in original_shapes
    ]


def test_models_accept_wire_names_and_ignore_type_markers_and_new_fields() -> None:
    metadata = ComponentMetadata.model_validate(
        {
            "@type": "ComponentMetadata",
            "componentId": COMPONENT_ID,
            "version": "3",
            "type": "transform.map",
            "currentVersion": "true",
            "someFieldBoomiAddsNextYear": {"x": 1},
        }
    )
    assert (metadata.component_id, metadata.version, metadata.current_version) == (
        COMPONENT_ID,
        3,
        True,
    )
    assert ComponentMetadata(component_id="x", folder_id="Rjo1").to_wire() == {
        "componentId": "x",
        "folderId": "Rjo1",
        "deleted": False,
    }


def test_revisions_written_as_decimals_are_read_as_integers() -> None:
    package = PackagedComponent.model_validate({"componentId": "c", "componentVersion": "2.0"})
    assert package.component_version == 2


def test_merge_request_details_are_unwrapped() -> None:
    merge = MergeRequest.model_validate(
        {
            "@type": "MergeRequest",
            "id": "mr-1",
            "stage": "REVIEWING",
            "MergeRequestDetails": {
                "@type": "MergeRequestDetails",
                "MergeRequestDetail": [
                    {"componentGuid": "c1", "changeType": "ADDED", "conflict": False}
                ],
            },
        }
    )
    assert [(d.component_guid, d.change_type) for d in merge.details] == [("c1", "ADDED")]
    assert MergeRequest.model_validate({"id": "mr-2"}).details == []


def test_query_results_and_branches() -> None:
    page = QueryResult.model_validate(
        {
            "@type": "QueryResult",
            "numberOfResults": 1,
            "result": [{"@type": "Branch", "id": "Qjo1", "name": "main"}],
        }
    )
    assert page.query_token is None
    branch = Branch.model_validate(page.result[0])
    assert (branch.id, branch.name, branch.ready) == ("Qjo1", "main", False)
