"""Properties of the pure rules a promotion trusts, over generated inputs.

* Secret stripping: generated components with secrets planted in every form SPEC §5 names
  (and the forms the product's seed and Boomi's process properties use) — no secret value
  survives, every non-secret value does, and stripping twice changes nothing more; issue 14's
  secret classes at random depths either stripped or blocking, look-alikes unchanged.
* Reference rewriting: ids that are prefixes, suffixes or case variants of one another; only
  whole values equal to a mapped id change, and a second run changes nothing.
* The status machine: any sequence of transition attempts stays inside the enum and moves only
  along the table; every other attempt is refused with 409 ``INVALID_PROMOTION_STATUS``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from lxml import etree

from boomi_promo.domain.references import referenced_ids, rewrite_references
from boomi_promo.domain.secrets import find_environment_values, inspect_secrets, strip_secrets
from boomi_promo.domain.statuses import (
    ALLOWED_TRANSITIONS,
    INITIAL_STATUSES,
    TERMINAL,
    InvalidTransition,
    PromotionStatus,
    can_transition,
    require_transition,
)
from boomi_promo.emulator.secret_classes import (
    FALSE_POSITIVES,
    SECRET_FORMS,
    FalsePositive,
    Outcome,
    SecretForm,
)
from boomi_promo.xmlsafe import parse_xml
from tests.support.reliability import ReliabilityLog
from tests.unit.domain.fixtures import component
from tests.unit.domain.test_secret_classes import Placed, placed_false_positives, planted_forms

SUITE = "Properties (hypothesis)"
LONG_ENV = "PROMO_RELIABILITY_LONG"


def examples(ci: int, long: int) -> int:
    return long if os.environ.get(LONG_ENV, "") not in ("", "0", "false") else ci


@dataclass
class Tally:
    tried: int = 0
    held: int = 0


@contextmanager
def counted(tally: Tally) -> Iterator[None]:
    """Count one trial; it held when its block ends without an exception."""
    tally.tried += 1
    yield
    tally.held += 1


# ----------------------------------------------------------------------------- stripping

SAFE_ELEMENTS = ["Settings", "Options", "shape", "configuration", "entry", "Record", "step"]
SAFE_ATTRIBUTES = ["mode", "label", "kind", "enabled", "region", "x", "y"]
SECRET_ELEMENT_NAMES = [
    "password",
    "Password",
    "api_key",
    "clientSecret",
    "PRIVATE-KEY",
    "accessToken",
    "ConnectionString",
    "passphrase",
    "keystorePassword",
    "smtpPassword",
    "webhook_token",
    "partnerApiKey",
    "secret",
]
ENDPOINT_NAMES = ["host", "url", "baseUrl", "port", "hostname"]
# Every planted value starts with its own marker; none of these letters spell "keep".
SECRET_ALPHABET = "abcdfghijlmnoqrstuvwxyz0123456789-_.!&<>'\" "
# Values inside a URL or connection string: the characters such a credential can hold.
CREDENTIAL_ALPHABET = "abcdfghijlmnoqrstuvwxyz0123456789-_.~"
FORMS = [
    "element",
    "attribute",
    "field-value",
    "field-text",
    "field-encrypted",
    "encrypted-value",
    "name-value",
    "header",
    "path-attribute",
    "path-text",
    "typed-password-attribute",
    "typed-password-text",
    "typed-password-child",
    "flagged-encrypted",
    "credential-pair",
    "url-credential",
    "connection-string",
    "endpoint-field",
    "endpoint-attribute",
]
PATH_FORMS = {"path-attribute", "path-text"}
"""``<bns:encryptedValues>`` paths select inside ``<bns:object>`` only."""


@dataclass
class Node:
    name: str
    attributes: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: str = ""
    planted_attributes: dict[str, str] = field(default_factory=dict)
    planted_children: list[str] = field(default_factory=list)


def trees() -> st.SearchStrategy[Node]:
    attributes = st.dictionaries(st.sampled_from(SAFE_ATTRIBUTES), st.just(""), max_size=3)
    leaf = st.builds(Node, name=st.sampled_from(SAFE_ELEMENTS), attributes=attributes)
    return st.recursive(
        leaf,
        lambda inner: st.builds(
            Node,
            name=st.sampled_from(SAFE_ELEMENTS),
            attributes=attributes,
            children=st.lists(inner, max_size=4),
        ),
        max_leaves=10,
    )


def preorder(node: Node) -> list[Node]:
    found = [node]
    for child in node.children:
        found.extend(preorder(child))
    return found


def render(node: Node, *, top: bool = False) -> str:
    attributes = {**node.attributes, **node.planted_attributes}
    rendered = "".join(f" {name}={quoteattr(value)}" for name, value in attributes.items())
    namespace = ' xmlns=""' if top else ""
    inner = escape(node.text) + "".join(node.planted_children)
    inner += "".join(render(child) for child in node.children)
    return f"<{node.name}{namespace}{rendered}>{inner}</{node.name}>"


@dataclass
class Plant:
    form: str
    name: str
    suffix: str
    in_overrides: bool
    target: int


@dataclass
class GeneratedComponent:
    xml: bytes
    secrets: list[str]
    """Values that must be gone after stripping (credentials, identities, endpoints)."""
    kept: list[str]
    """Values that must still be there, unchanged."""


def plant(node: Node, plant: Plant, number: int, declarations: list[str]) -> list[str]:
    """Add ``plant`` under ``node``; the values that must not survive stripping."""
    secret = f"S3CRET{number:03d}{plant.suffix}"
    value, text, name = quoteattr(secret), escape(secret), plant.name
    children = node.planted_children
    if plant.form == "element":
        children.append(f"<{name}>{text}</{name}>")
    elif plant.form == "attribute":
        if name in node.planted_attributes:
            children.append(f"<Holder{number} {name}={value}/>")
        else:
            node.planted_attributes[name] = secret
    elif plant.form == "field-value":
        children.append(f"<field id={quoteattr(name)} value={value}/>")
    elif plant.form == "field-text":
        children.append(f"<field id={quoteattr(name)}>{text}</field>")
    elif plant.form == "field-encrypted":
        children.append(
            f"<field id={quoteattr(name)}><EncryptedValue>{text}</EncryptedValue></field>"
        )
    elif plant.form == "encrypted-value":
        children.append(f"<EncryptedValue>{text}</EncryptedValue>")
    elif plant.form == "name-value":
        children.append(f"<property name={quoteattr(name)} value={value}/>")
    elif plant.form == "header":
        children.append(f'<header headerFieldName="Authorization" headerValue={value}/>')
    elif plant.form == "path-attribute":
        children.append(f"<Vault{number} code={value}/>")
        declarations.append(f"//Vault{number}/@code")
    elif plant.form == "path-text":
        children.append(f"<field id='pin{number}'>{text}</field>")
        declarations.append(f"//field[@id='pin{number}']/text()")
    elif plant.form == "typed-password-attribute":
        children.append(
            f'<DefinedProcessProperty key="k{number}" label="Setting {number}" type="password" '
            f"defaultValue={value}/>"
        )
    elif plant.form == "typed-password-text":
        children.append(
            f'<DefinedProcessProperty key="k{number}" label="Setting {number}" type="password">'
            f"<defaultValue>{text}</defaultValue></DefinedProcessProperty>"
        )
    elif plant.form == "typed-password-child":
        children.append(
            f'<definedProcessProperty key="k{number}"><label>Setting {number}</label>'
            f"<type>password</type><defaultValue>{text}</defaultValue></definedProcessProperty>"
        )
    elif plant.form == "flagged-encrypted":
        children.append(f'<properties key="X-Header-{number}" value={value} encrypted="true"/>')
    elif plant.form == "credential-pair":
        user = f"USER{number:03d}{plant.suffix}"
        children.append(f"<AuthSettings user={quoteattr(user)} password={value}/>")
        return [secret, user]
    elif plant.form == "url-credential":
        children.append(f'<endpoint address="https://svc:{secret}@h{number}.example.com/api"/>')
    elif plant.form == "connection-string":
        children.append(f"<dsn>Server=h{number};Password={secret};Pooling=true</dsn>")
    elif plant.form == "endpoint-field":
        children.append(f"<field id={quoteattr(name)}>{text}</field>")
    else:
        children.append(f"<Endpoint{number} {name}={value}/>")
    return [secret]


@st.composite
def plants(draw: st.DrawFn) -> Plant:
    form = draw(st.sampled_from(FORMS))
    names = ENDPOINT_NAMES if form.startswith("endpoint") else SECRET_ELEMENT_NAMES
    alphabet = CREDENTIAL_ALPHABET if form in ("url-credential", "connection-string") else None
    suffix = draw(st.text(alphabet or SECRET_ALPHABET, min_size=2, max_size=12))
    return Plant(
        form=form,
        name=draw(st.sampled_from(names)),
        suffix=suffix,
        in_overrides=form not in PATH_FORMS and draw(st.booleans()),
        target=draw(st.integers(0, 50)),
    )


@st.composite
def components_with_secrets(draw: st.DrawFn) -> GeneratedComponent:
    sections = {False: draw(trees()), True: draw(trees())}
    kept: list[str] = []
    for in_overrides, tree in sections.items():
        for index, node in enumerate(preorder(tree)):
            tag = f"{'o' if in_overrides else 'b'}{index}"
            node.text = f"keep-text-{tag}"
            node.attributes = {name: f"keep-{name}-{tag}" for name in node.attributes}
            kept += [node.text, *node.attributes.values()]
    secrets: list[str] = []
    declarations: list[str] = []
    for number, planted in enumerate(draw(st.lists(plants(), min_size=1, max_size=10))):
        nodes = preorder(sections[planted.in_overrides])
        secrets += plant(nodes[planted.target % len(nodes)], planted, number, declarations)
    xml = component(
        "connector-settings",
        render(sections[False], top=True),
        encrypted=[(path, True) for path in declarations],
        overrides=render(sections[True], top=True),
    )
    return GeneratedComponent(xml, secrets, kept)


def every_string(xml: bytes) -> list[str]:
    strings: list[str] = []
    for node in parse_xml(xml).iter():
        strings.extend(text for text in (node.text, node.tail) if text)
        if isinstance(node.tag, str):
            strings.extend(str(value) for value in node.attrib.values())
    return strings


def canonical(xml: bytes) -> bytes:
    """``<a></a>`` and ``<a/>`` are one document: compare documents, not their spelling."""
    return etree.tostring(parse_xml(xml), method="c14n")


def test_no_planted_secret_survives_stripping(reliability: ReliabilityLog) -> None:
    tally = Tally()

    @settings(
        max_examples=examples(150, 3000),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(components_with_secrets())
    def strip(generated: GeneratedComponent) -> None:
        with counted(tally):
            once = strip_secrets(generated.xml)
            strings = every_string(once.xml)
            for secret in generated.secrets:
                assert not any(secret in text for text in strings), secret
            for kept in generated.kept:
                assert kept in strings, kept
            assert len(once.stripped) >= 1
            again = strip_secrets(once.xml)
            assert canonical(again.xml) == canonical(once.xml)
            assert again.stripped == []
            assert find_environment_values(once.xml) == []

    try:
        strip()
    finally:
        reliability.record(
            SUITE,
            "secret stripping: generated components, secrets in 19 forms",
            tried=tally.tried,
            held=tally.held,
            detail="no planted secret, identity or endpoint survives; all other values kept; "
            "a second strip changes nothing",
        )


def test_every_secret_class_is_stripped_or_blocks_wherever_it_stands(
    reliability: ReliabilityLog,
) -> None:
    """Issue 14's catalogue (:mod:`boomi_promo.emulator.secret_classes`), each form at a
    random depth, as an attribute or as text; and the false-positive corpus unchanged."""
    forms, false_positives = Tally(), Tally()

    @settings(max_examples=examples(300, 5000), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(planted_forms())
    def secrets(planted: tuple[SecretForm, Placed]) -> None:
        form, placed = planted
        with counted(forms):
            inspection = inspect_secrets(placed.xml)
            assert not any(placed.marker in f.location for f in inspection.blocking)
            stripped = every_string(strip_secrets(placed.xml).xml)
            assert all(kept in stripped for kept in placed.kept)
            if form.outcome is Outcome.STRIPPED:
                assert not any(placed.marker in text for text in stripped), form.key
                assert inspection.blocking == [], form.key
            else:
                assert {f.kind for f in inspection.blocking} & form.kinds, form.key

    @settings(max_examples=examples(150, 2000), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(placed_false_positives())
    def lookalikes(placed: tuple[FalsePositive, Placed]) -> None:
        false_positive, document = placed
        with counted(false_positives):
            inspection = inspect_secrets(document.xml)
            assert (inspection.stripped, inspection.blocking) == ([], []), false_positive.key
            assert canonical(strip_secrets(document.xml).xml) == canonical(document.xml)

    try:
        secrets()
        lookalikes()
    finally:
        reliability.record(
            SUITE,
            f"secret classes: {len(SECRET_FORMS)} forms at random depths, attribute or text",
            tried=forms.tried,
            held=forms.held,
            detail="a stripped form leaves no trace and blocks nothing; a blocked form is "
            "reported with its kind; never the value in a location; other values kept",
        )
        reliability.record(
            SUITE,
            f"secret classes: {len(FALSE_POSITIVES)} look-alikes at random depths",
            tried=false_positives.tried,
            held=false_positives.held,
            detail="GUIDs, hashes, keyField-style names, map functions, public keys: "
            "nothing stripped, nothing blocks, the document unchanged",
        )


# ----------------------------------------------------------------------------- rewriting


@dataclass(frozen=True)
class IdFamily:
    """Ids that contain one another: a mapped id must change only where it stands whole."""

    ids: list[str]
    id_map: dict[str, str]


@st.composite
def id_families(draw: st.DrawFn) -> IdFamily:
    base = str(draw(st.uuids()))
    ids = list(
        dict.fromkeys(
            [base, f"{base}-2", f"x{base}", base[:-4], base[4:], f"{base}.{base}", base.upper()]
        )
    )
    # A case variant is the same id (ids are compared case-insensitively): map it with its twin.
    mappable = [candidate for candidate in ids if candidate != base.upper()]
    chosen = draw(st.lists(st.sampled_from(mappable), min_size=1, unique=True))
    prod = draw(st.lists(st.uuids(), min_size=len(chosen), max_size=len(chosen), unique=True))
    return IdFamily(ids, {dev: str(target) for dev, target in zip(chosen, prod, strict=True)})


@dataclass(frozen=True)
class Placement:
    id_index: int
    whole: bool
    as_attribute: bool
    in_overrides: bool
    padding: str
    decoration: str


placements = st.builds(
    Placement,
    id_index=st.integers(0, 6),
    whole=st.booleans(),
    as_attribute=st.booleans(),
    in_overrides=st.booleans(),
    padding=st.sampled_from(["", " ", "\n  "]),
    decoration=st.sampled_from(["ref:{}", "{}-copy", "lookup('{}')", "{} and more", "{}{}"]),
)


@dataclass
class IdDocument:
    xml: bytes
    family: IdFamily
    expected_changes: Counter[str]
    untouched: list[str]


@st.composite
def documents_with_id_families(draw: st.DrawFn) -> IdDocument:
    family = draw(id_families())
    mapped = {dev.casefold(): dev for dev in family.id_map}
    expected: Counter[str] = Counter()
    untouched: list[str] = []
    body: dict[bool, list[str]] = {False: [], True: []}
    for number, placement in enumerate(draw(st.lists(placements, min_size=1, max_size=15))):
        spelled = family.ids[placement.id_index % len(family.ids)]
        if placement.whole:
            value = f"{placement.padding}{spelled}{placement.padding}"
            dev = mapped.get(spelled.casefold())
            if dev is None:
                untouched.append(value)
            else:
                expected[dev] += 1
        else:
            value = placement.decoration.replace("{}", spelled)
            untouched.append(value)
        item = (
            f"<item n='{number}' ref={quoteattr(value)}/>"
            if placement.as_attribute
            else f"<item n='{number}'>{escape(value)}</item>"
        )
        body[placement.in_overrides].append(item)
    xml = component(
        "process",
        f'<Settings xmlns="">{"".join(body[False])}</Settings>',
        overrides=f'<Overrides xmlns="">{"".join(body[True])}</Overrides>',
    )
    return IdDocument(xml, family, expected, untouched)


def test_rewriting_changes_only_whole_mapped_ids(reliability: ReliabilityLog) -> None:
    tally = Tally()

    @settings(max_examples=examples(150, 3000), deadline=None)
    @given(documents_with_id_families())
    def rewrite(document: IdDocument) -> None:
        with counted(tally):
            id_map = document.family.id_map
            once = rewrite_references(document.xml, id_map)
            twice = rewrite_references(once.xml, id_map)

            assert once.replaced == dict(document.expected_changes)
            assert referenced_ids(once.xml, set(id_map)) == set()
            strings = every_string(once.xml)
            for value in document.untouched:
                assert value in strings, value
            assert twice.xml == once.xml
            assert twice.replaced == {}
            before = [n.tag for n in parse_xml(document.xml).iter()]
            assert before == [n.tag for n in parse_xml(once.xml).iter()]

    try:
        rewrite()
    finally:
        reliability.record(
            SUITE,
            "reference rewriting: generated components, ids nested in one another",
            tried=tally.tried,
            held=tally.held,
            detail="only whole values equal to a mapped id change; prefixes, suffixes and ids "
            "inside text do not; a second run changes nothing",
        )


# ----------------------------------------------------------------------------- statuses


def reachable_from_initial() -> set[PromotionStatus]:
    seen = set(INITIAL_STATUSES)
    frontier = list(seen)
    while frontier:
        for target in ALLOWED_TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


class PromotionLifecycle(RuleBasedStateMachine):
    """One promotion's status, moved by arbitrary transition attempts."""

    tally = Tally()

    def __init__(self) -> None:
        super().__init__()
        self.status = PromotionStatus.IN_PROGRESS
        self.history: list[PromotionStatus] = []

    @initialize(start=st.sampled_from(sorted(INITIAL_STATUSES)))
    def start(self, start: PromotionStatus) -> None:
        self.status = start
        self.history = [start]

    @rule(wanted=st.sampled_from(list(PromotionStatus)))
    def attempt(self, wanted: PromotionStatus) -> None:
        with counted(self.tally):
            before = self.status
            allowed = wanted in ALLOWED_TRANSITIONS[before]
            assert can_transition(before, wanted) is allowed
            if allowed:
                require_transition(before, wanted)
                self.status = wanted
                self.history.append(wanted)
                return
            try:
                require_transition(before, wanted)
            except InvalidTransition as refused:
                assert refused.status_code == 409
                assert refused.error_code == "INVALID_PROMOTION_STATUS"
                assert (refused.current, refused.target) == (before, wanted)
                assert str(before) in refused.message and str(wanted) in refused.message
            else:
                raise AssertionError(f"{before} -> {wanted} was not refused")

    @rule(data=st.data())
    def follow_the_table(self, data: st.DataObject) -> None:
        # Random targets are mostly refused; this walks the allowed edges so deep statuses
        # (DEPLOYING, DEPLOY_FAILED ...) are reached too.
        targets = sorted(ALLOWED_TRANSITIONS[self.status])
        if targets:
            self.attempt(data.draw(st.sampled_from(targets)))

    @invariant()
    def status_is_known_and_reachable(self) -> None:
        assert self.status in set(PromotionStatus)
        assert self.status in reachable_from_initial()
        for before, after in zip(self.history, self.history[1:], strict=False):
            assert after in ALLOWED_TRANSITIONS[before]

    @invariant()
    def terminal_means_no_way_out(self) -> None:
        assert (self.status in TERMINAL) == (not ALLOWED_TRANSITIONS[self.status])


def test_status_machine_moves_only_along_its_table(reliability: ReliabilityLog) -> None:
    PromotionLifecycle.tally = Tally()
    try:
        run_state_machine_as_test(
            PromotionLifecycle,
            settings=settings(
                max_examples=examples(100, 2000), stateful_step_count=30, deadline=None
            ),
        )
    finally:
        tally = PromotionLifecycle.tally
        reliability.record(
            SUITE,
            "status machine: generated sequences of transition attempts",
            tried=tally.tried,
            held=tally.held,
            detail="allowed moves succeed, every other one is refused with 409 "
            "INVALID_PROMOTION_STATUS and changes nothing; never a status outside the enum",
        )


def test_every_status_is_reachable_and_can_end() -> None:
    statuses = set(PromotionStatus)
    assert set(ALLOWED_TRANSITIONS) == statuses
    assert reachable_from_initial() == statuses
    can_end: set[PromotionStatus] = set(TERMINAL)
    changed = True
    while changed:
        changed = False
        for status, targets in ALLOWED_TRANSITIONS.items():
            if status not in can_end and targets & can_end:
                can_end.add(status)
                changed = True
    assert can_end == statuses, statuses - can_end
