"""Finding and rewriting the component ids a component references.

A component references another by its id, standing alone as an attribute value
(``<map mapId="…"/>``, ``<sourceProfile component="…"/>``, ``connectionId="…"``) or as an
element's whole text (``<connectionId>…</connectionId>``, ``<field id="profile">…</field>``).
Only those whole values are references: an id inside longer text (a script, a label, a URL)
is left alone by :func:`referenced_ids` and :func:`rewrite_references`;
:func:`remaining_ids` reports it, so the caller can see a dev id rewriting did not touch.

The configuration is searched, not the wrapper: the ``<bns:object>`` content and any
``<bns:processOverrides>`` (where a process names the connections its extensions override).
Root attributes (``componentId``, ``folderId``), the description and the encrypted-value
declarations are never read or changed here. Ids are compared case-insensitively (component
ids are UUIDs) once surrounding whitespace is stripped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lxml import etree

from boomi_promo.domain.component_xml import (
    attributes_of,
    content_roots,
    parse_component,
    serialize,
)


@dataclass(frozen=True, slots=True)
class RewriteResult:
    xml: bytes
    replaced: dict[str, int]
    """Dev id (as spelled in the map) → how many values were changed to its prod id."""


class ChainedIdMapError(ValueError):
    """An id map whose rewriting would not be idempotent: a target is another entry's source."""


def referenced_ids(xml: bytes, candidate_ids: set[str]) -> set[str]:
    """The ``candidate_ids`` that ``xml`` references as whole values (spelled as given)."""
    wanted = {candidate.strip().casefold(): candidate for candidate in candidate_ids}
    found: set[str] = set()
    for value in _whole_values(parse_component(xml)):
        candidate = wanted.get(value.read().strip().casefold())
        if candidate is not None:
            found.add(candidate)
    return found


def rewrite_references(xml: bytes, id_map: Mapping[str, str]) -> RewriteResult:
    """``xml`` with every whole-value dev id replaced by its prod id from ``id_map``.

    Surrounding whitespace of a value is kept. Running it again on its own output with the
    same map changes nothing (same bytes, nothing counted): a map where a prod id is also
    the dev id of *another* entry (``{A: B, B: C}``) would chain on a second run, so it is
    refused with :class:`ChainedIdMapError`. An entry mapping an id to itself is allowed.
    """
    targets = _checked_map(id_map)
    root = parse_component(xml)
    replaced: dict[str, int] = {}
    for value in _whole_values(root):
        text = value.read()
        core = text.strip()
        entry = targets.get(core.casefold())
        if entry is None:
            continue
        dev_id, prod_id = entry
        if core == prod_id:
            continue
        start = text.index(core)
        value.write(text[:start] + prod_id + text[start + len(core) :])
        replaced[dev_id] = replaced.get(dev_id, 0) + 1
    return RewriteResult(xml=serialize(root), replaced=replaced)


def remaining_ids(xml: bytes, ids: set[str]) -> set[str]:
    """The ``ids`` that still appear anywhere in the configuration, whole or inside other text.

    Wider than :func:`referenced_ids` on purpose: after rewriting, a dev id left inside a
    longer value (a script literal, a composite attribute) would still point at the dev
    account in production, and the caller decides whether that fails the promotion.
    """
    wanted = {candidate.strip().casefold(): candidate for candidate in ids if candidate.strip()}
    found: set[str] = set()
    for text in _all_configuration_text(parse_component(xml)):
        folded = text.casefold()
        found.update(candidate for key, candidate in wanted.items() if key in folded)
    return found


@dataclass(frozen=True, slots=True)
class _Value:
    """An attribute value or an element's own text, readable and writable in place."""

    element: etree._Element
    attribute: str | None

    def read(self) -> str:
        if self.attribute is None:
            return self.element.text or ""
        return self.element.get(self.attribute, "")

    def write(self, text: str) -> None:
        if self.attribute is None:
            self.element.text = text
        else:
            self.element.set(self.attribute, text)


def _whole_values(root: etree._Element) -> Iterator[_Value]:
    for content in content_roots(root):
        for element in content.element.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in attributes_of(element):
                yield _Value(element, attribute)
            if element.text and element.text.strip():
                yield _Value(element, None)


def _all_configuration_text(root: etree._Element) -> Iterator[str]:
    for content in content_roots(root):
        for node in content.element.iter():
            if node.text:
                yield node.text
            if node.tail and node is not content.element:
                yield node.tail
            if isinstance(node.tag, str):
                yield from attributes_of(node).values()


def _checked_map(id_map: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    targets: dict[str, tuple[str, str]] = {}
    for dev_id, prod_id in id_map.items():
        key = dev_id.strip().casefold()
        if not key or not prod_id.strip():
            raise ValueError("an id map entry has an empty dev or prod id")
        if key in targets and targets[key][1].casefold() != prod_id.strip().casefold():
            raise ValueError(f"the id map names {dev_id!r} twice with different prod ids")
        targets[key] = (dev_id, prod_id.strip())
    for dev_id, prod_id in targets.values():
        onward = targets.get(prod_id.casefold())
        if onward is not None and onward[1].casefold() != prod_id.casefold():
            raise ChainedIdMapError(
                f"prod id {prod_id!r} (for {dev_id!r}) is itself mapped to {onward[1]!r}; "
                "rewriting with this map would not be idempotent"
            )
    return targets
