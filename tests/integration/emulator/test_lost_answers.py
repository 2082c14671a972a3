"""Every create of the BoomiClient against the emulator when Boomi acts but the answer is lost.

The emulator's ``loseAnswer`` fault runs the request and then drops the connection, or answers
a 5xx instead of the result. The client must find the object by its natural key and answer it;
resending would leave a second Folder, Component, Branch, MergeRequest, PackagedComponent, pack,
release or deployment behind.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from boomi_promo.boomi import MergeStage
from boomi_promo.emulator.records import Release
from tests.integration.emulator.boomi import component_xml, process_using
from tests.support.servers import EmulatorHandle

LOSSES = {"dropped": None, "answered 502": 502, "answered 503": 503}


class LoseNext:
    """Injects one lost answer on a create path and checks that it fired."""

    def __init__(self, emulator: EmulatorHandle, status: int | None) -> None:
        self.emulator = emulator
        self.status = status
        self.hits = 0

    def on(self, path: str) -> None:
        self.emulator.state.faults.add(
            path,
            method="POST",
            lose_answer=True,
            status=self.status,
            count=1,
            on_match=self._hit,
        )

    def _hit(self) -> None:
        self.hits += 1


@pytest.fixture(params=list(LOSSES), ids=list(LOSSES))
def lose(request: pytest.FixtureRequest, emulator: EmulatorHandle) -> Iterator[LoseNext]:
    injector = LoseNext(emulator, LOSSES[request.param])
    yield injector
    emulator.state.faults.clear()


def count(emulator: EmulatorHandle, what: str, **match: object) -> int:
    """Live objects of one kind in the emulator whose attributes equal ``match``."""
    state = emulator.state
    with state.lock:
        kinds: dict[str, list[object]] = {
            "folders": list(state.folders.values()),
            "branches": list(state.branches.values()),
            "packages": list(state.packages.values()),
            "merge_requests": list(state.merge_requests.values()),
            "packs": list(state.integration_packs.values()),
            "releases": list(state.releases.values()),
            "deployments": list(state.deployments.values()),
        }
        objects = kinds[what]
        return sum(
            1
            for o in objects
            if not getattr(o, "deleted", False)
            and all(getattr(o, key) == value for key, value in match.items())
        )


def components_named(emulator: EmulatorHandle, name: str) -> int:
    state = emulator.state
    primary = emulator.seed.primary_account_id
    with state.lock:
        return sum(
            1
            for record in state.components.values()
            if record.account_id == primary
            and any(r.name == name for r in record.revisions.values())
        )


async def test_no_create_is_made_twice_when_its_answer_is_lost(
    emulator: EmulatorHandle, lose: LoseNext
) -> None:
    primary = emulator.seed.primary_account_id
    async with emulator.boomi_client(max_retries=2, backoff_seconds=0.01) as boomi:
        lose.on(r"/Folder$")
        folder = await boomi.create_folder("Lost Answers")
        assert count(emulator, "folders", name="Lost Answers") == 1
        found = emulator.state.find_folder(primary, folder.full_path or "")
        assert found is not None and found.folder_id == folder.id

        main = await boomi.find_branch_by_name("main")
        assert main is not None
        lose.on(r"/Branch$")
        branch = await boomi.create_branch("promo-lost-answers", parent_id=main.id)
        assert count(emulator, "branches", name="promo-lost-answers") == 1
        assert branch.name == "promo-lost-answers"

        lose.on(r"/Component$")
        document = component_xml(name="Lost Process", type_="process", content=process_using())
        component = await boomi.create_component(
            document.encode(), branch_id=branch.id, folder_id=folder.id
        )
        assert components_named(emulator, "Lost Process") == 1
        assert (component.name, component.folder_id, component.branch_id) == (
            "Lost Process",
            folder.id,
            branch.id,
        )
        assert component.component_id is not None

        lose.on(r"/MergeRequest$")
        merge = await boomi.create_merge_request(branch.id, main.id, note="lost answers")
        pair = {"source_branch_id": branch.id, "destination_branch_id": main.id}
        assert count(emulator, "merge_requests", **pair) == 1
        while merge.stage != MergeStage.REVIEWING:
            merge = await boomi.get_merge_request(merge.id)
        lose.on(r"/MergeRequest/execute/")
        executed = await boomi.execute_merge_request(merge.id)
        assert executed.stage in (MergeStage.MERGING, MergeStage.MERGED)
        while executed.stage != MergeStage.MERGED:
            executed = await boomi.get_merge_request(merge.id)
        assert count(emulator, "merge_requests", **pair) == 1

        lose.on(r"/PackagedComponent$")
        package = await boomi.create_packaged_component(component.component_id, shareable=True)
        assert count(emulator, "packages", component_id=component.component_id) == 1
        lose.on(r"/PackagedComponent$")
        numbered = await boomi.create_packaged_component(
            component.component_id, package_version="7.0", shareable=True
        )
        assert count(emulator, "packages", component_id=component.component_id) == 2
        assert numbered.package_version == "7.0"

        lose.on(r"/PublisherIntegrationPack$")
        pack = await boomi.create_publisher_integration_pack("Lost Answers Pack")
        assert count(emulator, "packs", name="Lost Answers Pack") == 1
        await boomi.add_to_integration_pack(pack.id, [component.component_id])

        lose.on(r"/ReleaseIntegrationPack$")
        release = await boomi.release_integration_pack(
            pack.id, [(component.component_id, package.package_version or "")]
        )
        assert count(emulator, "releases", pack_id=pack.id) == 1
        [made] = [r for r in emulator.state.releases.values() if r.pack_id == pack.id]
        assert isinstance(made, Release)
        assert release.request_id in (made.request_id, None)

        environment = emulator.seed.test_environment_id
        lose.on(r"/DeployedPackage$")
        deployed = await boomi.create_deployed_package(environment, numbered.package_id or "")
        assert count(emulator, "deployments", package_id=numbered.package_id) == 1
        assert deployed.active

    assert lose.hits == 10, "every create lost its answer once"
