"""The delta of a promotion: a write that would change nothing is recognised, whatever Boomi
changes on a write or a read; any change of configuration is not missed."""

from __future__ import annotations

import dataclasses

import pytest

from boomi_promo.domain.component_xml import ComponentXmlError, prepare_for_write
from boomi_promo.domain.delta import comparable, compare_documents, component_delta
from boomi_promo.domain.secrets import strip_secrets
from boomi_promo.emulator.component_xml import parse_component_document, render_component
from boomi_promo.emulator.records import Revision
from tests.unit.domain.fixtures import (
    HTTP_OPERATION_BODY,
    MAP_SCRIPT_BODY,
    PROCESS_BODY,
    component,
)

PROD_ID = "0e0e0e0e-1111-4222-8333-444455556666"
FOLDER = "Promoted/Finance/Invoices"
BNS = "http://api.platform.boomi.com/"


def promoted(xml: bytes) -> bytes:
    """What a promotion would send: stripped, root reduced, placed on a branch."""
    return prepare_for_write(
        strip_secrets(xml).xml, component_id=PROD_ID, folder_id="RjozMzM", branch_id="Qjo5OTk"
    )


def stored_by_boomi(body: bytes, *, version: int = 7) -> bytes:
    """``body`` written, then read back as the emulator answers (its attributes, its order)."""
    document = parse_component_document(body)
    revision = Revision(
        component_id=PROD_ID,
        account_id="primary",
        version=version,
        branch_id="QjoxMDA",
        name=document.name,
        type=document.type,
        sub_type=document.sub_type,
        folder_id=document.folder_id,
        description=document.description,
        encrypted_values=document.encrypted_values,
        object_xml=document.object_xml or "",
        process_overrides_xml=document.process_overrides_xml,
        deleted=False,
        modified_by="api.user@example.com",
        modified_date="2026-01-02T03:04:05Z",
    )
    attributes = {
        "componentId": PROD_ID,
        "version": str(version),
        "name": revision.name,
        "type": revision.type,
        "createdDate": "2025-01-01T00:00:00Z",
        "createdBy": "api.user@example.com",
        "modifiedDate": revision.modified_date,
        "modifiedBy": revision.modified_by,
        "deleted": "false",
        "currentVersion": "true",
        "folderName": "Invoices",
        "folderId": "RjozMzM",
        "branchName": "main",
        "branchId": "QjoxMDA",
        "folderFullPath": f"Primary Account/{FOLDER}",
    }
    if revision.sub_type:
        attributes["subType"] = revision.sub_type
    return render_component(revision, attributes)


def dev(body: str = HTTP_OPERATION_BODY, **options: object) -> bytes:
    return component("connector-action", body, sub_type="http", **options)  # type: ignore[arg-type]


def delta_of(new: bytes, base: bytes, folder: str | None = FOLDER) -> tuple[str, ...]:
    return compare_documents(new, base, promoted_folder=folder).differences


class TestNothingChanged:
    @pytest.mark.parametrize(
        "body",
        [HTTP_OPERATION_BODY, PROCESS_BODY, MAP_SCRIPT_BODY],
        ids=["operation", "process", "map script"],
    )
    def test_a_promoted_form_equals_what_boomi_stored_from_it(self, body: str) -> None:
        document = component("process", body, encrypted=[("//password", False)])
        sent = promoted(document)

        assert delta_of(sent, stored_by_boomi(sent)) == ()

    def test_the_next_promotion_of_the_same_dev_document_is_unchanged(self) -> None:
        base = stored_by_boomi(promoted(dev()), version=3)

        # Read again later: another version number, another dev read, the same content.
        assert delta_of(promoted(dev()), base) == ()

    def test_what_boomi_sets_on_the_root_is_ignored(self) -> None:
        base = stored_by_boomi(promoted(dev()))
        moved_around = (
            base.replace(b'version="7"', b'version="42"')
            .replace(b"2026-01-02T03:04:05Z", b"2027-09-09T09:09:09Z")
            .replace(b'branchId="QjoxMDA"', b'branchId="QjoyMDA"')
            .replace(b'currentVersion="true"', b'currentVersion="false"')
        )

        assert delta_of(promoted(dev()), moved_around) == ()

    def test_xml_form_is_ignored(self) -> None:
        sent = promoted(dev(body=MAP_SCRIPT_BODY))
        text = stored_by_boomi(sent).decode()
        # Another prefix, an unused declaration, CRLF line ends and a comment.
        reformatted = (
            text.replace("bns:", "ns2:")
            .replace("xmlns:bns=", 'xmlns:other="urn:unused" xmlns:ns2=')
            .replace("\n", "\r\n")
        )
        reformatted = reformatted.replace("<ns2:object>", "<ns2:object><!-- saved by Boomi -->", 1)
        assert delta_of(sent, reformatted.encode()) == ()

    def test_cdata_and_escaped_text_are_the_same_text(self) -> None:
        escaped = dev(body="<script xmlns=''>if (a &lt; b) { go() }</script>")
        cdata = dev(body="<script xmlns=''><![CDATA[if (a < b) { go() }]]></script>")

        assert delta_of(promoted(cdata), stored_by_boomi(promoted(escaped))) == ()

    def test_sections_in_another_order_and_no_formatting_whitespace(self) -> None:
        sent = promoted(dev(encrypted=[("//password", False)]))
        text = stored_by_boomi(sent).decode()
        start, end = text.index("<bns:encryptedValues"), text.index("<bns:object>")
        sections = text[start:end]
        reordered = (text[:start] + text[end:]).replace(
            "</bns:Component>", sections + "</bns:Component>"
        )
        compact = "><".join(part.strip() for part in reordered.split("><"))

        assert delta_of(sent, compact.encode()) == ()

    def test_empty_sections_are_the_same_as_none(self) -> None:
        without = dev(description="")
        # No encryptedValues and no description at all in what was sent.
        bare = without.replace(b"<bns:encryptedValues/>", b"").replace(
            b"<bns:description></bns:description>", b""
        )

        assert delta_of(promoted(bare), stored_by_boomi(promoted(without))) == ()

    def test_is_set_is_boomis_to_say(self) -> None:
        sent = promoted(dev(encrypted=[("//password", False)]))
        base = stored_by_boomi(sent).replace(b'isSet="false"', b'isSet="true"')

        assert delta_of(sent, base) == ()

    def test_an_empty_sub_type_is_none(self) -> None:
        sent = promoted(component("profile.json", "<JSONProfile xmlns=''/>", sub_type=""))
        base = stored_by_boomi(sent)

        assert b"subType" not in base
        assert delta_of(sent, base) == ()

    def test_the_same_folder_under_another_root_name(self) -> None:
        base = stored_by_boomi(promoted(dev())).replace(b"Primary Account/", b"ACME Prod/")

        assert delta_of(promoted(dev()), base) == ()

    def test_a_base_without_a_folder_path_compares_content_only(self) -> None:
        base = stored_by_boomi(promoted(dev())).replace(
            f'folderFullPath="Primary Account/{FOLDER}"'.encode(), b""
        )

        assert delta_of(promoted(dev()), base, "Promoted/Elsewhere") == ()


class TestChanges:
    def test_a_changed_value_in_the_configuration(self) -> None:
        base = stored_by_boomi(promoted(dev()))
        edited = dev(body=HTTP_OPERATION_BODY.replace("POST", "PUT"))

        assert delta_of(promoted(edited), base) == ("object",)

    def test_a_changed_character_in_a_script(self) -> None:
        base = stored_by_boomi(promoted(dev(body=MAP_SCRIPT_BODY)))
        edited = dev(body=MAP_SCRIPT_BODY.replace("* 100", "*  100", 1))

        assert "* 100" in MAP_SCRIPT_BODY
        assert delta_of(promoted(edited), base) == ("object",)

    def test_a_space_in_a_value_counts(self) -> None:
        base = stored_by_boomi(promoted(dev(body="<settings xmlns=''><sep>,</sep></settings>")))
        edited = dev(body="<settings xmlns=''><sep>, </sep></settings>")

        assert delta_of(promoted(edited), base) == ("object",)

    def test_a_reference_to_another_prod_component(self) -> None:
        body = "<process xmlns=''><map mapId='aaaaaaaa-0000-4000-8000-000000000001'/></process>"
        base = stored_by_boomi(promoted(dev(body=body)))
        other = body.replace("000000000001", "000000000002")

        assert delta_of(promoted(dev(body=other)), base) == ("object",)

    def test_elements_in_another_order(self) -> None:
        body = "<process xmlns=''><shape name='a'/><shape name='b'/></process>"
        base = stored_by_boomi(promoted(dev(body=body)))
        swapped = "<process xmlns=''><shape name='b'/><shape name='a'/></process>"

        assert delta_of(promoted(dev(body=swapped)), base) == ("object",)

    def test_name_description_and_declarations(self) -> None:
        base = stored_by_boomi(promoted(dev()))
        edited = dev(name="Invoice Sync v2", description="New text", encrypted=[("//key", False)])

        assert delta_of(promoted(edited), base) == ("name", "description", "encryptedValues")

    def test_process_overrides_added(self) -> None:
        base = stored_by_boomi(promoted(dev(body=PROCESS_BODY)))
        edited = dev(
            body=PROCESS_BODY, overrides="<Overrides xmlns=''><Override id='x'/></Overrides>"
        )

        assert delta_of(promoted(edited), base) == ("processOverrides",)

    def test_a_move_to_another_folder(self) -> None:
        base = stored_by_boomi(promoted(dev()))

        assert delta_of(promoted(dev()), base, "Promoted/Finance/Archive") == ("folder",)


def test_a_fingerprint_follows_the_content_not_the_form() -> None:
    sent = promoted(dev())
    base = stored_by_boomi(sent)

    assert comparable(sent).fingerprint() == comparable(base).fingerprint()
    edited = promoted(dev(name="Other"))
    assert comparable(edited).fingerprint() != comparable(base).fingerprint()


def test_the_folder_comes_from_the_document_when_not_given() -> None:
    base = comparable(stored_by_boomi(promoted(dev())))

    assert base.folder == FOLDER
    unknown = dataclasses.replace(base, folder=None)
    assert not component_delta(dataclasses.replace(base, folder="Promoted/Else"), unknown).changed


def test_a_document_that_is_not_a_component_is_refused() -> None:
    with pytest.raises(ComponentXmlError):
        compare_documents(promoted(dev()), b"<Error><message>gone</message></Error>")
    with pytest.raises(ComponentXmlError):
        compare_documents(promoted(dev()), b"<bns:Component")
