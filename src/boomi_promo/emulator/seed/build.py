"""The whole demo world, seeded in order."""

from __future__ import annotations

from datetime import timedelta

from boomi_promo.emulator.seed.batch_jobs import seed_batch_jobs
from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.client import seed_client_account
from boomi_promo.emulator.seed.connections import shared_prod_connections, write_dev_connections
from boomi_promo.emulator.seed.team_a import invoice_tree, orders_tree, record_prior_promotion
from boomi_promo.emulator.seed.team_b import seed_team_b
from boomi_promo.emulator.seed.world import (
    DEMO_API_TOKEN,
    DEMO_ID_SEED,
    DEMO_USERNAME,
    PRIMARY_ACCOUNT_ID,
    PRIMARY_ACCOUNT_NAME,
    TEAM_A_ID,
    TEAM_B_ID,
    ConnectionMapping,
    DemoSeed,
    DevAccount,
    demo_time,
)
from boomi_promo.emulator.state.world import EmulatorState


def build_demo_state(
    *, username: str = DEMO_USERNAME, api_token: str = DEMO_API_TOKEN
) -> tuple[EmulatorState, DemoSeed]:
    state = EmulatorState.create(
        primary_account_id=PRIMARY_ACCOUNT_ID,
        primary_account_name=PRIMARY_ACCOUNT_NAME,
        username=username,
        api_token=api_token,
        id_seed=DEMO_ID_SEED,
    )
    origin = demo_time("2024-11-04T09:00:00")
    state.add_account(TEAM_A_ID, "Dev Team A", parent_account_id=PRIMARY_ACCOUNT_ID, at=origin)
    state.add_account(TEAM_B_ID, "Dev Team B", parent_account_id=PRIMARY_ACCOUNT_ID, at=origin)
    seeder = Seeder(state)
    seeder.folder(PRIMARY_ACCOUNT_ID, "Promoted")
    prod = shared_prod_connections(seeder, origin)
    team_a = write_dev_connections(seeder, origin + timedelta(days=1))
    prior = record_prior_promotion(seeder, team_a, prod, origin + timedelta(days=10))
    seed_batch_jobs(seeder, origin + timedelta(days=14))
    orders = orders_tree(seeder, team_a, demo_time("2025-09-01T08:30:00"))
    team_b_package, inventory = seed_team_b(seeder, demo_time("2025-10-02T10:00:00"))
    unmapped_package, ftp = invoice_tree(seeder, team_a, demo_time("2025-10-20T13:15:00"))
    # Created last: ids come from one seeded sequence, so earlier objects keep theirs.
    test_environment = state.add_environment(PRIMARY_ACCOUNT_ID, "Test", "TEST", at=origin)
    prod_environment = state.add_environment(PRIMARY_ACCOUNT_ID, "Production", "PROD", at=origin)
    dev_connections = [
        (TEAM_A_ID, team_a.http, "Orders API"),
        (TEAM_A_ID, team_a.database, "Orders Database"),
        (TEAM_A_ID, team_a.sftp, "Partner SFTP"),
        (TEAM_A_ID, team_a.mail, "Notifications Mail"),
        (TEAM_B_ID, inventory, "Inventory API"),
    ]
    client, extension_components = seed_client_account(
        seeder, prod, prior, demo_time("2025-10-27T09:00:00")
    )
    seed = DemoSeed(
        primary_account_id=PRIMARY_ACCOUNT_ID,
        primary_account_name=PRIMARY_ACCOUNT_NAME,
        username=username,
        api_token=api_token,
        dev_accounts=[DevAccount(TEAM_A_ID, "Dev Team A"), DevAccount(TEAM_B_ID, "Dev Team B")],
        connection_mappings=[
            ConnectionMapping(account, dev_id, prod[name], name, "connector-settings")
            for account, dev_id, name in dev_connections
        ],
        prior_promotion=prior,
        full_tree_package_id=orders.package_id,
        full_tree_process_id=orders.process_id,
        unmapped_connection_package_id=unmapped_package,
        unmapped_connection_id=ftp,
        team_b_package_id=team_b_package,
        paging_account_id=TEAM_A_ID,
        test_environment_id=test_environment.environment_id,
        prod_environment_id=prod_environment.environment_id,
        secret_values=seeder.secrets,
        client_accounts=[client],
        extension_components=extension_components,
    )
    return state, seed
