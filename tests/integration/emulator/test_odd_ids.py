"""Ids Boomi never issued, in every id position of the emulator's paths: never a 500.

Boomi answers a malformed or unknown id with 400 or 404 and its error body. The emulator once
crashed on revision suffixes ``str.isdigit`` accepts but ``int`` refuses (``~²``, a number of
thousands of digits) and redirected paths that ``..`` cut short.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests.support.servers import EmulatorHandle

ODD_IDS = [
    "..",
    ".",
    "../Account",
    "%",
    "%zz",
    "~",
    "~1",
    "two words",
    "caf\u00e9",
    "\U0001f600",
    "a;b",
    "\\",
    "x" * 4000,
]
REVISIONS = ["\u00b2", "\u0661", "\U0001d7d7", "9" * 5000, "1~2", "-1", " 1", "Qjo", "Qjo~1"]
OBJECTS = [
    "Account",
    "Folder",
    "Component",
    "ComponentMetadata",
    "ComponentReference",
    "PackagedComponent",
    "Branch",
    "MergeRequest",
    "MergeRequest/execute",
    "Environment",
    "EnvironmentExtensions",
    "EnvironmentMapExtension",
    "PublisherIntegrationPack",
    "IntegrationPack",
    "ReleaseIntegrationPackStatus",
    "DeployedPackage",
]


def assert_boomi_refusal(response: httpx.Response, what: str) -> None:
    assert response.status_code in (400, 403, 404), f"{what}: {response.status_code}"
    body = response.json()
    assert body["@type"] == "Error" and body["message"], what


@pytest.mark.parametrize("object_type", OBJECTS)
def test_odd_ids_in_the_path_are_400_or_404_with_boomis_error(
    emulator: EmulatorHandle, object_type: str
) -> None:
    dev = emulator.seed.dev_accounts[0].account_id
    with emulator.client() as client:
        for odd in ODD_IDS:
            for method in ("GET", "POST", "DELETE"):
                response = client.request(
                    method,
                    f"/{object_type}/{quote(odd, safe='')}",
                    params={"overrideAccount": dev},
                    json={} if method == "POST" else None,
                )
                if response.status_code == 405:
                    continue  # no such operation on this object, as in Boomi
                assert_boomi_refusal(response, f"{method} {object_type}/{odd[:20]!r}")


@pytest.mark.parametrize("object_type", ["Component", "ComponentMetadata", "ComponentReference"])
def test_odd_revisions_of_a_real_component_are_400_or_404(
    emulator: EmulatorHandle, object_type: str
) -> None:
    dev = emulator.seed.dev_accounts[0].account_id
    component_id = emulator.seed.full_tree_process_id
    with emulator.client() as client:
        for revision in REVISIONS:
            response = client.get(
                f"/{object_type}/{component_id}~{quote(revision, safe='~')}",
                params={"overrideAccount": dev},
            )
            assert_boomi_refusal(response, f"{object_type} ~{revision[:20]!r}")


def test_odd_accounts_and_paths_outside_the_api_are_boomis_errors(
    emulator: EmulatorHandle,
) -> None:
    with emulator.client() as client:
        for odd in ODD_IDS:
            overridden = client.get(
                f"/Component/{emulator.seed.full_tree_process_id}",
                params={"overrideAccount": odd},
            )
            assert_boomi_refusal(overridden, f"overrideAccount {odd[:20]!r}")
    root = f"{emulator.base_url}/partner/api/rest/v1"
    for odd in ODD_IDS:
        response = httpx.get(
            f"{root}/{quote(odd, safe='')}/Component/x",
            auth=emulator.auth,
            headers={"Accept": "application/json"},
        )
        # ".." takes the path out of the API altogether (httpx resolves it): only the status.
        assert response.status_code in (400, 403, 404), f"account {odd[:20]!r}"
    for path in ("", "/", f"/{emulator.seed.primary_account_id}"):
        response = httpx.get(f"{root}{path}", auth=emulator.auth, follow_redirects=False)
        assert response.status_code == 404, path
        assert response.json()["@type"] == "Error"
