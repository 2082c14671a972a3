"""Normalising component XML: the same content always reads the same, whatever the read."""

from __future__ import annotations

import pytest

from boomi_promo.domain.component_xml import ComponentXmlError, UnsafeComponentXmlError
from boomi_promo.domain.xml_diff import normalize_component_xml
from boomi_promo.xmlsafe import parse_xml

BNS = "http://api.platform.boomi.com/"
COMPONENT_ID = "3f1c9a52-7d4b-4e6f-9a10-5566778899aa"
OPERATION_BODY = (
    '<Operation xmlns=""><Configuration>'
    '<HttpGetAction methodType="GET" responseProfileType="JSON" dataContentType="application/json">'
    '<pathElements><element key="2000000" name="/v2/"/><element key="2000001" name="orders"/>'
    "</pathElements></HttpGetAction></Configuration></Operation>"
)


def component(body: str, **attributes: str) -> str:
    """A component document as a GET answers it, with these root attributes (in this order)."""
    root = " ".join(f'{name}="{value}"' for name, value in attributes.items())
    return (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
        f'<bns:Component xmlns:bns="{BNS}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" {root}>'
        "<bns:encryptedValues/><bns:description>Reads orders</bns:description>"
        f"<bns:object>{body}</bns:object></bns:Component>"
    )


def on_main(body: str = OPERATION_BODY) -> str:
    return component(
        body,
        componentId=COMPONENT_ID,
        version="4",
        name="Get Orders",
        type="connector-action",
        subType="http",
        createdDate="2025-01-02T08:00:00Z",
        createdBy="carol@example.com",
        modifiedDate="2025-02-03T09:00:00Z",
        modifiedBy="carol@example.com",
        deleted="false",
        currentVersion="true",
        folderName="Operations",
        folderId="RjoxNA",
        branchName="main",
        branchId="Qjox",
        folderFullPath="Primary Account/Promoted/Orders/Operations",
    )


def on_branch(body: str = OPERATION_BODY) -> str:
    """The same content read on a promotion branch: a later version, other authors and dates,
    the attributes in another order."""
    return component(
        body,
        type="connector-action",
        branchId="Qjo3",
        branchName="promo-1234",
        name="Get Orders",
        folderId="RjoxNA",
        componentId=COMPONENT_ID,
        version="5",
        subType="http",
        modifiedBy="promo-service@example.com",
        modifiedDate="2025-06-07T10:11:12Z",
        createdBy="carol@example.com",
        createdDate="2025-01-02T08:00:00Z",
        currentVersion="false",
        deleted="false",
        folderName="Operations",
        folderFullPath="Primary Account/Promoted/Orders/Operations",
    )


def test_two_revisions_with_the_same_content_normalise_equal() -> None:
    assert normalize_component_xml(on_main()) == normalize_component_xml(on_branch())


def test_the_root_keeps_identity_and_placement_but_not_read_metadata() -> None:
    first_line = normalize_component_xml(on_branch()).splitlines()[0]

    assert first_line == (
        f'<bns:Component xmlns:bns="{BNS}" componentId="{COMPONENT_ID}" folderId="RjoxNA" '
        'name="Get Orders" subType="http" type="connector-action">'
    )


def test_output_is_indented_one_element_per_line_with_sorted_attributes() -> None:
    normalised = normalize_component_xml(on_main())

    assert normalised.splitlines()[1:] == [
        "  <bns:encryptedValues/>",
        "  <bns:description>Reads orders</bns:description>",
        "  <bns:object>",
        "    <Operation>",
        "      <Configuration>",
        '        <HttpGetAction dataContentType="application/json" methodType="GET" '
        'responseProfileType="JSON">',
        "          <pathElements>",
        '            <element key="2000000" name="/v2/"/>',
        '            <element key="2000001" name="orders"/>',
        "          </pathElements>",
        "        </HttpGetAction>",
        "      </Configuration>",
        "    </Operation>",
        "  </bns:object>",
        "</bns:Component>",
    ]
    assert normalised.endswith("</bns:Component>\n")


def test_the_output_is_deterministic_and_stable() -> None:
    once = normalize_component_xml(on_main())

    assert normalize_component_xml(on_main()) == once
    assert normalize_component_xml(once) == once, "normalising twice changes nothing"
    assert parse_xml(once).get("name") == "Get Orders", "the output is well-formed XML"


def test_whitespace_between_elements_does_not_count() -> None:
    spaced = OPERATION_BODY.replace("><", ">\n\t  <")

    assert normalize_component_xml(on_main(spaced)) == normalize_component_xml(on_main())


def test_a_real_change_survives_normalisation() -> None:
    changed = OPERATION_BODY.replace('name="orders"', 'name="orders-v2"')

    before = normalize_component_xml(on_main()).splitlines()
    after = normalize_component_xml(on_branch(changed)).splitlines()

    assert [(b, a) for b, a in zip(before, after, strict=True) if b != a] == [
        (
            '            <element key="2000001" name="orders"/>',
            '            <element key="2000001" name="orders-v2"/>',
        )
    ]


GROOVY = (
    "import com.boomi.execution.ExecutionUtil\n"
    "for (int i = 0; i < dataContext.getDataCount(); i++) {\n"
    '    if (i > 0 && props != null) { logger.info("a & b") }\n'
    "}"
)


def script_component(script_xml: str) -> str:
    body = (
        f'<ProcessingScript xmlns="" language="groovy"><script>{script_xml}</script>'
        "</ProcessingScript>"
    )
    return component(body, componentId=COMPONENT_ID, name="Split", type="script.processing")


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_a_script_in_cdata_and_the_same_script_escaped_normalise_equal() -> None:
    as_cdata = script_component(f"<![CDATA[{GROOVY}]]>")
    as_escaped = script_component(escaped(GROOVY))

    assert normalize_component_xml(as_cdata) == normalize_component_xml(as_escaped)


def test_a_script_is_shown_line_by_line_inside_its_element() -> None:
    lines = normalize_component_xml(script_component(f"<![CDATA[\n{GROOVY}\n]]>")).splitlines()

    start = lines.index("      <script>")
    assert lines[start + 1 : start + 6] == [
        "        import com.boomi.execution.ExecutionUtil",
        "        for (int i = 0; i &lt; dataContext.getDataCount(); i++) {",
        '            if (i &gt; 0 &amp;&amp; props != null) { logger.info("a &amp; b") }',
        "        }",
        "      </script>",
    ]


def test_script_indentation_and_line_endings_do_not_count_but_its_lines_do() -> None:
    reindented = "\r\n".join("        " + line + "  " for line in GROOVY.split("\n"))
    edited = GROOVY.replace("i++", "i += 2")

    plain = normalize_component_xml(script_component(escaped(GROOVY)))

    assert normalize_component_xml(script_component(escaped(reindented))) == plain
    assert normalize_component_xml(script_component(escaped(edited))) != plain


def test_attribute_values_with_newlines_stay_on_one_line() -> None:
    body = '<process xmlns="" description="first&#10;second"><shapes/></process>'

    lines = normalize_component_xml(component(body, name="P", type="process")).splitlines()

    assert '    <process description="first&#10;second">' in lines


def test_comments_are_left_out() -> None:
    commented = OPERATION_BODY.replace("<Configuration>", "<Configuration><!-- edited by hand -->")

    assert normalize_component_xml(on_main(commented)) == normalize_component_xml(on_main())


@pytest.mark.parametrize(
    "hostile",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<bns:Component xmlns:bns="{BNS}" name="&e;"/>',
        '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<bns:Component xmlns:bns="{BNS}" name="&b;"/>',
    ],
    ids=["external-entity", "entity-expansion"],
)
def test_hostile_xml_is_refused(hostile: str) -> None:
    with pytest.raises(UnsafeComponentXmlError):
        normalize_component_xml(hostile)


@pytest.mark.parametrize(
    "broken",
    ["<bns:Component", '<Component name="not in the bns namespace"/>', ""],
    ids=["malformed", "not-a-component", "empty"],
)
def test_a_document_that_is_not_a_component_is_refused(broken: str) -> None:
    with pytest.raises(ComponentXmlError):
        normalize_component_xml(broken)
