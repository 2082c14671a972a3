"""Dev Team B: Inventory Feed with its own mapped connection."""

from __future__ import annotations

from datetime import datetime

from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.connections import http_settings
from boomi_promo.emulator.seed.content import (
    Canvas,
    connector_action,
    http_operation,
    profile_flatfile,
    profile_json,
    transform_map,
)
from boomi_promo.emulator.seed.world import TEAM_B_ID


def seed_team_b(seeder: Seeder, at: datetime) -> tuple[str, str]:
    """Team B "Inventory Feed" (package id, connection id)."""
    b, folder, secret = (
        seeder.author(TEAM_B_ID, "dave@example.com", at),
        "DevTeamB/Inventory",
        seeder.secret,
    )
    connection = b.add(
        "DevTeamB/Connections",
        "Inventory API",
        "connector-settings",
        http_settings(
            secret("https://s3cr3t-inventory-dev.example.com"),
            "inventory-svc",
            secret("s3cr3t-inventory-password"),
        ),
        sub_type="http",
    )
    fields = ["sku", "warehouse", "onHand"]
    json_profile = b.add(folder, "Inventory JSON", "profile.json", profile_json("Stock", fields))
    csv_profile = b.add(folder, "Inventory CSV", "profile.flatfile", profile_flatfile(fields))
    operation = b.add(
        folder,
        "Get Stock Levels",
        "connector-action",
        http_operation("stock", json_profile),
        sub_type="http",
    )
    mapping = b.add(
        folder,
        "Inventory JSON to CSV",
        "transform.map",
        transform_map(
            (json_profile, "Inventory JSON", "profile.json"),
            (csv_profile, "Inventory CSV", "profile.flatfile"),
            fields,
        ),
    )
    process = b.add(
        folder,
        "Inventory Feed",
        "process",
        Canvas()
        .add("start", "Get stock", connector_action(connection, operation, "http", "Get"))
        .add("map", "To CSV", f'<map mapId="{mapping}"/>')
        .add("stop", "", '<stop continue="true"/>')
        .xml(),
    )
    return b.package(process, "1.0", "Nightly feed"), connection
