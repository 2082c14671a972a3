"""Schemathesis over the service's own OpenAPI document, over real HTTP.

Every documented operation is called with generated requests — bodies that fit the schema and
bodies that break it — as an administrator (who may call everything), as a READONLY user (the
tier refusal path) and without credentials. Whatever the input, the service must never answer
500, and every non-2xx answer must be the error envelope
``{"success": false, "errorCode": str, "errorMessage": str}``.

Generated ids almost never name anything, so a share of the generated bodies get real values
in their id and identity fields (the demo's dev accounts, packages, client environments, a
promotion made before fuzzing, the caller's own e-mail): those requests reach the actions'
workflows, not only their validation. Long actions then run as real jobs against the emulator;
the call waits for the job, so a job that crashes would show as a 500 here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.result import Err

from boomi_promo.actions.catalog import all_actions
from boomi_promo.identity.local import demo_users
from boomi_promo.identity.principal import Tier
from tests.support.reliability import ReliabilityLog
from tests.support.service import DemoService

SUITE = "API fuzzing (schemathesis)"
LONG_ENV = "PROMO_RELIABILITY_LONG"
ADMIN = "carol@example.com"
READONLY = "olivia@example.com"
PROMOTER = "alice@example.com"
Operation = APIOperation[Any, Any, Any, Any]
ENVELOPE_FIELDS = {"success": bool, "errorCode": str, "errorMessage": str}


def long_run() -> bool:
    return os.environ.get(LONG_ENV, "") not in ("", "0", "false")


def examples(ci: int, long: int) -> int:
    return long if long_run() else ci


@dataclass(frozen=True)
class Caller:
    label: str
    email: str | None
    examples: int


CALLERS = [
    Caller("administrator", ADMIN, examples(25, 250)),
    Caller("READONLY user", READONLY, examples(6, 60)),
    Caller("no credentials", None, examples(6, 60)),
]


def operation_group(operation: Operation) -> str:
    """Rows of the reliability table: one per kind of operation."""
    if operation.path.startswith("/api/v1/jobs"):
        return "job endpoints"
    if not operation.path.startswith("/api/v1/actions/"):
        return "health and metrics"
    spec = next(s for s in all_actions() if operation.path.endswith(f"/{s.name}"))
    if spec.long_running:
        return "long-running actions"
    if spec.min_tier is Tier.ADMIN:
        return "admin actions"
    return "contributor actions"


def envelope_problem(response: schemathesis.Response) -> str | None:
    """Why a non-2xx answer is not the error envelope, or None when it is."""
    if response.status_code == 500 or response.status_code > 504:
        return f"answered {response.status_code}"
    if response.status_code < 400:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"answered {response.status_code} with a body that is not JSON"
    if not isinstance(body, dict):
        return f"answered {response.status_code} with {type(body).__name__}, not an object"
    for name, kind in ENVELOPE_FIELDS.items():
        if not isinstance(body.get(name), kind):
            return f"answered {response.status_code} without {name} as {kind.__name__}: {body}"
    if body["success"] is not False or not body["errorCode"] or not body["errorMessage"]:
        return f"answered {response.status_code} with an empty or successful envelope: {body}"
    return None


@dataclass
class Tally:
    tried: int = 0
    held: int = 0
    problems: list[str] = field(default_factory=list)


KnownValues = dict[str, list[Any]]


def known_values(service: DemoService, caller: Caller, promotion_id: str) -> KnownValues:
    """Real values for the body fields that name things, so requests get past the lookups."""
    seed = service.seed
    prior = seed.prior_promotion
    emails = [caller.email] if caller.email else [ADMIN]
    groups = [
        list(user.groups) for user in demo_users(service.settings.groups) if user.email in emails
    ]
    return {
        "devAccountId": [account.account_id for account in seed.dev_accounts],
        "devPackageId": [
            seed.full_tree_package_id,
            seed.unmapped_connection_package_id,
            seed.team_b_package_id,
        ],
        "promotionId": [promotion_id],
        "testPromotionId": [promotion_id],
        "componentId": [seed.full_tree_process_id, prior.prod_root_component_id],
        "rootComponentId": [seed.full_tree_process_id],
        "devComponentId": [component.dev_component_id for component in prior.components[:3]],
        "prodComponentId": [component.prod_component_id for component in prior.components[:3]],
        "clientAccountId": [client.account_id for client in seed.client_accounts],
        "environmentId": [
            environment
            for client in seed.client_accounts
            for environment in (client.test_environment_id, client.prod_environment_id)
        ],
        "testEnvironmentId": [client.test_environment_id for client in seed.client_accounts],
        "prodEnvironmentId": [client.prod_environment_id for client in seed.client_accounts],
        **{name: emails for name in IDENTITY_FIELDS},
        "userSsoGroups": groups,
    }


IDENTITY_FIELDS = ("userEmail", "requesterEmail", "reviewerEmail", "initiatorEmail", "initiatedBy")


def with_known_values(body: Any, known: KnownValues, data: st.DataObject) -> Any:
    """``body`` with some of its named fields (at any depth) set to real values."""
    if isinstance(body, list):
        return [with_known_values(item, known, data) for item in body]
    if not isinstance(body, dict):
        return body
    changed: dict[str, Any] = {}
    for name, value in body.items():
        choices = known.get(name)
        if choices and data.draw(st.booleans(), label=f"real {name}"):
            changed[name] = data.draw(st.sampled_from(choices), label=name)
        else:
            changed[name] = with_known_values(value, known, data)
    return changed


def fuzz_operation(
    operation: Operation,
    caller: Caller,
    base_url: str,
    headers: dict[str, str],
    known: KnownValues,
    tally: Tally,
) -> None:
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    session = requests.Session()

    @settings(
        max_examples=caller.examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=not long_run(),
    )
    @given(case=strategy, data=st.data())
    def call(case: Case[Operation], data: st.DataObject) -> None:
        if isinstance(case.body, dict):
            case.body = with_known_values(case.body, known, data)
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=60)
        tally.tried += 1
        problem = envelope_problem(response)
        if problem is None:
            tally.held += 1
        else:
            tally.problems.append(
                f"{operation.label} as {caller.label}: {problem}; body {str(case.body)[:300]}"
            )

    try:
        call()
    finally:
        session.close()


def promotion_made_before_fuzzing(service: DemoService) -> str:
    """A COMPLETED promotion of the demo's full tree, so promotion ids can name a real one."""
    response = requests.post(
        f"{service.base_url}/api/v1/actions/executePromotion",
        json={
            "devAccountId": next(
                a.account_id for a in service.seed.dev_accounts if a.name == "Dev Team A"
            ),
            "devPackageId": service.seed.full_tree_package_id,
        },
        headers={"Authorization": f"Bearer {service.token_for(PROMOTER)}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    promotion_id = response.json()["promotionId"]
    assert isinstance(promotion_id, str)
    return promotion_id


def documented_operations(base_url: str) -> list[Operation]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        assert not isinstance(result, Err), f"the OpenAPI document is invalid: {result.err()}"
        operations.append(result.ok())
    return operations


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller.label.replace(" ", "-"))
def test_no_generated_request_gets_a_500_or_a_bare_error(
    demo_service: DemoService, caller: Caller, reliability: ReliabilityLog
) -> None:
    operations = documented_operations(demo_service.base_url)
    action_names = {spec.name for spec in all_actions()}
    documented = {op.path.rsplit("/", 1)[-1] for op in operations if "/actions/" in op.path}
    assert documented == action_names, "every action is in the OpenAPI document"

    headers = (
        {"Authorization": f"Bearer {demo_service.token_for(caller.email)}"} if caller.email else {}
    )
    known = known_values(demo_service, caller, promotion_made_before_fuzzing(demo_service))
    tallies: dict[str, Tally] = {}
    for operation in operations:
        tally = tallies.setdefault(operation_group(operation), Tally())
        fuzz_operation(operation, caller, demo_service.base_url, headers, known, tally)

    for group, tally in sorted(tallies.items()):
        reliability.record(
            SUITE,
            f"{group}, {caller.label}",
            tried=tally.tried,
            held=tally.held,
            detail="no 500; every non-2xx answer is the error envelope",
        )
    problems = [problem for tally in tallies.values() for problem in tally.problems]
    assert problems == []
