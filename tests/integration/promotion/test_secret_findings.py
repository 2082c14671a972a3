"""Secrets a promotion cannot strip (issue 14), over HTTP against the emulator.

A dev script that writes an API key into its code cannot be emptied without breaking it: the
review (B), the plan (C2) and the promotion (C) all list it — component, script line, kind,
never the value — and the promotion is refused with 422 ``SECRETS_DETECTED`` before anything
changes in Boomi. An admin may accept a finding as a false positive (manageSecretAllowlist,
audited); then it no longer blocks, until the entry is removed.
"""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.promotion.support import (
    ALICE,
    CAROL,
    live_branch_ids,
    primary_revisions,
    promote,
    store_of,
    team_a,
    writes_to_boomi,
)
from tests.support.service import DemoService

XML = {"Accept": "application/xml", "Content-Type": "application/xml"}
SCRIPT = "Stamp Batch Id"
MARKER = "ak-live-0042-Qx9Zr"
PLANTED_LINE = f'def apiKey = "{MARKER}"\n'
ANCHOR = "import com.boomi.execution.ExecutionUtil\n"
"""The script's first line; the key is written right after it (line 3 of the CDATA text)."""
LOCATION = "/ProcessingScript/script line 3"


def dev_component_id(service: DemoService, name: str) -> str:
    state = service.emulator.state
    with state.lock:
        return next(
            record.component_id
            for record in state.components.values()
            if record.account_id == team_a(service)
            and record.revisions[max(record.revisions)].name == name
        )


async def plant_key_in_script(service: DemoService) -> str:
    """Write an API key into the full tree's process script, as a careless developer would."""
    component_id = dev_component_id(service, SCRIPT)
    params = {"overrideAccount": team_a(service)}
    async with service.emulator.async_client(headers=XML) as boomi:
        current = await boomi.get(f"/Component/{component_id}", params=params)
        current.raise_for_status()
        assert current.text.count(ANCHOR) == 1
        saved = await boomi.post(
            f"/Component/{component_id}",
            params=params,
            content=current.text.replace(ANCHOR, ANCHOR + PLANTED_LINE),
        )
        saved.raise_for_status()
    return component_id


def expected_finding(component_id: str, *, allowlisted: bool = False) -> dict[str, Any]:
    return {
        "componentId": component_id,
        "componentName": SCRIPT,
        "componentType": "script.processing",
        "location": LOCATION,
        "kind": "secret-assignment",
        "description": "a value given to a secret-named variable or key",
        "allowlisted": allowlisted,
    }


async def call(service: DemoService, email: str, name: str, **body: Any) -> dict[str, Any]:
    response = await service.call(email, name, body)
    assert MARKER not in response.text
    result: dict[str, Any] = response.json()
    result["_status"] = response.status_code
    return result


async def review(service: DemoService) -> dict[str, Any]:
    root = service.emulator.state.packages[service.seed.full_tree_package_id].component_id
    tree = await call(
        service, ALICE, "resolveDependencies", devAccountId=team_a(service), rootComponentId=root
    )
    assert tree["_status"] == 200, tree
    return tree


async def allowlist(service: DemoService, email: str, **body: Any) -> dict[str, Any]:
    return await call(service, email, "manageSecretAllowlist", **body)


async def test_a_key_in_a_script_refuses_the_promotion_before_anything_changes(
    demo_service: DemoService,
) -> None:
    component_id = await plant_key_in_script(demo_service)
    branches, revisions = live_branch_ids(demo_service), primary_revisions(demo_service)
    demo_service.emulator.state.request_log.clear()

    response = await promote(demo_service, demo_service.seed.full_tree_package_id)

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errorCode"] == "SECRETS_DETECTED"
    assert body["secretFindings"] == [expected_finding(component_id)]
    assert SCRIPT in body["errorMessage"]
    assert MARKER not in response.text
    # Refused before the branch, the folders, any write — and no earlier promotion superseded.
    assert writes_to_boomi(demo_service) == []
    assert live_branch_ids(demo_service) == branches
    assert primary_revisions(demo_service) == revisions
    async with store_of(demo_service) as uow:
        promotion = await uow.promotions.get(body["promotionId"])
        assert promotion is not None
        assert promotion.status == PromotionStatus.FAILED
        assert promotion.branch_id is None
        assert MARKER not in repr(promotion.result_detail)


async def test_the_review_and_the_plan_list_the_same_findings(
    demo_service: DemoService,
) -> None:
    component_id = await plant_key_in_script(demo_service)

    tree = await review(demo_service)
    plan = await call(
        demo_service,
        ALICE,
        "planPromotion",
        devAccountId=team_a(demo_service),
        devPackageId=demo_service.seed.full_tree_package_id,
    )

    assert tree["secretFindings"] == [expected_finding(component_id)]
    assert tree["blockingSecretCount"] == 1
    assert plan["secretFindings"] == [expected_finding(component_id)]
    assert plan["wouldPromote"] is False
    [finding] = [f for f in plan["findings"] if f["code"] == "SECRETS_DETECTED"]
    assert finding["componentIds"] == [component_id]


async def test_only_an_admin_allowlists_a_finding_it_is_audited_and_it_unblocks(
    demo_service: DemoService,
) -> None:
    component_id = await plant_key_in_script(demo_service)
    entry = {
        "action": "add",
        "devAccountId": team_a(demo_service),
        "componentId": component_id,
        "location": LOCATION,
        "reason": "A documented test key of the sandbox, not a credential.",
    }

    refused = await allowlist(demo_service, ALICE, **entry)
    added = await allowlist(demo_service, CAROL, **entry)

    assert (refused["_status"], refused["errorCode"]) == (403, "INSUFFICIENT_TIER")
    assert added["_status"] == 200, added
    [stored] = added["entries"]
    assert (stored["componentName"], stored["kind"], stored["createdBy"]) == (
        SCRIPT,
        "secret-assignment",
        CAROL,
    )
    async with store_of(demo_service) as uow:
        audit = await uow.audit.list_entries(target_type="secret_allowlist", target_id=component_id)
    [entry_audit] = audit.items
    assert (entry_audit.action, entry_audit.actor_email) == ("secret_allowlist.added", CAROL)
    assert entry_audit.detail is not None
    assert entry_audit.detail["before"] is None
    assert entry_audit.detail["after"]["location"] == LOCATION
    assert MARKER not in repr(entry_audit.detail)

    tree = await review(demo_service)
    assert tree["secretFindings"] == [expected_finding(component_id, allowlisted=True)]
    assert tree["blockingSecretCount"] == 0
    promoted = await promote(demo_service, demo_service.seed.full_tree_package_id)
    assert promoted.status_code == 200, promoted.text

    removed = await allowlist(
        demo_service, CAROL, action="remove", componentId=component_id, location=LOCATION
    )
    assert removed["_status"] == 200, removed
    assert (await review(demo_service))["blockingSecretCount"] == 1
    async with store_of(demo_service) as uow:
        audit = await uow.audit.list_entries(target_type="secret_allowlist", target_id=component_id)
    assert [e.action for e in audit.items] == ["secret_allowlist.added", "secret_allowlist.removed"]


async def test_an_entry_must_name_a_finding_the_component_carries_now(
    demo_service: DemoService,
) -> None:
    component_id = await plant_key_in_script(demo_service)
    entry = {
        "action": "add",
        "devAccountId": team_a(demo_service),
        "componentId": component_id,
        "reason": "A documented test key of the sandbox.",
    }

    wrong_line = await allowlist(
        demo_service, CAROL, **entry, location="/ProcessingScript/script line 2"
    )
    no_reason = await allowlist(demo_service, CAROL, **{**entry, "reason": "ok"}, location=LOCATION)
    missing = await allowlist(
        demo_service, CAROL, action="remove", componentId=component_id, location=LOCATION
    )
    listed = await allowlist(demo_service, CAROL, action="query")

    assert (wrong_line["_status"], wrong_line["errorCode"]) == (404, "SECRET_FINDING_NOT_FOUND")
    assert (no_reason["_status"], no_reason["errorField"]) == (400, "reason")
    assert (missing["_status"], missing["errorCode"]) == (404, "ALLOWLIST_ENTRY_NOT_FOUND")
    assert (listed["_status"], listed["entries"], listed["total"]) == (200, [], 0)
