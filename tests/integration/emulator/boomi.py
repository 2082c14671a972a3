"""Small helpers the emulator tests share: component XML in and out, paging through queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from lxml import etree

BNS = "http://api.platform.boomi.com/"
XML = {"Accept": "application/xml", "Content-Type": "application/xml"}
EVERYTHING: dict[str, Any] = {
    "QueryFilter": {"expression": {"operator": "and", "nestedExpression": []}}
}
"""A query for every object: Boomi's schema requires an expression, an empty conjunction."""
EXTENSION_SECTIONS = {
    "connections": "connection",
    "operations": "operation",
    "tradingPartners": "tradingPartner",
    "sharedCommunications": "sharedCommunication",
    "crossReferences": "crossReference",
    "properties": "property",
    "processProperties": "ProcessProperty",
    "PGPCertificates": "PGPCertificate",
}


def with_every_section(body: dict[str, Any]) -> dict[str, Any]:
    """An EnvironmentExtensions update body with the sections it leaves out sent empty, as
    Boomi's schema requires every section."""
    return {**{name: {item: []} for name, item in EXTENSION_SECTIONS.items()}, **body}


def package_body(component_id: str, type_: str = "process", **fields: Any) -> dict[str, Any]:
    """A PackagedComponent create with what Boomi's schema requires (from main unless
    ``branchName`` is given)."""
    return {
        "componentId": component_id,
        "componentType": type_,
        "branchName": "main",
        "notes": "",
        **fields,
    }


def component_xml(
    *,
    name: str,
    type_: str,
    content: str,
    component_id: str = "",
    folder_id: str = "",
    branch_id: str = "",
) -> str:
    attributes = f'name="{name}" type="{type_}"'
    for attribute, value in (
        ("componentId", component_id),
        ("folderId", folder_id),
        ("branchId", branch_id),
    ):
        if value:
            attributes += f' {attribute}="{value}"'
    return (
        f'<bns:Component xmlns:bns="{BNS}" {attributes}>'
        "<bns:encryptedValues/><bns:description>test</bns:description>"
        f"<bns:object>{content}</bns:object></bns:Component>"
    )


def profile(name: str = "Order") -> str:
    return f'<JSONProfile xmlns="" strict="false"><DataElements name="{name}"/></JSONProfile>'


def process_using(*component_ids: str, text: str = "") -> str:
    shapes = "".join(
        f'<shape name="shape{i}"><configuration><map mapId="{cid}"/></configuration></shape>'
        for i, cid in enumerate(component_ids)
    )
    return f'<process xmlns=""><shapes>{shapes}</shapes><note>{text}</note></process>'


@dataclass(frozen=True)
class Xml:
    """An element whose lookups fail the test when something is missing."""

    element: etree._Element

    @property
    def tag(self) -> str:
        return str(self.element.tag)

    def get(self, name: str) -> str:
        value = self.element.get(name)
        assert value is not None, f"<{self.tag}> has no attribute {name}"
        return str(value)

    def find(self, path: str) -> Xml:
        found = self.element.find(path)
        assert found is not None, f"<{self.tag}> has no {path}"
        return Xml(found)

    def findtext(self, path: str) -> str:
        return self.find(path).element.text or ""

    def __iter__(self) -> Iterator[Xml]:
        return (Xml(child) for child in self.element)


def parse(response: httpx.Response) -> Xml:
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return Xml(etree.fromstring(response.content))


def create(client: httpx.Client, body: str, path: str = "/Component", **params: str) -> Xml:
    response = client.post(path, content=body, headers=XML, params=params)
    assert response.status_code == 200, response.text
    return parse(response)


def query_all(
    client: httpx.Client, object_type: str, body: dict[str, Any], **params: str
) -> list[dict[str, Any]]:
    """Every result of a query, following queryMore tokens."""
    page = client.post(f"/{object_type}/query", json=body, params=params)
    assert page.status_code == 200, page.text
    results: list[dict[str, Any]] = list(page.json()["result"])
    while "queryToken" in page.json():
        page = client.post(
            f"/{object_type}/queryMore",
            content=page.json()["queryToken"],
            headers={"Content-Type": "text/plain"},
            params=params,
        )
        assert page.status_code == 200, page.text
        results.extend(page.json()["result"])
    return results


def eq(prop: str, *values: str) -> dict[str, Any]:
    return {
        "QueryFilter": {
            "expression": {"operator": "EQUALS", "property": prop, "argument": list(values)}
        }
    }


def parent_and_version(component_id: str, version: int) -> dict[str, Any]:
    """The ComponentReference filter of what one revision of a component uses."""
    return {
        "operator": "and",
        "nestedExpression": [
            {"operator": "EQUALS", "property": "parentComponentId", "argument": [component_id]},
            {"operator": "EQUALS", "property": "parentVersion", "argument": [str(version)]},
        ],
    }


def references_from(client: httpx.Client, component_id: str, **params: str) -> list[dict[str, Any]]:
    """What a component's current revision references: its version from ComponentMetadata,
    then Boomi's QUERY by parentComponentId and parentVersion (the GET answers who uses it)."""
    metadata = client.get(f"/ComponentMetadata/{component_id}", params=params)
    assert metadata.status_code == 200, metadata.text
    body = {
        "QueryFilter": {"expression": parent_and_version(component_id, metadata.json()["version"])}
    }
    return [
        reference
        for result in query_all(client, "ComponentReference", body, **params)
        for reference in result["references"]
    ]
