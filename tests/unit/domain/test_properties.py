"""Generated documents: no planted secret survives stripping; rewriting is exact and idempotent."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from boomi_promo.domain.references import referenced_ids, rewrite_references
from boomi_promo.domain.secrets import strip_secrets
from boomi_promo.xmlsafe import parse_xml
from tests.unit.domain.fixtures import component

SAFE_ELEMENT_NAMES = ["Settings", "Options", "entry", "item", "node", "Record", "label", "region"]
SAFE_ATTRIBUTE_NAMES = ["key", "mode", "label", "kind", "enabled", "region"]
SECRET_NAMES = [
    "password",
    "Password",
    "api_key",
    "clientSecret",
    "PRIVATE-KEY",
    "accessToken",
    "ConnectionString",
    "jdbcUrl",
    "passphrase",
    "keystorePassword",
    "proxyPassword",
    "token",
    "secret",
    "host",
    "URL",
]
FORMS = [
    "element",
    "name-value",
    "attribute",
    "field-value",
    "field-text",
    "encrypted-value",
    "path-attribute",
    "path-field",
]
# Lower case and punctuation only: a planted secret can never contain another's "S3CRET" prefix.
SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_.!&<>'\" "


@dataclass
class Node:
    name: str
    attributes: dict[str, str]
    text: str
    children: list[Node] = field(default_factory=list)
    extra_attributes: list[str] = field(default_factory=list)
    extra_children: list[str] = field(default_factory=list)
    secret_attribute_names: set[str] = field(default_factory=set)


def nodes() -> st.SearchStrategy[Node]:
    leaf = st.builds(
        Node,
        name=st.sampled_from(SAFE_ELEMENT_NAMES),
        attributes=st.dictionaries(st.sampled_from(SAFE_ATTRIBUTE_NAMES), st.just(""), max_size=3),
        text=st.just(""),
    )
    return st.recursive(
        leaf,
        lambda inner: st.builds(
            Node,
            name=st.sampled_from(SAFE_ELEMENT_NAMES),
            attributes=st.dictionaries(
                st.sampled_from(SAFE_ATTRIBUTE_NAMES), st.just(""), max_size=3
            ),
            text=st.just(""),
            children=st.lists(inner, max_size=4),
        ),
        max_leaves=12,
    )


def preorder(node: Node) -> list[Node]:
    found = [node]
    for child in node.children:
        found.extend(preorder(child))
    return found


def render(node: Node, root: bool = False) -> str:
    attributes = dict(node.attributes)
    rendered = "".join(f" {name}={quoteattr(value)}" for name, value in attributes.items())
    rendered += "".join(node.extra_attributes)
    namespace = ' xmlns=""' if root else ""
    inner = escape(node.text) + "".join(node.extra_children)
    inner += "".join(render(child) for child in node.children)
    return f"<{node.name}{namespace}{rendered}>{inner}</{node.name}>"


def all_strings(xml: bytes) -> list[str]:
    strings: list[str] = []
    for node in parse_xml(xml).iter():
        strings.extend(text for text in (node.text, node.tail) if text)
        if isinstance(node.tag, str):
            strings.extend(str(value) for value in node.attrib.values())
    return strings


@st.composite
def documents_with_secrets(draw: st.DrawFn) -> tuple[bytes, list[str], list[str], int]:
    tree = draw(nodes())
    everyone = preorder(tree)
    keep: list[str] = []
    for index, node in enumerate(everyone):
        node.text = f"keep-text-{index}"
        node.attributes = {name: f"keep-{name}-{index}" for name in node.attributes}
        keep.append(node.text)
        keep.extend(node.attributes.values())
    plants = draw(
        st.lists(
            st.tuples(
                st.integers(0, len(everyone) - 1),
                st.sampled_from(FORMS),
                st.sampled_from(SECRET_NAMES),
                st.text(SUFFIX_ALPHABET, min_size=2, max_size=12),
            ),
            min_size=1,
            max_size=8,
        )
    )
    secrets: list[str] = []
    declarations: list[tuple[str, bool]] = []
    for number, (target, form, name, suffix) in enumerate(plants):
        secret = f"S3CRET{number:03d}{suffix}"
        secrets.append(secret)
        node = everyone[target]
        value, text = quoteattr(secret), escape(secret)
        if form == "element":
            node.extra_children.append(f"<{name}>{text}</{name}>")
        elif form == "attribute":
            if name in node.secret_attribute_names:
                # An element cannot carry one attribute twice: this one gets an element of its own.
                node.extra_children.append(f"<Holder{number} {name}={value}/>")
            else:
                node.secret_attribute_names.add(name)
                node.extra_attributes.append(f" {name}={value}")
        elif form == "field-value":
            node.extra_children.append(f"<field id={quoteattr(name)} value={value}/>")
        elif form == "field-text":
            node.extra_children.append(f"<field id={quoteattr(name)}>{text}</field>")
        elif form == "name-value":
            node.extra_children.append(f"<property name={quoteattr(name)} value={value}/>")
        elif form == "encrypted-value":
            node.extra_children.append(f"<EncryptedValue>{text}</EncryptedValue>")
        elif form == "path-attribute":
            node.extra_children.append(f"<Vault{number} code={value}/>")
            declarations.append((f"//Vault{number}/@code", True))
        else:
            node.extra_children.append(f"<field id='pin{number}'>{text}</field>")
            declarations.append((f"//field[@id='pin{number}']/text()", True))
    xml = component("connector-settings", render(tree, root=True), encrypted=declarations)
    return xml, secrets, keep, len(plants)


@settings(max_examples=150, deadline=None)
@given(documents_with_secrets())
def test_no_planted_secret_survives_and_everything_else_does(
    document: tuple[bytes, list[str], list[str], int],
) -> None:
    xml, secrets, keep, planted = document

    result = strip_secrets(xml)

    strings = all_strings(result.xml)
    for secret in secrets:
        assert not any(secret in text for text in strings), secret
    for kept in keep:
        assert any(kept == text for text in strings), kept
    assert len(result.stripped) == planted


@dataclass(frozen=True)
class Placement:
    dev_index: int | None
    """Which dev id stands here (None: unrelated text)."""
    whole: bool
    as_attribute: bool
    upper: bool
    padding: str
    decoration: str


placements = st.builds(
    Placement,
    dev_index=st.one_of(st.none(), st.integers(0, 3)),
    whole=st.booleans(),
    as_attribute=st.booleans(),
    upper=st.booleans(),
    padding=st.sampled_from(["", " ", "\n  "]),
    decoration=st.sampled_from(["ref:", "-copy", "lookup('{}')", "{} and more"]),
)


@st.composite
def documents_with_ids(
    draw: st.DrawFn,
) -> tuple[bytes, list[str], dict[str, str], Counter[str], list[str]]:
    ids = draw(st.lists(st.uuids(), min_size=8, max_size=8, unique=True))
    dev_ids = [str(value) for value in ids[:4]]
    id_map = {dev: str(prod) for dev, prod in zip(dev_ids, ids[4:], strict=True)}
    chosen = draw(st.lists(placements, min_size=1, max_size=15))
    whole_counts: Counter[str] = Counter()
    untouched: list[str] = []
    children: list[str] = []
    for number, placement in enumerate(chosen):
        if placement.dev_index is None:
            value = f"plain value {number}"
            untouched.append(value)
        else:
            dev_id = dev_ids[placement.dev_index]
            spelled = dev_id.upper() if placement.upper else dev_id
            if placement.whole:
                value = f"{placement.padding}{spelled}{placement.padding}"
                whole_counts[dev_id] += 1
            else:
                decoration = placement.decoration
                value = decoration.format(spelled) if "{}" in decoration else spelled + decoration
                untouched.append(value)
        if placement.as_attribute:
            children.append(f"<item ref={quoteattr(value)}/>")
        else:
            children.append(f"<item>{escape(value)}</item>")
    body = f'<Settings xmlns="">{"".join(children)}</Settings>'
    return component("process", body), dev_ids, id_map, whole_counts, untouched


@settings(max_examples=150, deadline=None)
@given(documents_with_ids())
def test_rewriting_is_id_exact_and_idempotent(
    document: tuple[bytes, list[str], dict[str, str], Counter[str], list[str]],
) -> None:
    xml, dev_ids, id_map, whole_counts, untouched = document
    assert referenced_ids(xml, set(dev_ids)) == set(whole_counts)

    once = rewrite_references(xml, id_map)
    twice = rewrite_references(once.xml, id_map)

    assert once.replaced == dict(whole_counts)
    assert referenced_ids(once.xml, set(dev_ids)) == set()
    assert referenced_ids(once.xml, set(id_map.values())) == {
        id_map[dev_id] for dev_id in whole_counts
    }
    strings = all_strings(once.xml)
    for value in untouched:
        assert value in strings, value
    assert twice.xml == once.xml
    assert twice.replaced == {}
    # Rewriting changes values only, never the shape of the document.
    before = [node.tag for node in parse_xml(xml).iter() if isinstance(node.tag, str)]
    after = [node.tag for node in parse_xml(once.xml).iter() if isinstance(node.tag, str)]
    assert before == after
    assert etree.tostring(parse_xml(once.xml), method="c14n") == etree.tostring(
        parse_xml(twice.xml), method="c14n"
    )
