"""Finding and emptying the environment-specific values of a component before it is promoted.

A dev component must never carry a dev credential or a dev endpoint into the primary account.
Values are *emptied*, never removed structurally, so the XML keeps the shape Boomi expects.
Every form Boomi component XML uses is covered, inside ``<bns:object>`` and
``<bns:processOverrides>``:

* element text named after a sensitive value: ``<password>...</password>``;
* attributes: ``<AuthSettings password="..." user="..."/>``, ``url="..."``;
* generic connector fields, matched by their ``id``: ``<field id="password" value="..."/>``,
  ``<field id="host">...</field>``;
* other name/value elements, matched by their name: ``<property name="password" value="..."/>``,
  ``<header headerFieldName="Authorization" headerValue="..."/>``;
* ``<EncryptedValue>`` elements, wherever they stand;
* every target of the component's ``<bns:encryptedValues>`` declarations (see
  :func:`parse_encrypted_value_path` for the accepted path forms);
* the value of anything typed ``password`` (``<DefinedProcessProperty type="password">``);
* values that carry a credential whatever they are called: a URL with a password
  (``https://user:pw@host``), a connection string or query with ``password=``, a PEM or PGP
  private key (see :data:`CREDENTIAL_PATTERNS`). Script code is exempt: it cannot be emptied
  without breaking it (the script check looks at it instead).

Names are compared case-insensitively and without ``_``, ``-`` or ``.`` (``apiKey``,
``api_key`` and ``API-KEY`` are one name); a name ending in a credential word
(:data:`SECRET_SUFFIXES`: ``smtpPassword``, ``db_secret``, ``webhookToken``,
``Proxy-Authorization``) is a secret name too. The name lists and element tables below decide
what is sensitive; changing them is the way to change the rule. After emptying, the document
is searched for every emptied *secret* so that none survives elsewhere in it (see
:class:`SecretLeakError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from boomi_promo.domain.component_xml import (
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


def normalise_name(name: str) -> str:
    """``apiKey``, ``api_key`` and ``API-Key`` all become ``apikey``."""
    return re.sub(r"[_.\-]", "", name).casefold()


def _names(*names: str) -> frozenset[str]:
    return frozenset(normalise_name(name) for name in names)


SECRET_NAMES = _names(
    "password",
    "passwd",
    "secret",
    "clientSecret",
    "consumerSecret",
    "tokenSecret",
    "sharedSecret",
    "secretKey",
    "secretAccessKey",
    "apiKey",
    "apiToken",
    "apiSecret",
    "token",
    "accessToken",
    "refreshToken",
    "authToken",
    "bearerToken",
    "sessionToken",
    "privateKey",
    "passphrase",
    "keystorePassword",
    "truststorePassword",
    "proxyPassword",
    "connectionString",
    "jdbcUrl",
    "authorization",
    "xApiKey",
    "EncryptedValue",
)
"""Credentials: always emptied; a value of one of these must not survive anywhere."""

SECRET_SUFFIXES = tuple(
    sorted(
        _names(
            "password",
            "passwd",
            "pwd",
            "secret",
            "token",
            "apiKey",
            "privateKey",
            "secretKey",
            "passphrase",
            "authorization",
        )
    )
)
"""A name ending in one of these is a secret name (``keyPassword``, ``partnerToken``)."""

PASSWORD_TYPE = "password"  # noqa: S105 - the value of a type attribute, not a credential
"""An element whose ``type`` attribute says this holds a password in its text and value
attributes (:data:`PAIR_VALUE_ATTRIBUTES`), whatever it is called. Where the type is a
``<type>`` child instead (``<definedProcessProperty><type>password</type>``), the element's
:data:`VALUE_ELEMENT_NAMES` children are the password."""

SECRET_FLAGS = ("encrypted", "isEncrypted", "usesEncryption")
"""An element carrying one of these attributes set to ``true`` (``<properties key="X-Sig"
value="..." encrypted="true"/>``) is marked secret like a password-typed one."""

VALUE_ELEMENT_NAMES = _names("value", "defaultValue")

CREDENTIAL_PATTERNS = (
    re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:]*:[^\s/@]+@"),
    re.compile(r"(?:^|[;?&])\s*(?:password|passwd|pwd)\s*=\s*[^;&\s]", re.IGNORECASE),
    re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
)
"""A value matching one of these carries a credential, whatever its element or attribute is
called: a URL with a password, a connection string or query with a password, a private key."""

CODE_ELEMENTS = _names("script")
"""Elements holding code: never emptied by :data:`CREDENTIAL_PATTERNS`."""

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
one of :data:`SECRET_NAMES`. ``<AuthSettings user="x" password=""/>`` loses its user; a
``<field id="username">`` beside a ``<field id="password">`` is emptied; a lone ``username``
naming, say, a mailbox in an operation is kept."""

NAMED_FIELD_ELEMENTS = {"field": "id"}
"""Generic connector fields: element local name → the attribute that names the field. The whole
field is its value: its text, anything inside it (``<EncryptedValue>``) and
:data:`FIELD_VALUE_ATTRIBUTES`."""

FIELD_VALUE_ATTRIBUTES = ("value",)

PAIR_VALUE_ATTRIBUTES = ("value", "headerValue", "defaultValue")
PAIR_KEY_ATTRIBUTES = ("name", "key", "id", "headerFieldName")
"""Any other element carrying one of :data:`PAIR_VALUE_ATTRIBUTES` is a name/value pair named
by the first of these attributes it has. Only its value attributes are emptied: its text and
children are not the pair's value (``<JSONObjectEntry name="password">`` in a profile has no
value attribute and is not a pair at all)."""

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
    """A value carrying a credential by its content (:data:`CREDENTIAL_PATTERNS`)."""


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

    Raises :class:`ComponentXmlError` (or a subclass) when the document cannot be parsed
    safely, an encrypted value path cannot be evaluated, or a secret would survive.
    """
    root = parse_component(xml)
    stripped: list[StrippedValue] = []
    secret_values: list[tuple[str, str]] = []
    for slot in _find_slots(root):
        values = slot.values()
        if not values:
            continue
        stripped.append(StrippedValue(slot.path, slot.kind))
        if slot.confidential:
            secret_values.extend((slot.path, value) for value in values)
        slot.clear()
    _mark_encrypted_values_unset(root)
    _refuse_surviving_secrets(root, secret_values)
    return StripResult(xml=serialize(root), stripped=stripped)


def find_environment_values(xml: bytes) -> list[StrippedValue]:
    """Where ``xml`` carries environment-specific values (non-empty), without changing it.

    Uses the same detection as :func:`strip_secrets`: a component for which this answers
    an empty list is left unchanged by stripping (apart from ``isSet`` flags).
    """
    root = parse_component(xml)
    found: list[StrippedValue] = []
    for slot in _find_slots(root):
        if slot.values():
            found.append(StrippedValue(slot.path, slot.kind))
            # Cleared on this throwaway tree so a value inside an emptied element is not
            # reported a second time, exactly as strip_secrets reports it.
            slot.clear()
    return found


@dataclass(frozen=True, slots=True)
class _Slot:
    """One place that may hold a value: an attribute, or an element's whole text content."""

    element: etree._Element
    attribute: str | None
    kind: SecretKind
    path: str
    confidential: bool

    @property
    def key(self) -> tuple[etree._Element, str | None]:
        return (self.element, self.attribute)

    def values(self) -> list[str]:
        """The non-blank strings this slot holds (each text node and value attribute apart)."""
        if self.attribute is not None:
            parts = [self.element.get(self.attribute, "")]
        else:
            parts = _text_nodes(self.element)
            if self.kind is SecretKind.FIELD:
                parts.extend(self.element.get(name, "") for name in FIELD_VALUE_ATTRIBUTES)
        return [part.strip() for part in parts if part.strip()]

    def clear(self) -> None:
        if self.attribute is not None:
            self.element.set(self.attribute, "")
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
        local = normalise_name(etree.QName(element).localname)
        pair = _pair(element)
        sensitive_pair = pair is not None and _is_sensitive(pair.name, outer_scope)
        password_typed = _marked_secret(element) or (
            parent is not None and local in VALUE_ELEMENT_NAMES and _password_type_child(parent)
        )
        if local == normalise_name("EncryptedValue"):
            slots.append(_slot(content, element, None, SecretKind.ENCRYPTED_VALUE, True))
        elif pair is not None and pair.is_field and (sensitive_pair or password_typed):
            confidential = is_secret_name(pair.name) or password_typed
            slots.append(_slot(content, element, None, SecretKind.FIELD, confidential))
        elif _is_sensitive(local, outer_scope) or password_typed:
            confidential = is_secret_name(local) or password_typed
            slots.append(_slot(content, element, None, SecretKind.ELEMENT_TEXT, confidential))
        elif local not in CODE_ELEMENTS and _carries_credential(element.text):
            slots.append(_slot(content, element, None, SecretKind.CREDENTIAL_VALUE, True))
        if pair is not None and not pair.is_field and (sensitive_pair or password_typed):
            confidential = is_secret_name(pair.name) or password_typed
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
        own_scope = scopes.of(element)
        for attribute in attributes_of(element):
            name = normalise_name(etree.QName(attribute).localname)
            if _is_sensitive(name, own_scope):
                slots.append(
                    _slot(content, element, attribute, SecretKind.ATTRIBUTE, is_secret_name(name))
                )
            elif _carries_credential(element.get(attribute)):
                slots.append(_slot(content, element, attribute, SecretKind.CREDENTIAL_VALUE, True))
        stack.extend(reversed([child for child in element if isinstance(child.tag, str)]))
    return slots


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
    """Normalised names around a value: an element's attributes, child elements and fields."""

    def __init__(self) -> None:
        self._cache: dict[etree._Element, frozenset[str]] = {}

    def of(self, element: etree._Element) -> frozenset[str]:
        cached = self._cache.get(element)
        if cached is None:
            names = {normalise_name(etree.QName(name).localname) for name in element.attrib}
            for child in element:
                if not isinstance(child.tag, str):
                    continue
                names.add(normalise_name(etree.QName(child).localname))
                pair = _pair(child)
                if pair is not None:
                    names.add(pair.name)
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


def is_secret_name(name: str) -> bool:
    """Whether a normalised name (:func:`normalise_name`) names a credential."""
    return name in SECRET_NAMES or name.endswith(SECRET_SUFFIXES)


def _is_sensitive(name: str, scope: frozenset[str]) -> bool:
    if is_secret_name(name) or name in ENDPOINT_NAMES:
        return True
    return name in CREDENTIAL_CONTEXT_NAMES and any(is_secret_name(other) for other in scope)


def _carries_credential(value: str | None) -> bool:
    if not value:
        return False
    return any(pattern.search(value) for pattern in CREDENTIAL_PATTERNS)


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
) -> _Slot:
    path = _describe(content, element)
    if attribute is not None:
        path = f"{path}/@{etree.QName(attribute).localname}"
    return _Slot(element, attribute, kind, path, confidential)


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
    pair = _pair(element)
    if pair is not None:
        quoted = f'"{pair.key}"' if "'" in pair.key else f"'{pair.key}'"
        return f"{name}[@{pair.key_attribute}={quoted}]"
    parent = element.getparent()
    if parent is None:
        return name
    same = [sibling for sibling in parent if sibling.tag == element.tag]
    if len(same) == 1:
        return name
    return f"{name}[{same.index(element) + 1}]"


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
