"""``promo demo``: the emulator with its demo seed, the service on SQLite, the dashboard — one URL.

The admin records a platform team would create by hand (team group → dev account grants,
connection mappings, the mappings of the process promoted before) are written here from the
seed's manifest, so the demo behaves like an installation that has been in use for a while.

The emulator's world lives in the data directory next to the database
(``emulator-state.json``, saved every second while something changes and on exit, and the
seed's manifest ``demo-seed.json``): started again on the same directory, the demo continues
the same world — the components the mappings name are still there. A directory holding a
database but no emulator state is refused rather than paired with a fresh world.
"""

from __future__ import annotations

import asyncio
import json
import socket
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
import uvicorn
from pydantic import SecretStr, TypeAdapter

from boomi_promo.bootstrap import Container, bootstrap
from boomi_promo.config import BoomiSettings, GroupSettings, Settings
from boomi_promo.emulator.app import create_app as create_emulator_app
from boomi_promo.emulator.generated import GeneratedAccount
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.emulator.seed.world import ConnectionMapping, DemoSeed, PromotedComponent
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.service import create_app
from boomi_promo.store import (
    ClientAccountConfig,
    ComponentMapping,
    DevAccountAccess,
    MappingSource,
    UnitOfWorkFactory,
)

log = structlog.get_logger("boomi_promo.demo")

DEMO_ADMIN = "demo-setup@example.com"
STATE_FILE = "emulator-state.json"
SEED_FILE = "demo-seed.json"
DATABASE_FILE = "promo.db"
SAVE_EVERY_SECONDS = 1.0
_SEED = TypeAdapter(DemoSeed)


class DemoDataDirError(Exception):
    """The data directory cannot be used for the demo (a message for the person starting it)."""


def load_or_seed_world(data_dir: Path) -> tuple[EmulatorState, DemoSeed, bool]:
    """The emulator state and seed saved in ``data_dir`` (``True``: continued), else a fresh
    demo world, saved there at once.

    Refuses a directory that holds the database of an earlier demo without its emulator
    state: paired with a fresh world, its mappings would name components that do not exist.
    """
    state_file, seed_file = data_dir / STATE_FILE, data_dir / SEED_FILE
    if state_file.exists() and seed_file.exists():
        return EmulatorState.load(state_file), _SEED.validate_json(seed_file.read_bytes()), True
    if (data_dir / DATABASE_FILE).exists():
        raise DemoDataDirError(
            f"{data_dir} holds the database of an earlier demo ({DATABASE_FILE}) but not its "
            f"emulator state ({STATE_FILE}, {SEED_FILE}); a fresh emulator would not have the "
            "components its mappings name. Start with another --data-dir (or an empty one)."
        )
    state, seed = build_demo_state()
    seed_file.write_bytes(_SEED.dump_json(seed, indent=2))
    state.save(state_file)
    return state, seed, False


async def keep_saving(state: EmulatorState, path: Path) -> None:
    """Save the emulator state whenever it changed, every :data:`SAVE_EVERY_SECONDS`, so even
    a hard stop loses at most the last second (shutdown saves once more)."""
    saved = state.dump_json()
    while True:
        await asyncio.sleep(SAVE_EVERY_SECONDS)
        current = state.dump_json()
        if current != saved:
            state.save(path)
            saved = current


def team_group_for(account_name: str, groups: GroupSettings) -> str:
    """'Dev Team A' is granted to the team group ending in 'A' (``ABC_BOOMI_FLOW_DEVTEAMA``)."""
    return f"{groups.team_prefix}{account_name.split()[-1].upper()}"


async def seed_demo_records(
    uow_factory: UnitOfWorkFactory, seed: DemoSeed, groups: GroupSettings
) -> None:
    """Write the demo's admin records; running it again changes nothing."""
    now = datetime.now(UTC)
    async with uow_factory() as uow:
        for account_id, account_name in seed.dev_accounts:
            group = team_group_for(account_name, groups)
            await uow.access.upsert(
                DevAccountAccess(
                    sso_group_id=group,
                    sso_group_name=group,
                    dev_account_id=account_id,
                    dev_account_name=account_name,
                    is_active=True,
                )
            )
        # Connections are never promoted: their mapping only points at the shared one (v1).
        seeded: list[tuple[ConnectionMapping | PromotedComponent, int, MappingSource]] = [
            (c, 1, MappingSource.ADMIN_SEEDING) for c in seed.connection_mappings
        ]
        seeded += [
            (p, p.prod_version, MappingSource.PROMOTION_ENGINE)
            for p in [*seed.prior_promotion.components, *seed.extension_components]
        ]
        for client in seed.client_accounts:
            for account_name in (name for _id, name in seed.dev_accounts):
                group = team_group_for(account_name, groups)
                await uow.client_accounts.upsert(
                    ClientAccountConfig(
                        client_account_id=client.account_id,
                        client_account_name=client.name,
                        test_environment_id=client.test_environment_id,
                        test_environment_name=f"{client.name} Test",
                        prod_environment_id=client.prod_environment_id,
                        prod_environment_name=f"{client.name} Production",
                        sso_group_id=group,
                        sso_group_name=group,
                        is_active=True,
                    )
                )
        for known, version, source in seeded:
            await uow.mappings.upsert(
                ComponentMapping(
                    dev_component_id=known.dev_component_id,
                    dev_account_id=known.dev_account_id,
                    prod_component_id=known.prod_component_id,
                    component_name=known.component_name,
                    component_type=known.component_type,
                    prod_account_id=seed.primary_account_id,
                    prod_latest_version=version,
                    last_promoted_at=now,
                    last_promoted_by=DEMO_ADMIN,
                    mapping_source=source,
                    on_main=True,
                )
            )
        await uow.commit()


async def grant_dev_account(
    uow_factory: UnitOfWorkFactory,
    *,
    team_group: str,
    account_id: str,
    account_name: str,
    primary_account_id: str,
    connections: Iterable[tuple[str, str, str]],
) -> None:
    """Grant a dev account to ``team_group`` and map each of its connections
    ``(dev id, prod id, name)`` to the shared production one, as an admin seeds them;
    idempotent."""
    async with uow_factory() as uow:
        await uow.access.upsert(
            DevAccountAccess(
                sso_group_id=team_group,
                sso_group_name=team_group,
                dev_account_id=account_id,
                dev_account_name=account_name,
                is_active=True,
            )
        )
        for dev_id, prod_id, name in connections:
            await uow.mappings.upsert(
                ComponentMapping(
                    dev_component_id=dev_id,
                    dev_account_id=account_id,
                    prod_component_id=prod_id,
                    component_name=name,
                    component_type="connector-settings",
                    prod_account_id=primary_account_id,
                    prod_latest_version=1,
                    last_promoted_at=datetime.now(UTC),
                    last_promoted_by=DEMO_ADMIN,
                    mapping_source=MappingSource.ADMIN_SEEDING,
                    on_main=True,
                )
            )
        await uow.commit()


async def seed_generated_account_records(
    uow_factory: UnitOfWorkFactory, account: GeneratedAccount, team_group: str
) -> None:
    """:func:`grant_dev_account` for an account made by ``emulator.generated``."""
    await grant_dev_account(
        uow_factory,
        team_group=team_group,
        account_id=account.account_id,
        account_name=account.name,
        primary_account_id=account.primary_account_id,
        connections=[
            (account.dev_connection_id, account.prod_connection_id, account.connection_name)
        ],
    )


def demo_settings(data_dir: Path, emulator_url: str, seed: DemoSeed) -> Settings:
    return Settings(
        data_dir=data_dir,
        boomi=BoomiSettings(
            base_url=emulator_url,
            primary_account_id=seed.primary_account_id,
            username=seed.username,
            api_token=SecretStr(seed.api_token),
        ),
    )


def demo_manifest(service_url: str, emulator_url: str, seed: DemoSeed) -> dict[str, Any]:
    return {
        "serviceUrl": service_url,
        "emulatorUrl": emulator_url,
        "primaryAccountId": seed.primary_account_id,
        "boomiUsername": seed.username,
        "boomiApiToken": seed.api_token,
        "devAccounts": [{"id": i, "name": n} for i, n in seed.dev_accounts],
    }


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


async def prepare_demo(
    data_dir: Path, emulator_url: str, seed: DemoSeed, *, continued: bool = False
) -> Container:
    """The service's container; a fresh world gets the demo's admin records (a continued one
    has them, changed since, in its database)."""
    container = await bootstrap(demo_settings(data_dir, emulator_url, seed))
    if not continued:
        await seed_demo_records(container.uow_factory, seed, container.settings.groups)
    return container


async def run_demo(*, host: str, port: int, data_dir: Path | None) -> None:
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="promo-demo-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    state, seed, continued = load_or_seed_world(data_dir)
    emulator_port = free_port(host)
    emulator_url = f"http://{host}:{emulator_port}"
    service_url = f"http://{host}:{port}"
    container = await prepare_demo(data_dir, emulator_url, seed, continued=continued)
    (data_dir / "demo.json").write_text(
        json.dumps(demo_manifest(service_url, emulator_url, seed), indent=2) + "\n"
    )
    emulator_server = uvicorn.Server(
        uvicorn.Config(
            create_emulator_app(state, state_file=data_dir / STATE_FILE),
            host=host,
            port=emulator_port,
            log_level="warning",
        )
    )
    service_server = uvicorn.Server(
        uvicorn.Config(create_app(container=container), host=host, port=port, log_level="warning")
    )
    print(
        "boomi-promo demo is running. Press Ctrl+C to stop.\n"
        f"  Open:            {service_url}/  (sign in as alice, carol, ...)\n"
        f"  Boomi emulator:  {emulator_url}\n"
        f"  Data directory:  {data_dir}  (demo.json, promo.db, {STATE_FILE})"
        + ("\n  Continuing the world saved in the data directory." if continued else ""),
        flush=True,
    )
    saver = asyncio.create_task(keep_saving(state, data_dir / STATE_FILE))
    try:
        await asyncio.gather(emulator_server.serve(), service_server.serve())
    finally:
        saver.cancel()
        state.save(data_dir / STATE_FILE)
        await container.aclose()
