"""Saving and loading the emulator's state, over the Python API and the control endpoints."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from boomi_promo.emulator.app import create_app
from boomi_promo.emulator.server import load_or_seed
from boomi_promo.emulator.state.world import EmulatorState
from tests.integration.emulator.boomi import (
    EVERYTHING,
    XML,
    component_xml,
    create,
    eq,
    parse,
    profile,
)
from tests.support import emulator_control as control_api
from tests.support.servers import EmulatorHandle, fast_settings, start_server


def test_saved_state_loads_into_an_identical_emulator(
    emulator: EmulatorHandle, tmp_path: Path
) -> None:
    with emulator.client() as client:
        branch = client.post("/Branch", json={"name": "kept"}).json()
        component_id = create(
            client,
            component_xml(
                name="Kept", type_="profile.json", content=profile(), branch_id=branch["id"]
            ),
        ).get("componentId")
        before_xml = client.get(f"/Component/{component_id}~{branch['id']}").content
        before_packages = client.post("/PackagedComponent/query", json=EVERYTHING).json()
        main_id = client.post("/Branch/query", json=eq("name", "main")).json()["result"][0]["id"]
        merge = client.post(
            "/MergeRequest",
            json={
                "sourceBranchId": branch["id"],
                "destinationBranchId": main_id,
                "MergeRequestDetails": {},
            },
        ).json()
        reviewing = client.get(f"/MergeRequest/{merge['id']}").json()
        assert reviewing["stage"] == "REVIEWING"

    state_file = tmp_path / "emulator.json"
    emulator.state.save(state_file)
    assert (
        json.loads(state_file.read_text())["primary_account_id"] == emulator.seed.primary_account_id
    )

    restored = EmulatorState.load(state_file, settings=fast_settings())
    emulator.use_state(restored)
    with emulator.client() as client:
        assert client.get(f"/Component/{component_id}~{branch['id']}").content == before_xml
        assert client.get(f"/Branch/{branch['id']}").json()["name"] == "kept"
        assert client.get(f"/MergeRequest/{merge['id']}").json() == reviewing
        after_packages = client.post("/PackagedComponent/query", json=EVERYTHING).json()
        assert after_packages["result"] == before_packages["result"]
        # Counters continue: new ids do not collide with saved ones.
        second = client.post("/Branch", json={"name": "after-load"}).json()
        assert second["id"] != branch["id"]
        updated = create(
            client,
            component_xml(
                name="Kept",
                type_="profile.json",
                content=profile("2"),
                component_id=component_id,
                branch_id=branch["id"],
            ),
            path=f"/Component/{component_id}",
        )
        assert updated.get("version") == "2"


def test_state_file_is_written_on_shutdown_and_on_request(tmp_path: Path) -> None:
    state_file = tmp_path / "state" / "emulator.json"
    state = load_or_seed(state_file)
    assert state.primary_account_id and not state_file.exists()
    app = create_app(state, state_file=state_file)
    with start_server(app, lifespan="on") as running:
        saved = control_api.post(f"{running.base_url}/__emulator__/state/save")
        assert saved.status_code == 200
        assert state_file.exists()
        dumped = control_api.get(f"{running.base_url}/__emulator__/state").json()
        assert dumped["primary_account_id"] == state.primary_account_id
        state.create_branch(state.primary_account_id, {"name": "made-late"}, user="t@example.com")
    reloaded = load_or_seed(state_file)
    assert reloaded.branch_named(state.primary_account_id, "made-late") is not None


def test_save_endpoint_needs_a_state_file(emulator: EmulatorHandle) -> None:
    response = control_api.post(f"{emulator.base_url}/__emulator__/state/save")
    assert response.status_code == 400


async def test_concurrent_writes_get_distinct_versions(emulator: EmulatorHandle) -> None:
    async with emulator.async_client() as client:
        created = await client.post(
            "/Component",
            content=component_xml(name="Busy", type_="profile.json", content=profile()),
            headers=XML,
        )
        component_id = parse(created).get("componentId")
        body = component_xml(
            name="Busy", type_="profile.json", content=profile(), component_id=component_id
        )
        responses = await asyncio.gather(
            *(
                client.post(f"/Component/{component_id}", content=body, headers=XML)
                for _ in range(10)
            )
        )
    versions = sorted(int(parse(r).get("version")) for r in responses)
    assert versions == list(range(2, 12))
