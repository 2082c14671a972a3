"""Reading and shaping a Boomi ``<bns:Component>`` document, without any I/O.

A component is XML only (``boomi-api-reference.md`` §4): the ``<bns:Component>`` root carries
metadata attributes, and its children are ``<bns:encryptedValues>``, ``<bns:description>``,
``<bns:object>`` (the type-specific configuration, namespace-less) and, for processes,
``<bns:processOverrides>`` (extension definitions). Every document is parsed with
:func:`boomi_promo.xmlsafe.parse_xml`; a document that cannot be parsed safely raises
:class:`ComponentXmlError` and is never passed through.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from boomi_promo.xmlsafe import UnsafeXmlError, XmlSyntaxError, parse_xml, to_bytes

BNS_NAMESPACE = "http://api.platform.boomi.com/"

COMPONENT_TAG = f"{{{BNS_NAMESPACE}}}Component"
OBJECT_TAG = f"{{{BNS_NAMESPACE}}}object"
PROCESS_OVERRIDES_TAG = f"{{{BNS_NAMESPACE}}}processOverrides"
ENCRYPTED_VALUES_TAG = f"{{{BNS_NAMESPACE}}}encryptedValues"
ENCRYPTED_VALUE_TAG = f"{{{BNS_NAMESPACE}}}encryptedValue"
DESCRIPTION_TAG = f"{{{BNS_NAMESPACE}}}description"

# Root attributes a write to the primary account sends. Everything else on the root is either
# read-only (version, dates, authors, deleted, currentVersion, copiedFrom*, branchName,
# folderName, folderFullPath) or describes the dev copy, so an allow-list keeps attributes Boomi
# may add later from leaking a dev value into production.
WRITABLE_ROOT_ATTRIBUTES = frozenset({"name", "type", "subType"})


class ComponentXmlError(ValueError):
    """The document is not a usable ``<bns:Component>``: malformed, or missing a part."""


class UnsafeComponentXmlError(ComponentXmlError):
    """The document uses a refused XML feature (DTD, entities) or is too large."""


class ContentSection(StrEnum):
    """The parts of a component that hold its configuration (and so its values and references)."""

    OBJECT = "object"
    PROCESS_OVERRIDES = "processOverrides"


@dataclass(frozen=True, slots=True)
class ContentRoot:
    """The top element of one content section (e.g. ``<HttpSettings>`` inside ``<bns:object>``)."""

    section: ContentSection
    element: etree._Element


@dataclass(frozen=True, slots=True)
class ComponentHeader:
    """The ``<bns:Component>`` root attributes the promotion engine reads."""

    component_id: str
    name: str
    type: str
    sub_type: str
    version: int | None
    folder_id: str
    folder_name: str
    folder_full_path: str
    branch_id: str
    branch_name: str
    deleted: bool
    current_version: bool


def parse_component(xml: bytes) -> etree._Element:
    """The ``<bns:Component>`` root of ``xml``, parsed safely."""
    try:
        root = parse_xml(xml)
    except UnsafeXmlError as exc:
        raise UnsafeComponentXmlError(f"component XML refused: {exc}") from exc
    except XmlSyntaxError as exc:
        raise ComponentXmlError(f"component XML cannot be parsed: {exc}") from exc
    if root.tag != COMPONENT_TAG:
        raise ComponentXmlError(
            f"expected a <bns:Component> root in namespace {BNS_NAMESPACE}, found {root.tag!r}"
        )
    return root


def serialize(root: etree._Element) -> bytes:
    """The component as UTF-8 bytes with an XML declaration, as Boomi answers it."""
    return to_bytes(root)


def attributes_of(element: etree._Element) -> dict[str, str]:
    """An element's attributes by qualified name (``{namespace}local`` or ``local``)."""
    return {_as_text(name): _as_text(value) for name, value in element.attrib.items()}


def component_attributes(root: etree._Element) -> dict[str, str]:
    """The root's attributes by local name (namespace declarations are not attributes)."""
    return {etree.QName(name).localname: value for name, value in attributes_of(root).items()}


def read_header(root: etree._Element) -> ComponentHeader:
    attributes = component_attributes(root)
    version = attributes.get("version", "")
    return ComponentHeader(
        component_id=attributes.get("componentId", ""),
        name=attributes.get("name", ""),
        type=attributes.get("type", ""),
        sub_type=attributes.get("subType", ""),
        version=int(version) if version.isdigit() else None,
        folder_id=attributes.get("folderId", ""),
        folder_name=attributes.get("folderName", ""),
        folder_full_path=attributes.get("folderFullPath", ""),
        branch_id=attributes.get("branchId", ""),
        branch_name=attributes.get("branchName", ""),
        deleted=attributes.get("deleted", "false").lower() == "true",
        current_version=attributes.get("currentVersion", "false").lower() == "true",
    )


def object_element(root: etree._Element) -> etree._Element:
    """The ``<bns:object>`` child; a component without exactly one is refused."""
    found = root.findall(OBJECT_TAG)
    if len(found) != 1:
        raise ComponentXmlError(f"expected one <bns:object>, found {len(found)}")
    return found[0]


def object_content(root: etree._Element) -> etree._Element:
    """The single configuration element inside ``<bns:object>`` (``<process>``, ``<map>`` ...)."""
    children = _element_children(object_element(root))
    if len(children) != 1:
        raise ComponentXmlError(
            f"expected one configuration element inside <bns:object>, found {len(children)}"
        )
    return children[0]


def content_roots(root: etree._Element) -> list[ContentRoot]:
    """Every element that holds configuration: the object content, then any process overrides."""
    roots = [ContentRoot(ContentSection.OBJECT, object_content(root))]
    for overrides in root.findall(PROCESS_OVERRIDES_TAG):
        roots.extend(
            ContentRoot(ContentSection.PROCESS_OVERRIDES, child)
            for child in _element_children(overrides)
        )
    return roots


def prepare_for_write(
    xml: bytes, *, component_id: str | None, folder_id: str, branch_id: str | None
) -> bytes:
    """The dev component XML turned into the body of a create or update in the primary account.

    Only ``name``, ``type`` and ``subType`` are kept from the dev root; ``componentId`` is set
    to the prod id when updating (``component_id``) and absent when creating; ``folderId`` and
    ``branchId`` (when given) are set. The children (encrypted-value declarations, description,
    object, process overrides) are kept as they are: strip and rewrite them first.
    """
    root = parse_component(xml)
    attributes = component_attributes(root)
    for required in ("name", "type"):
        if not attributes.get(required):
            raise ComponentXmlError(f"component has no {required!r} attribute")
    object_content(root)  # refuses a component with no configuration before anything is sent
    for name in list(root.attrib):
        if etree.QName(name).localname not in WRITABLE_ROOT_ATTRIBUTES:
            del root.attrib[name]
    if component_id is not None:
        root.set("componentId", component_id)
    root.set("folderId", folder_id)
    if branch_id is not None:
        root.set("branchId", branch_id)
    return serialize(root)


def _as_text(value: str | bytes) -> str:
    # lxml answers str on Python 3; its stubs allow bytes too.
    return value if isinstance(value, str) else value.decode("utf-8")


def _element_children(parent: etree._Element) -> list[etree._Element]:
    # Comments and processing instructions are children in lxml too; they carry no configuration.
    return [child for child in parent if isinstance(child.tag, str)]
