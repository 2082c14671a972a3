"""The Admin lane's Mapping Viewer: search, filters, paging, edit, delete and seeding."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from boomi_promo.errors import InvalidRequest, NotFound
from tests.unit.web.support import FakeActions, csrf_token_in, mapping_item, sign_in

ROW_NAMES = re.compile(r'<div class="component-name">([^<]*)</div>')


def names(html: str) -> list[str]:
    return [unescape(name) for name in ROW_NAMES.findall(html)]


@pytest.fixture
def mapped(actions: FakeActions) -> FakeActions:
    actions.mappings = [
        mapping_item("Orders Sync"),
        mapping_item("Order Map", component_type="transform.map"),
        mapping_item(
            "Orders API",
            component_type="connector-settings",
            mapping_source="ADMIN_SEEDING",
            prod_component_id="prod-conn-1",
        ),
        mapping_item("Invoices", dev_account_id="acct-b", on_main=False),
    ]
    return actions


async def admin_page(client: httpx.AsyncClient, path: str = "/admin/mappings") -> str:
    await sign_in(client, "carol@example.com")
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return page.text


async def test_only_admins_see_the_mapping_viewer(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")
    refused = await client.get("/admin/mappings")
    assert refused.status_code == 403
    assert "The Admin lane is for the ADMIN tier" in refused.text
    assert 'href="/admin/mappings"' not in refused.text
    assert mapped.calls_of("manageMappings") == []

    text = await admin_page(client)
    mappings = 'href="/admin/mappings" aria-current="page" aria-describedby="count-admin-mappings"'
    assert f"<a {mappings}>Mappings</a>" in text
    assert (
        '<a href="/admin/accounts" aria-describedby="count-admin-accounts">Dev Account Access</a>'
        in text
    )


async def test_the_list_shows_every_mapping_with_its_account_and_prod_component(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)

    assert names(text) == ["Orders Sync", "Order Map", "Orders API", "Invoices"]
    assert "4 mappings" in text
    invoices = text.split("Invoices</div>")[1].split("</tr>")[0]
    assert "<td>Dev Team B</td>" in invoices
    assert "version 3, not yet on main" in invoices
    connection = text.split("Orders API</div>")[1].split("</tr>")[0]
    assert "prod-conn-1" in connection
    assert "seeded by an admin" in connection
    assert "2025-03-04 09:30 UTC" in connection
    assert mapped.calls_of("manageMappings") == [
        {
            "action": "query",
            "nameContains": "",
            "devAccountId": "",
            "componentType": "",
            "page": 1,
            "pageSize": 25,
        }
    ]


async def test_search_and_filters_are_passed_to_manage_mappings(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client, "/admin/mappings?q=order&account=acct-a&type=transform.map")

    assert names(text) == ["Order Map"]
    assert "1 mapping matching this search" in text
    assert '<input type="search" id="mapping-search" name="q" value="order"' in text
    assert '<option value="acct-a" selected>Dev Team A</option>' in text
    assert '<option value="transform.map" selected>transform.map</option>' in text
    [query] = mapped.calls_of("manageMappings")
    assert query["nameContains"] == "order"
    assert query["devAccountId"] == "acct-a"
    assert query["componentType"] == "transform.map"

    nothing = await client.get("/admin/mappings?q=zzz")
    assert "No mappings match this search." in nothing.text


async def test_mappings_are_paged(client: httpx.AsyncClient, actions: FakeActions) -> None:
    actions.mappings = [mapping_item(f"Component {n:02d}") for n in range(1, 31)]

    first = await admin_page(client, "/admin/mappings?q=component")
    second = await client.get("/admin/mappings?q=component&page=2")

    assert len(names(first)) == 25
    assert "Page 1 of 2" in first
    assert 'href="/admin/mappings?q=component&amp;page=2"' in first
    assert names(second.text) == [f"Component {n:02d}" for n in range(26, 31)]
    assert "Page 2 of 2" in second.text
    assert actions.calls_of("manageMappings")[-1]["page"] == 2


async def test_an_admin_points_a_mapping_at_another_prod_component(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client, "/admin/mappings?q=order")

    response = await client.post(
        "/admin/mappings/update",
        data={
            "csrf_token": csrf_token_in(text),
            "devAccountId": "acct-a",
            "devComponentId": "dev-order-map",
            "prodComponentId": "prod-new-map",
            "q": "order",
            "account": "",
            "type": "",
            "page": "1",
        },
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/mappings?q=order"
    assert mapped.calls_of("manageMappings")[-1] == {
        "action": "update",
        "devAccountId": "acct-a",
        "devComponentId": "dev-order-map",
        "prodComponentId": "prod-new-map",
    }
    after = await client.get(response.headers["location"])
    assert "The mapping of Order Map now points at prod component prod-new-map." in after.text
    assert "prod-new-map" in after.text.split("Order Map</div>")[1].split("</tr>")[0]
    # The notice is shown once.
    again = await client.get("/admin/mappings")
    assert "now points at prod component" not in again.text


async def test_a_refused_edit_is_explained_next_to_the_prod_id_it_names(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)
    mapped.refusals["manageMappings:update"] = NotFound(
        "Component prod-nope does not exist in the primary account.",
        error_code="PROD_COMPONENT_NOT_FOUND",
        field="prodComponentId",
    )

    response = await client.post(
        "/admin/mappings/update",
        data={
            "csrf_token": csrf_token_in(text),
            "devAccountId": "acct-a",
            "devComponentId": "dev-order-map",
            "prodComponentId": "prod-nope",
        },
    )

    assert response.status_code == 404
    row = response.text.split("Order Map</div>")[1].split("</tr>")[0]
    assert '<details class="row-edit" open>' in row
    assert 'value="prod-nope"' in row
    assert 'aria-invalid="true"' in row
    assert "Prod component id: Component prod-nope does not exist in the primary account." in row
    others = response.text.split("Orders Sync</div>")[1].split("</tr>")[0]
    assert '<details class="row-edit">' in others


async def test_an_empty_prod_id_is_refused_before_asking_the_service(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)

    response = await client.post(
        "/admin/mappings/update",
        data={
            "csrf_token": csrf_token_in(text),
            "devAccountId": "acct-a",
            "devComponentId": "dev-order-map",
            "prodComponentId": " ",
        },
    )

    assert response.status_code == 400
    assert "Prod component id: enter the id of the prod component to map to." in response.text
    assert [p["action"] for p in mapped.calls_of("manageMappings")] == ["query", "query"]


async def test_delete_asks_for_confirmation_first(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client, "/admin/mappings?type=process")
    form = {
        "csrf_token": csrf_token_in(text),
        "devAccountId": "acct-a",
        "devComponentId": "dev-orders-sync",
        "componentName": "Orders Sync",
        "prodComponentId": "prod-orders-sync",
        "q": "",
        "account": "",
        "type": "process",
        "page": "1",
    }

    confirm = await client.post("/admin/mappings/delete", data=form)

    assert confirm.status_code == 200
    assert "Delete this mapping?" in confirm.text
    assert "The mapping of <strong>Orders Sync</strong>" in confirm.text
    assert '<input type="hidden" name="confirmed" value="yes">' in confirm.text
    assert '<a href="/admin/mappings?type=process" class="button-quiet">Cancel</a>' in confirm.text
    assert "delete" not in [p["action"] for p in mapped.calls_of("manageMappings")]

    deleted = await client.post("/admin/mappings/delete", data={**form, "confirmed": "yes"})

    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/admin/mappings?type=process"
    assert mapped.calls_of("manageMappings")[-1] == {
        "action": "delete",
        "devAccountId": "acct-a",
        "devComponentId": "dev-orders-sync",
    }
    after = await client.get("/admin/mappings")
    assert "Deleted the mapping of Orders Sync (dev component dev-orders-sync in acct-a)." in (
        after.text
    )
    assert "Orders Sync" not in names(after.text)


async def test_changes_without_the_csrf_token_do_nothing(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    await admin_page(client)
    body = {
        "devAccountId": "acct-a",
        "devComponentId": "dev-orders-sync",
        "prodComponentId": "x",
        "confirmed": "yes",
    }

    for path in ("/admin/mappings/update", "/admin/mappings/delete", "/admin/mappings/seed"):
        response = await client.post(path, data=body)
        assert response.status_code == 403, path
        assert "Form refused" in response.text

    assert [p["action"] for p in mapped.calls_of("manageMappings")] == ["query"]


async def test_seeding_points_dev_connections_of_several_accounts_at_one_prod_connection(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)
    assert text.count('name="devComponentId" class="mono"') == 3  # three blank rows

    response = await client.post(
        "/admin/mappings/seed",
        data={
            "csrf_token": csrf_token_in(text),
            "prodComponentId": "prod-sftp",
            "devAccountId": ["acct-a", "", "acct-b"],
            "devComponentId": ["dev-sftp-a", "", "dev-sftp-b"],
        },
    )

    assert response.status_code == 303
    assert mapped.calls_of("manageMappings")[-1] == {
        "action": "seedConnection",
        "prodComponentId": "prod-sftp",
        "devConnections": [
            {"devAccountId": "acct-a", "devComponentId": "dev-sftp-a"},
            {"devAccountId": "acct-b", "devComponentId": "dev-sftp-b"},
        ],
    }
    after = await client.get(response.headers["location"])
    assert "Seeded 2 connection mappings to prod connection prod-sftp." in after.text


async def test_an_incomplete_seed_row_is_named_before_asking_the_service(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)

    response = await client.post(
        "/admin/mappings/seed",
        data={
            "csrf_token": csrf_token_in(text),
            "prodComponentId": "",
            "devAccountId": ["acct-a", "acct-b", ""],
            "devComponentId": ["dev-sftp-a", "", ""],
        },
    )

    assert response.status_code == 400
    assert "Prod component id: enter the prod connection&#39;s id." in response.text
    assert "Dev connection id in row 2: enter the dev connection&#39;s id." in response.text
    assert re.search(r'id="seed-component-1"[^>]*aria-invalid="true"', response.text)
    assert re.search(r'id="seed-prod"[^>]*aria-invalid="true"', response.text)
    assert not re.search(r'id="seed-component-0"[^>]*aria-invalid', response.text)
    # What was typed is kept.
    assert 'value="dev-sftp-a"' in response.text
    assert "seedConnection" not in [p["action"] for p in mapped.calls_of("manageMappings")]


async def test_a_refused_seed_names_the_rows_it_is_about(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)
    mapped.refusals["manageMappings:seedConnection"] = InvalidRequest(
        "Nothing was seeded: 1 of 2 dev connections cannot be mapped — ...",
        field="devConnections[1].devComponentId",
        details={
            "problems": [
                {
                    "field": "devConnections[1].devComponentId",
                    "message": "component dev-nope is a 'process', not a connection",
                }
            ]
        },
    )

    response = await client.post(
        "/admin/mappings/seed",
        data={
            "csrf_token": csrf_token_in(text),
            "prodComponentId": "prod-sftp",
            "devAccountId": ["acct-a", "", "acct-b"],
            "devComponentId": ["dev-sftp-a", "", "dev-nope"],
        },
    )

    assert response.status_code == 400
    # The service's second connection is the form's third row (the blank one was left out).
    message = (
        "Dev connection id in row 3: component dev-nope is a &#39;process&#39;, not a connection."
    )
    assert f'<p class="field-error" id="seed-component-2-error">{message}</p>' in response.text
    assert re.search(r'id="seed-component-2"[^>]*aria-invalid="true"', response.text)
    assert f"Nothing was seeded: {message}" in response.text


async def test_a_refused_prod_connection_is_named(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)
    mapped.refusals["manageMappings:seedConnection"] = InvalidRequest(
        "Prod component prod-map is a 'transform.map', not a connection (connector-settings).",
        field="prodComponentId",
    )

    response = await client.post(
        "/admin/mappings/seed",
        data={
            "csrf_token": csrf_token_in(text),
            "prodComponentId": "prod-map",
            "devAccountId": ["acct-a"],
            "devComponentId": ["dev-sftp-a"],
        },
    )

    assert response.status_code == 400
    assert re.search(r'id="seed-prod"[^>]*aria-invalid="true"', response.text)
    assert (
        "Prod component id: Prod component prod-map is a &#39;transform.map&#39;, not a "
        "connection (connector-settings)." in response.text
    )


async def test_add_a_row_keeps_what_was_typed(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)

    response = await client.post(
        "/admin/mappings/seed",
        data={
            "csrf_token": csrf_token_in(text),
            "prodComponentId": "prod-sftp",
            "devAccountId": ["acct-a", "", ""],
            "devComponentId": ["dev-sftp-a", "", ""],
            "add_row": "1",
        },
    )

    assert response.status_code == 200
    assert response.text.count('name="devComponentId" class="mono"') == 4
    assert 'value="prod-sftp"' in response.text
    assert 'value="dev-sftp-a"' in response.text
    assert "seedConnection" not in [p["action"] for p in mapped.calls_of("manageMappings")]


async def test_the_mapping_pages_have_no_inline_script_or_style(
    client: httpx.AsyncClient, mapped: FakeActions
) -> None:
    text = await admin_page(client)
    confirm = await client.post(
        "/admin/mappings/delete",
        data={
            "csrf_token": csrf_token_in(text),
            "devAccountId": "acct-a",
            "devComponentId": "dev-orders-sync",
        },
    )

    for html in (text, confirm.text):
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None
        assert "<style" not in html
        assert " style=" not in html
