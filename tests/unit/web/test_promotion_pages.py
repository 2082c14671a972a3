"""Promotion Review (the tree, what blocks Promote, submitting the job) and Promotion Status."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import httpx
import pytest

from boomi_promo.actions.dependencies import (
    DependencyItem,
    ReferenceCycle,
    ResolveDependenciesResponse,
    UnmappedConnection,
)
from boomi_promo.actions.promotion import ExecutePromotionRequest
from boomi_promo.actions.secret_allowlist import SecretFindingItem
from boomi_promo.errors import UpstreamFailure
from boomi_promo.jobs.runner import job_document
from boomi_promo.store import Job, JobState
from tests.unit.web.support import (
    HTMX,
    FakeActions,
    FakeContainer,
    csrf_token_in,
    package,
    sign_in,
)

REVIEW = "/promote?account=acct-a&package=pkg-001"
ROW_NAMES = re.compile(r'<div class="component-name">([^<]*)</div>')


def item(name: str, component_type: str, depth: int, **fields: Any) -> DependencyItem:
    values: dict[str, Any] = {
        "component_id": f"dev-{name.lower().replace(' ', '-')}",
        "component_name": name,
        "component_type": component_type,
        "dependency_type": "ROOT" if depth == 0 else "DEPENDENT",
        "depth": depth,
        "folder_full_path": "Dev Team A/DevTeamA/Orders",
        "action": "SKIP" if component_type == "connector-settings" else "CREATE",
    }
    values.update(fields)
    return DependencyItem(**values)


def orders_tree(*items: DependencyItem, **fields: Any) -> ResolveDependenciesResponse:
    dependencies = list(items) or [
        item("Orders Sync", "process", 0),
        item("Get Orders", "connector-action", 1),
        item(
            "Orders API",
            "connector-settings",
            2,
            mapping_exists=True,
            is_connection=True,
            prod_component_id="prod-orders-api",
            has_environment_values=True,
        ),
        item("Order JSON", "profile.json", 2),
        item(
            "Order Map",
            "transform.map",
            1,
            action="UPDATE",
            prod_component_id="prod-order-map",
            prod_latest_version=4,
        ),
        item("Order Script", "script.processing", 2, has_environment_values=True),
    ]
    values: dict[str, Any] = {
        "root_component_id": dependencies[0].component_id,
        "root_component_name": dependencies[0].component_name,
        "dependencies": dependencies,
        "total_components": len(dependencies),
        "to_create": sum(1 for d in dependencies if d.action == "CREATE"),
        "to_update": sum(1 for d in dependencies if d.action == "UPDATE"),
        "connections": sum(1 for d in dependencies if d.is_connection),
    }
    values.update(fields)
    return ResolveDependenciesResponse(**values)


@pytest.fixture
def orders(actions: FakeActions) -> FakeActions:
    actions.packages["acct-a"] = [package(1, component_id="dev-orders-sync")]
    actions.trees["dev-orders-sync"] = orders_tree()
    return actions


def names(html: str) -> list[str]:
    return [unescape(name) for name in ROW_NAMES.findall(html)]


RESULT_BADGES = re.compile(r'<span class="badge result-[a-z]+" data-result="[A-Z]+">([^<]+)</span>')


def results_shown(html: str) -> list[str]:
    """The result badges of the components table, as words (the code stays an attribute)."""
    return RESULT_BADGES.findall(html)


def promote_button(html: str) -> str:
    found = re.search(r"<button[^>]*>Promote</button>", html)
    assert found is not None, "the page has no Promote button"
    return found.group(0)


def running_job(owner: str = "alice@example.com", **fields: Any) -> Job:
    values: dict[str, Any] = {
        "action": "executePromotion",
        "process_name": "C · PROMO - Execute Promotion",
        "request": {
            "devAccountId": "acct-a",
            "devPackageId": "pkg-001",
            "promotionMetadata": {"processName": "Orders Sync"},
        },
        "principal_email": owner,
        "state": JobState.RUNNING,
        "progress": {"step": "promote", "current": 3, "total": 12, "message": "Order Map"},
        "started_at": datetime(2025, 3, 4, 9, 30, tzinfo=UTC),
    }
    values.update(fields)
    return Job(**values)


def finished_job(response: dict[str, Any], *, succeeded: bool = True) -> Job:
    return running_job(
        state=JobState.SUCCEEDED if succeeded else JobState.FAILED,
        progress={"step": "finish", "message": "Recording mappings"},
        response=response,
        http_status=200 if succeeded else 409,
        promotion_id=response.get("promotionId"),
    )


RESULTS = [
    {
        "devComponentId": "dev-order-json",
        "prodComponentId": "prod-1",
        "componentName": "Order JSON",
        "componentType": "profile.json",
        "action": "CREATED",
        "version": 1,
        "error": "",
    },
    {
        "devComponentId": "dev-order-map",
        "prodComponentId": "prod-order-map",
        "componentName": "Order Map",
        "componentType": "transform.map",
        "action": "UPDATED",
        "version": 5,
        "error": "",
    },
]


# --- Promotion Review ----------------------------------------------------------------------


async def test_each_package_row_links_to_its_review(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")

    listing = await client.get("/packages/list?account=acct-a", headers=HTMX)

    assert 'href="/promote?account=acct-a&amp;package=pkg-001"' in listing.text
    assert 'aria-label="Review Order Sync 001 1.1">Review</a>' in listing.text


async def test_the_review_shows_the_tree_with_what_will_happen_to_each_component(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get(REVIEW)

    assert page.status_code == 200
    assert "Review: Order Sync 001" in page.text
    assert orders.calls_of("resolveDependencies") == [
        {"devAccountId": "acct-a", "rootComponentId": "dev-orders-sync"}
    ]
    tree, connections = page.text.split("<h2>Shared connections</h2>")
    # Root first, then each level; the connection is listed apart from what is promoted.
    assert names(tree) == ["Orders Sync", "Get Orders", "Order Map", "Order JSON", "Order Script"]
    assert names(connections) == ["Orders API"]
    assert re.search(r'class="tree-node depth-2">\s*<div class="component-name">Order JSON', tree)
    assert '<span class="badge component-type type-transform">transform.map</span>' in tree
    assert tree.count('data-action="CREATE">Create</span>') == 4
    update = tree.split("Order Map")[1].split("</tr>")[0]
    assert '<span class="badge action-update" data-action="UPDATE">Update</span>' in update
    assert "prod-order-map" in update and "now version 4" in update
    script = tree.split("Order Script")[1].split("</tr>")[0]
    assert "Environment values will be stripped" in script
    assert "Shared connection — not promoted" in connections
    assert '<span class="badge mapping-ok">Mapped</span>' in connections
    assert "prod-orders-api" in connections
    assert re.search(r"<dt>Components</dt><dd>6</dd>", page.text)
    assert re.search(r"<dt>To create</dt><dd>4</dd>", page.text)
    assert re.search(r"<dt>To update</dt><dd>1</dd>", page.text)
    assert re.search(r"<dt>Unmapped connections</dt><dd>0</dd>", page.text)
    assert "disabled" not in promote_button(page.text)
    assert "Promote is not available" not in page.text


async def test_unmapped_connections_block_promote_and_are_named(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    connections = [
        item("SFTP Drop", "connector-settings", 2, is_connection=True),
        item("Billing DB", "connector-settings", 2, is_connection=True),
    ]
    orders.trees["dev-orders-sync"] = orders_tree(
        item("Orders Sync", "process", 0),
        *connections,
        unmapped_connection_count=2,
        unmapped_connections=[
            UnmappedConnection(
                dev_component_id=c.component_id,
                name=c.component_name,
                type=c.component_type,
                dev_account_id="acct-a",
            )
            for c in connections
        ],
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(REVIEW)

    assert 'disabled aria-describedby="promote-blocked"' in promote_button(page.text)
    assert (
        "2 connections have no mapping in the primary account; "
        "ask a platform admin to map them: SFTP Drop, Billing DB."
    ) in page.text
    assert page.text.count('<span class="badge mapping-missing">Unmapped</span>') == 2
    assert 'class="count-problem"><dt>Unmapped connections</dt><dd>2</dd>' in page.text


async def test_a_cycle_or_an_unreadable_component_blocks_promote(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    orders.trees["dev-orders-sync"] = orders_tree(
        item("Orders Sync", "process", 0),
        item("Sub A", "process", 1),
        item("Sub B", "process", 2, error="the component XML could not be parsed safely"),
        cycles=[
            ReferenceCycle(
                component_ids=["dev-sub-a", "dev-sub-b"], component_names=["Sub A", "Sub B"]
            )
        ],
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(REVIEW)

    assert "disabled" in promote_button(page.text)
    text = unescape(page.text)
    assert "Components reference each other in a circle: Sub A → Sub B → Sub A" in text
    assert (
        "Sub B cannot be promoted as it is: the component XML could not be parsed safely." in text
    )
    assert re.search(r'<tr data-component-id="dev-sub-b" class="tree-row has-error">', page.text)
    assert (
        '<p class="component-error">the component XML could not be parsed safely</p>' in page.text
    )


def secret_finding(**fields: Any) -> SecretFindingItem:
    values: dict[str, Any] = {
        "component_id": "dev-order-script",
        "component_name": "Order Script",
        "component_type": "script.processing",
        "location": "/ProcessingScript/script line 3",
        "kind": "secret-assignment",
        "description": "a value given to a secret-named variable or key",
    }
    values.update(fields)
    return SecretFindingItem(**values)


async def test_secrets_that_cannot_be_stripped_block_promote_and_are_listed(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    orders.trees["dev-orders-sync"] = orders_tree(
        secret_findings=[
            secret_finding(),
            secret_finding(
                component_id="dev-orders-sync",
                component_name="Orders Sync",
                component_type="process",
                location="bns:description",
                kind="url-credentials",
                description="credentials in a URL",
            ),
        ],
        blocking_secret_count=2,
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(REVIEW)

    assert 'disabled aria-describedby="promote-blocked"' in promote_button(page.text)
    assert "2 secrets cannot be stripped (listed below)" in page.text
    assert 'class="count-problem"><dt>Secrets that cannot be stripped</dt><dd>2</dd>' in page.text
    rows = re.findall(r'<tr data-component-id="([^"]+)" data-location="([^"]+)"', page.text)
    assert rows == [
        ("dev-order-script", "/ProcessingScript/script line 3"),
        ("dev-orders-sync", "bns:description"),
    ]
    # Listed before Promote, so the author sees why before trying.
    assert page.text.index('id="secret-findings"') < page.text.index(">Promote</button>")


async def test_allowlisted_findings_are_shown_and_do_not_block(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    orders.trees["dev-orders-sync"] = orders_tree(
        secret_findings=[secret_finding(allowlisted=True)], blocking_secret_count=0
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(REVIEW)

    assert "disabled" not in promote_button(page.text)
    assert "Accepted by an admin as not secrets" in page.text
    assert "Allowlisted by an admin" in page.text
    assert "<dt>Secrets that cannot be stripped</dt><dd>0</dd>" in page.text


async def test_a_package_that_is_not_in_the_account_is_not_found(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get("/promote?account=acct-a&package=pkg-404")

    assert page.status_code == 404
    assert "Dev account acct-a has no package pkg-404" in page.text
    assert orders.calls_of("resolveDependencies") == []


async def test_a_package_newer_than_the_cached_listing_is_found(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")
    await client.get("/packages/list?account=acct-a", headers=HTMX)
    orders.packages["acct-a"].append(package(2, component_id="dev-orders-sync"))

    page = await client.get("/promote?account=acct-a&package=pkg-002")

    assert page.status_code == 200
    assert "Review: Order Sync 002" in page.text
    assert orders.package_calls() == 2


async def test_an_account_that_is_not_granted_is_refused(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    await sign_in(client, "dave@example.com")

    page = await client.get(REVIEW)

    assert page.status_code == 403
    assert "Your groups do not grant access to dev account &#39;acct-a&#39;." in page.text


async def test_a_boomi_failure_while_resolving_is_explained_with_a_way_to_try_again(
    client: httpx.AsyncClient, orders: FakeActions
) -> None:
    orders.refusals["resolveDependencies"] = UpstreamFailure(
        "Boomi is unavailable right now; try again in a few minutes.",
        error_code="BOOMI_UNAVAILABLE",
        status_code=503,
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(REVIEW)

    assert page.status_code == 503
    assert "Boomi is unavailable right now; try again in a few minutes." in page.text
    assert f'<a href="{REVIEW.replace("&", "&amp;")}">Try again</a>' in page.text


async def test_promote_submits_the_reviewed_tree_as_a_job_and_opens_its_status(
    client: httpx.AsyncClient, orders: FakeActions, container: FakeContainer
) -> None:
    await sign_in(client, "alice@example.com")
    review = await client.get(REVIEW)
    form = {
        "csrf_token": csrf_token_in(review.text),
        "account": "acct-a",
        "package": "pkg-001",
        "root": "dev-orders-sync",
        "process_name": "Orders Sync",
        "component": re.findall(r'name="component" value="([^"]+)"', review.text),
    }

    response = await client.post("/promote", data=form)

    assert response.status_code == 303
    [job] = container.jobs.jobs.values()
    assert response.headers["location"] == f"/jobs/{job.id}"
    assert job.action == "executePromotion"
    assert job.principal_email == "alice@example.com"
    [submitted] = container.jobs.submitted
    assert isinstance(submitted, ExecutePromotionRequest)
    assert submitted.dev_account_id == "acct-a"
    assert submitted.dev_package_id == "pkg-001"
    assert submitted.root_component_id == "dev-orders-sync"
    assert submitted.components is not None
    assert [c.component_id for c in submitted.components] == [
        d.component_id for d in orders.trees["dev-orders-sync"].dependencies
    ]
    assert submitted.promotion_metadata is not None
    assert submitted.promotion_metadata.process_name == "Orders Sync"


async def test_promote_without_the_csrf_token_starts_nothing(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    await sign_in(client, "alice@example.com")

    response = await client.post("/promote", data={"account": "acct-a", "package": "pkg-001"})

    assert response.status_code == 403
    assert container.jobs.jobs == {}


async def test_a_promote_the_service_refuses_at_once_is_explained(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get("/packages")

    response = await client.post(
        "/promote", data={"csrf_token": csrf_token_in(page.text), "account": "acct-a"}
    )

    assert response.status_code == 400
    assert "The promotion did not start" in response.text
    assert "devPackageId" in response.text
    assert container.jobs.jobs == {}


async def test_a_readonly_user_cannot_review_or_promote(client: httpx.AsyncClient) -> None:
    await sign_in(client, "olivia@example.com")

    assert (await client.get(REVIEW)).status_code == 403
    assert (await client.get("/jobs/any")).status_code == 403


# --- Promotion Status ------------------------------------------------------------------------


async def test_a_running_promotion_shows_its_step_and_position(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(running_job())
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert page.status_code == 200
    assert "Promotion of Orders Sync" in page.text
    assert "<strong data-progress-title>Writing components to the branch</strong>" in page.text
    assert "component 3 of 12 — Order Map" in page.text
    assert '<progress data-progress-bar aria-label="Promotion progress" max="12" value="3">' in (
        page.text
    )
    assert f'data-job-events="/jobs/{job.id}/events"' in page.text
    titles = re.search(r'data-step-titles="([^"]+)"', page.text)
    assert titles is not None
    assert json.loads(unescape(titles.group(1)))["branch"] == "Creating the promotion branch"
    assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None
    assert " style=" not in page.text


async def test_a_queued_promotion_says_it_is_waiting(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(running_job(state=JobState.QUEUED, progress=None))
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert "<strong data-progress-title>Waiting to start</strong>" in page.text
    # No count yet: the bar is indeterminate.
    assert '<progress data-progress-bar aria-label="Promotion progress"></progress>' in page.text


async def test_a_finished_promotion_shows_the_branch_and_every_result(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(
        finished_job(
            {
                "success": True,
                "promotionId": "promo-1",
                "branchId": "branch-9",
                "branchName": "promo-promo-1",
                "connectionsSkipped": 1,
                "promotionResults": RESULTS,
            }
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert "Promotion complete." in page.text
    assert "1 created, 1 updated, 1 shared connection used as mapped, on branch promo-promo-1" in (
        page.text
    )
    assert '<dd class="mono">branch-9</dd>' in page.text
    assert '<dd class="mono">promo-1</dd>' in page.text
    assert names(page.text) == ["Order JSON", "Order Map"]
    assert results_shown(page.text) == ["Created", "Updated"]
    assert "data-job-events" not in page.text


async def test_a_failed_promotion_shows_why_and_what_happened_to_each_component(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    results = [
        {**RESULTS[0], "action": "FAILED", "error": "Boomi refused the component.", "version": 0},
        {**RESULTS[1], "action": "SKIPPED", "prodComponentId": "", "version": 0},
    ]
    job = container.jobs.add(
        finished_job(
            {
                "success": False,
                "errorCode": "PROMOTION_FAILED",
                "errorMessage": "Order JSON could not be written; the branch was deleted.",
                "promotionId": "promo-2",
                "promotionResults": results,
            },
            succeeded=False,
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert "The promotion failed.</strong> Order JSON could not be written; the branch was" in (
        page.text
    )
    assert results_shown(page.text) == ["Failed", "Skipped"]
    assert '<td class="component-error">Boomi refused the component.</td>' in page.text
    assert 'class="has-error"' in page.text


async def test_a_promotion_with_nothing_changed_says_so_not_that_it_failed(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    results = [{**r, "action": "UNCHANGED"} for r in RESULTS]
    job = container.jobs.add(
        finished_job(
            {
                "success": False,
                "errorCode": "NOTHING_TO_PROMOTE",
                "errorMessage": "Nothing to promote: all 2 component(s) of Orders Sync are the "
                "same as in production (main). Nothing was written and no branch was created.",
                "promotionId": "promo-3",
                "promotionResults": results,
            },
            succeeded=False,
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert (
        "<strong>Nothing to promote.</strong> Nothing to promote: all 2 component(s)" in page.text
    )
    assert "The promotion failed" not in page.text
    assert results_shown(page.text) == ["Unchanged", "Unchanged"]


async def test_a_finished_promotion_counts_what_it_left_unchanged(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    results = [RESULTS[0], {**RESULTS[1], "action": "UNCHANGED"}]
    job = container.jobs.add(
        finished_job(
            {
                "success": True,
                "promotionId": "promo-4",
                "branchId": "branch-9",
                "branchName": "promo-promo-4",
                "connectionsSkipped": 0,
                "promotionResults": results,
            }
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert "1 created, 0 updated, 1 unchanged (not written), on branch promo-promo-4" in page.text
    assert re.findall(r'class="change-mark [a-z-]+" data-changed="\w+">(\w+)<', page.text) == [
        "Changed",
        "Unchanged",
    ]


async def test_missing_connection_mappings_are_listed(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(
        finished_job(
            {
                "success": False,
                "errorCode": "MISSING_CONNECTION_MAPPINGS",
                "errorMessage": "2 connections have no mapping; nothing was written.",
                "missingConnectionMappings": [
                    {
                        "devComponentId": "c-1",
                        "name": "SFTP Drop",
                        "type": "connector-settings",
                        "devAccountId": "acct-a",
                    },
                    {
                        "devComponentId": "c-2",
                        "name": "Billing DB",
                        "type": "connector-settings",
                        "devAccountId": "acct-a",
                    },
                ],
            },
            succeeded=False,
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert "2 connections have no mapping; nothing was written." in page.text
    assert '<li>SFTP Drop <span class="mono">c-1</span> has no mapping.</li>' in page.text
    assert '<li>Billing DB <span class="mono">c-2</span> has no mapping.</li>' in page.text


async def test_a_promotion_refused_for_secrets_lists_where_they_are(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    finding = secret_finding().model_dump(by_alias=True)
    job = container.jobs.add(
        finished_job(
            {
                "success": False,
                "errorCode": "SECRETS_DETECTED",
                "errorMessage": "1 secret(s) in 1 component(s) cannot be stripped: Order Script.",
                "secretFindings": [finding],
            },
            succeeded=False,
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert "cannot be stripped: Order Script." in page.text
    assert 'data-location="/ProcessingScript/script line 3"' in page.text
    assert 'data-kind="secret-assignment"' in page.text


async def test_a_tree_that_changed_since_the_review_asks_for_a_new_review(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(
        finished_job(
            {
                "success": False,
                "errorCode": "DEPENDENCIES_CHANGED",
                "errorMessage": "The dependency tree changed since it was reviewed; review it "
                "again before promoting.",
            },
            succeeded=False,
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}")

    assert "The dependency tree changed since it was reviewed" in page.text
    assert '<a href="/promote?account=acct-a&amp;package=pkg-001">Review the tree again</a>' in (
        page.text
    )


async def test_only_the_owner_or_an_admin_sees_a_job(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(running_job(owner="alice@example.com"))

    await sign_in(client, "bob@example.com")
    refused = await client.get(f"/jobs/{job.id}")
    assert refused.status_code == 404
    assert f"There is no promotion job {job.id} that you may see." in refused.text
    assert "Orders Sync" not in refused.text
    assert (await client.get(f"/jobs/{job.id}/events")).status_code == 404

    await sign_in(client, "carol@example.com")
    assert (await client.get(f"/jobs/{job.id}")).status_code == 200


async def test_htmx_gets_only_the_status_section(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(finished_job({"success": True, "promotionResults": RESULTS}))
    await sign_in(client, "alice@example.com")

    fragment = await client.get(f"/jobs/{job.id}", headers=HTMX)

    assert fragment.text.lstrip().startswith('<section id="job-status"')
    assert "<html" not in fragment.text


async def test_the_event_stream_sends_the_job_document_until_the_job_has_finished(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(running_job(progress={"step": "branch", "message": "Creating"}))
    later = running_job(progress={"step": "promote", "current": 1, "total": 2, "message": "A"})
    done = finished_job({"success": True, "promotionResults": RESULTS})
    for changed in (later, done):
        changed.id = job.id
    container.jobs.changes[job.id] = [job, later, done]
    await sign_in(client, "alice@example.com")

    response = await client.get(f"/jobs/{job.id}/events")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [
        (block.split("\n")[0].removeprefix("event: "), json.loads(block.split("\n")[1][6:]))
        for block in response.text.strip().split("\n\n")
    ]
    assert [name for name, _ in events] == ["progress", "progress", "done"]
    assert [data for _, data in events] == [job_document(j) for j in (job, later, done)]
    assert events[1][1]["progress"] == {"step": "promote", "current": 1, "total": 2, "message": "A"}
    assert events[2][1]["response"]["promotionResults"] == RESULTS


async def test_the_event_stream_needs_a_session(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(running_job())

    response = await client.get(f"/jobs/{job.id}/events")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
