"""Helpers for the promotion tests: the demo's people, ids, and reads of Boomi and the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from boomi_promo.boomi.models import Component
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.store import UnitOfWork, UnitOfWorkFactory, create_engine
from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
BOB = "bob@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN


def team_a(service: DemoService) -> str:
    return next(a.account_id for a in service.seed.dev_accounts if a.name == "Dev Team A")


@asynccontextmanager
async def store_of(service: DemoService) -> AsyncIterator[UnitOfWork]:
    """A unit of work on the service's own database (to read what the service recorded)."""
    engine = create_engine(service.settings.resolved_database_url())
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            yield uow
    finally:
        await engine.dispose()


def package_root(service: DemoService, package_id: str) -> str:
    return service.emulator.state.packages[package_id].component_id


async def promote(
    service: DemoService, package_id: str, email: str = ALICE, **extra: Any
) -> httpx.Response:
    body = {"devAccountId": team_a(service), "devPackageId": package_id, **extra}
    return await service.call(email, "executePromotion", body)


def primary_revisions(service: DemoService) -> set[tuple[str, int]]:
    """Every (component id, version) the primary account holds, on any branch."""
    state = service.emulator.state
    with state.lock:
        return {
            (record.component_id, version)
            for record in state.components.values()
            if record.account_id == service.seed.primary_account_id
            for version in record.revisions
        }


def revision_xml(service: DemoService, component_id: str, version: int) -> str:
    state = service.emulator.state
    with state.lock:
        record = state.components[component_id]
        revision = record.revisions[version]
        return " ".join(
            [
                revision.name,
                revision.description,
                revision.object_xml,
                revision.process_overrides_xml,
                *(value.path for value in revision.encrypted_values),
            ]
        )


def dev_component_ids(service: DemoService) -> set[str]:
    state = service.emulator.state
    with state.lock:
        return {
            r.component_id for r in state.components.values() if r.account_id == team_a(service)
        }


def read_on_branch(service: DemoService, component_id: str, branch_id: str) -> Component:
    """A prod component as the branch sees it, read through the emulator's API."""
    with service.emulator.client(headers={"Accept": "application/xml"}) as boomi:
        response = boomi.get(f"/Component/{component_id}~{branch_id}")
    response.raise_for_status()
    return Component.from_xml(response.content)


def read_on_main(service: DemoService, component_id: str) -> Component:
    with service.emulator.client(headers={"Accept": "application/xml"}) as boomi:
        response = boomi.get(f"/Component/{component_id}")
    response.raise_for_status()
    return Component.from_xml(response.content)


def live_branch_ids(service: DemoService) -> set[str]:
    state = service.emulator.state
    with state.lock:
        return {
            b.branch_id
            for b in state.branches.values()
            if b.account_id == service.seed.primary_account_id and not b.deleted
        }


def writes_to_boomi(service: DemoService) -> list[str]:
    """Requests that change something in Boomi (queries are reads, even though they POST)."""
    return [
        f"{entry.method} {entry.path}"
        for entry in service.emulator.state.request_log.entries()
        if entry.method in ("POST", "DELETE")
        and not entry.path.endswith(("/query", "/queryMore", "/bulk"))
    ]


def folder_of(service: DemoService, component_id: str, branch_id: str) -> str:
    """Full path of the folder a prod component sits in on a branch (Folder API)."""
    component = read_on_branch(service, component_id, branch_id)
    with service.emulator.client() as boomi:
        response = boomi.get(f"/Folder/{component.folder_id}")
    response.raise_for_status()
    path: str = response.json()["fullPath"]
    return path


def duplicated_objects(service: DemoService) -> dict[str, list[tuple[object, ...]]]:
    """Objects the primary account holds twice, by natural key, kind by kind.

    What a create resent after Boomi already carried it out leaves behind: two live folders
    of one name under one parent, two components of one name, type and folder, two packages
    of one component version from one branch, two open merge requests between two branches,
    two packs of one name, two releases of the same versions, two deployments of a package.
    """
    state = service.emulator.state
    primary = service.seed.primary_account_id
    with state.lock:
        keys: dict[str, list[tuple[object, ...]]] = {
            "folders": [
                (f.parent_id, f.name.casefold())
                for f in state.folders.values()
                if f.account_id == primary and not f.deleted
            ],
            "components": [
                (first.name, first.type, first.folder_id)
                for record in state.components.values()
                if record.account_id == primary
                for first in [record.revisions[min(record.revisions)]]
            ],
            "branches": [
                (b.name,)
                for b in state.branches.values()
                if b.account_id == primary and not b.deleted
            ],
            "packages": [
                (p.component_id, p.component_version, p.branch_name)
                for p in state.packages.values()
                if p.account_id == primary and not p.deleted
            ],
            "merge requests": [
                (m.source_branch_id, m.destination_branch_id)
                for m in state.merge_requests.values()
                if m.account_id == primary
            ],
            "packs": [
                (p.name.casefold(),)
                for p in state.integration_packs.values()
                if p.account_id == primary and not p.deleted
            ],
            "releases": [
                (r.pack_id, tuple((c.component_id, c.package_version) for c in r.components))
                for r in state.releases.values()
                if r.account_id == primary
            ],
            "deployments": [
                (d.environment_id, d.package_id)
                for d in state.deployments.values()
                if d.account_id == primary and not d.deleted
            ],
        }
    return {
        kind: sorted({key for key in found if found.count(key) > 1}, key=repr)
        for kind, found in keys.items()
    }


XML_HEADERS = {"Accept": "application/xml", "Content-Type": "application/xml"}


async def edit_dev_component(service: DemoService, component_id: str, old: str, new: str) -> None:
    """Change a dev component through the emulator's API, as a developer saving it would."""
    params = {"overrideAccount": team_a(service)}
    async with service.emulator.async_client(headers=XML_HEADERS) as boomi:
        current = await boomi.get(f"/Component/{component_id}", params=params)
        current.raise_for_status()
        assert current.text.count(old) == 1, f"{old!r} is not once in {component_id}"
        saved = await boomi.post(
            f"/Component/{component_id}", params=params, content=current.text.replace(old, new)
        )
        saved.raise_for_status()


async def describe_again(service: DemoService, component_id: str, note: str = "edited") -> None:
    """A new dev version of a component whose only change is its description."""
    await edit_dev_component(
        service, component_id, "</bns:description>", f" ({note})</bns:description>"
    )


def dev_id_named(service: DemoService, name: str) -> str:
    """The Team A dev component of that name (names are unique in the demo's dev accounts)."""
    state = service.emulator.state
    with state.lock:
        found = [
            record.component_id
            for record in state.components.values()
            if record.account_id == team_a(service)
            and max(record.revisions.values(), key=lambda r: r.version).name == name
        ]
    assert len(found) == 1, f"{len(found)} dev components are named {name!r}"
    return found[0]


def count_component_reads(
    state: EmulatorState, monkeypatch: pytest.MonkeyPatch
) -> Counter[tuple[str, str]]:
    """Every Component document the emulator hands out from now on, by (account, component id),
    whether by a GET of its own or inside a bulk GET."""
    reads: Counter[tuple[str, str]] = Counter()
    original = state.get_component_xml

    def counting(account_id: str, ref: str) -> bytes:
        reads[(account_id, ref.partition("~")[0])] += 1
        return original(account_id, ref)

    monkeypatch.setattr(state, "get_component_xml", counting)
    return reads


def add_dev_component(service: DemoService, xml: str) -> str:
    """A new component in team A's dev account, from a ``<bns:Component>`` document; its id."""
    with service.emulator.client(headers={"Accept": "application/xml"}) as boomi:
        response = boomi.post(
            "/Component",
            params={"overrideAccount": team_a(service)},
            content=xml.encode(),
            headers={"Content-Type": "application/xml"},
        )
    response.raise_for_status()
    component_id = Component.from_xml(response.content).component_id
    assert component_id is not None
    return component_id
