"""One way to parse XML that came from outside: no DTDs, no entities, no network, bounded size.

Boomi component XML is read from dev accounts that anyone with a dev login can edit, so every
parse goes through :func:`parse_xml`. A document with a DOCTYPE is refused outright (XXE and
"billion laughs" both need one); lxml's own limits refuse pathological depth and size.
"""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 20 * 1024 * 1024

# In every encoding a parser detects by itself (a UTF-16 or UTF-32 document needs no
# declaration), so a DOCTYPE cannot slip past the byte check by changing encoding.
_DECLARATION_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


class UnsafeXmlError(ValueError):
    """The document uses a feature that is refused (DTD, entities) or is too large."""


class XmlSyntaxError(ValueError):
    """The document is not well-formed XML."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_xml(data: bytes | str) -> etree._Element:
    # A str has at most as many characters as its UTF-8 bytes: too long is refused unencoded.
    if len(data) > MAX_XML_BYTES:
        raise UnsafeXmlError(f"XML document is larger than {MAX_XML_BYTES} bytes")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        raise UnsafeXmlError(f"XML document is larger than {MAX_XML_BYTES} bytes")
    if any(marker in raw for marker in _DECLARATION_MARKERS):
        raise UnsafeXmlError("XML documents with a DOCTYPE or entity declarations are refused")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlSyntaxError(f"XML is not well-formed: {exc}") from exc
    if root is None:
        raise XmlSyntaxError("XML document is empty")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise UnsafeXmlError("XML documents with a DOCTYPE are refused")
    return root


def to_bytes(element: etree._Element, *, declaration: bool = True) -> bytes:
    if declaration:
        return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
    return etree.tostring(element, encoding="UTF-8")
