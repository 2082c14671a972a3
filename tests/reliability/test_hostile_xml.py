"""Hostile component XML: external entities, entity expansion, a huge document, deep nesting.

Dev accounts are editable by anyone with a dev login, so a component's XML is untrusted input.
Each attack is tried twice: straight into :func:`boomi_promo.xmlsafe.parse_xml` (and the
component-level parsers built on it), and end to end — a Boomi that answers a component read
with the hostile document while the user promotes or diffs it. Either way the user gets a typed
error, no local file content or internal URL response leaks anywhere (answer, job, database,
logs), nothing is fetched from the network, the service keeps serving, and memory stays bounded.
"""

from __future__ import annotations

import re
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from boomi_promo.boomi.models import Component
from boomi_promo.boomi.transport import MAX_RESPONSE_BYTES
from boomi_promo.domain.component_xml import ComponentXmlError
from boomi_promo.domain.references import rewrite_references
from boomi_promo.domain.secrets import strip_secrets
from boomi_promo.store.repositories.base import MAX_PAGE_SIZE
from boomi_promo.xmlsafe import MAX_XML_BYTES, UnsafeXmlError, XmlSyntaxError, parse_xml
from tests.integration.promotion.support import (
    ALICE,
    CAROL,
    live_branch_ids,
    promote,
    store_of,
)
from tests.support.reliability import ReliabilityLog
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import DemoService, fresh_service

SUITE = "Hostile XML"
BNS = "http://api.platform.boomi.com/"
HUGE_BYTES = 50 * 1024 * 1024
DEEP_LEVELS = 100_000
CHUNK = 1024 * 1024
# Parsing refuses these documents early; what it may hold on to is far below the input size.
PARSE_MEMORY_BOUND = 8 * 1024 * 1024


def component_document(inside_object: str, *, prolog: str = "", description: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<bns:Component xmlns:bns="{BNS}" componentId="5a5a5a5a-0000-4000-8000-00000000d001" '
        'name="Hostile" type="transform.map" version="1">'
        f"<bns:encryptedValues/><bns:description>{description}</bns:description>"
        f'<bns:object><Map xmlns="">{inside_object}</Map></bns:object></bns:Component>'
    )


@dataclass
class Listener:
    """A loopback HTTP server that counts the requests it gets: an XXE target."""

    url: str
    hits: list[str]


@pytest.fixture
def listener() -> Iterator[Listener]:
    hits: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        hits.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"INTERNAL-ONLY-ANSWER"})

    with start_server(app, lifespan="off") as running:
        yield Listener(running.base_url, hits)


@pytest.fixture
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    marker = f"LOCAL-FILE-CONTENT-{uuid.uuid4().hex}"
    path = tmp_path / "host-secret.txt"
    path.write_text(marker + "\n")
    return path, marker


@dataclass(frozen=True)
class Attack:
    name: str
    chunks: Callable[[], Iterator[bytes]]
    """The hostile document, produced piece by piece (the huge one is never held whole)."""
    refusal: str
    """Part of the error message that says why the document was refused."""
    leaks: tuple[str, ...] = ()
    """Text that must never appear anywhere the user or an operator can read."""


DTD = "DOCTYPE or entity declarations are refused"


def attacks(secret_file: tuple[Path, str], listener: Listener) -> list[Attack]:
    path, marker = secret_file
    external_file = component_document(
        "<Mappings>&leak;</Mappings>",
        prolog=f'<!DOCTYPE bns:Component [<!ENTITY leak SYSTEM "{path.as_uri()}">]>',
        description="&leak;",
    ).encode()
    external_url = component_document(
        "<Mappings>&probe;</Mappings>",
        prolog=f'<!DOCTYPE bns:Component [<!ENTITY probe SYSTEM "{listener.url}/xxe">]>',
    ).encode()
    parameter_entity = component_document(
        "<Mappings/>",
        prolog=(
            f'<!DOCTYPE bns:Component [<!ENTITY % remote SYSTEM "{listener.url}/dtd"> %remote;]>'
        ),
    ).encode()
    levels = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    laughs = component_document(
        "<Mappings>&lol9;</Mappings>",
        prolog=f'<!DOCTYPE bns:Component [<!ENTITY lol0 "lol">{levels}]>',
    ).encode()
    # Same attack without a UTF-8 declaration: a byte search for "<!DOCTYPE" does not see it.
    laughs_utf16 = laughs.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    external_file_utf16 = (
        external_file.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    )
    deep = component_document("<n>" * DEEP_LEVELS + "</n>" * DEEP_LEVELS).encode()

    def huge() -> Iterator[bytes]:
        head, tail = component_document("<Mappings>SPLIT</Mappings>").encode().split(b"SPLIT")
        yield head
        filler = b"<m>" + b"A" * (CHUNK - 7) + b"</m>"
        for _ in range(HUGE_BYTES // CHUNK):
            yield filler
        yield tail

    def whole(document: bytes) -> Callable[[], Iterator[bytes]]:
        return lambda: iter([document])

    return [
        Attack("XXE: external entity to a local file", whole(external_file), DTD, (marker,)),
        Attack("XXE: local file, UTF-16 document", whole(external_file_utf16), DTD, (marker,)),
        Attack(
            "XXE: external entity to http://127.0.0.1",
            whole(external_url),
            DTD,
            ("INTERNAL-ONLY-ANSWER",),
        ),
        Attack("XXE: external parameter entity (DTD fetch)", whole(parameter_entity), DTD),
        Attack("billion laughs", whole(laughs), DTD, ("lollollol",)),
        Attack("billion laughs, UTF-16 document", whole(laughs_utf16), DTD, ("lollollol",)),
        Attack(f"deep nesting ({DEEP_LEVELS:,} levels)", whole(deep), "depth"),
        Attack(f"huge document ({HUGE_BYTES // CHUNK} MB)", huge, "larger than"),
    ]


def attack_ids(index: int) -> str:
    return [
        "xxe-file",
        "xxe-file-utf16",
        "xxe-http",
        "xxe-parameter",
        "laughs",
        "laughs-utf16",
        "deep",
        "huge",
    ][index]


PARSERS: list[tuple[str, Callable[[bytes], object]]] = [
    ("parse_xml", parse_xml),
    ("Component.from_xml", Component.from_xml),
    ("strip_secrets", strip_secrets),
    ("rewrite_references", lambda xml: rewrite_references(xml, {"a": "b"})),
]


@pytest.mark.parametrize("index", range(8), ids=attack_ids)
def test_parsers_refuse_the_document_with_a_typed_error(
    index: int,
    secret_file: tuple[Path, str],
    listener: Listener,
    reliability: ReliabilityLog,
) -> None:
    attack = attacks(secret_file, listener)[index]
    document = b"".join(attack.chunks())
    held = 0
    for name, parse in PARSERS:
        tracemalloc.start()
        try:
            with pytest.raises(
                (UnsafeXmlError, XmlSyntaxError, ComponentXmlError, ValueError)
            ) as err:
                parse(document)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        message = str(err.value)
        assert attack.refusal in message, (name, message)
        assert not any(leak in message for leak in attack.leaks), (name, message)
        assert peak < PARSE_MEMORY_BOUND, (name, peak)
        held += 1
    assert listener.hits == [], "the parser fetched an external entity"
    reliability.record(
        SUITE,
        f"{attack.name}: parsed directly",
        tried=len(PARSERS),
        held=held,
        detail="typed error from every parser; no file read, no network fetch, memory bounded",
    )


def test_the_size_limits_fit_together() -> None:
    # A component the client accepts must also be parseable: a client limit below the parser's
    # would refuse documents the product could handle, one far above it buffers for nothing.
    assert MAX_XML_BYTES <= MAX_RESPONSE_BYTES <= 2 * MAX_XML_BYTES


class HostileBoomi:
    """The emulator, except that reads of one component answer a hostile document."""

    def __init__(self, emulator: EmulatorHandle) -> None:
        self.emulator = emulator
        self.component_id: str | None = None
        self.attack: Attack | None = None
        self.served = 0

    def poison(self, component_id: str, attack: Attack) -> None:
        self.component_id, self.attack, self.served = component_id, attack, 0

    def cure(self) -> None:
        self.component_id = self.attack = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._bulk_read(scope):
            # A bulk read names its ids in the body: read it, then replay it to the emulator.
            body = await _whole_body(receive)
            if self.component_id is not None and self.component_id.encode() in body:
                await self._serve_attack(send)
                return
            await self.emulator.app(scope, _replay(body), send)
            return
        if scope["type"] == "http" and self._poisoned(scope):
            await self._serve_attack(send)
            return
        await self.emulator.app(scope, receive, send)

    async def _serve_attack(self, send: Send) -> None:
        assert self.attack is not None
        self.served += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/xml")],
            }
        )
        for chunk in self.attack.chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    def _bulk_read(self, scope: Scope) -> bool:
        return (
            self.component_id is not None
            and scope["method"] == "POST"
            and re.search(r"/Component/bulk$", scope["path"]) is not None
        )

    def _poisoned(self, scope: Scope) -> bool:
        if self.component_id is None or scope["method"] != "GET":
            return False
        pattern = rf"/Component/{re.escape(self.component_id)}(~[^/]*)?$"
        return re.search(pattern, scope["path"]) is not None


async def _whole_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


@dataclass
class HostileSetup:
    service: DemoService
    boomi: HostileBoomi


@pytest.fixture
def hostile(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str
) -> Iterator[HostileSetup]:
    boomi = HostileBoomi(emulator)
    with start_server(boomi, lifespan="off") as front:
        fronted = EmulatorHandle(front.base_url, emulator.app, emulator.state, emulator.seed)
        with fresh_service(fronted, tmp_path / "service", service_database_url) as service:
            yield HostileSetup(service, boomi)


def dev_component_named(service: DemoService, name: str) -> str:
    state = service.emulator.state
    team_a = next(a.account_id for a in service.seed.dev_accounts if a.name == "Dev Team A")
    with state.lock:
        return next(
            record.component_id
            for record in state.components.values()
            if record.account_id == team_a and record.revisions[max(record.revisions)].name == name
        )


async def everything_the_user_can_read(service: DemoService) -> str:
    """Every promotion and job as the API and the database show them, as one text."""
    texts = [(await service.call(CAROL, "queryStatus", {})).text]
    async with store_of(service) as uow:
        found = await uow.promotions.query(page=1, page_size=MAX_PAGE_SIZE)
        texts.extend(repr(promotion) for promotion in found.items)
    return "\n".join(texts)


async def service_still_serves(service: DemoService) -> bool:
    async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as client:
        health = await client.get("/healthz")
    accounts = await service.call(ALICE, "getDevAccounts")
    return health.status_code == 200 and accounts.status_code == 200


POISONED_MAP = "Order JSON to XML"


@pytest.mark.parametrize("index", range(8), ids=attack_ids)
async def test_promoting_and_diffing_a_hostile_component_fails_cleanly(
    index: int,
    hostile: HostileSetup,
    secret_file: tuple[Path, str],
    listener: Listener,
    capfd: pytest.CaptureFixture[str],
    reliability: ReliabilityLog,
) -> None:
    service, boomi = hostile.service, hostile.boomi
    attack = attacks(secret_file, listener)[index]
    checks: list[bool] = []

    # Promote: the dev component is read from the dev account (while the tree is walked, before
    # any branch exists) and is hostile.
    branches_before = live_branch_ids(service)
    boomi.poison(dev_component_named(service, POISONED_MAP), attack)
    promoted = await promote(service, service.seed.full_tree_package_id)
    boomi.cure()
    body = promoted.json()
    assert boomi.served >= 1
    checks.append(promoted.status_code == 502 and body["errorCode"] == "BOOMI_BAD_RESPONSE")
    checks.append(attack.refusal in body["errorMessage"])
    checks.append(body["success"] is False and bool(body["errorMessage"]))
    checks.append(live_branch_ids(service) == branches_before)
    readable = promoted.text + await everything_the_user_can_read(service)
    checks.append(not any(leak in readable for leak in attack.leaks))
    checks.append(await service_still_serves(service))

    # Diff: a completed promotion whose branch copy of the map is hostile when read back.
    boomi.cure()
    completed = (await promote(service, service.seed.full_tree_package_id)).json()
    assert completed["success"] is True, completed
    prod_id = next(
        item["prodComponentId"]
        for item in completed["promotionResults"]
        if item["componentName"] == POISONED_MAP
    )
    boomi.poison(prod_id, attack)
    diffed = await service.call(
        CAROL,
        "generateComponentDiff",
        {"promotionId": completed["promotionId"], "prodComponentId": prod_id},
    )
    boomi.cure()
    diff_body = diffed.json()
    checks.append(diffed.status_code == 502 and diff_body["errorCode"] == "BOOMI_BAD_RESPONSE")
    checks.append(attack.refusal in diff_body["errorMessage"])
    checks.append(not any(leak in diffed.text for leak in attack.leaks))
    checks.append(await service_still_serves(service))

    logs = capfd.readouterr()
    checks.append(not any(leak in logs.out + logs.err for leak in attack.leaks))
    checks.append(listener.hits == [])

    reliability.record(
        SUITE,
        f"{attack.name}: promoted and diffed end to end",
        tried=1,
        held=int(all(checks)),
        detail="typed error; nothing leaks to answer, job, database or logs; service keeps serving",
    )
    assert all(checks), (checks, body, diff_body)
