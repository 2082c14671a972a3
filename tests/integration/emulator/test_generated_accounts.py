"""Generated dev accounts: packaged trees of a requested size and depth, promotable end to end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import httpx
import pytest

from boomi_promo.demo import seed_generated_account_records
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.emulator.generated import GeneratedAccount, add_generated_dev_account
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.identity.local import LocalIdentity
from boomi_promo.store import UnitOfWorkFactory, create_engine
from tests.integration.emulator.boomi import references_from
from tests.integration.promotion.support import (
    ALICE,
    primary_revisions,
    revision_xml,
    store_of,
)
from tests.support.servers import EmulatorHandle
from tests.support.service import DemoService

CONNECTION = "connector-settings"
PROMOTABLE_KINDS = {
    "process",
    "connector-action",
    "transform.map",
    "script.mapping",
    "script.processing",
}


@dataclass(frozen=True)
class ReadTree:
    """A packaged tree as read back through the Partner API: type and depth by component id."""

    types: dict[str, str]
    depth: dict[str, int]
    root_references: int

    @property
    def promotable(self) -> int:
        return sum(1 for kind in self.types.values() if kind != CONNECTION)


def read_package_tree(client: httpx.Client, account_id: str, package_id: str) -> ReadTree:
    """Breadth first over ComponentReference from the package's root, in the dev account."""
    params = {"overrideAccount": account_id}
    package = client.get(f"/PackagedComponent/{package_id}", params=params).json()
    assert package["packageVersion"] == "1.0"
    root = package["componentId"]
    depth = {root: 0}
    references: dict[str, list[str]] = {}
    level = [root]
    while level:
        following: list[str] = []
        for parent in level:
            references[parent] = [
                r["componentId"] for r in references_from(client, parent, **params)
            ]
            for child in references[parent]:
                if child not in depth:
                    depth[child] = depth[parent] + 1
                    following.append(child)
        level = following
    types = {
        component_id: client.get(f"/ComponentMetadata/{component_id}", params=params).json()["type"]
        for component_id in depth
    }
    return ReadTree(types, depth, len(references[root]))


def generated_component_xml(state: EmulatorState, account: GeneratedAccount) -> list[bytes]:
    with state.lock:
        ids = [
            c.component_id for c in state.components.values() if c.account_id == account.account_id
        ]
    return [state.get_component_xml(account.account_id, component_id) for component_id in ids]


@pytest.mark.parametrize(("trees", "components"), [(3, 10), (1, 50), (1, 200)])
def test_every_package_tree_holds_the_requested_components_with_depth(
    emulator: EmulatorHandle, trees: int, components: int
) -> None:
    account = add_generated_dev_account(
        emulator.state, name="Load Team 1", trees=trees, components_per_tree=components
    )

    assert len(account.package_ids) == len(account.process_ids) == trees
    with emulator.client() as client:
        assert client.get(f"/Account/{account.account_id}").json()["name"] == "Load Team 1"
        for package_id, process_id in zip(account.package_ids, account.process_ids, strict=True):
            tree = read_package_tree(client, account.account_id, package_id)
            assert tree.promotable == components
            assert [cid for cid, kind in tree.types.items() if kind == CONNECTION] == [
                account.dev_connection_id
            ]
            assert tree.depth[process_id] == 0
            assert set(tree.types.values()) >= PROMOTABLE_KINDS
            assert any(kind.startswith("profile.") for kind in tree.types.values())
            assert max(tree.depth.values()) >= 3
            assert tree.root_references < components / 2, "not a star around the root"
            if components >= 50:
                processes = Counter(tree.types.values())["process"]
                assert processes >= 5, "sub-processes nest"
                assert max(tree.depth.values()) >= 5


def test_the_shared_prod_connection_joins_the_primary_connections_folder(
    emulator: EmulatorHandle,
) -> None:
    demo_connection = emulator.seed.connection_mappings[0].prod_component_id

    accounts = [
        add_generated_dev_account(
            emulator.state, name=f"Load Team {n}", trees=1, components_per_tree=5
        )
        for n in (1, 2)
    ]

    with emulator.client() as client:
        folders = {client.get(f"/ComponentMetadata/{demo_connection}").json()["folderId"]}
        for account in accounts:
            prod = client.get(f"/ComponentMetadata/{account.prod_connection_id}").json()
            assert (prod["type"], prod["name"]) == (CONNECTION, account.connection_name)
            folders.add(prod["folderId"])
            dev_xml = client.get(
                f"/Component/{account.dev_connection_id}",
                params={"overrideAccount": account.account_id},
                headers={"Accept": "application/xml"},
            ).text
            assert all(secret in dev_xml for secret in account.secret_values[:2])
        assert len(folders) == 1, "one #Connections folder, reused"
        assert client.get(f"/Folder/{folders.pop()}").json()["fullPath"] == (
            "Primary Account/#Connections"
        )
    assert accounts[0].account_id != accounts[1].account_id
    assert set(accounts[0].secret_values).isdisjoint(accounts[1].secret_values)


def test_a_seed_gives_the_same_account_every_time() -> None:
    def generate(seed: int) -> tuple[EmulatorState, GeneratedAccount]:
        state, _demo = build_demo_state()
        account = add_generated_dev_account(
            state, name="Bench Team", trees=2, components_per_tree=30, seed=seed
        )
        return state, account

    (first_state, first), (second_state, second) = generate(7), generate(7)
    other_state, other = generate(8)

    assert first == second
    first_xml = generated_component_xml(first_state, first)
    assert first_xml == generated_component_xml(second_state, second)
    assert generated_component_xml(other_state, other) != first_xml
    assert all("s3cr3t-" in secret for secret in first.secret_values)


async def test_a_generated_package_is_promoted_for_its_team_group(
    promo_service: DemoService,
) -> None:
    groups = promo_service.settings.groups
    team_group = f"{groups.team_prefix}LOAD1"
    account = add_generated_dev_account(
        promo_service.emulator.state,
        name="Load Team 1",
        trees=2,
        components_per_tree=12,
        seed=3,
    )
    engine = create_engine(promo_service.settings.resolved_database_url())
    try:
        await seed_generated_account_records(UnitOfWorkFactory(engine), account, team_group)
    finally:
        await engine.dispose()
    token = LocalIdentity(promo_service.data_dir, groups=groups).issue_token(
        "lena@example.com", "Lena Load", [groups.contributor, team_group]
    )
    body = {"devAccountId": account.account_id, "devPackageId": account.package_ids[1]}

    async with httpx.AsyncClient(
        base_url=promo_service.base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ) as client:
        response = await client.post("/api/v1/actions/executePromotion", json=body)
    refused = await promo_service.call(ALICE, "executePromotion", body)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["success"] is True
    assert len(result["promotionResults"]) == account.components_per_tree
    assert {r["action"] for r in result["promotionResults"]} == {"CREATED"}
    assert result["connectionsSkipped"] == 1
    state = promo_service.emulator.state
    dev_xml = b"".join(
        state.get_component_xml(account.account_id, r["devComponentId"])
        for r in result["promotionResults"]
    )
    assert any(s.encode() in dev_xml for s in account.secret_values), "the tree held a secret"
    root = next(
        r for r in result["promotionResults"] if r["devComponentId"] == account.process_ids[1]
    )
    assert account.prod_connection_id in revision_xml(
        promo_service, root["prodComponentId"], root["version"]
    )
    async with store_of(promo_service) as uow:
        log = await uow.promotions.get(result["promotionId"])
    assert log is not None
    assert log.status == PromotionStatus.COMPLETED
    assert log.components_created == account.components_per_tree
    primary_xml = [
        revision_xml(promo_service, cid, v) for cid, v in primary_revisions(promo_service)
    ]
    leaked = [s for s in account.secret_values if any(s in xml for xml in primary_xml)]
    assert leaked == []
    assert refused.status_code == 403, "a team that is not granted the account is refused"
