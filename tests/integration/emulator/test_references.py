"""ComponentReference is derived from component content: whole ids, not substrings.

Boomi's GET takes the *secondary* (used) component and answers who references it; what a
component uses comes from the QUERY by parentComponentId and parentVersion.
"""

from __future__ import annotations

from tests.integration.emulator.boomi import (
    EVERYTHING,
    component_xml,
    create,
    eq,
    parent_and_version,
    parse,
    profile,
    query_all,
    references_from,
)
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

        children = client.post(
            "/ComponentReference/query",
            json={"QueryFilter": {"expression": parent_and_version(parent_id, 1)}},
        ).json()
        assert children == {
            "@type": "QueryResult",
            "numberOfResults": 1,
            "result": [
                {
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
            ],
        }
        parents = client.post("/ComponentReference/query", json=eq("componentId", b)).json()
        assert parents["numberOfResults"] == 1
        assert parents["result"][0]["references"][0]["parentComponentId"] == parent_id
        unfiltered = client.post("/ComponentReference/query", json=EVERYTHING)
        assert unfiltered.status_code == 400
        no_version = client.post("/ComponentReference/query", json=eq("parentComponentId", a))
        assert no_version.status_code == 400
        assert "parentVersion" in no_version.json()["message"]


def test_get_answers_who_uses_the_component_and_400_for_one_without_references(
    emulator: EmulatorHandle,
) -> None:
    with emulator.client() as client:
        used = create(client, component_xml(name="U", type_="profile.json", content=profile()))
        used_id = used.get("componentId")
        users = [
            create(
                client,
                component_xml(
                    name=name,
                    type_="process",
                    content=f'<process xmlns=""><m id="{used_id}"/></process>',
                ),
            )
            for name in ("P1", "P2")
        ]
        lone = create(client, component_xml(name="L", type_="profile.json", content=profile()))

        answer = client.get(f"/ComponentReference/{used_id}")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "@type": "ComponentReference",
            "references": [
                {
                    "@type": "References",
                    "parentComponentId": user.get("componentId"),
                    "parentVersion": 1,
                    "componentId": used_id,
                    "type": "DEPENDENT",
                    "branchId": user.get("branchId"),
                }
                for user in users
            ],
        }
        xml = parse(
            client.get(f"/ComponentReference/{used_id}", headers={"Accept": "application/xml"})
        )
        assert xml.tag.endswith("ComponentReference")
        assert [r.get("parentComponentId") for r in xml] == [u.get("componentId") for u in users]
        assert {r.get("componentId") for r in xml} == {used_id}

        user_of_nothing = client.get(f"/ComponentReference/{users[0].get('componentId')}")
        assert (user_of_nothing.status_code, user_of_nothing.json()["references"]) == (200, []), (
            "it references a component, though nobody references it"
        )
        nothing = client.get(f"/ComponentReference/{lone.get('componentId')}")
        assert nothing.status_code == 400
        assert nothing.json()["@type"] == "Error"
        assert "no parent or child references" in nothing.json()["message"]
        nothing_xml = client.get(
            f"/ComponentReference/{lone.get('componentId')}", headers={"Accept": "application/xml"}
        )
        assert nothing_xml.status_code == 400
        assert parse(nothing_xml).tag == "error"
        assert client.get("/ComponentReference/no-such-component").status_code == 404


def test_one_query_answers_for_several_parents_page_by_page(emulator: EmulatorHandle) -> None:
    emulator.state.settings.page_size = 2
    with emulator.client() as client:
        leaf = create(client, component_xml(name="Leaf", type_="profile.json", content=profile()))
        leaf_id = leaf.get("componentId")
        parents = [
            create(
                client,
                component_xml(
                    name=f"P{n}",
                    type_="process",
                    content=f'<process xmlns=""><m id="{leaf_id}"/></process>',
                ),
            ).get("componentId")
            for n in range(3)
        ]
        # Version 2 of the first parent uses nothing: its version 1 still uses the leaf.
        client.post(
            f"/Component/{parents[0]}",
            content=component_xml(
                name="P0", type_="process", content='<process xmlns=""/>', component_id=parents[0]
            ),
            headers={"Accept": "application/xml", "Content-Type": "application/xml"},
        ).raise_for_status()
        body = {
            "QueryFilter": {
                "expression": {
                    "operator": "or",
                    "nestedExpression": [
                        parent_and_version(parents[0], 1),
                        parent_and_version(parents[1], 1),
                        parent_and_version(parents[2], 1),
                        parent_and_version(parents[0], 2),
                        parent_and_version(leaf_id, 1),
                    ],
                }
            }
        }
        first_page = client.post("/ComponentReference/query", json=body).json()
        assert first_page["numberOfResults"] == 2 and "queryToken" in first_page
        results = query_all(client, "ComponentReference", body)

    assert [
        [
            (r["parentComponentId"], r["parentVersion"], r["componentId"])
            for r in result["references"]
        ]
        for result in results
    ] == [[(parent, 1, leaf_id)] for parent in parents], (
        "one result per parent revision that uses something"
    )


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
        references = references_from(client, route)
        used_by = client.get(f"/ComponentReference/{target}").json()["references"]
    assert [(r["componentId"], r["type"]) for r in references] == [(target, "INDEPENDENT")]
    assert [(r["parentComponentId"], r["type"]) for r in used_by] == [(route, "INDEPENDENT")]


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
        )
        parent_id = parent.get("componentId")
        on_branch = client.get(f"/ComponentReference/{child}~{branch_id}").json()["references"]
        assert [(r["parentComponentId"], r["branchId"]) for r in on_branch] == [
            (parent_id, branch_id)
        ]
        assert client.get(f"/ComponentReference/{child}").status_code == 404, "not on main"
        version = int(parent.get("version"))
        children = query_all(
            client,
            "ComponentReference",
            {"QueryFilter": {"expression": parent_and_version(parent_id, version)}},
        )
        assert [(r["componentId"], r["branchId"]) for r in children[0]["references"]] == [
            (child, branch_id)
        ]


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
            for reference in references_from(client, component_id):
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
