"""Would a write change a production component? The delta of a promotion (issue 16), pure.

A promotion compares each component's *promoted form* — the dev document stripped of
environment values, its references rewritten to prod ids, its root reduced to what a write
sends — with the version the new branch starts from (main's, or a test package's). Equal means
the write would only add a version holding the same configuration: the component is not
written and its result is UNCHANGED.

Only what the promotion decides is compared; what Boomi sets on every write or read is not:

* root attributes other than ``name``, ``type`` and ``subType`` (ids, version, dates, authors,
  branch, folder attributes, ``currentVersion``, ``deleted``; an empty ``subType`` is none);
* ``isSet`` on encrypted-value declarations (Boomi works it out from the value; a promotion
  empties every secret), so the declarations compare as a set of paths;
* an empty ``<bns:description>`` or ``<bns:encryptedValues>`` is the same as none, and the
  root's sections compare by kind, not by the order Boomi writes them in;
* XML form: namespace prefixes and declarations, attribute order, self-closing or not, CDATA
  or escaped text, line endings, comments, and whitespace-only text between elements.

Text values compare exactly otherwise: a changed space in a script or a field is a change.

The folder is placement, not content, but a write moves the component: the mirrored folder a
write would use (relative to the account's root folder) is compared with the base's
``folderFullPath`` when both are known.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

from boomi_promo.domain.component_xml import (
    DESCRIPTION_TAG,
    ENCRYPTED_VALUE_TAG,
    ENCRYPTED_VALUES_TAG,
    OBJECT_TAG,
    PROCESS_OVERRIDES_TAG,
    component_attributes,
    parse_component,
)

COMPARED_ROOT_ATTRIBUTES = ("name", "type", "subType")
FOLDER = "folder"

_SECTION_NAMES = {
    ENCRYPTED_VALUES_TAG: "encryptedValues",
    DESCRIPTION_TAG: "description",
    OBJECT_TAG: "object",
    PROCESS_OVERRIDES_TAG: "processOverrides",
}

Canonical = tuple[Any, ...]
"""An element as nested tuples: (tag in Clark notation, sorted attributes, content)."""


@dataclass(frozen=True, slots=True)
class ComponentDelta:
    differences: tuple[str, ...]
    """What differs: root attribute names, section names (``object``, ``description`` ...)
    and ``folder``; empty when the write would change nothing."""

    @property
    def changed(self) -> bool:
        return bool(self.differences)


@dataclass(frozen=True, slots=True)
class ComparableComponent:
    """The parts of a component a promotion decides, in a form that compares by value."""

    root: tuple[tuple[str, str], ...]
    sections: dict[str, Any]
    folder: str | None
    """The folder path below the account's root folder; ``None`` when not known."""

    def fingerprint(self) -> str:
        """A short digest of the content (the folder left out), for logs and records."""
        digest = hashlib.sha256(repr((self.root, sorted(self.sections.items()))).encode())
        return digest.hexdigest()[:16]


def comparable(xml: bytes, *, folder: str | None = None) -> ComparableComponent:
    """``xml`` (a ``<bns:Component>``) reduced to what :func:`component_delta` compares.

    ``folder`` is the placement below the account's root folder (``Promoted/Team/Orders``);
    when not given it is read from the document's ``folderFullPath`` (its first name, the
    account's root folder, dropped). Raises :class:`~boomi_promo.domain.component_xml.
    ComponentXmlError` for a document that is malformed, hostile or not a component.
    """
    root = parse_component(xml)
    attributes = component_attributes(root)
    compared = tuple(
        (name, attributes[name]) for name in COMPARED_ROOT_ATTRIBUTES if attributes.get(name)
    )
    sections: dict[str, Any] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        tag = str(child.tag)
        name = _SECTION_NAMES.get(tag, etree.QName(tag).localname)
        if tag == ENCRYPTED_VALUES_TAG:
            paths = frozenset(
                str(value.get("path", ""))
                for value in child
                if isinstance(value.tag, str) and value.tag == ENCRYPTED_VALUE_TAG
            )
            value: Any = paths or None
        elif tag == DESCRIPTION_TAG:
            description = _text(child.text)
            value = description if description.strip() else None
        else:
            value = _canonical(child)
            if tag == PROCESS_OVERRIDES_TAG and not value[1] and not value[2]:
                value = None
        if value is None:
            continue
        # A section given twice keeps both, in order: no write would merge them.
        sections[name] = (*sections[name], value) if name in sections else (value,)
    if folder is None:
        folder = _below_root(attributes.get("folderFullPath", ""))
    return ComparableComponent(root=compared, sections=sections, folder=_clean_path(folder))


def component_delta(promoted: ComparableComponent, base: ComparableComponent) -> ComponentDelta:
    """What a write of ``promoted`` would change in ``base`` (nothing: UNCHANGED)."""
    differences: list[str] = []
    mine, theirs = dict(promoted.root), dict(base.root)
    differences.extend(
        name for name in COMPARED_ROOT_ATTRIBUTES if mine.get(name) != theirs.get(name)
    )
    for section in sorted(set(promoted.sections) | set(base.sections)):
        if promoted.sections.get(section) != base.sections.get(section):
            differences.append(section)
    if promoted.folder is not None and base.folder is not None and promoted.folder != base.folder:
        differences.append(FOLDER)
    return ComponentDelta(tuple(differences))


def compare_documents(
    promoted_xml: bytes, base_xml: bytes, *, promoted_folder: str | None = None
) -> ComponentDelta:
    """:func:`component_delta` of two documents (the promoted one placed in
    ``promoted_folder`` when given)."""
    return component_delta(comparable(promoted_xml, folder=promoted_folder), comparable(base_xml))


def _canonical(element: etree._Element) -> Canonical:
    attributes = tuple(sorted((str(name), str(value)) for name, value in element.attrib.items()))
    content: list[Any] = []
    text = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            content.extend(_text_items(text))
            text = []
            content.append(_canonical(child))
        # Comments and processing instructions carry no configuration; their tails are text.
        text.append(child.tail or "")
    content.extend(_text_items(text))
    return (str(element.tag), attributes, tuple(content))


def _text_items(parts: list[str]) -> list[str]:
    joined = _text("".join(parts))
    # Whitespace alone between elements is formatting; any other text counts as it stands.
    return [joined] if joined.strip() else []


def _text(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _below_root(full_path: str) -> str | None:
    names = [name for name in full_path.split("/") if name.strip()]
    return "/".join(names[1:]) if names else None


def _clean_path(path: str | None) -> str | None:
    if path is None:
        return None
    return "/".join(name for name in path.split("/") if name.strip())
