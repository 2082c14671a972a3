"""The authorization matrix: every action, caller tier and target, over real HTTP.

Cases come from :mod:`tests.reliability.authorization_table`. Each one calls
``POST /api/v1/actions/{name}`` on a running service (emulator over HTTP behind it) with a body
that is valid for the action and names the case's target, and checks the decision: an allowed
call is not refused (no 401/403); a refused one has the table's status and ``errorCode`` and
changed nothing — the promotion_log, component_mapping, dev_account_access,
extension_access_mapping and client_account_config rows and the audit_log count are the same
after as before, and the emulator received no write. Two audit entries are expected: the one
entry of an attempt the table says is audited (``extensions.update_refused``), and the trail of
the job a long action runs in when the refusal comes from inside that job (``job.*``: the API
accepted the call before the account, mode or segregation check ran).

One service serves the whole module: a refusal changes nothing, and every case that names a
promotion gets a promotion record of its own, so what an allowed call changes reaches no other
case. Allowed calls of long or writing actions are made cheap as each rule's ``probe`` says.
The dashboard's own guards (its lanes) are checked the same way for a few pages.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from boomi_promo.emulator.app import EmulatorApp
from boomi_promo.emulator.records import EnvironmentExtensionSet
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.identity.local import LocalIdentity, demo_users
from boomi_promo.service import create_app
from boomi_promo.store import (
    AuditEntry,
    ClientAccountConfig,
    ComponentMapping,
    DevAccountAccess,
    ExtensionAccessMapping,
    PromotionLog,
    UnitOfWorkFactory,
    create_engine,
)
from tests.reliability.authorization_table import (
    ALL_RULES,
    IMPERSONATING_VALUES,
    PAGE_RULES,
    Caller,
    Decision,
    Page,
    Rule,
    Target,
    Visitor,
    missing_actions,
)
from tests.support.database import POSTGRES, fresh_postgres_schema, service_database
from tests.support.reliability import ReliabilityLog
from tests.support.servers import EmulatorHandle, fast_settings, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

SUITE = "Authorization matrix"
ALICE = "alice@example.com"  # CONTRIBUTOR, team A
BOB = "bob@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN
OLIVIA = "olivia@example.com"  # READONLY
OTHER_CLIENT_ID = "other-co-0000-0000-0000-000000000001"
OTHER_CLIENT_NAME = "Other Co"
MISSING_PROD_COMPONENT = "prod-component-that-does-not-exist"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
STORE_TABLES: tuple[type[Any], ...] = (
    PromotionLog,
    ComponentMapping,
    DevAccountAccess,
    ExtensionAccessMapping,
    ClientAccountConfig,
)


# ------------------------------------------------------------------ the world the cases act in


@dataclass(frozen=True)
class Account:
    account_id: str
    package_id: str
    root_component_id: str


@dataclass(frozen=True)
class RealPromotion:
    promotion_id: str
    root_prod_id: str


@dataclass(frozen=True)
class ClientEnvironment:
    client_account_id: str
    environment_id: str


@dataclass
class World:
    service: DemoService
    store: UnitOfWorkFactory
    team_a: Account
    team_b: Account
    promoted: dict[str, RealPromotion]
    """Real executePromotion runs, by initiator (alice in team A, dave in team B)."""
    client_co: ClientEnvironment
    other_co: ClientEnvironment
    map_extension_id: str
    process_property_payload: dict[str, Any]
    connection_payload: dict[str, Any]
    forged_token: str


@pytest.fixture(scope="module")
def matrix_emulator(
    emulator_server: tuple[str, EmulatorApp],
) -> Iterator[EmulatorHandle]:
    """The emulator with a demo state of this module's own, plus a client account ("Other Co")
    that no demo team is granted."""
    base_url, app = emulator_server
    state, seed = build_demo_state()
    state.settings = fast_settings()
    primary = seed.primary_account_id
    state.add_account(OTHER_CLIENT_ID, OTHER_CLIENT_NAME, parent_account_id=primary)
    for name, classification in (("Other Co Test", "TEST"), ("Other Co Production", "PROD")):
        environment = state.add_environment(OTHER_CLIENT_ID, name, classification)
        state.install_extensions(
            EnvironmentExtensionSet(environment.environment_id, OTHER_CLIENT_ID)
        )
    handle = EmulatorHandle(base_url, app, state, seed)
    handle.use_state(state)
    yield handle
    handle.reset_faults()


@pytest.fixture(scope="module")
def matrix_service(
    matrix_emulator: EmulatorHandle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoService]:
    data_dir = tmp_path_factory.mktemp("authorization-matrix")
    with _service_database_url() as database_url:
        settings = service_settings(matrix_emulator, data_dir, database_url)
        run_in_fresh_loop(prepare_database(settings, matrix_emulator.seed))
        with start_server(create_app(settings)) as running:
            yield DemoService(
                base_url=running.base_url,
                emulator=matrix_emulator,
                data_dir=data_dir,
                settings=settings,
            )


def _service_database_url() -> AbstractContextManager[str]:
    """The service's database as ``service_database_url`` chooses it (``""``: SQLite in the data
    directory), for a whole module."""
    return fresh_postgres_schema() if service_database() == POSTGRES else nullcontext("")


@pytest.fixture(scope="module")
async def world(
    matrix_service: DemoService, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    service = matrix_service
    seed = service.seed
    engine = create_engine(service.settings.resolved_database_url())
    store = UnitOfWorkFactory(engine)
    team_b_id = next(a.account_id for a in seed.dev_accounts if a.name == "Dev Team B")
    state = service.emulator.state
    team_a = Account(
        seed.prior_promotion.dev_account_id,
        seed.prior_promotion.dev_package_id,
        seed.prior_promotion.dev_root_component_id,
    )
    team_b = Account(
        team_b_id, seed.team_b_package_id, state.packages[seed.team_b_package_id].component_id
    )
    promoted = {
        ALICE: await _promote(service, ALICE, team_a),
        DAVE: await _promote(service, DAVE, team_b),
    }
    client = seed.client_accounts[0]
    client_co = ClientEnvironment(client.account_id, client.test_environment_id)
    other_co = await _grant_other_client_account(service, store)
    # Extension access is built once, so that a refused edit never has to build it first.
    rebuilt = await service.call(CAROL, "rebuildExtensionAccess", {})
    assert rebuilt.status_code == 200, rebuilt.text
    extensions = await _read_extensions(service, client_co)
    map_extension_id = next(
        m.extension_id
        for m in state.map_extensions.values()
        if m.environment_id == client_co.environment_id
    )
    other_identity = LocalIdentity(tmp_path_factory.mktemp("forger"))
    try:
        yield World(
            service=service,
            store=store,
            team_a=team_a,
            team_b=team_b,
            promoted=promoted,
            client_co=client_co,
            other_co=other_co,
            map_extension_id=map_extension_id,
            process_property_payload=_process_property_edit(extensions),
            connection_payload=_connection_edit(extensions),
            # Signed like the service's tokens, with another secret: a forgery.
            forged_token=other_identity.issue_token(ALICE, "Alice Adams", _groups_of(service)),
        )
    finally:
        await engine.dispose()


def _groups_of(service: DemoService, email: str = ALICE) -> list[str]:
    user = next(u for u in demo_users(service.settings.groups) if u.email == email)
    return list(user.groups)


async def _promote(service: DemoService, email: str, account: Account) -> RealPromotion:
    response = await service.call(
        email,
        "executePromotion",
        {"devAccountId": account.account_id, "devPackageId": account.package_id},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    root = next(
        r for r in body["promotionResults"] if r["devComponentId"] == account.root_component_id
    )
    return RealPromotion(body["promotionId"], root["prodComponentId"])


async def _grant_other_client_account(
    service: DemoService, store: UnitOfWorkFactory
) -> ClientEnvironment:
    """Other Co's ClientAccountConfig, granted to a team none of the demo users is in."""
    state = service.emulator.state
    environments = {
        e.classification: e.environment_id
        for e in state.environments.values()
        if e.account_id == OTHER_CLIENT_ID
    }
    group = f"{service.settings.groups.team_prefix}C"
    async with store() as uow:
        await uow.client_accounts.upsert(
            ClientAccountConfig(
                client_account_id=OTHER_CLIENT_ID,
                client_account_name=OTHER_CLIENT_NAME,
                test_environment_id=environments["TEST"],
                test_environment_name="Other Co Test",
                prod_environment_id=environments["PROD"],
                prod_environment_name="Other Co Production",
                sso_group_id=group,
                sso_group_name=group,
                is_active=True,
            )
        )
        await uow.commit()
    return ClientEnvironment(OTHER_CLIENT_ID, environments["TEST"])


async def _read_extensions(service: DemoService, where: ClientEnvironment) -> dict[str, Any]:
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(
            f"/EnvironmentExtensions/{where.environment_id}",
            params={"overrideAccount": where.client_account_id},
        )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def _process_property_edit(extensions: dict[str, Any]) -> dict[str, Any]:
    """Team A's "Customer Sync Settings" with its target region changed."""
    settings = copy.deepcopy(
        next(
            p
            for p in extensions["processProperties"]["ProcessProperty"]
            if p["name"] == "Customer Sync Settings"
        )
    )
    for value in settings["ProcessPropertyValue"]:
        if value["key"] == "targetRegion":
            value["value"] = "APAC"
            value["useDefault"] = False
    return {"processProperties": {"ProcessProperty": [settings]}}


def _connection_edit(extensions: dict[str, Any]) -> dict[str, Any]:
    """The shared "Orders API" connection with its URL changed."""
    connection = copy.deepcopy(
        next(c for c in extensions["connections"]["connection"] if c["name"] == "Orders API")
    )
    connection["field"] = [f for f in connection["field"] if f["id"] == "url"]
    connection["field"][0]["value"] = "https://orders.elsewhere.example.com/api"
    return {"connections": {"connection": [connection]}}


# ------------------------------------------------------------------ who calls, naming what


@dataclass(frozen=True)
class Call:
    email: str | None
    """The demo user whose token is sent; ``None`` for no or a forged token."""
    body: dict[str, Any]


def _caller_email(caller: Caller, target: Target) -> str | None:
    if caller is Caller.ADMIN:
        return CAROL
    if caller is Caller.READONLY:
        return OLIVIA
    if caller is Caller.CONTRIBUTOR:
        # The other team's component is team A's, edited by team B's contributor.
        return DAVE if target is Target.OTHER_TEAM_COMPONENT else ALICE
    return None


async def _build_call(world: World, rule: Rule, caller: Caller, target: Target) -> Call:
    email = _caller_email(caller, target)
    # Refused tiers send what a contributor of team A would.
    me = CAROL if caller is Caller.ADMIN else ALICE
    body = {**await _target_body(world, rule, target, me), **rule.extra}
    if rule.impersonates:
        body[rule.impersonates] = IMPERSONATING_VALUES[rule.impersonates]
    return Call(email, body)


async def _target_body(world: World, rule: Rule, target: Target, me: str) -> dict[str, Any]:
    if target is Target.NOTHING:
        return _no_target_body(rule)
    if target in (Target.OWN_TEAM_ACCOUNT, Target.OTHER_TEAM_ACCOUNT):
        account = world.team_a if target is Target.OWN_TEAM_ACCOUNT else world.team_b
        return _account_body(rule, account)
    if target in (
        Target.GRANTED_CLIENT_ACCOUNT,
        Target.OWN_TEAM_COMPONENT,
        Target.OTHER_TEAM_COMPONENT,
        Target.CONNECTION_COMPONENT,
        Target.NOT_GRANTED_CLIENT_ACCOUNT,
    ):
        return _client_body(world, rule, target)
    return await _promotion_body(world, rule, target, me)


def _no_target_body(rule: Rule) -> dict[str, Any]:
    if rule.action == "validateScript":
        return {"scriptContent": "def total = 1 + 2\nreturn total", "language": "groovy"}
    if rule.action == "listIntegrationPacks":
        return {"packPurpose": "ALL"}
    return {}


def _account_body(rule: Rule, account: Account) -> dict[str, Any]:
    base: dict[str, Any] = {"devAccountId": account.account_id}
    if rule.action == "resolveDependencies":
        return {**base, "rootComponentId": account.root_component_id}
    if rule.action in ("executePromotion", "planPromotion"):
        return {**base, "devPackageId": account.package_id}
    if rule.action != "manageMappings":
        return base
    operation = rule.extra["action"]
    if operation == "update":
        return {
            **base,
            "devComponentId": account.root_component_id,
            "prodComponentId": MISSING_PROD_COMPONENT,
        }
    if operation == "delete":
        return {**base, "devComponentId": f"no-mapping-{uuid.uuid4()}"}
    if operation == "seedConnection":
        return {
            "prodComponentId": MISSING_PROD_COMPONENT,
            "devConnections": [
                {"devAccountId": account.account_id, "devComponentId": account.root_component_id}
            ],
        }
    return base


def _client_body(world: World, rule: Rule, target: Target) -> dict[str, Any]:
    where = world.other_co if target is Target.NOT_GRANTED_CLIENT_ACCOUNT else world.client_co
    base = {"clientAccountId": where.client_account_id, "environmentId": where.environment_id}
    if rule.action == "copyExtensionsTestToProd":
        return {"clientAccountId": where.client_account_id}
    if rule.action in ("getMapExtension", "updateMapExtension"):
        return {**base, "mapExtensionId": world.map_extension_id}
    if rule.action == "updateExtensions":
        payload = (
            world.connection_payload
            if target is Target.CONNECTION_COMPONENT
            else world.process_property_payload
        )
        return {**base, "extensionPayload": json.dumps(payload)}
    return base


@dataclass(frozen=True)
class People:
    """Who took which part in the promotion a case names."""

    initiator: str
    account: Account
    submitter: str | None = None
    peer: str | None = None
    test_initiator: str | None = None


def _people(world: World, target: Target, me: str) -> People:
    teammate = ALICE if me == CAROL else BOB
    if target is Target.OWN_PROMOTION:
        return People(me, world.team_a)
    if target is Target.TEAMMATE_PROMOTION:
        return People(teammate, world.team_a)
    if target is Target.OTHER_TEAM_PROMOTION:
        return People(DAVE, world.team_b)
    if target is Target.SUBMITTED_BY_CALLER:
        return People(teammate, world.team_a, submitter=me)
    if target is Target.PEER_REVIEWED_BY_CALLER:
        return People(teammate, world.team_a, peer=me)
    if target is Target.FROM_CALLERS_TEST:
        return People(teammate, world.team_a, test_initiator=me)
    raise AssertionError(f"{target} names no promotion")


async def _promotion_body(world: World, rule: Rule, target: Target, me: str) -> dict[str, Any]:
    people = _people(world, target, me)
    real = world.promoted.get(people.initiator)
    if rule.action in ("generateComponentDiff", "checkReleaseStatus") and real is not None:
        body: dict[str, Any] = {"promotionId": real.promotion_id}
        if rule.action == "generateComponentDiff":
            body["prodComponentId"] = real.root_prod_id
        return body
    promotion_id = await _add_promotion(world, rule, people)
    if rule.action == "generateComponentDiff":
        return {"promotionId": promotion_id, "prodComponentId": MISSING_PROD_COMPONENT}
    return {"promotionId": promotion_id}


_PAST_PEER_REVIEW = {"PENDING_ADMIN_REVIEW", "ADMIN_APPROVED", "DEPLOYING", "DEPLOY_FAILED"}
_PRODUCTION_STATUSES = {"PENDING_PEER_REVIEW", *_PAST_PEER_REVIEW}


async def _add_promotion(world: World, rule: Rule, people: People) -> str:
    """A promotion record of its own for one case, in the rule's status."""
    status = rule.status
    production = status in _PRODUCTION_STATUSES
    submitter = people.submitter or (people.initiator if production else None)
    peer = people.peer
    if peer is None and status in _PAST_PEER_REVIEW:
        peer = next(p for p in (BOB, DAVE, ALICE) if p not in (people.initiator, submitter))
    test_promotion_id = None
    if people.test_initiator is not None:
        test_promotion_id = await _insert(
            world, people.account, people.test_initiator, status="TEST_DEPLOYED"
        )
    is_hotfix = rule.variant == "hotfix"
    return await _insert(
        world,
        people.account,
        people.initiator,
        status=status,
        target_environment="PRODUCTION" if production else "TEST",
        submitted_for_review_by=submitter,
        submitted_for_review_at=datetime.now(UTC) if submitter else None,
        peer_reviewed_by=peer,
        peer_review_status="PEER_APPROVED" if peer else None,
        test_promotion_id=test_promotion_id,
        promoted_from_test_by=people.initiator if test_promotion_id else None,
        # A hotfix goes to review with the branch C made; a record for nothing else has one.
        branch_id=f"branch-{uuid.uuid4()}" if is_hotfix else None,
        branch_name="promo-hotfix" if is_hotfix else None,
    )


async def _insert(world: World, account: Account, initiator: str, **fields: Any) -> str:
    values: dict[str, Any] = {
        "promotion_id": str(uuid.uuid4()),
        "dev_account_id": account.account_id,
        "prod_account_id": world.service.seed.primary_account_id,
        "dev_package_id": account.package_id,
        "root_component_id": account.root_component_id,
        "process_name": "Authorization matrix",
        "initiated_by": initiator,
        "initiated_at": datetime.now(UTC),
        "target_environment": "TEST",
        **fields,
    }
    async with world.store() as uow:
        await uow.promotions.add(PromotionLog(**values))
        await uow.commit()
    return str(values["promotion_id"])


# ------------------------------------------------------------------ what a refusal must not change


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, list[str]]
    audit_count: int


async def _snapshot(store: UnitOfWorkFactory) -> Snapshot:
    rows: dict[str, list[str]] = {}
    async with store() as uow:
        for table in STORE_TABLES:
            result = await uow.session.execute(select(table.__table__))
            rows[table.__tablename__] = sorted(repr(tuple(row)) for row in result.all())
        audit_count = await uow.session.scalar(select(func.count()).select_from(AuditEntry))
    return Snapshot(rows, audit_count or 0)


async def _audit_actions_after(store: UnitOfWorkFactory, count: int) -> list[str]:
    async with store() as uow:
        result = await uow.session.scalars(
            select(AuditEntry.action).order_by(AuditEntry.id).offset(count)
        )
        return list(result.all())


def _boomi_writes(service: DemoService) -> list[str]:
    """Requests that change something in Boomi (queries POST, but only read)."""
    return [
        f"{entry.method} {entry.path}"
        for entry in service.emulator.state.request_log.entries()
        if entry.method != "GET" and not entry.path.endswith(("/query", "/queryMore"))
    ]


# ------------------------------------------------------------------ the cases


@dataclass(frozen=True)
class Case:
    rule: Rule
    caller: Caller
    target: Target

    @property
    def expected(self) -> Decision:
        return self.rule.decision(self.caller, self.target)

    @property
    def id(self) -> str:
        return f"{self.rule.title} | {self.caller} | {self.target}"


CASES = [
    Case(rule, caller, target) for rule in ALL_RULES for target in rule.targets for caller in Caller
]
CASES_PER_ACTION: dict[str, int] = {}
for _case in CASES:
    CASES_PER_ACTION[_case.rule.action] = CASES_PER_ACTION.get(_case.rule.action, 0) + 1


def test_the_table_covers_every_registered_action() -> None:
    assert missing_actions() == []


async def _send(world: World, call: Call, caller: Caller, action: str) -> httpx.Response:
    service = world.service
    if caller is Caller.INVALID_TOKEN:
        headers = {"Authorization": f"Bearer {world.forged_token}"}
        async with httpx.AsyncClient(base_url=service.base_url, headers=headers) as client:
            return await client.post(f"/api/v1/actions/{action}", json=call.body, timeout=60)
    return await service.call(call.email, action, call.body)


def _problems(
    case: Case,
    response: httpx.Response,
    before: Snapshot,
    after: Snapshot,
    audited: list[str],
    writes: list[str],
) -> list[str]:
    expected = case.expected
    if expected.allowed:
        if response.status_code in (401, 403):
            return [f"refused ({response.status_code}) but allowed: {response.text[:300]}"]
        return []
    problems: list[str] = []
    try:
        body = response.json()
    except ValueError:
        body = {}
    code = body.get("errorCode") if isinstance(body, dict) else None
    if (response.status_code, code) != (expected.status, expected.error_code):
        problems.append(
            f"expected {expected.describe()}, got {response.status_code} {code}: "
            f"{response.text[:300]}"
        )
    if after.rows != before.rows:
        changed = [name for name in before.rows if before.rows[name] != after.rows[name]]
        problems.append(f"refused call changed {', '.join(changed)}")
    # Long actions check before their job exists (ActionSpec.precheck): a refusal starts none.
    expected_entries = ["extensions.update_refused"] if expected.audits_refusal else []
    if audited != expected_entries:
        problems.append(f"refused call wrote audit entries {audited}, expected {expected_entries}")
    if writes:
        problems.append(f"refused call wrote to Boomi: {writes}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_action_authorization(world: World, case: Case, reliability: ReliabilityLog) -> None:
    call = await _build_call(world, case.rule, case.caller, case.target)
    world.service.emulator.state.request_log.clear()
    before = await _snapshot(world.store)

    response = await _send(world, call, case.caller, case.rule.action)

    after = await _snapshot(world.store)
    audited = await _audit_actions_after(world.store, before.audit_count)
    problems = _problems(case, response, before, after, audited, _boomi_writes(world.service))
    reliability.record(
        SUITE,
        f"{case.rule.action}: {CASES_PER_ACTION[case.rule.action]} cases",
        tried=1,
        held=0 if problems else 1,
        detail="allowed: not 401/403; refused: the expected status and errorCode, and no "
        "store row, audit entry (beyond an audited attempt) or Boomi write changed",
    )
    assert not problems, f"{case.id} ({case.rule.why}): " + "; ".join(problems)


# ------------------------------------------------------------------ the dashboard's own guards


@pytest.fixture(scope="module")
async def dashboard_visitors(world: World) -> AsyncIterator[dict[Visitor, httpx.AsyncClient]]:
    """A browser-like client per visitor, signed in through the demo sign-in form."""
    service = world.service
    emails = {Visitor.ADMIN: CAROL, Visitor.CONTRIBUTOR: ALICE, Visitor.READONLY: OLIVIA}
    clients: dict[Visitor, httpx.AsyncClient] = {}
    try:
        for visitor in Visitor:
            client = httpx.AsyncClient(base_url=service.base_url, timeout=60)
            clients[visitor] = client
            if visitor in emails:
                await _sign_in(client, emails[visitor])
        yield clients
    finally:
        for client in clients.values():
            await client.aclose()


async def _sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    found = CSRF_FIELD.search(page.text)
    assert found is not None, page.text
    signed = await client.post(
        "/login", data={"email": email, "csrf_token": found.group(1), "next": "/"}
    )
    assert signed.status_code == 303, signed.text


def _page_path(world: World, page: Page) -> str:
    return page.value.format(
        own=world.promoted[ALICE].promotion_id, other_team=world.promoted[DAVE].promotion_id
    )


PAGE_CASES = [(page, visitor) for page in PAGE_RULES for visitor in Visitor]


@pytest.mark.parametrize(
    ("page", "visitor"),
    PAGE_CASES,
    ids=[f"{page.value} | {visitor}" for page, visitor in PAGE_CASES],
)
async def test_dashboard_page_authorization(
    world: World,
    dashboard_visitors: dict[Visitor, httpx.AsyncClient],
    page: Page,
    visitor: Visitor,
    reliability: ReliabilityLog,
) -> None:
    expected = PAGE_RULES[page][visitor]
    world.service.emulator.state.request_log.clear()
    before = await _snapshot(world.store)

    response = await dashboard_visitors[visitor].get(_page_path(world, page))

    after = await _snapshot(world.store)
    problems: list[str] = []
    if response.status_code != expected:
        problems.append(f"expected {expected}, got {response.status_code}")
    if expected == 303 and not response.headers.get("location", "").startswith("/login"):
        problems.append(f"redirected to {response.headers.get('location')!r}, not /login")
    if expected != 200 and (after != before or _boomi_writes(world.service)):
        problems.append("a refused page view changed something")
    reliability.record(
        SUITE,
        f"dashboard pages: {len(PAGE_CASES)} cases",
        tried=1,
        held=0 if problems else 1,
        detail="each visitor gets the page, a 403 or the sign-in redirect its lane says",
    )
    assert not problems, f"{page.value} as {visitor}: " + "; ".join(problems)
