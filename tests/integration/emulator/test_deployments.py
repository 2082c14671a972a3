"""Environment and DeployedPackage."""

from __future__ import annotations

from typing import Any

from tests.integration.emulator.boomi import EVERYTHING, eq, query_all
from tests.integration.emulator.deployment import new_process, package
from tests.support.servers import EmulatorHandle


def both(*filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "QueryFilter": {
            "expression": {
                "operator": "and",
                "nestedExpression": [f["QueryFilter"]["expression"] for f in filters],
            }
        }
    }


def test_the_primary_account_has_a_test_and_a_production_environment(
    emulator: EmulatorHandle,
) -> None:
    seed = emulator.seed
    with emulator.client() as client:
        listed = client.post("/Environment/query", json=EVERYTHING).json()["result"]
        assert sorted((e["name"], e["classification"], e["id"]) for e in listed) == [
            ("Production", "PROD", seed.prod_environment_id),
            ("Test", "TEST", seed.test_environment_id),
        ]
        tests = client.post("/Environment/query", json=eq("classification", "TEST")).json()
        assert [e["id"] for e in tests["result"]] == [seed.test_environment_id]
        production = client.get(f"/Environment/{seed.prod_environment_id}").json()
        assert production == {
            "@type": "Environment",
            "id": seed.prod_environment_id,
            "name": "Production",
            "classification": "PROD",
        }
        assert client.get("/Environment/no-such-environment").status_code == 404
        unknown_property = client.post("/Environment/query", json=eq("runtime", "x"))
        assert unknown_property.status_code == 400
    team_a = seed.dev_accounts[0].account_id
    with emulator.client(params={"overrideAccount": team_a}) as dev:
        assert dev.post("/Environment/query", json=EVERYTHING).json()["result"] == []
        assert dev.get(f"/Environment/{seed.test_environment_id}").status_code == 404


def test_deploying_packages_counts_versions_and_keeps_one_active(
    emulator: EmulatorHandle,
) -> None:
    seed = emulator.seed
    test_env = seed.test_environment_id
    prior = seed.prior_promotion
    with emulator.client() as client:
        first = client.post(
            "/DeployedPackage",
            json={
                "environmentId": test_env,
                "packageId": prior.prod_package_id,
                "notes": "first",
                "listenerStatus": "RUNNING",
            },
        )
        assert first.status_code == 200, first.text
        deployed = first.json()
        assert deployed["@type"] == "DeployedPackage"
        assert deployed["environmentId"] == test_env
        assert deployed["packageId"] == prior.prod_package_id
        assert deployed["packageVersion"] == "1.0"
        assert deployed["componentId"] == prior.prod_root_component_id
        assert deployed["componentType"] == "process"
        assert (deployed["version"], deployed["active"], deployed["notes"]) == (1, True, "first")
        assert deployed["deployedBy"] == seed.username
        assert client.get(f"/DeployedPackage/{deployed['deploymentId']}").json() == deployed

        again = client.post(
            "/DeployedPackage", json={"environmentId": test_env, "packageId": prior.prod_package_id}
        )
        assert again.status_code == 400
        assert "duplicate" in again.json()["message"].lower()

        newer = package(client, prior.prod_root_component_id, "1.1")
        second = client.post(
            "/DeployedPackage", json={"environmentId": test_env, "packageId": newer["packageId"]}
        ).json()
        assert (second["version"], second["active"]) == (2, True)
        assert client.get(f"/DeployedPackage/{deployed['deploymentId']}").json()["active"] is False

        # Another environment counts on its own.
        production = client.post(
            "/DeployedPackage",
            json={"environmentId": seed.prod_environment_id, "packageId": newer["packageId"]},
        ).json()
        assert production["version"] == 1

        in_test = both(eq("environmentId", test_env), eq("componentId", newer["componentId"]))
        history = client.post("/DeployedPackage/query", json=in_test).json()["result"]
        assert [(d["version"], d["active"]) for d in history] == [(1, False), (2, True)]
        unknown_package = client.post(
            "/DeployedPackage", json={"environmentId": test_env, "packageId": "nope"}
        )
        assert unknown_package.status_code == 400
        assert "nope does not exist" in unknown_package.json()["message"]
        current = client.post(
            "/DeployedPackage/query", json=both(eq("environmentId", test_env), eq("active", "true"))
        ).json()["result"]
        assert [d["deploymentId"] for d in current] == [second["deploymentId"]]

        # Undeploy: gone from the API; a later deployment still counts on.
        assert client.delete(f"/DeployedPackage/{second['deploymentId']}").status_code == 200
        assert client.get(f"/DeployedPackage/{second['deploymentId']}").status_code == 404
        assert client.delete(f"/DeployedPackage/{second['deploymentId']}").status_code == 404
        redeployed = client.post(
            "/DeployedPackage", json={"environmentId": test_env, "packageId": newer["packageId"]}
        ).json()
        assert (redeployed["version"], redeployed["active"]) == (3, True)


def test_deploying_a_component_packages_main_first(emulator: EmulatorHandle) -> None:
    seed = emulator.seed
    with emulator.client() as client:
        process = new_process(client, "Straight to Test")
        deployed = client.post(
            "/DeployedPackage",
            json={"environmentId": seed.test_environment_id, "componentId": process},
        )
        assert deployed.status_code == 200, deployed.text
        package_id = deployed.json()["packageId"]
        packaged = client.get(f"/PackagedComponent/{package_id}").json()
        assert (packaged["componentId"], packaged["branchName"]) == (process, "main")
        for body, reason in [
            ({"environmentId": "elsewhere", "componentId": process}, "Environment"),
            ({"environmentId": seed.test_environment_id}, "packageId"),
            (
                {"environmentId": seed.test_environment_id, "packageId": package_id},
                "duplicate",
            ),
            (
                {
                    "environmentId": seed.prod_environment_id,
                    "packageId": package_id,
                    "listenerStatus": "STOPPED",
                },
                "listenerStatus",
            ),
        ]:
            refused = client.post("/DeployedPackage", json=body)
            assert refused.status_code == 400, reason
            assert reason in refused.json()["message"]


def test_deployed_package_queries_page_with_query_more(emulator: EmulatorHandle) -> None:
    emulator.state.settings.page_size = 2
    with emulator.client() as client:
        process = new_process(client, "Often Deployed")
        for n in range(5):
            created = package(client, process, f"1.{n}")
            client.post(
                "/DeployedPackage",
                json={
                    "environmentId": emulator.seed.test_environment_id,
                    "packageId": created["packageId"],
                },
            )
        listed = query_all(client, "DeployedPackage", eq("componentId", process))
        assert [d["version"] for d in listed] == [1, 2, 3, 4, 5]
        assert [d["active"] for d in listed] == [False] * 4 + [True]
