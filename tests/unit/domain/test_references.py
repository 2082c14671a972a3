"""Reference finding and rewriting: whole values only, idempotent, configuration only."""

from __future__ import annotations

import pytest

from boomi_promo.domain.component_xml import UnsafeComponentXmlError
from boomi_promo.domain.references import (
    ChainedIdMapError,
    referenced_ids,
    remaining_ids,
    rewrite_references,
)
from boomi_promo.xmlsafe import parse_xml
from tests.unit.domain.fixtures import (
    CONNECTION_ID,
    CROSSREF_ID,
    DB_OPERATION_BODY,
    DB_PROFILE_ID,
    DEV_COMPONENT_ID,
    MAP_BODY,
    MAP_ID,
    MAP_SCRIPT_ID,
    OPERATION_ID,
    PROCESS_BODY,
    PROCESS_ROUTE_BODY,
    PROCESS_SCRIPT_ID,
    ROUTE_ID,
    SECOND_SUBPROCESS_ID,
    SOURCE_PROFILE_ID,
    SUBPROCESS_ID,
    TARGET_PROFILE_ID,
    component,
)

BNS = "{http://api.platform.boomi.com/}"
UNRELATED_ID = "99999999-9999-4999-8999-999999999999"


def prod(dev_id: str) -> str:
    """A distinct prod id for each dev id (prefix swapped)."""
    return "ab" + dev_id[2:]


@pytest.mark.parametrize(
    ("component_type", "body", "expected"),
    [
        (
            "process",
            PROCESS_BODY,
            {CONNECTION_ID, OPERATION_ID, MAP_ID, SUBPROCESS_ID, ROUTE_ID, PROCESS_SCRIPT_ID},
        ),
        ("processroute", PROCESS_ROUTE_BODY, {SUBPROCESS_ID, SECOND_SUBPROCESS_ID}),
        (
            "transform.map",
            MAP_BODY,
            {SOURCE_PROFILE_ID, TARGET_PROFILE_ID, CROSSREF_ID, MAP_SCRIPT_ID},
        ),
        ("connector-action", DB_OPERATION_BODY, {DB_PROFILE_ID}),
    ],
)
def test_referenced_ids_are_found_in_attributes_and_element_text(
    component_type: str, body: str, expected: set[str]
) -> None:
    candidates = {
        CONNECTION_ID,
        OPERATION_ID,
        MAP_ID,
        SUBPROCESS_ID,
        SECOND_SUBPROCESS_ID,
        ROUTE_ID,
        PROCESS_SCRIPT_ID,
        SOURCE_PROFILE_ID,
        TARGET_PROFILE_ID,
        CROSSREF_ID,
        MAP_SCRIPT_ID,
        DB_PROFILE_ID,
        UNRELATED_ID,
    }

    assert referenced_ids(component(component_type, body), candidates) == expected


def test_the_component_s_own_id_on_the_root_is_not_a_reference() -> None:
    xml = component("process", PROCESS_BODY)

    assert referenced_ids(xml, {DEV_COMPONENT_ID}) == set()


def test_ids_inside_longer_text_are_not_references() -> None:
    body = f"""
    <process xmlns="" note="copied from {MAP_ID}">
      <label>{MAP_ID}-old</label>
      <script>lookup("{MAP_ID}")</script>
    </process>"""

    assert referenced_ids(component("process", body), {MAP_ID}) == set()


def test_ids_match_case_insensitively_and_are_answered_as_asked() -> None:
    body = f'<process xmlns=""><map mapId="  {MAP_ID.upper()} "/></process>'

    assert referenced_ids(component("process", body), {MAP_ID}) == {MAP_ID}


class TestRewrite:
    def test_every_whole_value_reference_is_replaced_and_counted(self) -> None:
        body = f"""
    <process xmlns="">
      <connector connectionId="{CONNECTION_ID}" operationId="{OPERATION_ID}"/>
      <map mapId="{MAP_ID}"/>
      <step><connectionId>
          {CONNECTION_ID}
      </connectionId></step>
    </process>"""
        id_map = {CONNECTION_ID: prod(CONNECTION_ID), MAP_ID: prod(MAP_ID), UNRELATED_ID: "x-1"}

        result = rewrite_references(component("process", body), id_map)

        assert result.replaced == {CONNECTION_ID: 2, MAP_ID: 1}
        root = parse_xml(result.xml)
        assert root.xpath("string(//connector/@connectionId)") == prod(CONNECTION_ID)
        assert root.xpath("string(//connector/@operationId)") == OPERATION_ID
        assert root.xpath("string(//map/@mapId)") == prod(MAP_ID)
        # Surrounding whitespace of the element text is kept.
        assert root.findtext(f"{BNS}object/process/step/connectionId") == (
            f"\n          {prod(CONNECTION_ID)}\n      "
        )

    def test_ids_inside_longer_text_are_untouched(self) -> None:
        body = f"""
    <process xmlns="" note="copied from {MAP_ID}">
      <label>{MAP_ID}-old</label>
      <script>lookup("{MAP_ID}")</script>
      <map mapId="{MAP_ID}"/>
    </process>"""
        xml = component("process", body)

        result = rewrite_references(xml, {MAP_ID: prod(MAP_ID)})

        assert result.replaced == {MAP_ID: 1}
        assert f'note="copied from {MAP_ID}"'.encode() in result.xml
        assert f"<label>{MAP_ID}-old</label>".encode() in result.xml
        assert f'lookup("{MAP_ID}")'.encode() in result.xml
        assert f'mapId="{prod(MAP_ID)}"'.encode() in result.xml

    def test_root_attributes_and_description_are_never_rewritten(self) -> None:
        xml = component("process", PROCESS_BODY, description=MAP_ID)

        result = rewrite_references(xml, {DEV_COMPONENT_ID: prod(DEV_COMPONENT_ID), MAP_ID: "m"})

        root = parse_xml(result.xml)
        assert root.get("componentId") == DEV_COMPONENT_ID
        assert root.findtext(f"{BNS}description") == MAP_ID
        assert result.replaced == {MAP_ID: 1}

    def test_process_overrides_are_rewritten(self) -> None:
        overrides = f"<Overrides xmlns=''><ConnectionOverride id='{CONNECTION_ID}'/></Overrides>"
        xml = component("process", PROCESS_BODY, overrides=overrides)

        result = rewrite_references(xml, {CONNECTION_ID: prod(CONNECTION_ID)})

        assert result.replaced == {CONNECTION_ID: 2}
        assert remaining_ids(result.xml, {CONNECTION_ID}) == set()

    def test_running_twice_gives_the_same_bytes_and_counts_nothing(self) -> None:
        xml = component("transform.map", MAP_BODY)
        id_map = {dev: prod(dev) for dev in (SOURCE_PROFILE_ID, TARGET_PROFILE_ID, CROSSREF_ID)}

        once = rewrite_references(xml, id_map)
        twice = rewrite_references(once.xml, id_map)

        assert twice.xml == once.xml
        assert twice.replaced == {}

    def test_an_id_mapped_to_itself_is_allowed_and_stable(self) -> None:
        xml = component("processroute", PROCESS_ROUTE_BODY)
        id_map = {SUBPROCESS_ID: SUBPROCESS_ID, SECOND_SUBPROCESS_ID: prod(SECOND_SUBPROCESS_ID)}

        once = rewrite_references(xml, id_map)
        twice = rewrite_references(once.xml, id_map)

        assert once.replaced == {SECOND_SUBPROCESS_ID: 1}
        assert twice.xml == once.xml

    def test_a_dev_id_in_other_case_is_rewritten_to_the_prod_spelling(self) -> None:
        body = f'<process xmlns=""><map mapId="{MAP_ID.upper()}"/></process>'

        result = rewrite_references(component("process", body), {MAP_ID: prod(MAP_ID)})

        assert f'mapId="{prod(MAP_ID)}"'.encode() in result.xml

    @pytest.mark.parametrize(
        "id_map",
        [
            {MAP_ID: SUBPROCESS_ID, SUBPROCESS_ID: prod(SUBPROCESS_ID)},
            {MAP_ID: SUBPROCESS_ID, SUBPROCESS_ID: MAP_ID},
            {MAP_ID: SUBPROCESS_ID.upper(), SUBPROCESS_ID: prod(SUBPROCESS_ID)},
        ],
        ids=["chain", "swap", "chain-other-case"],
    )
    def test_a_map_whose_prod_id_is_another_dev_id_is_refused(self, id_map: dict[str, str]) -> None:
        # Rewriting once would turn MAP_ID into SUBPROCESS_ID; a second run would then rewrite
        # that again. Refusing keeps the operation idempotent.
        with pytest.raises(ChainedIdMapError):
            rewrite_references(component("process", PROCESS_BODY), id_map)

    def test_a_map_with_empty_ids_is_refused(self) -> None:
        with pytest.raises(ValueError, match="empty"):
            rewrite_references(component("process", PROCESS_BODY), {MAP_ID: " "})

    def test_hostile_xml_is_refused(self) -> None:
        with pytest.raises(UnsafeComponentXmlError):
            rewrite_references(b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', {MAP_ID: "y"})


class TestRemaining:
    def test_ids_left_inside_longer_text_are_reported(self) -> None:
        body = f"""
    <process xmlns="">
      <script>lookup("{MAP_ID}")</script>
      <map mapId="{SUBPROCESS_ID}"/>
    </process>"""
        xml = component("process", body)

        assert remaining_ids(xml, {MAP_ID, SUBPROCESS_ID, ROUTE_ID}) == {MAP_ID, SUBPROCESS_ID}

    def test_after_a_full_rewrite_no_dev_id_remains(self) -> None:
        dev_ids = {CONNECTION_ID, OPERATION_ID, MAP_ID, SUBPROCESS_ID, ROUTE_ID, PROCESS_SCRIPT_ID}
        xml = component("process", PROCESS_BODY)
        assert remaining_ids(xml, dev_ids) == dev_ids

        result = rewrite_references(xml, {dev: prod(dev) for dev in dev_ids})

        assert remaining_ids(result.xml, dev_ids) == set()

    def test_only_the_configuration_is_searched(self) -> None:
        xml = component("process", "<process xmlns=''/>", description=MAP_ID)

        assert remaining_ids(xml, {MAP_ID, DEV_COMPONENT_ID}) == set()
