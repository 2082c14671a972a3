"""Bulk GET (``POST /{Object}/bulk``): each id answered as its own GET would, up to Boomi's
documented limit per call (5 Components, 100 of anything else); a Component answer is XML."""

from __future__ import annotations

from typing import Any

from lxml import etree

from boomi_promo.boomi import Component
from tests.integration.emulator.boomi import BNS, XML, parse
from tests.support.servers import EmulatorHandle

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def bulk(*ids: str) -> dict[str, Any]:
    return {"type": "GET", "request": [{"id": object_id} for object_id in ids]}


def prod_ids(emulator: EmulatorHandle) -> list[str]:
    """Components of the primary account: the prior promotion's, then the shared connections."""
    seed = emulator.seed
    promoted = [c.prod_component_id for c in seed.prior_promotion.components]
    shared = [m.prod_component_id for m in seed.connection_mappings]
    return list(dict.fromkeys([*promoted, *shared]))


def statuses(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["id"], item["statusCode"]) for item in body["response"]]


def test_five_components_in_xml_each_with_its_own_status(emulator: EmulatorHandle) -> None:
    first, second, third, fourth = prod_ids(emulator)[:4]
    with emulator.client() as client:
        answer = client.post("/Component/bulk", json=bulk(first, UNKNOWN, second, third, fourth))
        single = client.get(f"/Component/{second}")

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml"), "XML only"
    result = parse(answer)
    assert result.tag == f"{{{BNS}}}BulkResult"
    responses = list(result)
    assert [(r.get("index"), r.get("id"), r.get("statusCode")) for r in responses] == [
        ("0", first, "200"),
        ("1", UNKNOWN, "404"),
        ("2", second, "200"),
        ("3", third, "200"),
        ("4", fourth, "200"),
    ]
    assert "was not found" in responses[1].get("errorMessage")
    assert len(responses[1].element) == 0, "no Result for an unknown id"
    found = responses[2].find(f"{{{BNS}}}Result")
    assert found.get(XSI_TYPE) == "bns:Component"
    assert found.get("componentId") == second
    found.find(f"{{{BNS}}}object")
    # The Result is the document GET /Component/{id} answers, under another name.
    document = etree.fromstring(single.content)
    expected = {str(k): str(v) for k, v in document.attrib.items()}
    expected[XSI_TYPE] = "bns:Component"
    assert {str(k): str(v) for k, v in found.element.attrib.items()} == expected
    assert [child.tag for child in found.element] == [child.tag for child in document]


def test_six_components_are_refused_in_boomis_error_shape(emulator: EmulatorHandle) -> None:
    six = [*prod_ids(emulator)[:5], UNKNOWN]
    with emulator.client() as client:
        refused = client.post(
            "/Component/bulk", json=bulk(*six), headers={"Accept": "application/xml"}
        )
        as_json = client.post(
            "/Component/bulk", json=bulk(*six), headers={"Accept": "application/json"}
        )
        five = client.post("/Component/bulk", json=bulk(*six[:5]))

    assert refused.status_code == 400
    assert parse(refused).tag == "error"
    assert "at most 5 ids; 6 were given" in parse(refused).findtext("message")
    assert as_json.status_code == 400
    assert as_json.json()["@type"] == "Error"
    assert "at most 5" in as_json.json()["message"]
    assert five.status_code == 200


def test_metadata_folders_packages_and_accounts_answer_json_up_to_100(
    emulator: EmulatorHandle,
) -> None:
    seed = emulator.seed
    prior = seed.prior_promotion
    team_a = seed.dev_accounts[0].account_id
    with emulator.client() as client:
        metadata = client.post("/ComponentMetadata/bulk", json=bulk(prod_ids(emulator)[0], UNKNOWN))
        folder_id = metadata.json()["response"][0]["Result"]["folderId"]
        folders = client.post("/Folder/bulk", json=bulk(UNKNOWN, folder_id))
        packages = client.post("/PackagedComponent/bulk", json=bulk(prior.prod_package_id))
        accounts = client.post(
            "/Account/bulk", json=bulk(seed.primary_account_id, team_a, "some-other-account")
        )
        too_many = client.post("/Folder/bulk", json=bulk(*[f"f{n}" for n in range(101)]))
        hundred = client.post("/Folder/bulk", json=bulk(*[f"f{n}" for n in range(100)]))

    assert metadata.status_code == 200, metadata.text
    assert metadata.json()["@type"] == "BulkResult"
    assert statuses(metadata.json()) == [(prod_ids(emulator)[0], 200), (UNKNOWN, 404)]
    item = metadata.json()["response"][0]
    assert item["@type"] == "BulkResponse" and item["index"] == 0
    assert item["Result"]["@type"] == "ComponentMetadata"
    assert item["Result"]["componentId"] == prod_ids(emulator)[0]
    missing = metadata.json()["response"][1]
    # Boomi's schema requires a Result on every item: an empty one for an id not found.
    assert missing["Result"] == {} and "was not found" in missing["errorMessage"]
    assert statuses(folders.json()) == [(UNKNOWN, 404), (folder_id, 200)]
    assert folders.json()["response"][1]["Result"]["fullPath"].startswith("Primary Account/")
    [package] = packages.json()["response"]
    assert package["Result"]["componentId"] == prior.prod_root_component_id
    assert statuses(accounts.json()) == [
        (seed.primary_account_id, 200),
        (team_a, 200),
        ("some-other-account", 404),
    ]
    assert too_many.status_code == 400
    assert too_many.json() == {
        "@type": "Error",
        "message": "The bulk GET of Folder takes at most 100 ids; 101 were given.",
    }
    assert hundred.status_code == 200
    assert {status for _, status in statuses(hundred.json())} == {404}


def test_bulk_requests_in_xml_wrapped_or_for_a_sub_account(emulator: EmulatorHandle) -> None:
    seed = emulator.seed
    team_a = seed.dev_accounts[0].account_id
    dev_root = seed.prior_promotion.dev_root_component_id
    xml_request = (
        '<api:BulkRequest xmlns:api="http://api.platform.boomi.com/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" type="GET">'
        f'<api:request xsi:type="api:BulkId" id="{dev_root}"/>'
        f'<api:request xsi:type="api:BulkId" id="{UNKNOWN}"/></api:BulkRequest>'
    )
    with emulator.client(params={"overrideAccount": team_a}) as client:
        from_xml = client.post("/ComponentMetadata/bulk", content=xml_request, headers=XML)
        wrapped = client.post("/ComponentMetadata/bulk", json={"BulkRequest": bulk(dev_root)})
        components = client.post("/Component/bulk", json=bulk(dev_root))
        wrong_type = client.post("/Folder/bulk", json={"type": "DELETE", "request": []})
        empty = client.post("/Folder/bulk", json={"type": "GET", "request": []})
    with emulator.client() as primary:
        not_here = primary.post("/ComponentMetadata/bulk", json=bulk(dev_root))

    result = parse(from_xml)
    assert [r.get("statusCode") for r in result] == ["200", "404"]
    assert next(iter(result)).find(f"{{{BNS}}}Result").get(XSI_TYPE) == "bns:ComponentMetadata"
    assert statuses(wrapped.json()) == [(dev_root, 200)]
    [component] = parse(components)
    assert component.find(f"{{{BNS}}}Result").get("componentId") == dev_root
    assert (wrong_type.status_code, empty.status_code) == (400, 400)
    assert statuses(not_here.json()) == [(dev_root, 404)], "the primary account has no such one"


async def test_the_client_splits_at_the_limit_and_keeps_the_order(
    emulator: EmulatorHandle,
) -> None:
    ids = prod_ids(emulator)
    assert len(ids) >= 6
    wanted = [*ids[:3], UNKNOWN, *ids[3:6]]  # seven ids: two Component calls
    emulator.state.request_log.clear()
    async with emulator.boomi_client() as boomi:
        components = await boomi.bulk_get_components(wanted)
        metadata = await boomi.bulk_get_component_metadata(wanted)
        single = await boomi.get_component(ids[4])
    calls = [e.path.rsplit("/", 2)[-2] for e in emulator.state.request_log.entries()]

    assert [item.id for item in components] == wanted
    assert [item.status_code for item in components] == [200, 200, 200, 404, 200, 200, 200]
    assert [c.result.component_id if c.result else None for c in components] == [
        *ids[:3],
        None,
        *ids[3:6],
    ]
    assert components[3].error_message and "was not found" in components[3].error_message
    fifth = components[5].result
    assert isinstance(fifth, Component)
    assert (fifth.name, fifth.version, fifth.xml.count(b"<bns:object")) == (
        single.name,
        single.version,
        1,
    )
    assert [m.result.name if m.result else None for m in metadata] == [
        c.result.name if c.result else None for c in components
    ]
    assert calls.count("Component") == 2 + 1, "5 ids, then 2; and the single GET"
    assert calls.count("ComponentMetadata") == 1


async def test_the_client_reads_folders_packages_and_accounts_in_bulk(
    emulator: EmulatorHandle,
) -> None:
    seed = emulator.seed
    team_a = seed.dev_accounts[0].account_id
    async with emulator.boomi_client() as boomi:
        root = await boomi.get_component(seed.prior_promotion.prod_root_component_id)
        assert root.folder_id is not None
        folders = await boomi.bulk_get_folders([root.folder_id, UNKNOWN])
        packages = await boomi.bulk_get_packaged_components(
            [seed.prior_promotion.dev_package_id], override_account=team_a
        )
        accounts = await boomi.bulk_get_accounts([team_a, seed.primary_account_id])
        nothing = await boomi.bulk_get_folders([])

    assert folders[0].result is not None and folders[0].result.id == root.folder_id
    assert (folders[1].found, folders[1].status_code) == (False, 404)
    assert packages[0].result is not None
    assert packages[0].result.component_id == seed.prior_promotion.dev_root_component_id
    assert [a.result.account_id if a.result else None for a in accounts] == [
        team_a,
        seed.primary_account_id,
    ]
    assert nothing == []


def test_bulk_is_not_taken_for_a_component_id(emulator: EmulatorHandle) -> None:
    """``POST /Component/{id}`` updates a component: ``bulk`` must not be taken for an id."""
    update = '<bns:Component xmlns:bns="http://api.platform.boomi.com/" name="x" type="process"/>'
    with emulator.client() as client:
        answer = client.post("/Component/bulk", content=update, headers=XML)
    assert answer.status_code == 400
    assert "bulk GET" in parse(answer).findtext("message")
