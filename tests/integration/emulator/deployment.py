"""Helpers for the integration-pack, release and deployment tests of the emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.integration.emulator.boomi import component_xml, create, package_body, profile
from tests.support.servers import EmulatorHandle


class Clock:
    """A clock the test moves by hand (installed as the emulator state's clock)."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def today(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


def install_clock(emulator: EmulatorHandle, start: datetime | None = None) -> Clock:
    clock = Clock(start or datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    emulator.state.clock = clock
    return clock


def new_process(client: httpx.Client, name: str) -> str:
    """A process in the primary account (on main), referencing a profile of its own."""
    profile_id = create(
        client, component_xml(name=f"{name} Profile", type_="profile.json", content=profile())
    ).get("componentId")
    process = f'<process xmlns=""><shapes><map mapId="{profile_id}"/></shapes></process>'
    return create(client, component_xml(name=name, type_="process", content=process)).get(
        "componentId"
    )


def package(
    client: httpx.Client, component_id: str, version: str, *, shareable: bool = True
) -> dict[str, Any]:
    response = client.post(
        "/PackagedComponent",
        json=package_body(component_id, packageVersion=version, shareable=shareable),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def create_pack(client: httpx.Client, name: str, installation_type: str = "MULTI") -> str:
    response = client.post(
        "/PublisherIntegrationPack",
        json={"name": name, "Description": f"{name} pack", "installationType": installation_type},
    )
    assert response.status_code == 200, response.text
    pack_id: str = response.json()["id"]
    return pack_id


def change_pack(
    client: httpx.Client, pack_id: str, operation: str, *component_ids: str
) -> httpx.Response:
    # Boomi requires the Description on an update: the pack's own, as read.
    description = client.get(f"/PublisherIntegrationPack/{pack_id}").json().get("Description", "")
    return client.post(
        f"/PublisherIntegrationPack/{pack_id}",
        json={
            "id": pack_id,
            "Description": description,
            "operationType": operation,
            "PublisherPackagedComponents": {
                "PublisherPackagedComponent": [{"componentId": c} for c in component_ids]
            },
        },
    )


def release_body(
    pack_id: str, *components: tuple[str, str], on: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": pack_id,
        "releaseSchedule": "RELEASE_ON_SPECIFIED_DATE" if on else "IMMEDIATELY",
        "ReleasePackagedComponents": {
            "ReleasePackagedComponent": [
                {"componentId": component_id, "version": version}
                for component_id, version in components
            ]
        },
    }
    if on:
        body["releaseOnDate"] = on
    return body


def release(client: httpx.Client, pack_id: str, *components: tuple[str, str]) -> str:
    response = client.post("/ReleaseIntegrationPack", json=release_body(pack_id, *components))
    assert response.status_code == 200, response.text
    request_id: str = response.json()["requestId"]
    return request_id


def members(client: httpx.Client, pack_id: str) -> dict[str, dict[str, Any]]:
    """The pack's components by componentId."""
    pack = client.get(f"/PublisherIntegrationPack/{pack_id}").json()
    listed = pack["PublisherPackagedComponents"]["PublisherPackagedComponent"]
    return {member["componentId"]: member for member in listed}
