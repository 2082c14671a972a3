"""The Extensions pages over HTTP, with K, L, M, N, O and Q answered by a fake."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from boomi_promo.actions.scripts import ScriptIssueItem
from boomi_promo.boomi.models import EnvironmentMapExtension
from boomi_promo.config import Settings
from boomi_promo.errors import Conflict, Forbidden
from boomi_promo.store import Job, JobState, UnitOfWorkFactory, create_engine, upgrade_database
from boomi_promo.web import gateway
from tests.unit.web.extension_fakes import (
    EXTENSIONS,
    STORED_SECRET,
    FakeExtensionActions,
    map_extension,
)
from tests.unit.web.support import FakeContainer, csrf_token_in, sign_in

MANAGER = "/extensions?account=client-co&env=test"


@pytest.fixture
async def container(tmp_path: Path) -> AsyncIterator[FakeContainer]:
    """With a real store: pending saves wait there (any replica may confirm them)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'promo.db'}"
    await upgrade_database(url)
    engine = create_engine(url)
    try:
        yield FakeContainer(
            settings=Settings(data_dir=tmp_path), uow_factory=UnitOfWorkFactory(engine)
        )
    finally:
        await engine.dispose()


@pytest.fixture
def actions(monkeypatch: pytest.MonkeyPatch) -> FakeExtensionActions:
    fake = FakeExtensionActions()
    monkeypatch.setattr(gateway, "execute_action", fake)
    return fake


@pytest.fixture
def read_maps(monkeypatch: pytest.MonkeyPatch) -> list[EnvironmentMapExtension]:
    """Map extensions the pages read, in order (the last one repeats)."""
    answers = [map_extension()]

    async def read(*args: Any) -> EnvironmentMapExtension:
        return answers.pop(0) if len(answers) > 1 else answers[0]

    monkeypatch.setattr(gateway, "map_extension", read)
    return answers


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def component(html: str, component_id: str) -> str:
    found = re.search(
        rf'<section class="extension-component[^"]*" data-component-id="{component_id}"'
        r".*?</section>",
        html,
        re.S,
    )
    assert found is not None, component_id
    return found.group(0)


def form_of(html: str) -> dict[str, str]:
    """The manager's form as a browser would send it untouched: inputs and checked boxes."""
    form = re.search(r'<form method="post" action="/extensions/review".*?</form>', html, re.S)
    assert form is not None
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form.group(0)):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or " disabled" in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if kind is not None and kind.group(1) == "checkbox" and " checked" not in tag:
            continue
        key = unescape(name.group(1))
        text = unescape(value.group(1)) if value else ""
        fields[key] = fields[key] + "\n" + text if key == "component" and key in fields else text
    return fields


async def review(client: httpx.AsyncClient, changes: dict[str, str | None]) -> httpx.Response:
    page = await client.get(MANAGER)
    fields = form_of(page.text)
    components = fields.pop("component").split("\n")
    for key, value in changes.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    body = list(fields.items()) + [("component", c) for c in components]
    return await client.post(
        "/extensions/review",
        content=urlencode(body),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


async def test_components_are_grouped_by_process_with_connections_locked_for_contributors(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get("/extensions")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Client Co Test" in text  # the only client account opens at once, on Test
    groups = re.findall(r'<section class="process-group"[^>]*>\s*<h2[^>]*>([^<]+)', page.text)
    assert [g.strip() for g in groups] == ["Billing", "Orders Sync", "Environment-wide"]

    connection = component(page.text, "conn-orders-api")
    assert "Connection settings are locked: only admins may change them." in text_of(connection)
    assert 'name="conn-orders-api' not in connection
    assert all(" disabled" in tag for tag in re.findall(r"<input type=\"text\"[^>]*>", connection))
    assert "set" in text_of(connection) and STORED_SECRET not in page.text

    rates = text_of(component(page.text, "xref-rates"))
    assert "belongs to Billing from dev account Dev Team B" in rates
    assert "Shared by several processes" in rates
    settings = component(page.text, "pp-orders")
    assert 'name="component" value="processProperties~pp-orders"' in settings
    assert "apply to every process in the environment" in text_of(
        component(page.text, "environment")
    )


async def test_an_admin_may_edit_connections(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "carol@example.com")
    page = await client.get(MANAGER)
    connection = component(page.text, "conn-orders-api")
    assert "Locked" not in connection
    assert 'value="connections~conn-orders-api"' in connection


async def test_search_keeps_the_matching_components(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get(MANAGER + "&q=limit")
    assert re.findall(r'data-component-id="([^"]+)"', page.text) == ["pp-orders"]
    assert "1 of 5 components" in text_of(page.text)


async def test_save_shows_the_changes_then_sends_only_the_changed_component(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")
    summary = await review(client, {"processProperties~pp-orders~limit": "300"})
    assert summary.status_code == 200
    text = text_of(summary.text)
    assert "Save these changes to Client Co Test?" in text
    assert "Orders Settings" in text and "Limit: '250' → '300'" in text
    assert re.findall(r'<li data-component-id="([^"]+)"', summary.text) == ["pp-orders"]
    assert actions.updates == []  # nothing is sent before the confirmation

    saved = await client.post(
        "/extensions/save",
        data={"csrf_token": csrf_token_in(summary.text), "token": _token(summary.text)},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == MANAGER
    [update] = actions.updates
    assert update["partial"] is True
    # Every section is sent (Boomi's schema requires them); only the changed one has content.
    filled = {k for k, v in update.items() if isinstance(v, dict) and any(v.values())}
    assert filled == {"processProperties"}
    values = update["processProperties"]["ProcessProperty"][0]["ProcessPropertyValue"]
    assert values == [
        {
            "key": "region",
            "useDefault": True,
            "usesEncryption": False,
            "encryptedValueSet": False,
            "componentOverride": False,
        },
        {
            "key": "limit",
            "value": "300",
            "useDefault": False,
            "usesEncryption": False,
            "encryptedValueSet": False,
            "componentOverride": False,
        },
        {
            "key": "token",
            "useDefault": False,
            "usesEncryption": True,
            "encryptedValueSet": False,
            "componentOverride": False,
        },
    ]
    after = await client.get(saved.headers["location"])
    assert "Saved in Client Co Test: 1 value updated in 1 component." in text_of(after.text)

    again = await client.post(
        "/extensions/save",
        data={"csrf_token": csrf_token_in(summary.text), "token": _token(summary.text)},
    )
    assert again.status_code == 409  # a confirmation saves once
    assert len(actions.updates) == 1


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_a_new_secret_is_sent_but_never_shown_back(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")
    summary = await review(client, {"processProperties~pp-orders~token:secret": "new-token-42"})
    assert "Token: a new secret value is set" in text_of(summary.text)
    assert "new-token-42" not in summary.text
    await client.post(
        "/extensions/save",
        data={"csrf_token": csrf_token_in(summary.text), "token": _token(summary.text)},
    )
    values = actions.updates[0]["processProperties"]["ProcessProperty"][0]["ProcessPropertyValue"]
    assert values[2]["value"] == "new-token-42"


async def test_a_use_default_toggle_and_a_table_row_are_changes(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "carol@example.com")
    summary = await review(
        client,
        {
            "processProperties~pp-orders~limit:default": "1",
            "crossReferences~xref-rates~r1c0": "DE",
            "crossReferences~xref-rates~r1c1": "19",
        },
    )
    text = text_of(summary.text)
    assert "Limit: back to its default" in text
    assert "Row added: DE | 19" in text
    await client.post(
        "/extensions/save",
        data={"csrf_token": csrf_token_in(summary.text), "token": _token(summary.text)},
    )
    table = actions.updates[0]["crossReferences"]["crossReference"][0]
    assert table["overrideValues"] is True
    assert table["CrossReferenceRows"] == {
        "row": [{"ref1": "NL", "ref2": "21"}, {"ref1": "DE", "ref2": "19"}]
    }


async def test_nothing_changed_saves_nothing(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")
    response = await review(client, {})
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Nothing was changed, so nothing was saved." in text_of(page.text)


async def test_a_refusal_names_the_component_and_says_nothing_was_saved(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    actions.refusals["updateExtensions"] = Forbidden(
        "Your groups may not change Orders Settings. Nothing was saved.",
        error_code="UNAUTHORIZED_EXTENSION_EDIT",
        details={
            "errors": [
                {
                    "componentId": "pp-orders",
                    "componentName": "Orders Settings",
                    "errorCode": "UNAUTHORIZED_EXTENSION_EDIT",
                    "errorMessage": "Your groups may not change it.",
                }
            ]
        },
    )
    await sign_in(client, "alice@example.com")
    summary = await review(client, {"processProperties~pp-orders~limit": "300"})
    refused = await client.post(
        "/extensions/save",
        data={"csrf_token": csrf_token_in(summary.text), "token": _token(summary.text)},
    )
    assert refused.status_code == 403
    text = text_of(refused.text)
    assert "Nothing was saved." in text
    assert "Orders Settings: Your groups may not change it." in text


async def test_review_needs_the_csrf_token(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")
    response = await client.post("/extensions/review", data={"account": "client-co", "env": "test"})
    assert response.status_code == 403
    assert actions.calls_of("getExtensions") == []


def production_differing_from_test() -> dict[str, Any]:
    prod = json.loads(json.dumps(EXTENSIONS))
    prod["crossReferences"]["crossReference"][0]["CrossReferenceRows"]["row"].append(
        {"ref1": "BE", "ref2": "21"}
    )
    prod["properties"]["property"][0]["value"] = "10"
    region, limit, _token = prod["processProperties"]["ProcessProperty"][0]["ProcessPropertyValue"]
    region.update(value="US", useDefault=False)
    limit.update(value="100")
    return dict(prod)


def copy_rows(html: str) -> list[list[str]]:
    """(component, value, old, new) of each row of the copy preview."""
    rows = re.findall(r'<tr data-copy-component="([^"]*)">(.*?)</tr>', html, re.S)
    return [
        [name, *(text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))]
        for name, row in rows
    ]


async def test_the_copy_page_says_what_is_and_is_not_copied_then_starts_a_job(
    client: httpx.AsyncClient, actions: FakeExtensionActions, container: FakeContainer
) -> None:
    actions.prod_extension_data = production_differing_from_test()
    await sign_in(client, "carol@example.com")
    page = await client.get("/extensions/copy?account=client-co")
    text = text_of(page.text)
    assert "Copy Client Co Test to Client Co Production?" in text
    assert "Connections : Orders API" in text
    assert "PGP certificates : Partner Key" in text
    # Old → new per value; the secret is named as left out, never shown.
    assert "Changed in Production: 4 values" in text
    assert copy_rows(page.text) == [
        ["Partner Rates", "the table", "2 rows", "1 row"],
        ["batchSize", "batchSize", "10", "50"],
        ["Orders Settings", "Region", "US", "(default)"],
        ["Orders Settings", "Limit", "100", "250"],
    ]
    assert "Not copied (encrypted): Token" in text
    started = await client.post(
        "/extensions/copy",
        data={"csrf_token": csrf_token_in(page.text), "account": "client-co"},
    )
    assert started.status_code == 303
    [request] = container.jobs.submitted
    assert request.model_dump(by_alias=True, exclude_none=True) == {
        "clientAccountId": "client-co",
        "testEnvironmentId": "env-test",
        "prodEnvironmentId": "env-prod",
    }
    job_id = started.headers["location"].removeprefix("/jobs/")
    job = container.jobs.jobs[job_id]
    job.state = JobState.SUCCEEDED
    job.response = {
        "success": True,
        "sectionsExcluded": "connections,PGPCertificates",
        "fieldsCopied": 4,
        "encryptedFieldsSkipped": 1,
    }
    status = await client.get(started.headers["location"])
    status_text = text_of(status.text)
    assert "Copy complete. 4 values copied to Production; 1 encrypted value left out" in status_text
    assert "Not copied, as Production keeps its own: connections, PGP certificates." in status_text


async def test_a_contributor_sees_other_teams_components_left_out_of_the_copy(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get("/extensions/copy?account=client-co")
    assert "Components you may not change : Partner Rates" in text_of(page.text)


async def test_a_running_copy_job_is_followed_live(
    client: httpx.AsyncClient, actions: FakeExtensionActions, container: FakeContainer
) -> None:
    job = container.jobs.add(
        Job(
            action="copyExtensionsTestToProd",
            process_name="N",
            request={"clientAccountId": "client-co"},
            principal_email="carol@example.com",
            state=JobState.RUNNING,
        )
    )
    await sign_in(client, "carol@example.com")
    page = await client.get(f"/jobs/{job.id}")
    assert f'data-job-events="/jobs/{job.id}/events"' in page.text
    assert "Copy of extensions from Test to Production" in text_of(page.text)


async def test_the_map_extension_view_lists_mappings_and_functions(
    client: httpx.AsyncClient, actions: FakeExtensionActions, read_maps: list[Any]
) -> None:
    await sign_in(client, "alice@example.com")
    page = await client.get("/extensions/maps/mapext-1?account=client-co&env=test")
    text = text_of(page.text)
    assert "Customer/email → Out/email" in text
    assert "Scripting FUNCEXT-1" in text and "output = input" in text


async def edit_form(client: httpx.AsyncClient) -> tuple[str, str]:
    page = await client.get("/extensions/maps/mapext-1/edit?account=client-co&env=test")
    assert page.status_code == 200
    return page.text, csrf_token_in(page.text)


async def test_a_map_edit_sends_the_change_set_with_the_version_read(
    client: httpx.AsyncClient, actions: FakeExtensionActions, read_maps: list[Any]
) -> None:
    await sign_in(client, "alice@example.com")
    html, token = await edit_form(client)
    mapping = unescape(re.search(r'name="remove" value="([^"]+)"', html).group(1))  # type: ignore[union-attr]
    saved = await client.post(
        "/extensions/maps/mapext-1/edit",
        data={
            "csrf_token": token,
            "account": "client-co",
            "env": "test",
            "version_read": "3",
            "remove": mapping,
            "add_from": "Customer/email",
            "add_to": "Out/mail",
            "script:FUNCEXT-1": "output = input.trim()",
            "intent": "save",
        },
    )
    assert saved.status_code == 303
    [call] = actions.calls_of("updateMapExtension")
    assert call["expectedVersion"] == 3
    changes = call["mapExtensionPayload"]
    assert changes["removeMappings"] == [{"fromXPath": "Customer/email", "toXPath": "Out/email"}]
    assert changes["addMappings"] == [{"fromXPath": "Customer/email", "toXPath": "Out/mail"}]
    [function] = changes["functions"]
    assert function["Configuration"]["Scripting"]["Script"] == "output = input.trim()"
    page = await client.get(saved.headers["location"])
    assert "(now version 4)" in text_of(page.text)


async def test_a_map_changed_since_it_was_read_is_refused_plainly(
    client: httpx.AsyncClient, actions: FakeExtensionActions, read_maps: list[Any]
) -> None:
    actions.refusals["updateMapExtension"] = Conflict(
        "Map extension was changed since you read it.", error_code="MAP_EXTENSION_CHANGED"
    )
    await sign_in(client, "alice@example.com")
    _, token = await edit_form(client)
    refused = await client.post(
        "/extensions/maps/mapext-1/edit",
        data={
            "csrf_token": token,
            "account": "client-co",
            "env": "test",
            "version_read": "3",
            "script:FUNCEXT-1": "output = 1",
            "intent": "save",
        },
    )
    assert refused.status_code == 409
    text = text_of(refused.text)
    assert "Someone changed this map extension since you opened it; reload it" in text
    assert "output = 1" in refused.text  # the edit is still there to copy


async def test_validate_shows_script_problems_with_line_and_column(
    client: httpx.AsyncClient, actions: FakeExtensionActions, read_maps: list[Any]
) -> None:
    actions.script_errors = [
        ScriptIssueItem(line=2, column=5, message="Runtime is not allowed", type="SECURITY")
    ]
    await sign_in(client, "alice@example.com")
    _, token = await edit_form(client)
    checked = await client.post(
        "/extensions/maps/mapext-1/edit",
        data={
            "csrf_token": token,
            "account": "client-co",
            "env": "test",
            "version_read": "3",
            "script:FUNCEXT-1": "x = 1\nRuntime.getRuntime()",
            "intent": "validate:FUNCEXT-1",
        },
    )
    assert checked.status_code == 200
    assert "Line 2, column 5: Runtime is not allowed (SECURITY)" in text_of(checked.text)
    [call] = actions.calls_of("validateScript")
    assert call["scriptContent"] == "x = 1\nRuntime.getRuntime()"
    assert call["language"] == "groovy2"
    assert actions.calls_of("updateMapExtension") == []


async def test_a_user_without_client_accounts_is_told_so(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "dave@example.com")
    page = await client.get("/extensions")
    assert "Your groups do not manage any client account yet" in text_of(page.text)
    other = await client.get(MANAGER)
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("env", "shown"), [("production", "Client Co Production"), ("PROD", "Client Co Production")]
)
async def test_production_is_shown_whichever_way_it_is_named(
    client: httpx.AsyncClient, actions: FakeExtensionActions, env: str, shown: str
) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/extensions?account=client-co&env={env}")

    assert page.status_code == 200
    assert shown in text_of(page.text)


async def test_an_unknown_environment_is_refused_not_read_as_test(
    client: httpx.AsyncClient, actions: FakeExtensionActions
) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get("/extensions?account=client-co&env=staging")

    assert page.status_code == 400
    assert "There is no environment &#39;staging&#39;" in page.text
    assert "Client Co Test" not in text_of(page.text)
