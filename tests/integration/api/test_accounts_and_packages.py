"""A0 getDevAccounts and A listDevPackages over HTTP, against the emulator over HTTP."""

from __future__ import annotations

from typing import Any

from tests.integration.emulator.boomi import EVERYTHING
from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN
OLIVIA = "olivia@example.com"  # READONLY


def packages_in_emulator(service: DemoService, account: str) -> list[dict[str, Any]]:
    """Every package of a dev account, read page by page straight from the emulator."""
    with service.emulator.client() as boomi:
        page = boomi.post(
            "/PackagedComponent/query",
            params={"overrideAccount": account},
            json=EVERYTHING,
        ).json()
        assert "queryToken" in page, "the seed must need more than one page"
        found = list(page["result"])
        while "queryToken" in page:
            page = boomi.post(
                "/PackagedComponent/queryMore",
                params={"overrideAccount": account},
                content=page["queryToken"],
                headers={"Content-Type": "text/plain", "Accept": "application/json"},
            ).json()
            found += page["result"]
    return found


def account_id(service: DemoService, name: str) -> str:
    return next(a.account_id for a in service.seed.dev_accounts if a.name == name)


async def test_contributor_sees_only_the_accounts_of_their_team(demo_service: DemoService) -> None:
    response = await demo_service.call(ALICE, "getDevAccounts")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["effectiveTier"] == "CONTRIBUTOR"
    assert body["devAccounts"] == [
        {"accountId": account_id(demo_service, "Dev Team A"), "accountName": "Dev Team A"}
    ]


async def test_team_b_contributor_sees_team_b_only(demo_service: DemoService) -> None:
    body = (await demo_service.call(DAVE, "getDevAccounts")).json()

    assert [a["accountName"] for a in body["devAccounts"]] == ["Dev Team B"]


async def test_admin_sees_every_active_dev_account(demo_service: DemoService) -> None:
    body = (await demo_service.call(CAROL, "getDevAccounts")).json()

    assert body["effectiveTier"] == "ADMIN"
    assert {a["accountName"] for a in body["devAccounts"]} == {"Dev Team A", "Dev Team B"}


async def test_readonly_user_is_refused_with_insufficient_tier(demo_service: DemoService) -> None:
    for action, body in [
        ("getDevAccounts", {}),
        ("listDevPackages", {"devAccountId": account_id(demo_service, "Dev Team A")}),
    ]:
        response = await demo_service.call(OLIVIA, action, body)
        assert response.status_code == 403
        assert response.json()["errorCode"] == "INSUFFICIENT_TIER"
        assert response.json()["success"] is False


async def test_body_naming_another_user_is_identity_mismatch(demo_service: DemoService) -> None:
    response = await demo_service.call(
        ALICE, "getDevAccounts", {"userSsoGroups": ["ABC_BOOMI_FLOW_ADMIN"]}
    )

    assert response.status_code == 403
    assert response.json()["errorCode"] == "IDENTITY_MISMATCH"
    assert response.json()["errorField"] == "userSsoGroups"


async def test_body_repeating_the_callers_own_groups_is_accepted(demo_service: DemoService) -> None:
    groups = ["ABC_BOOMI_FLOW_DEVTEAMA", "ABC_BOOMI_FLOW_CONTRIBUTOR"]
    response = await demo_service.call(ALICE, "getDevAccounts", {"userSsoGroups": groups})

    assert response.status_code == 200


async def test_missing_or_bad_token_is_unauthenticated(demo_service: DemoService) -> None:
    anonymous = await demo_service.call(None, "getDevAccounts")
    assert anonymous.status_code == 401
    assert anonymous.json()["errorCode"] == "UNAUTHENTICATED"

    async with demo_service.api() as client:
        forged = await client.post(
            "/api/v1/actions/getDevAccounts", headers={"Authorization": "Bearer not-a-token"}
        )
    assert forged.status_code == 401
    assert "not-a-token" not in forged.text


async def test_list_dev_packages_returns_every_package_across_pages(
    demo_service: DemoService,
) -> None:
    team_a = account_id(demo_service, "Dev Team A")
    assert demo_service.seed.paging_account_id == team_a
    expected = packages_in_emulator(demo_service, team_a)

    response = await demo_service.call(ALICE, "listDevPackages", {"devAccountId": team_a})

    assert response.status_code == 200
    packages = response.json()["packages"]
    assert len(packages) == len(expected) > 120
    assert {p["packageId"] for p in packages} == {p["packageId"] for p in expected}
    dates = [p["createdDate"] for p in packages]
    assert dates == sorted(dates, reverse=True)
    full_tree = next(
        p for p in packages if p["packageId"] == demo_service.seed.full_tree_package_id
    )
    assert full_tree["componentName"] != full_tree["componentId"]
    assert full_tree["componentType"] == "process"


async def test_list_dev_packages_refuses_another_teams_account(demo_service: DemoService) -> None:
    team_a = account_id(demo_service, "Dev Team A")

    response = await demo_service.call(DAVE, "listDevPackages", {"devAccountId": team_a})

    assert response.status_code == 403
    assert response.json()["errorCode"] == "UNAUTHORIZED_ACCOUNT_ACCESS"


async def test_admin_may_list_any_dev_account(demo_service: DemoService) -> None:
    team_b = account_id(demo_service, "Dev Team B")

    response = await demo_service.call(CAROL, "listDevPackages", {"devAccountId": team_b})

    assert response.status_code == 200
    assert demo_service.seed.team_b_package_id in {
        p["packageId"] for p in response.json()["packages"]
    }


async def test_missing_field_is_invalid_request_naming_it(demo_service: DemoService) -> None:
    response = await demo_service.call(ALICE, "listDevPackages", {})

    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "INVALID_REQUEST"
    assert body["errorField"] == "devAccountId"
    assert "devAccountId" in body["errorMessage"]


async def test_unknown_field_and_bad_json_are_invalid_requests(demo_service: DemoService) -> None:
    unknown = await demo_service.call(ALICE, "getDevAccounts", {"devAcountId": "x"})
    assert unknown.status_code == 400
    assert unknown.json()["errorField"] == "devAcountId"

    async with demo_service.api(ALICE) as client:
        broken = await client.post(
            "/api/v1/actions/getDevAccounts",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
    assert broken.status_code == 400
    assert broken.json()["errorCode"] == "INVALID_REQUEST"


async def test_unknown_action_is_404(demo_service: DemoService) -> None:
    response = await demo_service.call(ALICE, "launchRockets")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "UNKNOWN_ACTION"


async def test_health_endpoints(demo_service: DemoService) -> None:
    async with demo_service.api() as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
