"""Reading a component's header and turning a dev component into a write to the primary account."""

from __future__ import annotations

import pytest
from lxml import etree

from boomi_promo.domain.component_xml import (
    ComponentXmlError,
    ContentSection,
    UnsafeComponentXmlError,
    component_attributes,
    content_roots,
    object_content,
    parse_component,
    prepare_for_write,
    read_header,
)
from boomi_promo.xmlsafe import parse_xml
from tests.unit.domain.fixtures import (
    DEV_COMPONENT_ID,
    HTTP_OPERATION_BODY,
    PROCESS_BODY,
    component,
)

BNS = "{http://api.platform.boomi.com/}"
PROD_ID = "0e0e0e0e-1111-4222-8333-444455556666"
PROMOTED_FOLDER = "RjozMzMzMw"
PROMOTION_BRANCH = "Qjo3Nzc"


def test_the_header_reads_the_root_attributes() -> None:
    root = parse_component(component("connector-action", HTTP_OPERATION_BODY, sub_type="http"))

    header = read_header(root)

    assert header.component_id == DEV_COMPONENT_ID
    assert header.name == "Invoice Sync"
    assert header.type == "connector-action"
    assert header.sub_type == "http"
    assert header.version == 12
    assert header.folder_full_path == "TeamNorth/Finance/Invoices"
    assert header.folder_id == "RjoyMjIyMg"
    assert header.branch_name == "main"
    assert header.current_version is True
    assert header.deleted is False


def test_the_object_content_is_the_configuration_element() -> None:
    root = parse_component(component("process", PROCESS_BODY, overrides="<Overrides xmlns=''/>"))

    assert object_content(root).tag == "process"
    assert [(c.section, c.element.tag) for c in content_roots(root)] == [
        (ContentSection.OBJECT, "process"),
        (ContentSection.PROCESS_OVERRIDES, "Overrides"),
    ]


class TestPrepareForWrite:
    def test_a_create_keeps_only_writable_attributes(self) -> None:
        dev = component("connector-action", HTTP_OPERATION_BODY, sub_type="http")

        body = prepare_for_write(
            dev, component_id=None, folder_id=PROMOTED_FOLDER, branch_id=PROMOTION_BRANCH
        )

        root = parse_xml(body)
        assert component_attributes(root) == {
            "name": "Invoice Sync",
            "type": "connector-action",
            "subType": "http",
            "folderId": PROMOTED_FOLDER,
            "branchId": PROMOTION_BRANCH,
        }

    def test_an_update_names_the_prod_component(self) -> None:
        dev = component("process", PROCESS_BODY)

        body = prepare_for_write(
            dev, component_id=PROD_ID, folder_id=PROMOTED_FOLDER, branch_id=PROMOTION_BRANCH
        )

        attributes = component_attributes(parse_xml(body))
        assert attributes["componentId"] == PROD_ID
        assert DEV_COMPONENT_ID.encode() not in body
        for read_only in (
            "version",
            "createdDate",
            "createdBy",
            "modifiedDate",
            "modifiedBy",
            "folderFullPath",
            "folderName",
            "currentVersion",
            "deleted",
            "copiedFromComponentId",
            "copiedFromComponentVersion",
            "branchName",
        ):
            assert read_only not in attributes

    def test_without_a_branch_no_branch_id_is_sent(self) -> None:
        dev = component("process", PROCESS_BODY, branch=True)

        body = prepare_for_write(dev, component_id=None, folder_id=PROMOTED_FOLDER, branch_id=None)

        assert "branchId" not in component_attributes(parse_xml(body))

    def test_description_object_and_overrides_are_kept(self) -> None:
        dev = component(
            "process",
            PROCESS_BODY,
            overrides="<Overrides xmlns=''><Properties/></Overrides>",
        )

        body = prepare_for_write(dev, component_id=None, folder_id=PROMOTED_FOLDER, branch_id=None)

        written, original = parse_xml(body), parse_xml(dev)
        for part in ("description", "object", "processOverrides", "encryptedValues"):
            found, expected = written.find(f"{BNS}{part}"), original.find(f"{BNS}{part}")
            assert found is not None and expected is not None
            assert etree.tostring(found, method="c14n") == etree.tostring(expected, method="c14n")

    def test_unknown_root_attributes_are_not_carried_over(self) -> None:
        dev = component("process", PROCESS_BODY).replace(
            b'name="Invoice Sync"', b'name="Invoice Sync" lockedBy="dev.editor@example.org"'
        )

        body = prepare_for_write(dev, component_id=None, folder_id=PROMOTED_FOLDER, branch_id=None)

        assert b"lockedBy" not in body

    @pytest.mark.parametrize("attribute", [b'name="Invoice Sync"', b'type="process"'])
    def test_a_component_without_name_or_type_is_refused(self, attribute: bytes) -> None:
        dev = component("process", PROCESS_BODY).replace(attribute, b"")

        with pytest.raises(ComponentXmlError):
            prepare_for_write(dev, component_id=None, folder_id=PROMOTED_FOLDER, branch_id=None)

    def test_a_component_without_configuration_is_refused(self) -> None:
        dev = component("process", "<!-- nothing here -->")

        with pytest.raises(ComponentXmlError, match="configuration element"):
            prepare_for_write(dev, component_id=None, folder_id=PROMOTED_FOLDER, branch_id=None)


def test_unsafe_documents_are_refused_with_a_typed_error() -> None:
    hostile = b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'

    with pytest.raises(UnsafeComponentXmlError):
        parse_component(hostile)


def test_another_root_is_not_a_component() -> None:
    with pytest.raises(ComponentXmlError, match="Component"):
        parse_component(b"<bns:ComponentMetadata xmlns:bns='http://api.platform.boomi.com/'/>")
