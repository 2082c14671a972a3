"""Reading and writing the ``<bns:Component>`` document, and finding the ids it references."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

from boomi_promo.emulator.errors import bad_request
from boomi_promo.emulator.records import EncryptedValue, Revision
from boomi_promo.xmlsafe import UnsafeXmlError, XmlSyntaxError, parse_xml, to_bytes

BNS = "http://api.platform.boomi.com/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bns": BNS, "xsi": XSI}


def bns(tag: str) -> str:
    return f"{{{BNS}}}{tag}"


@dataclass(frozen=True)
class ComponentDocument:
    """What a client sent on create or update; empty strings mean "not given"."""

    component_id: str
    name: str
    type: str
    sub_type: str
    folder_id: str
    branch_id: str
    description: str
    encrypted_values: tuple[EncryptedValue, ...]
    object_xml: str | None
    process_overrides_xml: str


def _serialise_children(element: etree._Element) -> str:
    return "".join(etree.tostring(child, encoding="unicode", with_tail=False) for child in element)


def parse_component_document(body: bytes) -> ComponentDocument:
    try:
        root = parse_xml(body)
    except (UnsafeXmlError, XmlSyntaxError) as exc:
        raise bad_request(str(exc)) from exc
    if root.tag != bns("Component"):
        raise bad_request("The request body must be a <bns:Component> document.")
    encrypted: list[EncryptedValue] = []
    description = ""
    object_xml: str | None = None
    overrides = ""
    for child in root:
        if child.tag == bns("encryptedValues"):
            encrypted.extend(
                EncryptedValue(
                    path=value.get("path", ""),
                    is_set=value.get("isSet", "false").lower() == "true",
                )
                for value in child
                if value.tag == bns("encryptedValue")
            )
        elif child.tag == bns("description"):
            description = child.text or ""
        elif child.tag == bns("object"):
            object_xml = _serialise_children(child)
        elif child.tag == bns("processOverrides"):
            overrides = etree.tostring(child, encoding="unicode", with_tail=False)
    return ComponentDocument(
        component_id=root.get("componentId", "").strip(),
        name=root.get("name", "").strip(),
        type=root.get("type", "").strip(),
        sub_type=root.get("subType", "").strip(),
        folder_id=root.get("folderId", "").strip(),
        branch_id=root.get("branchId", "").strip(),
        description=description,
        encrypted_values=tuple(encrypted),
        object_xml=object_xml,
        process_overrides_xml=overrides,
    )


def _parse_fragment(fragment: str) -> etree._Element:
    """Parse stored content (written by this emulator after a safe parse) under a wrapper."""
    return parse_xml(f'<fragment xmlns:bns="{BNS}">{fragment}</fragment>')


def render_component(revision: Revision, attributes: dict[str, str]) -> bytes:
    root = etree.Element(bns("Component"), nsmap=NSMAP)
    for name, value in attributes.items():
        root.set(name, value)
    encrypted = etree.SubElement(root, bns("encryptedValues"))
    for secret in revision.encrypted_values:
        etree.SubElement(
            encrypted,
            bns("encryptedValue"),
            path=secret.path,
            isSet="true" if secret.is_set else "false",
        )
    description = etree.SubElement(root, bns("description"))
    description.text = revision.description
    content = etree.SubElement(root, bns("object"))
    content.extend(list(_parse_fragment(revision.object_xml)))
    if revision.process_overrides_xml:
        root.extend(list(_parse_fragment(revision.process_overrides_xml)))
    return to_bytes(root)


@lru_cache(maxsize=4096)
def reference_candidates(object_xml: str) -> tuple[str, ...]:
    """Whole attribute values and whole element texts of the content, in document order.

    A component references another exactly where the other's id stands alone as a value;
    an id inside longer text (a script, a description) is not a reference.
    """
    seen: dict[str, None] = {}
    for element in _parse_fragment(object_xml).iter():
        if not isinstance(element.tag, str):
            continue
        for value in element.attrib.values():
            seen.setdefault(str(value).strip(), None)
        if element.text and element.text.strip():
            seen.setdefault(element.text.strip(), None)
    seen.pop("", None)
    return tuple(seen)
