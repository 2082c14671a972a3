"""Secrets by class of input (issue 14): every form of the catalogue is stripped or blocks,
wherever it stands; what only looks like a secret comes through unchanged.

The catalogue is :mod:`boomi_promo.emulator.secret_classes`. Hypothesis places each form at a
random depth of a random tree of ordinary elements, as an attribute or as element text, with
a fresh marker value; afterwards the marker must be gone from the stripped document (a stripped
form) or reported by location and kind (a blocked form) — and never appear in a finding, a
path or an error.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from boomi_promo.domain.component_xml import ComponentXmlError
from boomi_promo.domain.secret_names import is_secret_name, name_words, names_a_secret
from boomi_promo.domain.secret_values import ValueKind, detect_in_code, detect_values
from boomi_promo.domain.secrets import (
    SecretFinding,
    SecretKind,
    StrippedValue,
    find_blocking_secrets,
    find_environment_values,
    inspect_secrets,
    strip_secrets,
)
from boomi_promo.emulator.secret_classes import (
    FALSE_POSITIVES,
    SECRET_FORMS,
    FalsePositive,
    Outcome,
    SecretForm,
    marker_for,
    wrap,
)
from boomi_promo.xmlsafe import parse_xml
from tests.unit.domain.fixtures import component

SAFE_ELEMENTS = ["Settings", "Options", "shape", "configuration", "Record", "step", "group"]
SAFE_ATTRIBUTES = ["mode", "region", "x", "y", "enabled"]


def every_string(xml: bytes) -> list[str]:
    strings: list[str] = []
    for node in parse_xml(xml).iter():
        strings.extend(text for text in (node.text, node.tail) if text)
        if isinstance(node.tag, str):
            strings.extend(str(value) for value in node.attrib.values())
    return strings


def canonical(xml: bytes) -> bytes:
    return etree.tostring(parse_xml(xml), method="c14n")


# ------------------------------------------------------------------ the catalogue


def test_the_catalogue_covers_sixty_forms_across_component_types() -> None:
    assert len(SECRET_FORMS) >= 60
    assert len({form.key for form in SECRET_FORMS}) == len(SECRET_FORMS)
    types = {form.component_type for form in SECRET_FORMS}
    for wanted in (
        "connector-settings",
        "connector-action",
        "process",
        "transform.map",
        "script.processing",
        "script.mapping",
        "profile.json",
        "crossref",
    ):
        assert wanted in types, wanted
    assert {form.family for form in SECRET_FORMS} == {
        "name",
        "key-value",
        "value",
        "markup",
        "code",
        "description",
        "embedded",
        "likely",
    }


# ------------------------------------------------------------------ placing a form anywhere


@dataclass
class Node:
    name: str
    attributes: dict[str, str]
    children: list[Node] = field(default_factory=list)
    planted: str = ""


def trees() -> st.SearchStrategy[Node]:
    attributes = st.dictionaries(st.sampled_from(SAFE_ATTRIBUTES), st.just(""), max_size=2)
    leaf = st.builds(Node, name=st.sampled_from(SAFE_ELEMENTS), attributes=attributes)
    return st.recursive(
        leaf,
        lambda inner: st.builds(
            Node,
            name=st.sampled_from(SAFE_ELEMENTS),
            attributes=attributes,
            children=st.lists(inner, max_size=3),
        ),
        max_leaves=8,
    )


def preorder(node: Node) -> list[Node]:
    found = [node]
    for child in node.children:
        found.extend(preorder(child))
    return found


def render(node: Node) -> str:
    attributes = "".join(f" {name}={quoteattr(value)}" for name, value in node.attributes.items())
    inner = node.planted + "".join(render(child) for child in node.children)
    return f"<{node.name}{attributes}>{inner}</{node.name}>"


@dataclass(frozen=True)
class Placed:
    xml: bytes
    marker: str
    kept: list[str]
    depth: int


def place(tree: Node, target: int, fragment: str, component_type: str, description: str) -> Placed:
    nodes = preorder(tree)
    kept: list[str] = []
    for index, node in enumerate(nodes):
        node.attributes = {name: f"keep-{name}-{index}" for name in node.attributes}
        kept.extend(node.attributes.values())
    host = nodes[target % len(nodes)]
    host.planted = fragment
    depth = _depth(tree, host)
    xml = component(
        component_type,
        wrap(component_type, render(tree)),
        description=description or "Moves orders",
    )
    return Placed(xml, "", kept, depth)


def _depth(tree: Node, host: Node, level: int = 1) -> int:
    if tree is host:
        return level
    return max((_depth(child, host, level + 1) for child in tree.children), default=0)


@st.composite
def planted_forms(draw: st.DrawFn) -> tuple[SecretForm, Placed]:
    form = draw(st.sampled_from(SECRET_FORMS))
    as_attribute = draw(st.sampled_from(form.placements))
    serial = draw(st.integers(1, 99_999))
    marker = marker_for(form.marker, serial, random.Random(serial))
    fragment = "" if form.in_description else form.fragment(marker, as_attribute=as_attribute)
    placed = place(
        draw(trees()),
        draw(st.integers(0, 50)),
        fragment,
        form.component_type,
        form.description(marker),
    )
    return form, Placed(placed.xml, marker, placed.kept, placed.depth)


def _no_marker_in_findings(marker: str, findings: list[SecretFinding]) -> None:
    for finding in findings:
        assert marker not in finding.location
        assert marker not in finding.kind.value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(planted_forms())
def test_every_form_is_stripped_or_blocks_at_any_depth_as_attribute_or_text(
    planted: tuple[SecretForm, Placed],
) -> None:
    form, placed = planted
    inspection = inspect_secrets(placed.xml)
    _no_marker_in_findings(placed.marker, inspection.blocking)
    for value in inspection.stripped:
        assert placed.marker not in value.path
    result = strip_secrets(placed.xml)
    strings = every_string(result.xml)
    for kept in placed.kept:
        assert kept in strings, f"{form.key}: ordinary value {kept} was emptied"
    if form.outcome is Outcome.STRIPPED:
        assert not any(placed.marker in text for text in strings), form.key
        assert inspection.blocking == [], form.key
        assert result.stripped, form.key
    else:
        kinds = {finding.kind for finding in inspection.blocking}
        assert kinds & form.kinds, f"{form.key}: {inspection.blocking}"


@pytest.mark.parametrize(
    "form",
    [form for form in SECRET_FORMS if form.outcome is Outcome.STRIPPED],
    ids=lambda form: form.key,
)
def test_each_stripped_form_leaves_no_trace_and_stripping_twice_changes_nothing(
    form: SecretForm,
) -> None:
    for as_attribute in form.placements:
        marker = marker_for(form.marker, 4242, random.Random(4242))
        body = f"<Outer><Inner>{form.fragment(marker, as_attribute=as_attribute)}</Inner></Outer>"
        xml = component(form.component_type, wrap(form.component_type, body))

        once = strip_secrets(xml)
        twice = strip_secrets(once.xml)

        assert marker.encode() not in once.xml
        assert find_blocking_secrets(xml) == []
        assert twice.stripped == []
        assert canonical(twice.xml) == canonical(once.xml)


@pytest.mark.parametrize(
    "form",
    [form for form in SECRET_FORMS if form.outcome is Outcome.BLOCKED],
    ids=lambda form: form.key,
)
def test_each_blocked_form_is_reported_by_location_and_kind_and_left_for_review(
    form: SecretForm,
) -> None:
    marker = marker_for(form.marker, 4343, random.Random(4343))
    fragment = "" if form.in_description else form.fragment(marker, as_attribute=False)
    xml = component(
        form.component_type,
        wrap(form.component_type, f"<Outer>{fragment}</Outer>"),
        description=form.description(marker) or "Moves orders",
    )

    findings = find_blocking_secrets(xml)

    assert {f.kind for f in findings} & form.kinds, findings
    _no_marker_in_findings(marker, findings)
    if form.in_description:
        assert [f.location for f in findings] == ["bns:description"]
    # Not emptied: the author must take it out (or an admin accept it).
    assert marker.encode() in strip_secrets(xml).xml


# ------------------------------------------------------------------ false positives


@st.composite
def placed_false_positives(draw: st.DrawFn) -> tuple[FalsePositive, Placed]:
    false_positive = draw(st.sampled_from(FALSE_POSITIVES))
    as_attribute = draw(st.sampled_from(false_positive.placements))
    placed = place(
        draw(trees()),
        draw(st.integers(0, 50)),
        false_positive.fragment(as_attribute=as_attribute),
        draw(st.sampled_from(["process", "transform.map", "connector-action", "profile.json"])),
        "",
    )
    return false_positive, placed


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(placed_false_positives())
def test_what_only_looks_like_a_secret_comes_through_unchanged(
    placed: tuple[FalsePositive, Placed],
) -> None:
    false_positive, document = placed

    inspection = inspect_secrets(document.xml)
    result = strip_secrets(document.xml)

    assert inspection.stripped == [], false_positive.key
    assert inspection.blocking == [], false_positive.key
    assert canonical(result.xml) == canonical(document.xml)


def test_the_false_positive_corpus_is_broad() -> None:
    assert len(FALSE_POSITIVES) >= 40
    keys = " ".join(fp.key for fp in FALSE_POSITIVES)
    for wanted in ("guid", "hash", "keyField", "map function", "profile element"):
        assert wanted in keys


# ------------------------------------------------------------------ the name rule


@pytest.mark.parametrize(
    "name",
    [
        "pass", "pwd", "passcode", "passphrase", "PassPhrase", "credentials", "secretAccessKey",
        "hmacKey", "sasKey", "signingKey", "encryptionKey", "clientCertificate", "apiKeyValue",
        "db_pass", "x-api-key", "X-API-Key", "Ocp-Apim-Subscription-Key", "jdbc.password",
        "Authorization", "Proxy-Authorization", "smtppassword", "xapikey", "keyStore",
        "privateKeyPem", "id_token", "aws.secretAccessKey", "SharedAccessKey", "AccountKey",
        "DB Password", "Signing key (HMAC)",
    ],
)  # fmt: skip
def test_secret_names_by_words_abbreviations_and_synonyms(name: str) -> None:
    assert names_a_secret(name), name_words(name)


@pytest.mark.parametrize(
    "name",
    [
        "keyField", "keyFields", "passthrough", "tokenizer", "bypass", "byPass", "firstPass",
        "compass", "primaryKey", "sortKey", "hashKey", "publicKey", "hostKey", "keyId",
        "accessKeyId", "tokenType", "tokenUrl", "nextPageToken", "nextpagetoken", "secretName",
        "SharedAccessKeyName", "passwordField", "passwordPolicy", "PASSWORD_HASH",
        "allowDynamicCredentials", "usePassword", "apiKeyHeader", "privateKeyFile",
        "Password for the SFTP server", "Fetch password resets",
    ],
)  # fmt: skip
def test_names_that_only_contain_a_credential_word_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name), name_words(name)


def test_words_split_at_case_digits_and_separators() -> None:
    assert name_words("secretAccessKey") == ("secret", "access", "key")
    assert name_words("X-API-Key") == ("x", "api", "key")
    assert name_words("OAuth2Token") == ("o", "auth", "2", "token")
    assert name_words("jdbc.password") == ("jdbc", "password")


# ------------------------------------------------------------------ values by shape


@pytest.mark.parametrize(
    ("value", "kind", "standalone"),
    [
        ("https://svc:Sx9-secret-41@api.example.com/v1", ValueKind.URL_CREDENTIALS, True),
        ("see https://svc:Sx9-secret-41@api.example.com/v1 for it", ValueKind.URL_CREDENTIALS,
         False),
        ("/v1/items?api_key=abc123def", ValueKind.URL_CREDENTIALS, False),
        ("Server=db;User Id=etl;Password=Pw-1234;", ValueKind.CONNECTION_STRING, True),
        ("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=R;SharedAccessKey=k1=",
         ValueKind.CONNECTION_STRING, True),
        ("Bearer abcdef0123456789", ValueKind.AUTHORIZATION, True),
        ("Basic c3ZjOnNlY3JldA==", ValueKind.AUTHORIZATION, True),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbg\n-----END OPENSSH PRIVATE KEY-----",
         ValueKind.PRIVATE_KEY, True),
        ("AKIAIOSFODNN7EXAMPLE", ValueKind.CLOUD_KEY, True),
        ("xoxb-123456789012-abcdefABCDEF", ValueKind.SERVICE_TOKEN, True),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", ValueKind.JWT, True),
        ("q8Zr2LmX9vTn4KpW7cYs3HdJ", ValueKind.HIGH_ENTROPY, True),
        ("use password: Hunter2!x today", ValueKind.SECRET_ASSIGNMENT, False),
    ],
)  # fmt: skip
def test_values_are_recognised_by_shape(value: str, kind: ValueKind, standalone: bool) -> None:
    hits = {hit.kind: hit.standalone for hit in detect_values(value)}

    assert hits.get(kind) is standalone, hits


def test_likely_secrets_are_never_certain() -> None:
    assert not ValueKind.HIGH_ENTROPY.certain
    assert not ValueKind.SECRET_ASSIGNMENT.certain
    assert ValueKind.URL_CREDENTIALS.certain


def test_code_findings_carry_their_line() -> None:
    source = (
        'def password = ExecutionUtil.getDynamicProcessProperty("x")\n'
        "// nothing here\n"
        'def apiKey = "ak-live-0042"\n'
        'props.setProperty("Authorization", "Bearer abcdef0123456789")\n'
    )

    hits = detect_in_code(source)

    assert {hit.line for hit in hits} == {3, 4}
    assert {hit.kind for hit in hits if hit.line == 4} >= {ValueKind.AUTHORIZATION}


# ------------------------------------------------------------------ where findings point


def test_a_script_finding_names_the_script_element_and_line() -> None:
    body = (
        '<ProcessingScript xmlns="" language="groovy2"><script><![CDATA[\n'
        'def user = "svc"\ndef password = "Hunter2-0042"\n]]></script></ProcessingScript>'
    )

    findings = find_blocking_secrets(component("script.processing", body))

    assert findings == [
        SecretFinding("/ProcessingScript/script line 3", ValueKind.SECRET_ASSIGNMENT)
    ]


def test_comments_and_processing_instructions_are_dropped_wherever_they_stand() -> None:
    body = (
        '<Operation xmlns=""><!-- a --><Config><?tool run?>keep<!-- b --></Config>'
        "<Other/></Operation>"
    )
    xml = component("connector-action", body)

    result = strip_secrets(xml)

    assert b"<!--" not in result.xml and b"<?tool" not in result.xml
    assert b"<Config>keep</Config>" in result.xml
    assert result.stripped == [
        StrippedValue("/Operation/comment()", SecretKind.COMMENT),
        StrippedValue(
            "/Operation/Config/processing-instruction()", SecretKind.PROCESSING_INSTRUCTION
        ),
        StrippedValue("/Operation/Config/comment()", SecretKind.COMMENT),
    ]
    assert find_environment_values(xml) == result.stripped


def test_a_secret_in_a_naming_attribute_blocks_rather_than_empties_the_name() -> None:
    body = (
        '<Operation xmlns=""><pathElements><element key="1" name="/v1?api_key=k-0042-x"/>'
        "</pathElements></Operation>"
    )
    xml = component("connector-action", body)

    assert find_blocking_secrets(xml) == [
        SecretFinding(
            "/Operation/pathElements/element/@name",
            ValueKind.URL_CREDENTIALS,
        )
    ]
    assert b'name="/v1?api_key=k-0042-x"' in strip_secrets(xml).xml


def test_an_unreadable_document_is_still_an_error() -> None:
    with pytest.raises(ComponentXmlError):
        find_blocking_secrets(b"<bns:Component xmlns:bns='http://api.platform.boomi.com/'/>")
