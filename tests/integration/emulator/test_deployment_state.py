"""Packs, releases, environments and deployments survive a save and a load."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from boomi_promo.emulator.state.world import EmulatorState
from tests.integration.emulator.deployment import (
    change_pack,
    create_pack,
    install_clock,
    new_process,
    package,
    release,
    release_body,
)
from tests.support.servers import EmulatorHandle, fast_settings


def test_saved_deployment_objects_load_unchanged(emulator: EmulatorHandle, tmp_path: Path) -> None:
    seed = emulator.seed
    clock = install_clock(emulator)
    tomorrow = (clock.today() + timedelta(days=1)).date().isoformat()
    with emulator.client() as client:
        process = new_process(client, "Saved")
        packaged = package(client, process, "1.0")
        pack_id = create_pack(client, "Saved Pack")
        change_pack(client, pack_id, "ADD", process)
        done = release(client, pack_id, (process, "1.0"))
        scheduled = client.post(
            "/ReleaseIntegrationPack", json=release_body(pack_id, (process, "1.0"), on=tomorrow)
        ).json()["requestId"]
        deployment = client.post(
            "/DeployedPackage",
            json={"environmentId": seed.test_environment_id, "packageId": packaged["packageId"]},
        ).json()
        reads = [
            f"/PublisherIntegrationPack/{pack_id}",
            f"/IntegrationPack/{pack_id}",
            f"/ReleaseIntegrationPackStatus/{done}",
            f"/ReleaseIntegrationPackStatus/{scheduled}",
            f"/DeployedPackage/{deployment['deploymentId']}",
            f"/Environment/{seed.test_environment_id}",
            f"/Environment/{seed.prod_environment_id}",
        ]
        before = [(client.get(path).status_code, client.get(path).json()) for path in reads]
    assert [status for status, _ in before] == [200, 200, 200, 202, 200, 200, 200]

    state_file = tmp_path / "emulator.json"
    emulator.state.save(state_file)
    restored = EmulatorState.load(state_file, settings=fast_settings())
    restored.clock = clock
    emulator.use_state(restored)
    with emulator.client() as client:
        after = [(client.get(path).status_code, client.get(path).json()) for path in reads]
        assert after == before
        # What was pending goes on from where it was; counters and names stay taken.
        clock.advance(timedelta(days=1).total_seconds())
        finished = client.get(f"/ReleaseIntegrationPackStatus/{scheduled}").json()
        assert finished["releaseStatus"] == "SUCCESS"
        duplicate = client.post(
            "/DeployedPackage",
            json={"environmentId": seed.test_environment_id, "packageId": packaged["packageId"]},
        )
        assert "duplicate" in duplicate.json()["message"]
        assert (
            client.post(
                "/PublisherIntegrationPack",
                json={"name": "Saved Pack", "Description": "", "installationType": "MULTI"},
            ).status_code
            == 400
        )
