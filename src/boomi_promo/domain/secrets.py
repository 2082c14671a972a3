"""Finding and emptying the environment-specific values of a component before it is promoted.

A dev component must never carry a dev credential or a dev endpoint into the primary account.
Values are *emptied*, never removed structurally, so the XML keeps the shape Boomi expects and
the value is filled in per environment (extensions). Inside ``<bns:object>`` and
``<bns:processOverrides>``, by class of input:

* **names** (:mod:`~boomi_promo.domain.secret_names`): element text and attributes named after
  a credential, by words and with abbreviations and synonyms (``<password>``, ``pwd=``,
  ``passcode``, ``hmacKey``, ``apiKeyValue``, ``credentials`` …; not ``keyField``,
  ``passthrough``, ``tokenizer``), and an element so named that carries its value in an
  attribute (``<password value="…"/>``); endpoints (``url``, ``host`` …) and, beside a
  credential, identities (``user``);
* **generic key/value structures**, where the key names a credential: connector fields
  (``<field id="password">``), a key attribute with a value attribute, value children or text
  (``<property name="…" value="…"/>``, ``<entry key="jdbc.password">…</entry>``,
  ``<ConnectionProperty key="x-api-key">``, ``<properties key="Authorization" value="…"/>``,
  ``<header headerFieldName="Authorization" headerValue="…"/>``), a key child with a value
  child (``<property><name>…</name><value>…</value></property>``), process property defaults
  whose key or label names a credential, Set Properties static values under a secret-named
  property, cross-reference table columns named as a credential;
* **marked values**: ``<EncryptedValue>`` elements, every target of the component's
  ``<bns:encryptedValues>`` declarations (see :func:`parse_encrypted_value_path`), anything
  typed ``password`` or flagged ``encrypted="true"``;
* **values that are credentials whatever their field is called**
  (:mod:`~boomi_promo.domain.secret_values`: detect-secrets' detectors beside this product's
  URL, connection-string and Authorization rules): emptied where the value *is* the credential
  (a URL with a password, a connection string, a key block, a token) and the detector is
  certain of it;
* **XML comments and processing instructions**: dropped, wherever they stand.

What cannot be emptied without changing behaviour beyond "fill it in per environment" is not
emptied: it *blocks* the promotion (:func:`find_blocking_secrets`, reported by location and
kind, never the value). That is a credential in script code (Groovy/JavaScript ``<script>``
text, by line), in a description (``<bns:description>``, ``userlabel``, notes), in a naming
attribute, inside a longer text (a URL with a password in a sentence, a relative path with
``?api_key=``), and a value only likely to be a secret (a keyword assignment in text, a long
random-looking string), which a person must look at.

After emptying, the document is searched for every emptied *secret* so that none survives
elsewhere in it (see :class:`SecretLeakError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from lxml import etree

from boomi_promo.domain.component_xml import (
    BNS_NAMESPACE,
    ENCRYPTED_VALUE_TAG,
    ENCRYPTED_VALUES_TAG,
    ComponentXmlError,
    ContentRoot,
    ContentSection,
    attributes_of,
    content_roots,
    object_content,
    parse_component,
    serialize,
)
from boomi_promo.domain.secret_names import is_secret_name, names_a_secret, normalise_name
from boomi_promo.domain.secret_values import ValueHit, ValueKind, detect_in_code, detect_values

__all__ = [
    "EncryptedPathError",
    "SecretFinding",
    "SecretInspection",
    "SecretKind",
    "SecretLeakError",
    "StripResult",
    "StrippedValue",
    "ValueKind",
    "find_blocking_secrets",
    "find_environment_values",
    "inspect_secrets",
    "is_secret_name",
    "normalise_name",
    "parse_encrypted_value_path",
    "strip_secrets",
]

DESCRIPTION_TAG = f"{{{BNS_NAMESPACE}}}description"
DESCRIPTION_LOCATION = "bns:description"


def _names(*names: str) -> frozenset[str]:
    return frozenset(normalise_name(name) for name in names)


PASSWORD_TYPE = "password"  # noqa: S105 - the value of a type attribute, not a credential
"""An element whose ``type`` attribute says this holds a password in its text and value
attributes (:data:`PAIR_VALUE_ATTRIBUTES`), whatever it is called. Where the type is a
``<type>`` child instead (``<definedProcessProperty><type>password</type>``), the element's
:data:`VALUE_ELEMENT_NAMES` children are the password."""

SECRET_FLAGS = ("encrypted", "isEncrypted", "usesEncryption")
"""An element carrying one of these attributes set to ``true`` (``<properties key="X-Sig"
value="..." encrypted="true"/>``) is marked secret like a password-typed one."""

VALUE_ELEMENT_NAMES = _names("value", "defaultValue", "propertyValue", "headerValue")
"""Children that hold a keyed element's value (``<property><name/><value/></property>``)."""

KEY_ELEMENT_NAMES = _names(
    "name", "key", "label", "headerName", "headerFieldName", "propertyName", "paramName",
    "parameterName",
)  # fmt: skip
"""Children that name a keyed element (``<property><name>jdbc.password</name>…``)."""

CODE_ELEMENTS = _names("script", "scriptText", "scriptContent", "sourceCode")
"""Elements holding code (Groovy or JavaScript in script components, process shapes and map
functions): never emptied, a credential written there blocks the promotion by line."""

DESCRIPTION_NAMES = _names(
    "description", "desc", "notes", "note", "comment", "comments", "documentation", "userlabel",
    "label", "summary", "remarks", "annotation", "helpText", "tooltip",
)  # fmt: skip
"""Free text for people: a credential there blocks the promotion (emptying it would hide that
it was ever written down, and the text may be more than the credential)."""

NAMING_ATTRIBUTES = _names(
    "name", "id", "key", "ref", "type", "componentName", "headerFieldName", "propertyName",
    "paramName", "parameterName", "headerName", "propertyId", "elementName",
)  # fmt: skip
"""Attributes that name or identify something: never emptied by what their value looks like
(an empty name breaks the structure); a credential there blocks the promotion."""

ENDPOINT_NAMES = _names(
    "url",
    "baseUrl",
    "serviceUrl",
    "endpointUrl",
    "tokenUrl",
    "accessTokenUrl",
    "authorizationUrl",
    "requestTokenUrl",
    "proxyUrl",
    "host",
    "hostname",
    "server",
    "proxyHost",
    "port",
    "proxyPort",
)
"""Where a dev account connects to: always emptied (the prod value comes from extensions)."""

CREDENTIAL_CONTEXT_NAMES = _names(
    "user",
    "username",
    "userId",
    "login",
    "proxyUser",
    "proxyUsername",
    "clientId",
    "consumerKey",
    "accessKeyId",
)
"""Identities: emptied only where they are one half of a credential, that is when the same
scope (an element's attributes, or the sibling elements and fields around a value) also holds
a secret name. ``<AuthSettings user="x" password=""/>`` loses its user; a
``<field id="username">`` beside a ``<field id="password">`` is emptied; a lone ``username``
naming, say, a mailbox in an operation is kept."""

NAMED_FIELD_ELEMENTS = {"field": "id"}
"""Generic connector fields: element local name → the attribute that names the field. The whole
field is its value: its text, anything inside it (``<EncryptedValue>``) and
:data:`FIELD_VALUE_ATTRIBUTES`."""

FIELD_VALUE_ATTRIBUTES = ("value",)

PAIR_VALUE_ATTRIBUTES = ("value", "headerValue", "defaultValue", "propertyValue")
PAIR_KEY_ATTRIBUTES = (
    "name", "key", "id", "headerFieldName", "label", "propertyName", "paramName",
    "parameterName", "headerName",
)  # fmt: skip
"""A *keyed* element carries one of these; when any of them names a credential, its value is:
its :data:`PAIR_VALUE_ATTRIBUTES`, its :data:`VALUE_ELEMENT_NAMES` children, or — a leaf with
neither — its own text (``<entry key="jdbc.password">…</entry>``). Its other children are not
the value (``<JSONObjectEntry name="password">`` in a profile has a format inside, no value).
Paths name a keyed element by the first of these attributes it has."""

STATIC_VALUE_ATTRIBUTES = ("staticproperty", "staticValue")
"""A Set Properties shape keeps a static value deep inside the property it sets
(``<documentproperty name="…apiKey"><sourcevalues><parametervalue key="1"><staticparameter
staticproperty="…"/>``): such a value belongs to the nearest ancestor named by a word, not a
number (see :data:`STATIC_VALUE_DEPTH`)."""
STATIC_VALUE_DEPTH = 4

CROSS_REFERENCE_TABLE = normalise_name("CrossRefTable")
"""A cross-reference table's column whose header names a credential: its cells are emptied
(tables are extended per environment like connections)."""

MIN_LEAK_CHECK_LENGTH = 4
"""Shorter secret values are not searched for elsewhere: a 3-character string matches too much
ordinary text to be a meaningful check. They are still emptied where they stand."""

MAX_PATH_LENGTH = 1024
"""Longer encrypted value paths are refused rather than evaluated."""

_NAME = r"[A-Za-z_][\w.\-]*"
_PREDICATE = rf"\[\s*(?:@{_NAME}\s*=\s*(?:'[^']*'|\"[^\"]*\")|[1-9]\d*)\s*\]"
_STEP = rf"(?:{_NAME}|\*)(?:{_PREDICATE})*"
_FINAL = rf"(?:@{_NAME}|text\(\))"
_SEPARATOR = r"//?"
_PATH_PATTERN = re.compile(
    rf"(?P<elements>(?:{_SEPARATOR})?{_STEP}(?:{_SEPARATOR}{_STEP})*)"
    rf"(?:(?P<final_separator>/)(?P<final>{_FINAL}))?"
)


class SecretKind(StrEnum):
    ELEMENT_TEXT = "element-text"
    ATTRIBUTE = "attribute"
    FIELD = "field"
    ENCRYPTED_VALUE = "encrypted-value"
    ENCRYPTED_PATH = "encrypted-path"
    CREDENTIAL_VALUE = "credential-value"
    """A value carrying a credential by its content (:mod:`~boomi_promo.domain.secret_values`)."""
    COMMENT = "comment"
    """An XML comment, dropped."""
    PROCESSING_INSTRUCTION = "processing-instruction"
    """An XML processing instruction, dropped."""


@dataclass(frozen=True, slots=True)
class StrippedValue:
    """Where an environment-specific value was found; never the value itself.

    ``path`` is an XPath-like location relative to the ``<bns:object>`` content
    (``/HttpSettings/AuthSettings/@password``,
    ``/GenericConnectorConfig/field[@id='host']``); locations inside process overrides
    start with ``processOverrides:``.
    """

    path: str
    kind: SecretKind


@dataclass(frozen=True, slots=True)
class StripResult:
    xml: bytes
    stripped: list[StrippedValue]


@dataclass(frozen=True, slots=True, order=True)
class SecretFinding:
    """A credential the promotion cannot empty: where and what kind, never the value.

    ``location`` is an XPath-like location as in :class:`StrippedValue`, ``bns:description``
    for the component's description, and ends in `` line N`` inside script code.
    """

    location: str
    kind: ValueKind


@dataclass(frozen=True, slots=True)
class SecretInspection:
    """What stripping would empty and what blocks the promotion, without changing anything."""

    stripped: list[StrippedValue]
    blocking: list[SecretFinding]


class EncryptedPathError(ComponentXmlError):
    """A ``<bns:encryptedValues>`` declaration cannot be evaluated, or points at nothing."""


class SecretLeakError(ComponentXmlError):
    """A secret value that was emptied still appears elsewhere in the document."""


@dataclass(frozen=True, slots=True)
class EncryptedValuePath:
    """A parsed ``<bns:encryptedValue path>``: the elements it selects, and what of them."""

    element_path: str
    attribute: str | None
    """Set for ``.../@name`` paths; ``None`` means the elements' text (``.../text()`` or none)."""


def parse_encrypted_value_path(path: str) -> EncryptedValuePath:
    """Check ``path`` against the accepted forms and split off its final attribute or text step.

    Accepted: a location path of element steps (a name or ``*``) joined by ``/`` or ``//``,
    absolute (from the ``<bns:object>`` content element, e.g. ``/HttpSettings/...``),
    ``//``-anywhere, or relative to that element; each step may carry predicates
    ``[@attr='value']`` / ``[@attr="value"]`` / ``[n]``; the path may end in ``/@name`` or
    ``/text()``. Examples: ``/HttpSettings/AuthSettings/@password``,
    ``//GenericConnectorConfig/field[@id='password']/text()``,
    ``//field[@id='password']/@value``. Anything else (functions, axes, unions, namespace
    prefixes) raises :class:`EncryptedPathError`.
    """
    candidate = path.strip()
    if len(candidate) > MAX_PATH_LENGTH:
        raise EncryptedPathError(
            f"encrypted value path is longer than {MAX_PATH_LENGTH} characters"
        )
    match = _PATH_PATTERN.fullmatch(candidate)
    if match is None:
        raise EncryptedPathError(f"unsupported encrypted value path {path!r}")
    final = match.group("final")
    attribute = final[1:] if final is not None and final.startswith("@") else None
    return EncryptedValuePath(element_path=match.group("elements"), attribute=attribute)


def strip_secrets(xml: bytes) -> StripResult:
    """``xml`` with every environment-specific value emptied, and where each one was.

    Comments and processing instructions are dropped. What blocks the promotion
    (:func:`find_blocking_secrets`) is left as it is: the caller refuses the component, or an
    admin accepted the finding as a false positive.

    Raises :class:`ComponentXmlError` (or a subclass) when the document cannot be parsed
    safely, an encrypted value path cannot be evaluated, or a secret would survive.
    """
    root = parse_component(xml)
    scan = _scan(root)
    _mark_encrypted_values_unset(root)
    _refuse_surviving_secrets(root, scan.secret_values)
    return StripResult(xml=serialize(root), stripped=scan.stripped)


def inspect_secrets(xml: bytes) -> SecretInspection:
    """What :func:`strip_secrets` would empty and what blocks the promotion, in one reading.

    Raises :class:`ComponentXmlError` as stripping does, except for a surviving secret (the
    strip refuses that when it runs).
    """
    scan = _scan(parse_component(xml))
    return SecretInspection(stripped=scan.stripped, blocking=sorted(set(scan.blocking)))


def find_environment_values(xml: bytes) -> list[StrippedValue]:
    """Where ``xml`` carries environment-specific values (non-empty), without changing it.

    Uses the same detection as :func:`strip_secrets`: a component for which this answers
    an empty list is left unchanged by stripping (apart from ``isSet`` flags).
    """
    return inspect_secrets(xml).stripped


def find_blocking_secrets(xml: bytes) -> list[SecretFinding]:
    """The credentials in ``xml`` that cannot be emptied (code, descriptions, names, longer
    texts, likely secrets): each location and kind once, in location order."""
    return inspect_secrets(xml).blocking


@dataclass
class _Scan:
    stripped: list[StrippedValue] = field(default_factory=list)
    blocking: list[SecretFinding] = field(default_factory=list)
    secret_values: list[tuple[str, str]] = field(default_factory=list)
    """(path, value) of every confidential value emptied: none may survive elsewhere."""

    def empty(self, slot: _Slot) -> None:
        values = slot.values()
        if not values:
            return
        self.stripped.append(StrippedValue(slot.path, slot.kind))
        if slot.confidential:
            self.secret_values.extend((slot.path, value) for value in values)
        slot.clear()

    def block(self, location: str, kinds: list[ValueKind]) -> None:
        self.blocking.extend(SecretFinding(location, kind) for kind in kinds)


def _scan(root: etree._Element) -> _Scan:
    """Empty what can be emptied on ``root`` (in place) and note what blocks."""
    scan = _Scan()
    scan.stripped.extend(_drop_comments(root))
    for slot in _find_slots(root):
        scan.empty(slot)
    for content in content_roots(root):
        _scan_values(content, scan)
    for description in root.findall(DESCRIPTION_TAG):
        text = "".join(str(part) for part in description.itertext())
        scan.block(DESCRIPTION_LOCATION, [hit.kind for hit in detect_values(text)])
    return scan


# ------------------------------------------------------------------ comments


def _drop_comments(root: etree._Element) -> list[StrippedValue]:
    """Remove every comment and processing instruction; where each one stood."""
    dropped: list[StrippedValue] = []
    nodes = list(root.iter(etree.Comment, etree.ProcessingInstruction))
    where = {id(node): _node_location(root, node) for node in nodes}
    for node in nodes:
        kind = (
            SecretKind.COMMENT
            if isinstance(node, etree._Comment)
            else SecretKind.PROCESSING_INSTRUCTION
        )
        dropped.append(StrippedValue(where[id(node)], kind))
        _remove_keeping_tail(node)
    return dropped


def _node_location(root: etree._Element, node: etree._Element) -> str:
    parent = node.getparent()
    test = "comment()" if isinstance(node, etree._Comment) else "processing-instruction()"
    if parent is None:
        return test
    same = [sibling for sibling in parent if type(sibling) is type(node)]
    step = test if len(same) == 1 else f"{test}[{same.index(node) + 1}]"
    return f"{_element_location(root, parent)}/{step}"


def _element_location(root: etree._Element, element: etree._Element) -> str:
    """The path of any element of the document: inside a content section as stripping names
    it, elsewhere from the ``<bns:Component>`` root (``bns:description``)."""
    for content in content_roots(root):
        if element is content.element or any(a is content.element for a in element.iterancestors()):
            return _describe(content, element)
    if element is root:
        return "bns:Component"
    steps: list[str] = []
    current: etree._Element | None = element
    while current is not None and current is not root:
        qname = etree.QName(current)
        prefix = "bns:" if qname.namespace == BNS_NAMESPACE else ""
        steps.append(f"{prefix}{qname.localname}")
        current = current.getparent()
    return "/".join(reversed(steps))


def _remove_keeping_tail(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail or ""
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(node)


# ------------------------------------------------------------------ values by what they are


def _scan_values(content: ContentRoot, scan: _Scan) -> None:
    """Values that carry a credential whatever they are called: emptied when the value is the
    credential and its detector is certain, else blocking; code and descriptions block."""
    stack: list[tuple[etree._Element, bool]] = [(content.element, False)]
    while stack:
        element, in_code = stack.pop()
        local = normalise_name(etree.QName(element).localname)
        code = in_code or local in CODE_ELEMENTS
        if code:
            for hit in detect_in_code(element.text or ""):
                scan.block(f"{_describe(content, element)} line {hit.line}", [hit.kind])
        else:
            _scan_text(content, element, local in DESCRIPTION_NAMES, scan)
        for attribute in attributes_of(element):
            hits = detect_values(element.get(attribute, ""))
            if not hits:
                continue
            name = normalise_name(etree.QName(attribute).localname)
            where = f"{_describe(content, element)}/@{etree.QName(attribute).localname}"
            if name in DESCRIPTION_NAMES or name in NAMING_ATTRIBUTES or not _emptiable(hits):
                scan.block(where, [hit.kind for hit in hits])
            else:
                scan.empty(_Slot(element, attribute, SecretKind.CREDENTIAL_VALUE, where, True))
        children = [child for child in element if isinstance(child.tag, str)]
        for child in children:
            tail = child.tail or ""
            if tail.strip():
                kinds = (
                    [hit.kind for hit in detect_in_code(tail)]
                    if code
                    else [hit.kind for hit in detect_values(tail)]
                )
                if kinds:
                    scan.block(f"{_describe(content, element)}/text()", kinds)
        stack.extend((child, code) for child in reversed(children))


def _scan_text(
    content: ContentRoot, element: etree._Element, description: bool, scan: _Scan
) -> None:
    hits = detect_values(element.text or "")
    if not hits:
        return
    path = _describe(content, element)
    if description or not _emptiable(hits):
        scan.block(path, [hit.kind for hit in hits])
    else:
        scan.empty(_Slot(element, None, SecretKind.CREDENTIAL_VALUE, path, True, own_text=True))


def _emptiable(hits: list[ValueHit]) -> bool:
    return all(hit.standalone and hit.kind.certain for hit in hits)


# ------------------------------------------------------------------ values by their names


@dataclass(frozen=True, slots=True)
class _Slot:
    """One place that may hold a value: an attribute, or an element's text."""

    element: etree._Element
    attribute: str | None
    kind: SecretKind
    path: str
    confidential: bool
    own_text: bool = False
    """The element's own text only, not what its descendants hold."""

    @property
    def key(self) -> tuple[etree._Element, str | None]:
        return (self.element, self.attribute)

    def values(self) -> list[str]:
        """The non-blank strings this slot holds (each text node and value attribute apart)."""
        if self.attribute is not None:
            parts = [self.element.get(self.attribute, "")]
        elif self.own_text:
            parts = [self.element.text or ""]
        else:
            parts = _text_nodes(self.element)
            if self.kind is SecretKind.FIELD:
                parts.extend(self.element.get(name, "") for name in FIELD_VALUE_ATTRIBUTES)
        return [part.strip() for part in parts if part.strip()]

    def clear(self) -> None:
        if self.attribute is not None:
            self.element.set(self.attribute, "")
            return
        if self.own_text:
            if self.element.text and self.element.text.strip():
                self.element.text = ""
            return
        _clear_text(self.element)
        if self.kind is SecretKind.FIELD:
            for name in FIELD_VALUE_ATTRIBUTES:
                if name in self.element.attrib:
                    self.element.set(name, "")


def _find_slots(root: etree._Element) -> list[_Slot]:
    slots: list[_Slot] = []
    for content in content_roots(root):
        slots.extend(_slots_by_name(content))
        slots.extend(_cross_reference_slots(content))
    slots.extend(_slots_by_encrypted_paths(root))
    unique: dict[tuple[etree._Element, str | None], _Slot] = {}
    for slot in slots:
        unique.setdefault(slot.key, slot)
    return list(unique.values())


def _slots_by_name(content: ContentRoot) -> list[_Slot]:
    """Slots in document order, so an element's whole-text slot comes before any slot inside
    it: once the outer one is emptied, the inner ones hold nothing and are not reported."""
    slots: list[_Slot] = []
    scopes = _ScopeNames()
    stack = [content.element]
    while stack:
        element = stack.pop()
        parent = element.getparent()
        outer_scope = scopes.of(parent if parent is not None else element)
        raw_local = etree.QName(element).localname
        local = normalise_name(raw_local)
        pair = _pair(element)
        keyed = _keyed_names(element)
        sensitive_key = any(_is_sensitive(name, outer_scope) for name in keyed)
        secret_key = any(names_a_secret(name) for name in keyed)
        password_typed = _marked_secret(element) or (
            parent is not None and local in VALUE_ELEMENT_NAMES and _password_type_child(parent)
        )
        named_sensitive = local not in CODE_ELEMENTS and _is_sensitive(raw_local, outer_scope)
        if local == normalise_name("EncryptedValue"):
            slots.append(_slot(content, element, None, SecretKind.ENCRYPTED_VALUE, True))
        elif pair is not None and pair.is_field and (sensitive_key or password_typed):
            confidential = secret_key or password_typed
            slots.append(_slot(content, element, None, SecretKind.FIELD, confidential))
        elif named_sensitive or password_typed:
            confidential = is_secret_name(raw_local) or password_typed
            slots.append(_slot(content, element, None, SecretKind.ELEMENT_TEXT, confidential))
        if named_sensitive and pair is None:
            # <password value="…"/>: an element named as a credential holds it in an attribute.
            slots.extend(
                _slot(content, element, attribute, SecretKind.ATTRIBUTE, is_secret_name(raw_local))
                for attribute in PAIR_VALUE_ATTRIBUTES
                if attribute in element.attrib
            )
        if pair is not None and not pair.is_field and (sensitive_key or password_typed):
            confidential = secret_key or password_typed
            slots.extend(
                _slot(content, element, attribute, SecretKind.FIELD, confidential)
                for attribute in PAIR_VALUE_ATTRIBUTES
                if attribute in element.attrib
            )
        elif pair is None and password_typed:
            slots.extend(
                _slot(content, element, attribute, SecretKind.ATTRIBUTE, True)
                for attribute in PAIR_VALUE_ATTRIBUTES
                if attribute in element.attrib
            )
        if (pair is None or not pair.is_field) and (sensitive_key or password_typed) and keyed:
            slots.extend(_keyed_value_slots(content, element, secret_key or password_typed))
        slots.extend(_static_value_slots(content, element))
        own_scope = scopes.of(element)
        for attribute in attributes_of(element):
            name = etree.QName(attribute).localname
            if _is_sensitive(name, own_scope):
                slots.append(
                    _slot(content, element, attribute, SecretKind.ATTRIBUTE, is_secret_name(name))
                )
        stack.extend(reversed([child for child in element if isinstance(child.tag, str)]))
    return slots


def _keyed_value_slots(
    content: ContentRoot, element: etree._Element, confidential: bool
) -> list[_Slot]:
    """The value of a keyed element named as a credential, besides its value attributes: its
    value children, or — a leaf without value attributes — its own text."""
    children = [child for child in element if isinstance(child.tag, str)]
    values = [
        child
        for child in children
        if normalise_name(etree.QName(child).localname) in VALUE_ELEMENT_NAMES
    ]
    if values:
        return [_slot(content, child, None, SecretKind.FIELD, confidential) for child in values]
    has_value_attribute = any(attribute in element.attrib for attribute in PAIR_VALUE_ATTRIBUTES)
    if children or has_value_attribute:
        return []
    return [_slot(content, element, None, SecretKind.FIELD, confidential, own_text=True)]


def _static_value_slots(content: ContentRoot, element: etree._Element) -> list[_Slot]:
    present = [attribute for attribute in STATIC_VALUE_ATTRIBUTES if attribute in element.attrib]
    if not present:
        return []
    for ancestor in list(element.iterancestors())[:STATIC_VALUE_DEPTH]:
        names = [name for name in _keyed_names(ancestor) if not name.strip().isdigit()]
        if names:
            if any(names_a_secret(name) for name in names):
                return [
                    _slot(content, element, attribute, SecretKind.FIELD, True)
                    for attribute in present
                ]
            return []
    return []


def _cross_reference_slots(content: ContentRoot) -> list[_Slot]:
    slots: list[_Slot] = []
    for table in content.element.iter():
        if not isinstance(table.tag, str):
            continue
        if normalise_name(etree.QName(table).localname) != CROSS_REFERENCE_TABLE:
            continue
        secret_refs = {
            header.get("ref")
            for header in table.iter()
            if isinstance(header.tag, str)
            and etree.QName(header).localname == "header"
            and names_a_secret(header.get("name", ""))
        } - {None}
        slots.extend(
            _slot(content, cell, None, SecretKind.FIELD, True, own_text=True)
            for cell in table.iter()
            if isinstance(cell.tag, str)
            and etree.QName(cell).localname != "header"
            and cell.get("ref") in secret_refs
        )
    return slots


def _keyed_names(element: etree._Element) -> list[str]:
    """What names a keyed element: its key attributes and its key children's text."""
    names = [element.get(attribute, "") for attribute in PAIR_KEY_ATTRIBUTES]
    for child in element:
        if (
            isinstance(child.tag, str)
            and normalise_name(etree.QName(child).localname) in KEY_ELEMENT_NAMES
            and len(child) == 0
        ):
            names.append(child.text or "")
    return [name.strip() for name in names if name and name.strip()]


def _slots_by_encrypted_paths(root: etree._Element) -> list[_Slot]:
    declarations = [
        declaration
        for container in root.findall(ENCRYPTED_VALUES_TAG)
        for declaration in container.findall(ENCRYPTED_VALUE_TAG)
    ]
    if not declarations:
        return []
    content = ContentRoot(ContentSection.OBJECT, object_content(root))
    tree = etree.ElementTree(content.element)
    slots: list[_Slot] = []
    for declaration in declarations:
        raw_path = declaration.get("path")
        if raw_path is None or not raw_path.strip():
            raise EncryptedPathError("an encrypted value declaration has no path")
        parsed = parse_encrypted_value_path(raw_path)
        try:
            selected = tree.xpath(parsed.element_path)
        except etree.XPathError as exc:
            raise EncryptedPathError(
                f"encrypted value path {raw_path!r} cannot be evaluated"
            ) from exc
        elements = [item for item in _as_list(selected) if isinstance(item, etree._Element)]
        is_set = declaration.get("isSet", "false").strip().lower() == "true"
        if is_set and not elements:
            # A value Boomi says is set but that the path does not find may sit where nothing
            # else looks: refuse rather than promote it.
            raise EncryptedPathError(
                f"encrypted value path {raw_path!r} is set but selects nothing in <bns:object>"
            )
        for element in elements:
            if parsed.attribute is not None and parsed.attribute not in element.attrib:
                continue
            slots.append(_slot(content, element, parsed.attribute, SecretKind.ENCRYPTED_PATH, True))
    return slots


def _as_list(selected: object) -> list[object]:
    return list(selected) if isinstance(selected, list) else []


def _mark_encrypted_values_unset(root: etree._Element) -> None:
    # Every declared target is empty now; saying otherwise would describe a value not sent.
    for container in root.findall(ENCRYPTED_VALUES_TAG):
        for declaration in container.findall(ENCRYPTED_VALUE_TAG):
            if "isSet" in declaration.attrib:
                declaration.set("isSet", "false")


def _refuse_surviving_secrets(root: etree._Element, secret_values: list[tuple[str, str]]) -> None:
    needles = [
        (path, value) for path, value in secret_values if len(value) >= MIN_LEAK_CHECK_LENGTH
    ]
    if not needles:
        return
    haystack = list(_all_strings(root))
    for path, needle in needles:
        if any(needle in text for text in haystack):
            raise SecretLeakError(
                f"the secret value emptied at {path} also appears elsewhere in the component; "
                "remove it there before promoting"
            )


def _all_strings(root: etree._Element) -> list[str]:
    strings: list[str] = []
    for node in root.iter():
        if node.text:
            strings.append(node.text)
        if node.tail:
            strings.append(node.tail)
        if isinstance(node.tag, str):
            strings.extend(attributes_of(node).values())
    return strings


class _ScopeNames:
    """Names around a value: an element's attributes, child elements and keyed children."""

    def __init__(self) -> None:
        self._cache: dict[etree._Element, frozenset[str]] = {}

    def of(self, element: etree._Element) -> frozenset[str]:
        cached = self._cache.get(element)
        if cached is None:
            names = {etree.QName(name).localname for name in element.attrib}
            for child in element:
                if not isinstance(child.tag, str):
                    continue
                names.add(etree.QName(child).localname)
                pair = _pair(child)
                if pair is not None:
                    names.add(pair.key)
            cached = frozenset(names)
            self._cache[element] = cached
        return cached


def _marked_secret(element: etree._Element) -> bool:
    if normalise_name(element.get("type", "")) == PASSWORD_TYPE:
        return True
    return any(element.get(flag, "").strip().lower() == "true" for flag in SECRET_FLAGS)


def _password_type_child(element: etree._Element) -> bool:
    return any(
        isinstance(child.tag, str)
        and normalise_name(etree.QName(child).localname) == "type"
        and normalise_name((child.text or "").strip()) == PASSWORD_TYPE
        for child in element
    )


def _is_sensitive(name: str, scope: frozenset[str]) -> bool:
    """Whether a value named ``name`` (as written) is emptied, given the names around it."""
    if names_a_secret(name):
        return True
    normalised = normalise_name(name)
    if normalised in ENDPOINT_NAMES:
        return True
    return normalised in CREDENTIAL_CONTEXT_NAMES and any(names_a_secret(o) for o in scope)


@dataclass(frozen=True, slots=True)
class _Pair:
    """A generic field or name/value element: which attribute names it, and that name."""

    key_attribute: str
    key: str
    is_field: bool

    @property
    def name(self) -> str:
        return normalise_name(self.key)


def _pair(element: etree._Element) -> _Pair | None:
    local = etree.QName(element).localname
    field_key = NAMED_FIELD_ELEMENTS.get(local)
    if field_key is not None:
        key = element.get(field_key)
        return _Pair(field_key, key, is_field=True) if key else None
    if not any(attribute in element.attrib for attribute in PAIR_VALUE_ATTRIBUTES):
        return None
    for key_attribute in PAIR_KEY_ATTRIBUTES:
        key = element.get(key_attribute)
        if key:
            return _Pair(key_attribute, key, is_field=False)
    return None


def _slot(
    content: ContentRoot,
    element: etree._Element,
    attribute: str | None,
    kind: SecretKind,
    confidential: bool,
    *,
    own_text: bool = False,
) -> _Slot:
    path = _describe(content, element)
    if attribute is not None:
        path = f"{path}/@{etree.QName(attribute).localname}"
    return _Slot(element, attribute, kind, path, confidential, own_text)


def _describe(content: ContentRoot, element: etree._Element) -> str:
    steps: list[str] = []
    current: etree._Element | None = element
    while current is not None:
        steps.append(_step(current))
        if current is content.element:
            break
        current = current.getparent()
    path = "/" + "/".join(reversed(steps))
    if content.section is ContentSection.PROCESS_OVERRIDES:
        return f"{ContentSection.PROCESS_OVERRIDES}:{path}"
    return path


def _step(element: etree._Element) -> str:
    name = etree.QName(element).localname
    key_attribute = _naming_attribute(element)
    if key_attribute is not None:
        key = element.get(key_attribute, "")
        quoted = f'"{key}"' if "'" in key else f"'{key}'"
        return f"{name}[@{key_attribute}={quoted}]"
    parent = element.getparent()
    if parent is None:
        return name
    same = [sibling for sibling in parent if sibling.tag == element.tag]
    if len(same) == 1:
        return name
    return f"{name}[{same.index(element) + 1}]"


def _naming_attribute(element: etree._Element) -> str | None:
    """The attribute a path names an element by: a field's id, a pair's key."""
    pair = _pair(element)
    return pair.key_attribute if pair is not None else None


def _text_nodes(element: etree._Element) -> list[str]:
    parts = [element.text or ""]
    for descendant in element.iterdescendants():
        if isinstance(descendant.tag, str):
            parts.append(descendant.text or "")
        parts.append(descendant.tail or "")
    return parts


def _clear_text(element: etree._Element) -> None:
    # Whitespace is layout, not value: it is kept so the document keeps its indentation.
    if element.text and element.text.strip():
        element.text = ""
    for descendant in element.iterdescendants():
        if isinstance(descendant.tag, str) and descendant.text and descendant.text.strip():
            descendant.text = ""
        if descendant.tail and descendant.tail.strip():
            descendant.tail = ""
