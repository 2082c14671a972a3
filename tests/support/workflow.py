"""Helpers for workflow tests: what a team does in its dev account, and what Boomi holds.

Dev components and packages are changed through the emulator's own API (``overrideAccount``),
as a developer saving a component or packaging a process would; what the primary account
holds is read from the emulator's state under its lock, independently of the product.
"""

from __future__ import annotations

from typing import Any

import httpx

from boomi_promo.store import ComponentMapping
from tests.integration.promotion.support import store_of, team_a
from tests.support.service import DemoService

BNS = "http://api.platform.boomi.com/"
XML = {"Accept": "application/xml", "Content-Type": "application/xml"}


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True, body
    return body


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["errorCode"] == code, body
    return body


def dev_component(service: DemoService, name: str, account_id: str | None = None) -> str:
    """The id of the dev component called ``name`` in team A's account (or ``account_id``)."""
    account = account_id or team_a(service)
    state = service.emulator.state
    with state.lock:
        found = [
            record.component_id
            for record in state.components.values()
            if record.account_id == account and record.revisions[max(record.revisions)].name == name
        ]
    assert len(found) == 1, f"{len(found)} dev components are called {name}"
    return found[0]


def folder_of_dev(service: DemoService, component_id: str) -> str:
    """The folder the dev component's current version sits in."""
    state = service.emulator.state
    with state.lock:
        record = state.components[component_id]
        return record.revisions[max(record.revisions)].folder_id


async def edit_dev_component(service: DemoService, component_id: str, marker: str) -> None:
    """Save a new version of a dev component whose description says ``marker``."""
    params = {"overrideAccount": team_a(service)}
    async with service.emulator.async_client(headers=XML) as boomi:
        current = await boomi.get(f"/Component/{component_id}", params=params)
        current.raise_for_status()
        text = current.text
        start = text.index("<bns:description>") + len("<bns:description>")
        end = text.index("</bns:description>", start)
        edited = text[:start] + marker + text[end:]
        saved = await boomi.post(f"/Component/{component_id}", params=params, content=edited)
        saved.raise_for_status()


async def package(service: DemoService, root_id: str, *, account_id: str | None = None) -> str:
    """Package the dev process as it is now; the new package's id."""
    params = {"overrideAccount": account_id or team_a(service)}
    async with service.emulator.async_client() as boomi:
        made = await boomi.post(
            "/PackagedComponent",
            params=params,
            json={
                "componentId": root_id,
                "componentType": "process",
                "branchName": "main",
                "shareable": True,
                "notes": "repackaged",
            },
        )
        made.raise_for_status()
    package_id: str = made.json()["packageId"]
    return package_id


async def add_process_sharing(
    service: DemoService, name: str, used: list[str], *, account_id: str | None = None
) -> str:
    """A new dev process in team A (or ``account_id``) that uses ``used`` (dev component
    ids), packaged; the package id. It sits in the folder of the first component it uses."""
    shapes = "".join(
        f'<shape name="shape{i}"><configuration><map mapId="{cid}"/></configuration></shape>'
        for i, cid in enumerate(used)
    )
    body = (
        f'<bns:Component xmlns:bns="{BNS}" name="{name}" type="process" '
        f'folderId="{folder_of_dev(service, used[0])}">'
        "<bns:encryptedValues/><bns:description>shares components</bns:description>"
        f'<bns:object><process xmlns=""><shapes>{shapes}</shapes></process></bns:object>'
        "</bns:Component>"
    )
    params = {"overrideAccount": account_id or team_a(service)}
    async with service.emulator.async_client(headers=XML) as boomi:
        created = await boomi.post("/Component", params=params, content=body)
        created.raise_for_status()
    root_id = created.text.split('componentId="', 1)[1].split('"', 1)[0]
    return await package(service, root_id, account_id=account_id)


async def mappings(service: DemoService) -> dict[str, ComponentMapping]:
    """Team A's mappings by dev component id."""
    async with store_of(service) as uow:
        found = await uow.mappings.list_for_dev_account(team_a(service))
    return {m.dev_component_id: m for m in found}


def on_main(service: DemoService, prod_id: str) -> bool:
    """Whether main holds the prod component (written there, or in main's base)."""
    state = service.emulator.state
    with state.lock:
        main = state.main_branch(service.seed.primary_account_id)
        record = state.components.get(prod_id)
        if record is None:
            return False
        return prod_id in main.base or any(
            r.branch_id == main.branch_id and not r.deleted for r in record.revisions.values()
        )
