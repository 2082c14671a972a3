"""Basic auth, the account in the path, overrideAccount, and the Account object."""

from __future__ import annotations

import httpx
from lxml import etree

from tests.integration.emulator.boomi import EVERYTHING, eq
from tests.support.servers import EmulatorHandle


def test_missing_or_wrong_credentials_are_refused_with_boomi_error(
    emulator: EmulatorHandle,
) -> None:
    account = emulator.seed.primary_account_id
    anonymous = httpx.get(
        f"{emulator.api_url}/Account/{account}", headers={"Accept": "application/json"}
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["@type"] == "Error"
    assert anonymous.headers["WWW-Authenticate"].startswith("Basic")

    for username, password in (
        (f"BOOMI_TOKEN.{emulator.seed.username}", "wrong-token"),
        (emulator.seed.username, emulator.seed.api_token),  # the BOOMI_TOKEN. prefix is required
        ("BOOMI_TOKEN.someone@example.com", emulator.seed.api_token),
    ):
        response = httpx.get(f"{emulator.api_url}/Account/{account}", auth=(username, password))
        assert response.status_code == 401, (username, password)


def test_error_answers_in_xml_when_the_client_asks_for_xml(emulator: EmulatorHandle) -> None:
    response = httpx.get(
        f"{emulator.api_url}/Account/{emulator.seed.primary_account_id}",
        headers={"Accept": "application/xml"},
    )
    assert response.status_code == 401
    root = etree.fromstring(response.content)
    assert root.tag == "error"
    assert root.findtext("message")


def test_path_account_must_be_the_authenticated_primary(emulator: EmulatorHandle) -> None:
    other = f"{emulator.base_url}/partner/api/rest/v1/someone-else-XYZ/Account/someone-else-XYZ"
    response = httpx.get(other, auth=emulator.auth, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json()["@type"] == "Error"


def test_both_api_prefixes_serve_the_same_objects(emulator: EmulatorHandle) -> None:
    primary = emulator.seed.primary_account_id
    for prefix in ("/partner/api/rest/v1", "/api/rest/v1"):
        response = httpx.get(
            f"{emulator.base_url}{prefix}/{primary}/Account/{primary}",
            auth=emulator.auth,
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200
        assert response.json() == {
            "@type": "Account",
            "accountId": primary,
            "name": "Primary Account",
            "status": "active",
            "dateCreated": response.json()["dateCreated"],
            "supportLevel": "standard",
            "supportAccess": False,
            "suggestionsEnabled": False,
            "overDeployed": False,
            "widgetAccount": False,
        }


def test_override_account_works_only_for_sub_accounts(emulator: EmulatorHandle) -> None:
    team_a = emulator.seed.dev_accounts[0].account_id
    emulator.state.add_account("unrelated-ACC999", "Unrelated Primary")
    with emulator.client() as client:
        as_team_a = client.get(f"/Account/{team_a}", params={"overrideAccount": team_a})
        assert as_team_a.status_code == 200
        assert as_team_a.json()["name"] == "Dev Team A"

        for stranger in ("unrelated-ACC999", "does-not-exist-1"):
            refused = client.post(
                "/Branch/query", json=EVERYTHING, params={"overrideAccount": stranger}
            )
            assert refused.status_code == 403
            assert refused.json()["@type"] == "Error"

    non_partner = httpx.get(
        f"{emulator.base_url}/api/rest/v1/{emulator.seed.primary_account_id}/Account/{team_a}",
        params={"overrideAccount": team_a},
        auth=emulator.auth,
    )
    assert non_partner.status_code == 403


def test_primary_account_query_lists_its_sub_accounts(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        everything = client.post("/Account/query", json=EVERYTHING)
        upper_case = client.post("/Account/query", json=eq("STATUS", "active"))
        by_name = client.post("/Account/query", json=eq("NAME", "Dev Team B"))
        # Boomi's OpenAPI enum of Account query properties is upper case.
        lower_case = client.post("/Account/query", json=eq("name", "Dev Team B"))
    assert everything.status_code == 200
    body = everything.json()
    assert body["@type"] == "QueryResult"
    sub_accounts = [*emulator.seed.dev_accounts] + [
        (c.account_id, c.name) for c in emulator.seed.client_accounts
    ]
    assert body["numberOfResults"] == len(sub_accounts) == 3
    assert "queryToken" not in body
    assert sorted((a["accountId"], a["name"]) for a in body["result"]) == sorted(sub_accounts)
    assert upper_case.json()["numberOfResults"] == 3
    assert [a["name"] for a in by_name.json()["result"]] == ["Dev Team B"]
    assert lower_case.status_code == 400


def test_unknown_paths_answer_boomi_404(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        response = client.get("/NoSuchObject/abc")
        missing_branch = client.get("/Branch/Qjo5OTk5")
    assert response.status_code == 404
    assert response.json()["@type"] == "Error"
    assert missing_branch.status_code == 404
