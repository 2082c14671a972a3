"""The product's BoomiClient against the emulator: environment and map extensions."""

from __future__ import annotations

from boomi_promo.boomi import Operator, QueryFilter
from boomi_promo.boomi.models import (
    DynamicProcessProperty,
    EnvironmentExtensions,
    MapExtensionMapping,
)
from tests.support.servers import EmulatorHandle


async def test_read_modify_write_of_extensions_round_trips(emulator: EmulatorHandle) -> None:
    client_account = emulator.seed.client_accounts[0]
    account, environment_id = client_account.account_id, client_account.test_environment_id
    async with emulator.boomi_client() as boomi:
        current = await boomi.get_environment_extensions(environment_id, override_account=account)
        assert len(current.connections) == 5 and current.pgp_certificates
        # Echoing the whole read back as a full update changes nothing, secrets included.
        unchanged = await boomi.update_environment_extensions(
            environment_id, current, partial=False, override_account=account
        )
        assert unchanged == current
        edit = EnvironmentExtensions(
            properties=[DynamicProcessProperty(name="notificationEmail", value="qa@clientco.test")]
        )
        after = await boomi.update_environment_extensions(
            environment_id, edit, override_account=account
        )
        listed = [
            e
            async for e in boomi.query_environment_extensions(
                QueryFilter.where("environmentId", Operator.EQUALS, environment_id),
                override_account=account,
            )
        ]
    assert {p.name: p.value for p in after.properties}["notificationEmail"] == "qa@clientco.test"
    assert after.connections == current.connections
    assert listed == [after]


async def test_map_extension_markers_move_with_each_replace(emulator: EmulatorHandle) -> None:
    client_account = emulator.seed.client_accounts[0]
    account = client_account.account_id
    async with emulator.boomi_client() as boomi:
        summaries = [
            s
            async for s in boomi.query_map_extension_summaries(
                QueryFilter.where(
                    "environmentId", Operator.EQUALS, client_account.prod_environment_id
                ),
                override_account=account,
            )
        ]
        assert len(summaries) == 1
        current = await boomi.get_map_extension(summaries[0].id, override_account=account)
        edited = current.model_copy(
            update={
                "map": current.map.model_copy(
                    update={
                        "mappings": [
                            *current.map.mappings,
                            MapExtensionMapping(
                                from_xpath="Customer/Object/name", to_xpath="Customer/name"
                            ),
                        ]
                    }
                )
            }
        )
        saved = await boomi.update_map_extension(current.id, edited, override_account=account)
        again = await boomi.get_map_extension(current.id, override_account=account)
    assert (current.version, current.etag) == (1, '"1"')
    assert (saved.version, saved.etag) == (again.version, again.etag) == (2, '"2"')
    assert again.fingerprint() == saved.fingerprint() != current.fingerprint()
    assert [m.to_xpath for m in again.map.mappings] == ["Customer/email", "Customer/name"]
