"""The product's BoomiClient against the emulator: packs, releases, environments, deployments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boomi_promo.boomi import (
    BoomiBadRequestError,
    EnvironmentClassification,
    Operator,
    QueryFilter,
    ReleaseStatus,
)
from tests.integration.emulator.deployment import install_clock, new_process
from tests.support.servers import EmulatorHandle


async def test_pack_release_and_deployment_journey(emulator: EmulatorHandle) -> None:
    prior = emulator.seed.prior_promotion
    root = prior.prod_root_component_id
    clock = install_clock(emulator)
    emulator.state.settings.release_seconds = 5.0
    async with emulator.boomi_client() as boomi:
        pack = await boomi.create_publisher_integration_pack(
            "Customer Sync - TEST", description="Customer sync for testing"
        )
        assert (pack.name, pack.description, pack.installation_type) == (
            "Customer Sync - TEST",
            "Customer sync for testing",
            "MULTI",
        )
        assert pack.components == []
        with pytest.raises(BoomiBadRequestError, match="already exists"):
            await boomi.create_publisher_integration_pack("Customer Sync - TEST")

        pack = await boomi.add_to_integration_pack(pack.id, [root])
        member = pack.component(root)
        assert member is not None
        assert (member.component_name, member.pending_version, member.current_version) == (
            "Customer Sync",
            "1.0",
            None,
        )
        assert [p async for p in boomi.query_integration_packs()] == []

        release = await boomi.release_integration_pack(pack.id, [(root, "1.0")])
        assert release.id == pack.id
        assert [(c.component_id, c.version) for c in release.components] == [(root, "1.0")]
        assert release.request_id is not None
        status = await boomi.get_release_status(release.request_id)
        assert status.release_status == ReleaseStatus.IN_PROGRESS
        assert status.response_status_code == 202
        assert not status.finished

        clock.advance(5.0)
        status = await boomi.get_release_status(release.request_id)
        assert status.finished and status.release_status == ReleaseStatus.SUCCESS
        assert [(c.component_id, c.released_version) for c in status.components] == [(root, "1.0")]
        fetched = await boomi.get_publisher_integration_pack(pack.id)
        released = fetched.component(root)
        assert released is not None and released.current_version == "1.0"

        by_name = QueryFilter.where("name", Operator.EQUALS, "Customer Sync - TEST")
        available = [p async for p in boomi.query_integration_packs(by_name)]
        assert [(p.id, p.description) for p in available] == [
            (pack.id, "Customer sync for testing")
        ]
        assert (await boomi.get_integration_pack(pack.id)).name == "Customer Sync - TEST"
        team_a = emulator.seed.dev_accounts[0].account_id
        seen_by_dev = [p async for p in boomi.query_integration_packs(override_account=team_a)]
        assert [p.id for p in seen_by_dev] == [pack.id]

        environments = {e.classification: e async for e in boomi.query_environments()}
        assert environments[EnvironmentClassification.TEST].name == "Test"
        test_env = await boomi.get_environment(emulator.seed.test_environment_id)
        assert test_env.classification == EnvironmentClassification.TEST

        deployed = await boomi.create_deployed_package(
            test_env.id, prior.prod_package_id, notes="journey"
        )
        assert (deployed.version, deployed.active, deployed.notes) == (1, True, "journey")
        with pytest.raises(BoomiBadRequestError, match="duplicate"):
            await boomi.create_deployed_package(test_env.id, prior.prod_package_id)
        in_test = QueryFilter.where("environmentId", Operator.EQUALS, test_env.id)
        assert [d.deployment_id async for d in boomi.query_deployed_packages(in_test)] == [
            deployed.deployment_id
        ]
        assert (await boomi.get_deployed_package(deployed.deployment_id)).package_version == "1.0"
        assert await boomi.delete_deployed_package(deployed.deployment_id) is True
        assert await boomi.delete_deployed_package(deployed.deployment_id) is False

        pack = await boomi.remove_from_integration_pack(pack.id, [root])
        removed = pack.component(root)
        assert removed is not None and removed.deleted
        assert await boomi.delete_publisher_integration_pack(pack.id) is True
        assert await boomi.delete_publisher_integration_pack(pack.id) is False


async def test_scheduled_and_failed_releases_through_the_client(emulator: EmulatorHandle) -> None:
    clock = install_clock(emulator)
    with emulator.client() as http:
        process = new_process(http, "Client Scheduled")
    async with emulator.boomi_client() as boomi:
        await boomi.create_packaged_component(process, package_version="3.0", shareable=True)
        pack = await boomi.create_publisher_integration_pack("Scheduled Pack")
        await boomi.add_to_integration_pack(pack.id, [process])
        tomorrow = (clock.today() + timedelta(days=1)).date()
        scheduled = await boomi.release_integration_pack(
            pack.id,
            [(process, "3.0")],
            schedule="RELEASE_ON_SPECIFIED_DATE",
            release_on_date=tomorrow,
        )
        assert scheduled.release_on_date == tomorrow.isoformat()
        assert scheduled.request_id is not None
        waiting = await boomi.get_release_status(scheduled.request_id)
        assert waiting.release_status == ReleaseStatus.SCHEDULED and not waiting.finished

        emulator.state.release_faults.add(pack.id, message="Disk full")
        failing = await boomi.release_integration_pack(pack.id, [(process, "3.0")])
        assert failing.request_id is not None
        failed = await boomi.get_release_status(failing.request_id)
        assert (failed.release_status, failed.message) == (ReleaseStatus.ERROR, "Disk full")
        assert failed.finished

        clock.advance(timedelta(days=1).total_seconds())
        done = await boomi.get_release_status(scheduled.request_id)
        assert done.release_status == ReleaseStatus.SUCCESS

        with pytest.raises(BoomiBadRequestError, match="not in integration pack"):
            await boomi.release_integration_pack(pack.id, [("someone-else", "1.0")])
