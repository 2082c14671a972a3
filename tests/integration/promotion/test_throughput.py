"""How a promotion spends Boomi calls: each one once, writes overlapping in reference order,
and the sequential call mode (the public design's baseline) one call at a time."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter

import pytest

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.emulator.control import LoggedRequest
from tests.integration.emulator.boomi import references_from
from tests.integration.promotion.support import (
    ALICE,
    count_component_reads,
    promote,
    team_a,
)
from tests.support.servers import EmulatorHandle
from tests.support.service import DemoService

GAP_SECONDS = 0.1
LATENCY_SECONDS = 0.05
TOLERANCE_SECONDS = 0.01
COMPONENT_WRITE = re.compile(r"/Component(/(?!bulk$)[^/]+)?$")


def _client(emulator: EmulatorHandle, mode: str) -> BoomiClient:
    return BoomiClient(
        base_url=emulator.base_url,
        account_id=emulator.seed.primary_account_id,
        username=emulator.seed.username,
        api_token=emulator.seed.api_token,
        call_mode="sequential" if mode == "sequential" else "concurrent",
        sequential_gap_seconds=GAP_SECONDS,
    )


async def _read_four_components(emulator: EmulatorHandle, mode: str) -> list[LoggedRequest]:
    dev_account = next(a.account_id for a in emulator.seed.dev_accounts if a.name == "Dev Team A")
    root = emulator.seed.full_tree_process_id
    emulator.state.settings.latency_seconds = LATENCY_SECONDS
    emulator.state.request_log.clear()
    async with _client(emulator, mode) as boomi:
        reads = (boomi.get_component(root, override_account=dev_account) for _ in range(4))
        await asyncio.gather(*reads)
    return sorted(emulator.state.request_log.entries(), key=lambda entry: entry.time)


async def test_sequential_mode_sends_one_call_at_a_time_with_a_gap_after_each(
    emulator: EmulatorHandle,
) -> None:
    calls = await _read_four_components(emulator, "sequential")

    assert len(calls) == 4
    for before, after in itertools.pairwise(calls):
        assert after.time >= before.time + before.duration + GAP_SECONDS - TOLERANCE_SECONDS


async def test_concurrent_mode_lets_calls_overlap(emulator: EmulatorHandle) -> None:
    calls = await _read_four_components(emulator, "concurrent")

    assert len(calls) == 4
    assert calls[1].time < calls[0].time + calls[0].duration, "the second call waited for the first"


async def test_a_promotion_makes_no_boomi_call_twice(
    demo_service: DemoService, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = demo_service.emulator.state
    state.request_log.clear()
    documents = count_component_reads(state, monkeypatch)

    response = await promote(demo_service, demo_service.seed.full_tree_package_id)

    assert response.status_code == 200, response.text
    assert [read for read, count in documents.items() if count > 1] == [], "a document read twice"
    entries = state.request_log.entries()
    reads = Counter(
        f"{e.path}?{e.query}" for e in entries if e.method == "GET" and "/Branch/" not in e.path
    )
    # The package is read before the job starts (to refuse a root under review at once) and
    # again inside it; nothing else twice.
    package = f"/PackagedComponent/{demo_service.seed.full_tree_package_id}"
    assert [read for read, count in reads.items() if count > 1 and package not in read] == []
    assert [count for read, count in reads.items() if package in read] == [2]
    written = [e.path for e in entries if e.method == "POST" and COMPONENT_WRITE.search(e.path)]
    updates = [path for path in written if not path.endswith("/Component")]
    assert len(updates) == len(set(updates)), "a component was written twice"
    created = sum(1 for r in response.json()["promotionResults"] if r["action"] == "CREATED")
    assert len(written) - len(updates) == created
    folder_queries = [e for e in entries if e.method == "POST" and e.path.endswith("/Folder/query")]
    assert len(folder_queries) <= 2, "the root folder, then every mirrored folder in one query"


async def test_writes_overlap_but_each_starts_after_what_it_references(
    demo_service: DemoService,
) -> None:
    emulator = demo_service.emulator
    prior = demo_service.seed.prior_promotion
    prod_of = {c.dev_component_id: c.prod_component_id for c in prior.components}
    references: dict[str, set[str]] = {}
    with emulator.client(params={"overrideAccount": team_a(demo_service)}) as boomi:
        for component in prior.components:
            references[component.prod_component_id] = {
                prod_of[r["componentId"]]
                for r in references_from(boomi, component.dev_component_id)
                if r["componentId"] in prod_of
            }
    # The first profile is slow to write: what does not need it goes ahead meanwhile.
    slow = next(c for c in prior.components if c.component_type.startswith("profile"))
    emulator.state.faults.add(rf"/Component/{slow.prod_component_id}$", method="POST", latency=0.5)
    emulator.state.request_log.clear()

    response = await promote(demo_service, prior.dev_package_id)

    assert response.status_code == 200, response.text
    writes = {
        e.path.rsplit("/", 1)[1]: e
        for e in emulator.state.request_log.entries()
        if e.method == "POST" and e.path.rsplit("/", 1)[1] in references
    }
    assert set(writes) == set(references)
    for prod_id, needed in references.items():
        for reference in needed - {prod_id}:
            done = writes[reference].time + writes[reference].duration
            assert writes[prod_id].time >= done - TOLERANCE_SECONDS, (
                f"{prod_id} was written before {reference}, which it references, was written"
            )
    slow_write = writes[slow.prod_component_id]
    independent = [
        write
        for prod_id, write in writes.items()
        if prod_id != slow.prod_component_id and slow.prod_component_id not in references[prod_id]
    ]
    assert any(
        slow_write.time <= w.time < slow_write.time + slow_write.duration for w in independent
    ), "nothing was written while the slow write was under way"


async def test_the_walk_asks_what_each_level_uses_in_one_reference_query(
    demo_service: DemoService,
) -> None:
    """Boomi's GET of ComponentReference answers who uses a component; what a component uses
    is its QUERY by parentComponentId and parentVersion, one per level of the tree."""
    state = demo_service.emulator.state
    root = demo_service.seed.full_tree_process_id
    state.request_log.clear()
    reviewed = await demo_service.call(
        ALICE,
        "resolveDependencies",
        {"devAccountId": team_a(demo_service), "rootComponentId": root},
    )
    review_calls = state.request_log.entries()
    state.request_log.clear()
    promoted = await promote(demo_service, demo_service.seed.full_tree_package_id)
    promotion_calls = state.request_log.entries()

    assert reviewed.status_code == 200, reviewed.text
    assert promoted.status_code == 200, promoted.text
    tree = reviewed.json()["dependencies"]
    levels = max(item["depth"] for item in tree) + 1
    for calls in (review_calls, promotion_calls):
        assert not [e for e in calls if e.method == "GET" and "/ComponentReference/" in e.path]
        queries = [e for e in calls if e.path.endswith("/ComponentReference/query")]
        assert len(queries) == levels
        assert all(e.query == f"overrideAccount={team_a(demo_service)}" for e in queries)
    assert len(review_calls) < 2 * len(tree), "fewer calls than a document and a GET each"
    written = {r["devComponentId"] for r in promoted.json()["promotionResults"]}
    assert written == {item["componentId"] for item in tree if not item["isConnection"]}
