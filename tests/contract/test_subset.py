"""The trimmed copy of Boomi's OpenAPI document: current, and covering what the emulator serves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from boomi_promo.emulator.app import _api_routes
from boomi_promo.emulator.openapi import RESPONSE_ONLY, boomi_openapi, load_subset

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "reference" / "boomi-platform-openapi.json"
PREFIX = "/partner/api/rest/v1/{accountId}"


@pytest.mark.skipif(not SOURCE.exists(), reason="Boomi's full document is not beside the clone")
def test_the_subset_is_what_the_script_makes_of_boomis_document() -> None:
    checked = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "openapi-subset"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_operation_the_emulator_serves_is_in_boomis_document() -> None:
    api = boomi_openapi()
    served = [
        (method, route.path.removeprefix(PREFIX))
        for route in _api_routes()
        if route.path.startswith(PREFIX) and "{rest:path}" not in route.path
        for method in sorted(route.methods or ())
        if method != "HEAD"
    ]
    assert served
    assert [f"{m} {p}" for m, p in served if api.operation(m, p) is None] == []


def test_the_subset_names_its_source_and_keeps_the_schemas_it_relaxes() -> None:
    document = load_subset()
    assert "Boomi" in document["x-subset"]["source"]
    assert len(document["x-subset"]["sourceSha256"]) == 64
    schemas = document["components"]["schemas"]
    for name, fields in RESPONSE_ONLY.items():
        assert fields <= set(schemas[name]["required"]), name
