"""A package made from a branch holds that branch's view; a branch made from it holds the same."""

from __future__ import annotations

import httpx

from tests.integration.emulator.boomi import (
    component_xml,
    create,
    package_body,
    parse,
    process_using,
    profile,
)
from tests.support.servers import EmulatorHandle


def _write(
    client: httpx.Client,
    name: str,
    type_: str,
    content: str,
    *,
    component_id: str = "",
    branch_id: str = "",
) -> str:
    body = component_xml(
        name=name, type_=type_, content=content, component_id=component_id, branch_id=branch_id
    )
    path = f"/Component/{component_id}" if component_id else "/Component"
    return create(client, body, path=path).get("componentId")


def _version(client: httpx.Client, ref: str) -> int:
    response = client.get(f"/Component/{ref}")
    assert response.status_code == 200, response.text
    return int(parse(response).get("version"))


def test_a_branch_from_a_branch_package_holds_exactly_the_packaged_versions(
    emulator: EmulatorHandle,
) -> None:
    with emulator.client() as client:
        _check_snapshot(client)


def _check_snapshot(client: httpx.Client) -> None:
    child = _write(client, "Child", "profile.json", profile("v1"))
    root = _write(client, "Root", "process", process_using(child, text="v1"))
    bystander = _write(client, "Bystander", "profile.json", profile("main"))

    promo = client.post("/Branch", json={"name": "promo-snapshot"}).json()["id"]
    _write(client, "Child", "profile.json", profile("v2"), component_id=child, branch_id=promo)
    added = _write(client, "Added", "profile.json", profile("new"), branch_id=promo)
    _write(
        client,
        "Root",
        "process",
        process_using(child, added, text="v2"),
        component_id=root,
        branch_id=promo,
    )
    expected = {
        root: _version(client, f"{root}~{promo}"),
        child: _version(client, f"{child}~{promo}"),
        added: _version(client, f"{added}~{promo}"),
    }
    package = client.post(
        "/PackagedComponent",
        json=package_body(root, branchName="promo-snapshot", shareable=True),
    ).json()
    assert package["componentVersion"] == expected[root]
    assert package["branchName"] == "promo-snapshot"

    # Main moves on and the promotion branch goes away; the package is unaffected.
    _write(client, "Child", "profile.json", profile("main-v3"), component_id=child)
    _write(client, "Root", "process", process_using(child, text="main"), component_id=root)
    assert client.delete(f"/Branch/{promo}").status_code == 200

    review = client.post(
        "/Branch", json={"name": "review-snapshot", "packageId": package["packageId"]}
    ).json()
    assert review["packageId"] == package["packageId"]
    held = {cid: _version(client, f"{cid}~{review['id']}") for cid in expected}
    assert held == expected
    assert _version(client, f"{bystander}~{review['id']}") == _version(client, bystander)
    assert _version(client, root) > expected[root]
    assert client.get(f"/Component/{added}").status_code == 404, "never on main"
