"""ComponentReference is derived from component content: whole ids, not substrings."""

from __future__ import annotations

from tests.integration.emulator.boomi import component_xml, create, eq, parse, profile
from tests.support.servers import EmulatorHandle


def test_references_are_the_ids_standing_alone_in_the_content(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        first = create(client, component_xml(name="A", type_="profile.json", content=profile()))
        second = create(client, component_xml(name="B", type_="profile.xml", content=profile()))
        a, b = first.get("componentId"), second.get("componentId")
        content = (
            f'<process xmlns=""><shapes><shape><configuration><map mapId="{a}"/></configuration>'
            f"</shape><shape><connectionId>{b}</connectionId></shape></shapes>"
            f"<note>copied from {a} last week</note><ghost>not-a-component-id</ghost></process>"
        )
        parent = create(client, component_xml(name="P", type_="process", content=content))
        parent_id = parent.get("componentId")

        body = client.get(f"/ComponentReference/{parent_id}").json()
        assert body == {
            "@type": "ComponentReference",
            "references": [
                {
                    "@type": "References",
                    "parentComponentId": parent_id,
                    "parentVersion": 1,
                    "componentId": child,
                    "type": "DEPENDENT",
                    "branchId": parent.get("branchId"),
                }
                for child in (a, b)
            ],
        }
        xml = parse(
            client.get(f"/ComponentReference/{parent_id}", headers={"Accept": "application/xml"})
        )
        assert xml.tag.endswith("ComponentReference")
        assert [r.get("componentId") for r in xml] == [a, b]

        parents = client.post("/ComponentReference/query", json=eq("componentId", b)).json()
        assert parents["numberOfResults"] == 1
        assert parents["result"][0]["references"][0]["parentComponentId"] == parent_id

        children = client.post(
            "/ComponentReference/query",
            json={
                "QueryFilter": {
                    "expression": {
                        "operator": "and",
                        "nestedExpression": [
                            {
                                "operator": "EQUALS",
                                "property": "parentComponentId",
                                "argument": [parent_id],
                            },
                            {"operator": "EQUALS", "property": "parentVersion", "argument": ["1"]},
                        ],
                    }
                }
            },
        ).json()
        assert [r["componentId"] for r in children["result"][0]["references"]] == [a, b]
        unfiltered = client.post("/ComponentReference/query", json={"QueryFilter": {}})
        assert unfiltered.status_code == 400


def test_process_route_targets_are_independent(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        target = create(
            client, component_xml(name="T", type_="process", content='<process xmlns=""/>')
        ).get("componentId")
        route = create(
            client,
            component_xml(
                name="R",
                type_="processroute",
                content=(
                    f'<processRoute xmlns=""><routes><route processId="{target}"/></routes>'
                    "</processRoute>"
                ),
            ),
        ).get("componentId")
        references = client.get(f"/ComponentReference/{route}").json()["references"]
    assert [(r["componentId"], r["type"]) for r in references] == [(target, "INDEPENDENT")]


def test_references_follow_the_branch_view(emulator: EmulatorHandle) -> None:
    with emulator.client() as client:
        branch_id = client.post("/Branch", json={"name": "refs"}).json()["id"]
        child = create(
            client,
            component_xml(name="C", type_="profile.json", content=profile(), branch_id=branch_id),
        ).get("componentId")
        parent = create(
            client,
            component_xml(
                name="P",
                type_="process",
                content=f'<process xmlns=""><map mapId="{child}"/></process>',
                branch_id=branch_id,
            ),
        ).get("componentId")
        on_branch = client.get(f"/ComponentReference/{parent}~{branch_id}").json()["references"]
        assert [(r["componentId"], r["branchId"]) for r in on_branch] == [(child, branch_id)]
        assert client.get(f"/ComponentReference/{parent}").status_code == 404


def test_seeded_tree_holds_every_promotable_type(emulator: EmulatorHandle) -> None:
    team_a = emulator.seed.dev_accounts[0].account_id
    found: dict[str, str] = {}
    kinds: set[str] = set()
    pending = [emulator.seed.full_tree_process_id]
    with emulator.client(params={"overrideAccount": team_a}) as client:
        while pending:
            component_id = pending.pop()
            metadata = client.get(f"/ComponentMetadata/{component_id}").json()
            found[component_id] = metadata["type"]
            for reference in client.get(f"/ComponentReference/{component_id}").json()["references"]:
                kinds.add(reference["type"])
                if reference["componentId"] not in found:
                    pending.append(reference["componentId"])
    assert set(found.values()) == {
        "process",
        "processroute",
        "transform.map",
        "script.mapping",
        "script.processing",
        "profile.json",
        "profile.xml",
        "profile.flatfile",
        "profile.edi",
        "profile.db",
        "connector-action",
        "connector-settings",
        "crossref",
    }
    assert kinds == {"DEPENDENT", "INDEPENDENT"}
    assert list(found.values()).count("process") == 4  # root, sub-process, two routed processes
    assert list(found.values()).count("transform.map") == 2
