"""QueryFilter forms, operators, and paging through queryMore."""

from __future__ import annotations

from lxml import etree

from tests.integration.emulator.boomi import BNS, EVERYTHING, eq, query_all
from tests.support.servers import EmulatorHandle

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def test_packages_of_a_busy_account_page_by_one_hundred(emulator: EmulatorHandle) -> None:
    account = emulator.seed.paging_account_id
    expected = sum(1 for p in emulator.state.packages.values() if p.account_id == account)
    assert expected > 120
    with emulator.client(params={"overrideAccount": account}) as client:
        first = client.post("/PackagedComponent/query", json=EVERYTHING).json()
        assert first["numberOfResults"] == 100
        assert len(first["result"]) == 100
        token = first["queryToken"]
        second = client.post(
            "/PackagedComponent/queryMore", content=token, headers={"Content-Type": "text/plain"}
        ).json()
        assert second["numberOfResults"] == expected - 100
        assert "queryToken" not in second
        reused = client.post(
            "/PackagedComponent/queryMore", content=token, headers={"Content-Type": "text/plain"}
        )
        assert reused.status_code == 400

        ids = [p["packageId"] for p in first["result"] + second["result"]]
        assert len(set(ids)) == expected
        assert all(p["@type"] == "PackagedComponent" for p in first["result"])

        # REPO's JSON form of queryMore is accepted too.
        again = client.post("/PackagedComponent/query", json=EVERYTHING).json()
        lenient = client.post(
            "/PackagedComponent/queryMore", json={"queryToken": again["queryToken"]}
        )
        assert lenient.json()["numberOfResults"] == expected - 100

        wrong_object = client.post("/PackagedComponent/query", json=EVERYTHING).json()
        crossed = client.post(
            "/Branch/queryMore",
            content=wrong_object["queryToken"],
            headers={"Content-Type": "text/plain"},
        )
        assert crossed.status_code == 400


def test_official_xml_query_filter_and_xml_query_result(emulator: EmulatorHandle) -> None:
    body = (
        '<QueryFilter xmlns="http://api.platform.boomi.com/">'
        f'<expression operator="and" xmlns:xsi="{XSI}" xsi:type="GroupingExpression">'
        '<nestedExpression operator="EQUALS" property="componentType" xsi:type="SimpleExpression">'
        "<argument>process</argument></nestedExpression></expression></QueryFilter>"
    )
    account = emulator.seed.paging_account_id
    with emulator.client(params={"overrideAccount": account}) as client:
        response = client.post(
            "/PackagedComponent/query",
            content=body,
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )
        assert response.status_code == 200
        root = etree.fromstring(response.content)
        assert root.tag == f"{{{BNS}}}QueryResult"
        assert root.get("numberOfResults") == "100"
        assert root.findtext(f"{{{BNS}}}queryToken")
        results = root.findall(f"{{{BNS}}}result")
        assert len(results) == 100
        assert results[0].get(f"{{{XSI}}}type") == "bns:PackagedComponent"
        assert results[0].get("componentType") == "process"

        repo_form = (
            '<QueryFilter xmlns="http://api.platform.boomi.com/"><expression operator="and">'
            "<nestedExpression><argument>componentType</argument><operator>EQUALS</operator>"
            "<property>process</property></nestedExpression></expression></QueryFilter>"
        )
        refused = client.post(
            "/PackagedComponent/query",
            content=repo_form,
            headers={"Content-Type": "application/xml"},
        )
        assert refused.status_code == 400


def test_operators_and_nested_groups(emulator: EmulatorHandle) -> None:
    account = emulator.seed.paging_account_id
    with emulator.client(params={"overrideAccount": account}) as client:
        like = query_all(
            client,
            "ComponentMetadata",
            {
                "QueryFilter": {
                    "expression": {
                        "operator": "and",
                        "nestedExpression": [
                            {"operator": "LIKE", "property": "name", "argument": ["batch job%"]},
                            {
                                "operator": "EQUALS",
                                "property": "currentVersion",
                                "argument": ["true"],
                            },
                        ],
                    }
                }
            },
        )
        assert sorted(m["name"] for m in like) == [f"Batch Job {n:02d}" for n in range(1, 7)]
        assert all(m["version"] == 20 for m in like)

        history = query_all(client, "ComponentMetadata", eq("componentId", like[0]["componentId"]))
        assert sorted(m["version"] for m in history) == list(range(1, 21))
        assert sum(m["currentVersion"] for m in history) == 1

        either = query_all(
            client,
            "PackagedComponent",
            {
                "QueryFilter": {
                    "expression": {
                        "operator": "or",
                        "nestedExpression": [
                            {"operator": "EQUALS", "property": "packageId", "argument": [pid]}
                            for pid in (
                                emulator.seed.full_tree_package_id,
                                emulator.seed.unmapped_connection_package_id,
                            )
                        ],
                    }
                }
            },
        )
        assert {p["packageId"] for p in either} == {
            emulator.seed.full_tree_package_id,
            emulator.seed.unmapped_connection_package_id,
        }

        window = query_all(
            client,
            "PackagedComponent",
            {
                "QueryFilter": {
                    "expression": {
                        "operator": "BETWEEN",
                        "property": "createdDate",
                        "argument": ["2025-09-01T00:00:00Z", "2025-12-31T23:59:59Z"],
                    }
                }
            },
        )
        assert {p["packageVersion"] for p in window} >= {"1.0", "1.1", "2.0"}
        assert all("2025-09-01" <= p["createdDate"] <= "2025-12-31T23:59:59Z" for p in window)

        newer = query_all(
            client,
            "ComponentMetadata",
            {
                "QueryFilter": {
                    "expression": {
                        "operator": "GREATER_THAN",
                        "property": "version",
                        "argument": ["19"],
                    }
                }
            },
        )
        assert {m["version"] for m in newer} == {20}

        bad = [
            eq("noSuchProperty", "x"),
            {
                "QueryFilter": {
                    "expression": {"operator": "EQUALS", "property": "name", "argument": []}
                }
            },
            {
                "QueryFilter": {
                    "expression": {"operator": "WITHIN", "property": "name", "argument": ["x"]}
                }
            },
            {
                "QueryFilter": {
                    "expression": {
                        "operator": "GREATER_THAN",
                        "property": "version",
                        "argument": ["x"],
                    }
                }
            },
            {"filter": {}},
        ]
        for body in bad:
            response = client.post("/ComponentMetadata/query", json=body)
            assert response.status_code == 400, body
            assert response.json()["@type"] == "Error"


def test_request_type_annotations_are_ignored(emulator: EmulatorHandle) -> None:
    body = {
        "QueryFilter": {
            "expression": {
                "@type": "BranchSimpleExpression",
                "operator": "EQUALS",
                "property": "name",
                "argument": ["main"],
            }
        }
    }
    with emulator.client() as client:
        result = client.post("/Branch/query", json=body).json()
    assert [b["name"] for b in result["result"]] == ["main"]
