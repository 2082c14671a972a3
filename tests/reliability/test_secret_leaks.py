"""No dev secret reaches production, the logs, the store or an API answer.

The corpus (:mod:`boomi_promo.emulator.secret_corpus`) is a dev account whose packaged tree
holds every promotable component type, each with a secret in every form component XML uses.
It is promoted through the service over HTTP, diffed component by component and deployed to
Test; then everything the product wrote or said is searched for every planted value, as it
is and base64- or URL-encoded: every revision, folder, branch and package of the primary
account, every JSON log line, every row of every table in the store, every API response and
every query string the service sent to Boomi.

The class corpus (:mod:`boomi_promo.emulator.secret_classes`, issue 14) is a second dev
account: one package holds every form stripping must empty, the other every form that must
block. The first is promoted, diffed, deployed to Test and taken through peer and admin review
to main; the second is refused with ``SECRETS_DETECTED`` listing each form (also as a job), and
nothing of either reaches any place above.
"""

from __future__ import annotations

import asyncio
import base64
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import MetaData, select
from sqlalchemy.exc import SAWarning

from boomi_promo.config import Settings
from boomi_promo.demo import grant_dev_account, team_group_for
from boomi_promo.emulator.secret_classes import (
    Outcome,
    SecretClassCorpus,
    add_secret_class_account,
)
from boomi_promo.emulator.secret_corpus import (
    PROMOTABLE_TYPES,
    SecretCorpus,
    SecretForm,
    add_secret_corpus_account,
)
from boomi_promo.emulator.seed.world import DemoSeed
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.service import create_app
from boomi_promo.store import (
    UnitOfWorkFactory,
    create_engine,
)
from tests.integration.promotion.support import ALICE, BOB, CAROL
from tests.support.reliability import ReliabilityLog
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

SUITE = "Secret leaks"
TEAM_A = "Dev Team A"
ERIN = "erin@example.com"  # ADMIN


@dataclass
class CorpusService:
    service: DemoService
    corpus: SecretCorpus
    app: FastAPI
    """The service's application, for the routes it serves."""

    async def call(self, email: str, action: str, body: dict[str, Any]) -> httpx.Response:
        return await self.service.call(email, action, body)


async def _seed_corpus_records(settings: Settings, seed: DemoSeed, corpus: SecretCorpus) -> None:
    """The demo's records, plus team A's grant of the corpus account and its connection
    mappings, as an admin would seed them."""
    await prepare_database(settings, seed)
    engine = create_engine(settings.resolved_database_url())
    try:
        await grant_dev_account(
            UnitOfWorkFactory(engine),
            team_group=team_group_for(TEAM_A, settings.groups),
            account_id=corpus.account_id,
            account_name=corpus.name,
            primary_account_id=corpus.primary_account_id,
            connections=[
                (c.dev_component_id, c.prod_component_id, c.name) for c in corpus.connections
            ],
        )
    finally:
        await engine.dispose()


@contextmanager
def serve_corpus(
    emulator: EmulatorHandle, data_dir: Path, database_url: str
) -> Iterator[CorpusService]:
    """The demo service, logging JSON lines, with the corpus account added and granted."""
    with emulator.state.lock:
        corpus = add_secret_corpus_account(emulator.state)
    settings = service_settings(emulator, data_dir, database_url).model_copy(
        update={"log_json": True}
    )
    run_in_fresh_loop(_seed_corpus_records(settings, emulator.seed, corpus))
    app = create_app(settings)
    with start_server(app) as running:
        service = DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=data_dir, settings=settings
        )
        yield CorpusService(service, corpus, app)


@pytest.fixture
def corpus_service(
    capsys: pytest.CaptureFixture[str],
    emulator: EmulatorHandle,
    tmp_path: Path,
    service_database_url: str,
) -> Iterator[CorpusService]:
    # capsys comes first, so that the service's log lines from start-up on are captured.
    with serve_corpus(emulator, tmp_path, service_database_url) as served:
        yield served


async def promoted_corpus(served: CorpusService) -> dict[str, Any]:
    """executePromotion of the corpus package by alice; COMPLETED, every type written."""
    corpus = served.corpus
    response = await served.call(
        ALICE,
        "executePromotion",
        {"devAccountId": corpus.account_id, "devPackageId": corpus.package_id},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True
    assert body["connectionsSkipped"] == len(corpus.connections)
    written = {r["componentType"] for r in body["promotionResults"] if r["prodComponentId"]}
    assert written == PROMOTABLE_TYPES, "every promotable type was promoted"
    return body


# ------------------------------------------------------------------------------ the scan


def encoded_forms(value: str) -> set[str]:
    """``value`` as it is, URL-encoded, and base64-encoded at each of the three alignments it
    can have inside a longer encoded text (only the characters it alone decides)."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    raw = value.encode()
    for shift in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * shift + raw).decode()
            forms.add(text[4 if shift else 0 : -4])
    return forms


def _json(record: Any) -> str:
    data = asdict(record) if is_dataclass(record) and not isinstance(record, type) else record
    return json.dumps(data, default=str)


def account_texts(state: EmulatorState, account_id: str) -> dict[str, str]:
    """Every record the emulator holds for ``account_id`` (each component revision, folder,
    branch, package, merge, pack, release, deployment), as JSON text by where it sits."""
    texts: dict[str, str] = {}
    with state.lock:
        for record in state.components.values():
            if record.account_id == account_id:
                for version, revision in record.revisions.items():
                    texts[f"component {revision.name} v{version}"] = _json(revision)
        for collection in (
            "folders",
            "branches",
            "packages",
            "merge_requests",
            "integration_packs",
            "releases",
            "deployments",
        ):
            records: dict[str, Any] = getattr(state, collection)
            for key, record in records.items():
                if getattr(record, "account_id", None) == account_id:
                    texts[f"{collection} {key}"] = _json(record)
    return texts


async def store_texts(database_url: str) -> dict[str, str]:
    """Every row of every table in the store (reflected, so no table is left out)."""
    engine = create_engine(database_url)
    texts: dict[str, str] = {}
    try:
        async with engine.connect() as connection:
            metadata = MetaData()
            with warnings.catch_warnings():
                # Expression indexes are not reflected; their rows are read all the same.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
                await connection.run_sync(metadata.reflect)
            for table in metadata.sorted_tables:
                rows = (await connection.execute(select(table))).mappings().all()
                texts[f"table {table.name}"] = json.dumps([dict(row) for row in rows], default=str)
    finally:
        await engine.dispose()
    assert texts, "the store has tables"
    return texts


def hits(value: str, places: dict[str, str]) -> list[str]:
    needles = encoded_forms(value)
    return [where for where, text in places.items() if any(n in text for n in needles)]


def record_by_form(
    reliability: ReliabilityLog,
    corpus: SecretCorpus,
    leaks: dict[str, list[str]],
    case: str,
    detail: str,
) -> None:
    for form in SecretForm:
        planted = [s for s in corpus.secrets if s.form is form]
        if planted:
            held = sum(1 for s in planted if not leaks.get(s.value))
            reliability.record(
                SUITE, f"{case}: {form}", tried=len(planted), held=held, detail=detail
            )


# ------------------------------------------------------------------------------ the tests


async def test_the_scan_finds_every_planted_secret_where_it_was_planted(
    corpus_service: CorpusService,
) -> None:
    """The scan is proved on the dev account, which holds every value by design."""
    corpus = corpus_service.corpus
    state = corpus_service.service.emulator.state

    dev_account = account_texts(state, corpus.account_id)

    assert len(corpus.secrets) == len(set(corpus.values()))
    missed = [s for s in corpus.secrets if not hits(s.value, dev_account)]
    assert missed == []
    assert {s.form for s in corpus.secrets} == set(SecretForm)
    every_type = {s.component_type for s in corpus.secrets} - {"connector-settings"}
    assert every_type == PROMOTABLE_TYPES


async def test_no_planted_secret_leaves_the_dev_account(
    corpus_service: CorpusService,
    capsys: pytest.CaptureFixture[str],
    reliability: ReliabilityLog,
) -> None:
    corpus, service = corpus_service.corpus, corpus_service.service
    responses: dict[str, httpx.Response] = {}
    responses["resolveDependencies"] = await corpus_service.call(
        ALICE,
        "resolveDependencies",
        {"devAccountId": corpus.account_id, "rootComponentId": corpus.process_id},
    )
    responses["planPromotion"] = await corpus_service.call(
        ALICE,
        "planPromotion",
        {"devAccountId": corpus.account_id, "devPackageId": corpus.package_id},
    )
    promotion = await promoted_corpus(corpus_service)
    promotion_id = promotion["promotionId"]
    responses["queryStatus"] = await corpus_service.call(
        ALICE, "queryStatus", {"promotionId": promotion_id}
    )
    for result in promotion["promotionResults"]:
        if result["prodComponentId"]:
            responses[
                f"generateComponentDiff {result['componentName']}"
            ] = await corpus_service.call(
                BOB,
                "generateComponentDiff",
                {
                    "promotionId": promotion_id,
                    "prodComponentId": result["prodComponentId"],
                    "componentAction": "CREATE",
                },
            )
    responses["packageAndDeploy"] = await corpus_service.call(
        ALICE, "packageAndDeploy", {"promotionId": promotion_id}
    )
    for name, response in responses.items():
        assert response.status_code == 200, f"{name}: {response.text}"
    deployed = responses["packageAndDeploy"].json()
    assert deployed["success"] is True

    places = account_texts(service.emulator.state, corpus.primary_account_id)
    assert any(where.startswith("packages ") for where in places), "Test got a package"
    places |= await store_texts(service.settings.resolved_database_url())
    places["executePromotion response"] = json.dumps(promotion)
    places |= {f"{name} response": response.text for name, response in responses.items()}
    captured = capsys.readouterr()
    log_lines = [line for line in captured.err.splitlines() if line.startswith("{")]
    assert any("promotion_id" in line for line in log_lines), "the service's logs were captured"
    places["log lines"] = captured.err + captured.out
    places["Boomi request queries"] = "\n".join(
        f"{entry.path}?{entry.query}" for entry in service.emulator.state.request_log.entries()
    )

    leaks = {s.value: hits(s.value, places) for s in corpus.secrets}
    record_by_form(
        reliability,
        corpus,
        leaks,
        "promote, diff, deploy to Test",
        "in none of: primary account (every revision, folder, branch, package), log lines, "
        "store rows, API responses, Boomi query strings — raw, URL- or base64-encoded",
    )
    found = {
        f"{s.form} in {s.component_type} ({s.value})": leaks[s.value]
        for s in corpus.secrets
        if leaks[s.value]
    }
    assert found == {}


# ------------------------------------------------------------------------------ by class


@dataclass
class ClassService:
    service: DemoService
    corpus: SecretClassCorpus

    async def call(self, email: str, action: str, body: dict[str, Any]) -> httpx.Response:
        return await self.service.call(email, action, body)


async def _seed_class_records(
    settings: Settings, seed: DemoSeed, corpus: SecretClassCorpus
) -> None:
    await prepare_database(settings, seed)
    engine = create_engine(settings.resolved_database_url())
    try:
        await grant_dev_account(
            UnitOfWorkFactory(engine),
            team_group=team_group_for(TEAM_A, settings.groups),
            account_id=corpus.account_id,
            account_name=corpus.name,
            primary_account_id=corpus.primary_account_id,
            connections=[(*corpus.connection, "Classes connection")],
        )
    finally:
        await engine.dispose()


@pytest.fixture
def class_service(
    capsys: pytest.CaptureFixture[str],
    emulator: EmulatorHandle,
    tmp_path: Path,
    service_database_url: str,
) -> Iterator[ClassService]:
    with emulator.state.lock:
        corpus = add_secret_class_account(emulator.state)
    settings = service_settings(emulator, tmp_path, service_database_url).model_copy(
        update={"log_json": True}
    )
    run_in_fresh_loop(_seed_class_records(settings, emulator.seed, corpus))
    with start_server(create_app(settings)) as running:
        service = DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=tmp_path, settings=settings
        )
        yield ClassService(service, corpus)


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True, body
    return body


async def refused_as_a_job(served: ClassService) -> tuple[dict[str, Any], str]:
    """executePromotion of the blocked package with ``Prefer: respond-async``: the finished
    job's document, and every job document text seen on the way."""
    corpus = served.corpus
    async with served.service.api(ALICE) as client:
        accepted = await client.post(
            "/api/v1/actions/executePromotion",
            json={"devAccountId": corpus.account_id, "devPackageId": corpus.blocked_package_id},
            headers={"Prefer": "respond-async"},
        )
        assert accepted.status_code == 202, accepted.text
        seen = [accepted.text]
        for _ in range(400):
            answer = await client.get(accepted.headers["Location"])
            seen.append(answer.text)
            document: dict[str, Any] = answer.json()
            if document["state"] in ("SUCCEEDED", "FAILED", "INTERRUPTED"):
                return document, "\n".join(seen)
            await asyncio.sleep(0.05)
    raise AssertionError("the refused promotion's job never finished")


async def to_main(served: ClassService, promotion_id: str, responses: dict[str, str]) -> None:
    """Test, then peer and admin review: the components reach main (issue 14's attacker saw
    the secrets there)."""
    first = ok(await served.call(ALICE, "packageAndDeploy", {"promotionId": promotion_id}))
    responses["packageAndDeploy"] = json.dumps(first)
    if first.get("needsPackAssignment"):
        assigned = ok(
            await served.call(
                CAROL,
                "packageAndDeploy",
                {
                    "promotionId": promotion_id,
                    "mode": 4,
                    "createNewPack": True,
                    "newPackName": "Classes - TEST",
                },
            )
        )
        responses["packageAndDeploy (pack)"] = json.dumps(assigned)
    submitted = ok(await served.call(ALICE, "submitForPeerReview", {"promotionId": promotion_id}))
    production = submitted["promotionId"]
    responses["submitForPeerReview"] = json.dumps(submitted)
    responses["submitPeerReview"] = json.dumps(
        ok(
            await served.call(
                BOB,
                "submitPeerReview",
                {"promotionId": production, "decision": "APPROVED", "comments": "fine"},
            )
        )
    )
    responses["submitAdminReview"] = json.dumps(
        ok(
            await served.call(
                ERIN,
                "submitAdminReview",
                {
                    "promotionId": production,
                    "decision": "APPROVED",
                    "createNewPack": True,
                    "newPackName": "Classes",
                },
            )
        )
    )


async def test_no_secret_of_any_class_leaves_the_dev_account(
    class_service: ClassService,
    capsys: pytest.CaptureFixture[str],
    reliability: ReliabilityLog,
) -> None:
    corpus, service = class_service.corpus, class_service.service
    state = service.emulator.state
    dev = account_texts(state, corpus.account_id)
    assert [p.form.key for p in corpus.planted if not hits(p.marker, dev)] == []
    branches_before = {b for b, r in state.branches.items() if not r.deleted}
    responses: dict[str, str] = {}
    for root in (corpus.stripped_process_id, corpus.blocked_process_id):
        tree = await class_service.call(
            ALICE,
            "resolveDependencies",
            {"devAccountId": corpus.account_id, "rootComponentId": root},
        )
        ok(tree)
        responses[f"resolveDependencies {root}"] = tree.text
    for package in (corpus.stripped_package_id, corpus.blocked_package_id):
        plan = await class_service.call(
            ALICE, "planPromotion", {"devAccountId": corpus.account_id, "devPackageId": package}
        )
        ok(plan)
        responses[f"planPromotion {package}"] = plan.text

    refused = await class_service.call(
        ALICE,
        "executePromotion",
        {"devAccountId": corpus.account_id, "devPackageId": corpus.blocked_package_id},
    )
    responses["executePromotion (blocked)"] = refused.text
    job, job_texts = await refused_as_a_job(class_service)
    responses["job of the blocked promotion"] = job_texts

    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["errorCode"] == "SECRETS_DETECTED"
    assert job["state"] == "FAILED"
    assert job["response"]["errorCode"] == "SECRETS_DETECTED"
    assert job["response"]["secretFindings"] == body["secretFindings"]
    findings = body["secretFindings"]
    unreported = [
        p.form.key
        for p in corpus.planted
        if p.form.outcome is Outcome.BLOCKED
        and not any(
            f["componentId"] == p.component_id and f["kind"] in p.form.kinds for f in findings
        )
    ]
    assert unreported == []
    assert {b for b, r in state.branches.items() if not r.deleted} == branches_before

    promotion = ok(
        await class_service.call(
            ALICE,
            "executePromotion",
            {"devAccountId": corpus.account_id, "devPackageId": corpus.stripped_package_id},
        )
    )
    responses["executePromotion (stripped)"] = json.dumps(promotion)
    for result in promotion["promotionResults"]:
        diff = await class_service.call(
            BOB,
            "generateComponentDiff",
            {
                "promotionId": promotion["promotionId"],
                "prodComponentId": result["prodComponentId"],
                "componentAction": result["action"].removesuffix("D"),
            },
        )
        ok(diff)
        responses[f"generateComponentDiff {result['componentName']}"] = diff.text
    await to_main(class_service, promotion["promotionId"], responses)

    places = account_texts(state, corpus.primary_account_id)
    assert any(where.startswith("integration_packs ") for where in places), "a pack was released"
    places |= await store_texts(service.settings.resolved_database_url())
    places |= {f"{name} response": text for name, text in responses.items()}
    captured = capsys.readouterr()
    assert any("promotion_id" in line for line in captured.err.splitlines())
    places["log lines"] = captured.err + captured.out
    places["Boomi request queries"] = "\n".join(
        f"{entry.path}?{entry.query}" for entry in state.request_log.entries()
    )
    leaks = {p.marker: hits(p.marker, places) for p in corpus.planted}
    for family in sorted({p.form.family for p in corpus.planted}):
        planted = [p for p in corpus.planted if p.form.family == family]
        outcome = planted[0].form.outcome
        reliability.record(
            SUITE,
            f"secret classes: {family} ({outcome})",
            tried=len(planted),
            held=sum(1 for p in planted if not leaks[p.marker]),
            detail="in none of: primary account (every revision on every branch and main, "
            "package, pack, release), log lines, store rows and audit, API and job responses, "
            "diffs, Boomi query strings — raw, URL- or base64-encoded"
            + ("; each listed in SECRETS_DETECTED" if outcome is Outcome.BLOCKED else ""),
        )
    found = {
        f"{p.form.key} ({p.marker})": leaks[p.marker] for p in corpus.planted if leaks[p.marker]
    }
    assert found == {}
