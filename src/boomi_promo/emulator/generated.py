"""Extra dev sub-accounts with generated packaged processes, for load tests and benchmarks.

:func:`add_generated_dev_account` adds a dev sub-account under the primary account, as the
demo's teams are, with:

* a dev HTTP connection holding secrets, and its shared production twin in the primary
  account's ``#Connections`` folder (the mapping :func:`boomi_promo.demo.
  seed_generated_account_records` records);
* ``trees`` processes, each packaged as version ``1.0``, whose trees hold exactly
  ``components_per_tree`` promotable components (the process itself counted, the connection —
  never promoted — not). A tree nests sub-processes (process calls, so every reference is
  DEPENDENT and the package's snapshot is the whole tree) that use operations, maps, map and
  process scripts and profiles; profiles are shared across a tree, so its reference graph has
  depth and cross links rather than being a star. From 9 components every tree holds each of
  those types and reaches depth 3.

The shapes depend only on ``seed`` and the tree's position; the ids come from the state's id
sequence, so on a seeded state (the demo's) the same calls give the same ids. Every secret
planted in the dev account contains ``s3cr3t-`` and is listed in
:attr:`GeneratedAccount.secret_values`; the production connection holds its own
``s3cr3t-prod-`` values, which are not listed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from boomi_promo.emulator.seed.builder import Author, Seeder
from boomi_promo.emulator.seed.connections import http_settings
from boomi_promo.emulator.seed.content import (
    Canvas,
    connector_action,
    http_operation,
    map_script_xml,
    process_script_xml,
    profile_flatfile,
    profile_json,
    profile_xml,
    transform_map,
)
from boomi_promo.emulator.state.world import EmulatorState

GENERATED_AT = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
PACKAGE_VERSION = "1.0"
COMPONENTS_PER_SUBPROCESS = 8
"""A tree gets one sub-process per this many components."""
ENTITIES = ("Order", "Customer", "Invoice", "Shipment", "Product", "Payment", "Supplier", "Ticket")
FIELDS = ("id", "name", "status", "amount", "currency", "createdAt", "reference", "region")
PROFILE_FORMATS = {"profile.json": "JSON", "profile.xml": "XML", "profile.flatfile": "CSV"}

# Steps a process's components are spent on, with the components each one adds.
OPERATION = "operation"
"""A new JSON profile and an HTTP operation returning it."""
SCRIPTED_MAP = "scripted map"
"""Two new profiles, a map script and the map between the profiles calling it."""
PLAIN_MAP = "plain map"
"""Two new profiles and a map between them."""
PROCESS_SCRIPT = "process script"
PROFILE = "profile"
"""A profile read by a Set Properties shape."""
SHARED_OPERATION = "shared operation"
"""An operation returning a JSON profile already in the tree."""
SHARED_MAP = "shared map"
"""A map between two profiles already in the tree."""
STEP_COMPONENTS = {
    OPERATION: 2,
    SCRIPTED_MAP: 4,
    PLAIN_MAP: 3,
    PROCESS_SCRIPT: 1,
    PROFILE: 1,
    SHARED_OPERATION: 1,
    SHARED_MAP: 1,
}
STEP_WEIGHTS = {
    OPERATION: 3,
    SCRIPTED_MAP: 2,
    PLAIN_MAP: 2,
    PROCESS_SCRIPT: 1,
    PROFILE: 1,
    SHARED_OPERATION: 2,
    SHARED_MAP: 2,
}
DEEPEST_STEPS = (SCRIPTED_MAP, PROCESS_SCRIPT)
"""Spent first in the deepest sub-process (the root spends an operation first), so every tree
that can afford them holds every type."""


@dataclass(frozen=True)
class GeneratedAccount:
    """What :func:`add_generated_dev_account` made, in the emulator's ids."""

    account_id: str
    name: str
    primary_account_id: str
    components_per_tree: int
    """Promotable components in each package's tree (the connection not counted)."""
    package_ids: tuple[str, ...]
    """One package (version 1.0) per process, in the order the processes were made."""
    process_ids: tuple[str, ...]
    dev_connection_id: str
    prod_connection_id: str
    """The shared production connection in the primary account's ``#Connections``."""
    connection_name: str
    """The name both connections carry."""
    secret_values: tuple[str, ...]
    """Every secret planted in the dev account (connection and operations)."""


def add_generated_dev_account(
    state: EmulatorState,
    *,
    name: str,
    trees: int,
    components_per_tree: int,
    seed: int = 0,
) -> GeneratedAccount:
    """Add a dev sub-account named ``name`` with ``trees`` packaged generated processes.

    The account id is derived from the name and the number of accounts so far
    (``Load Team 1`` → ``loadteam1-GEN004``). Give each account its own name: its folders,
    connection names and secrets are made from it.
    """
    if trees < 1:
        raise ValueError("A generated account needs at least one tree.")
    if components_per_tree < 1:
        raise ValueError("A tree holds at least its process.")
    compact = re.sub(r"[^A-Za-z0-9]", "", name)
    if not compact:
        raise ValueError("An account name needs a letter or digit.")
    slug = compact.lower()
    account_id = f"{slug}-GEN{len(state.accounts):03d}"
    state.add_account(account_id, name, parent_account_id=state.primary_account_id, at=GENERATED_AT)
    seeder = Seeder(state)
    connection_name = f"{name} API"
    developer = seeder.author(account_id, f"{slug}.developer@example.com", GENERATED_AT)
    dev_connection = developer.add(
        f"{compact}/Connections",
        connection_name,
        "connector-settings",
        http_settings(
            seeder.secret(f"https://s3cr3t-{slug}-dev.example.com/api"),
            f"{slug}-svc",
            seeder.secret(f"s3cr3t-{slug}-api-password"),
        ),
        sub_type="http",
    )
    admin = seeder.author(state.primary_account_id, "carol@example.com", GENERATED_AT)
    prod_connection = admin.add(
        "#Connections",
        connection_name,
        "connector-settings",
        http_settings(
            f"https://s3cr3t-prod-{slug}.example.com/api",
            f"{slug}-svc",
            f"s3cr3t-prod-{slug}-api-password",
        ),
        sub_type="http",
    )
    package_ids: list[str] = []
    process_ids: list[str] = []
    for tree in range(1, trees + 1):
        author = seeder.author(
            account_id, developer.user, GENERATED_AT + timedelta(days=tree, hours=tree % 7)
        )
        writer = _TreeWriter(
            author,
            folder=f"{compact}/Flow {tree:02d}",
            tree=tree,
            connection_id=dev_connection,
            bearer_token=f"Bearer s3cr3t-{slug}-flow{tree:02d}-token",
            rng=random.Random(f"{seed}:{tree}"),
        )
        process_name = f"{name} Flow {tree:02d}"
        process = writer.write(process_name, components_per_tree)
        process_ids.append(process)
        package_ids.append(
            author.package(process, PACKAGE_VERSION, f"{process_name} {PACKAGE_VERSION}")
        )
    return GeneratedAccount(
        account_id=account_id,
        name=name,
        primary_account_id=state.primary_account_id,
        components_per_tree=components_per_tree,
        package_ids=tuple(package_ids),
        process_ids=tuple(process_ids),
        dev_connection_id=dev_connection,
        prod_connection_id=prod_connection,
        connection_name=connection_name,
        secret_values=tuple(seeder.secrets),
    )


@dataclass(frozen=True)
class _Shape:
    shapetype: str
    label: str
    configuration: str
    operation_id: str = ""
    """The operation of a connector shape: the root reads through its first one."""


@dataclass(frozen=True)
class _Profile:
    component_id: str
    name: str
    type: str
    root: str
    fields: tuple[str, ...]


def _components(*steps: str) -> int:
    return sum(STEP_COMPONENTS[step] for step in steps)


class _TreeWriter:
    """Writes one tree, deepest sub-process first, so every reference is to an existing id."""

    def __init__(
        self,
        author: Author,
        *,
        folder: str,
        tree: int,
        connection_id: str,
        bearer_token: str,
        rng: random.Random,
    ) -> None:
        self._author = author
        self._folder = folder
        self._tree = tree
        self._connection_id = connection_id
        self._bearer_token = bearer_token
        self._rng = rng
        self._profiles: list[_Profile] = []
        self._written = 0
        self._token_planted = False

    def write(self, process_name: str, components: int) -> str:
        """The root process's id; its tree holds ``components`` promotable components."""
        subprocesses = (components - 1) // COMPONENTS_PER_SUBPROCESS
        # Sub-process k is called by the one made just before it, or by any earlier one:
        # chains give depth, the others breadth. Index 0 is the root.
        callers = [
            k - 1 if self._rng.random() < 0.6 else self._rng.randrange(k)
            for k in range(1, subprocesses + 1)
        ]
        content = components - 1 - subprocesses
        first_steps: dict[int, list[str]] = {0: [], subprocesses: []}
        if content >= _components(OPERATION):
            first_steps[0].append(OPERATION)
            if content >= _components(OPERATION, *DEEPEST_STEPS):
                first_steps[subprocesses].extend(DEEPEST_STEPS)
        reserved = sum(_components(*steps) for steps in first_steps.values())
        budgets = self._split(content - reserved, subprocesses + 1)
        calls: dict[int, list[_Shape]] = {}
        process_id = ""
        for index in reversed(range(subprocesses + 1)):
            shapes = self._spend(first_steps.get(index, []), budgets[index])
            process_id = self._process(process_name, index, shapes, calls.get(index, []))
            if index > 0:
                call = f'<processcall abort="true" processId="{process_id}" wait="true"/>'
                calls.setdefault(callers[index - 1], []).append(
                    _Shape("processcall", f"Step {index:02d}", call)
                )
        return process_id

    def _split(self, total: int, parts: int) -> list[int]:
        """``total`` in ``parts`` random shares (some may be nothing)."""
        cuts = sorted(self._rng.randint(0, total) for _ in range(parts - 1))
        return [end - start for start, end in zip([0, *cuts], [*cuts, total], strict=True)]

    def _spend(self, first_steps: list[str], budget: int) -> list[_Shape]:
        shapes = [self._step(step) for step in first_steps]
        while budget > 0:
            viable = [
                step
                for step, components in STEP_COMPONENTS.items()
                if components <= budget and self._affordable(step)
            ]
            step = self._rng.choices(viable, weights=[STEP_WEIGHTS[s] for s in viable])[0]
            shapes.append(self._step(step))
            budget -= STEP_COMPONENTS[step]
        return shapes

    def _affordable(self, step: str) -> bool:
        if step == SHARED_OPERATION:
            return any(p.type == "profile.json" for p in self._profiles)
        if step == SHARED_MAP:
            return len(self._profiles) >= 2
        return True

    def _step(self, step: str) -> _Shape:
        if step in (OPERATION, SHARED_OPERATION):
            profile = (
                self._new_profile("profile.json")
                if step == OPERATION
                else self._rng.choice([p for p in self._profiles if p.type == "profile.json"])
            )
            return self._operation(profile)
        if step in (SCRIPTED_MAP, PLAIN_MAP):
            source, destination = self._new_profile(), self._new_profile()
            return self._map(source, destination, scripted=step == SCRIPTED_MAP)
        if step == SHARED_MAP:
            source, destination = self._rng.sample(self._profiles, 2)
            return self._map(source, destination, scripted=False)
        if step == PROCESS_SCRIPT:
            return self._process_script()
        profile = self._new_profile()
        read = (
            '<setproperties><properties><property name="trackingId" type="profile_element" '
            f'profileId="{profile.component_id}" element="{profile.root}/{profile.fields[0]}"/>'
            "</properties></setproperties>"
        )
        return _Shape("setproperties", f"Read {profile.name}", read)

    def _name(self, text: str) -> str:
        self._written += 1
        return f"{text} {self._tree}.{self._written}"

    def _add(self, sub_folder: str, name: str, type_: str, content: str, sub_type: str = "") -> str:
        folder = f"{self._folder}/{sub_folder}"
        return self._author.add(folder, name, type_, content, sub_type=sub_type)

    def _new_profile(self, type_: str | None = None) -> _Profile:
        type_ = type_ or self._rng.choice(list(PROFILE_FORMATS))
        root = self._rng.choice(ENTITIES)
        fields = tuple(self._rng.sample(FIELDS, self._rng.randint(3, 5)))
        if type_ == "profile.json":
            content = profile_json(root, list(fields))
        elif type_ == "profile.xml":
            content = profile_xml(root, list(fields))
        else:
            content = profile_flatfile(list(fields))
        name = self._name(f"{root} {PROFILE_FORMATS[type_]}")
        profile = _Profile(self._add("Profiles", name, type_, content), name, type_, root, fields)
        self._profiles.append(profile)
        return profile

    def _operation(self, profile: _Profile) -> _Shape:
        # The tree's first operation carries a dev bearer token, as real operations sometimes do.
        headers = None
        if not self._token_planted:
            headers = {"Authorization": self._author.seeder.secret(self._bearer_token)}
            self._token_planted = True
        name = self._name(f"Get {profile.root}s")
        operation = self._add(
            "Operations",
            name,
            "connector-action",
            http_operation(f"{profile.root.lower()}s", profile.component_id, headers),
            sub_type="http",
        )
        shape = connector_action(self._connection_id, operation, "http", "Get")
        return _Shape("connectoraction", name, shape, operation_id=operation)

    def _map(self, source: _Profile, destination: _Profile, *, scripted: bool) -> _Shape:
        functions = ""
        if scripted:
            script_name = self._name(f"Normalise {source.root}")
            script = self._add("Scripts", script_name, "script.mapping", map_script_xml())
            functions = (
                '<function id="FUNC-1" cacheType="None" type="Scripting"><inputs>'
                '<input key="1" name="sku"/></inputs><outputs>'
                '<output key="1" name="normalisedSku"/></outputs><configuration>'
                f'<scriptComponent component="{script}" componentName="{script_name}"/>'
                "</configuration></function>"
            )
        shared = [f for f in source.fields if f in destination.fields] or [source.fields[0]]
        name = self._name(f"{source.root} to {destination.root}")
        content = transform_map(
            (source.component_id, source.name, source.type),
            (destination.component_id, destination.name, destination.type),
            shared,
            functions,
        )
        map_id = self._add("Maps", name, "transform.map", content)
        return _Shape("map", name, f'<map mapId="{map_id}"/>')

    def _process_script(self) -> _Shape:
        name = self._name(f"Stamp {self._rng.choice(ENTITIES)}")
        script = self._add("Scripts", name, "script.processing", process_script_xml())
        stamp = (
            '<dataprocess><step index="1" key="1" name="Custom Scripting" processtype="12">'
            '<dataprocessscript language="groovy2" useCache="true">'
            f'<scriptComponent component="{script}" componentName="{name}"/>'
            "</dataprocessscript></step></dataprocess>"
        )
        return _Shape("dataprocess", name, stamp)

    def _process(
        self, process_name: str, index: int, shapes: list[_Shape], calls: list[_Shape]
    ) -> str:
        canvas = Canvas()
        if index == 0:
            # The root starts by reading through its first operation (the connection alone
            # in a tree too small for one), so every tree uses the connection.
            operation = next((s for s in shapes if s.operation_id), None)
            shapes = [s for s in shapes if s is not operation]
            start = connector_action(
                self._connection_id, operation.operation_id if operation else "", "http", "Get"
            )
            canvas.add("start", operation.label if operation else "Start", start)
        else:
            canvas.add("start", "Data passed in", "<passthroughaction/>")
        for shape in [*shapes, *calls]:
            canvas.add(shape.shapetype, shape.label, shape.configuration)
        if index == 0:
            canvas.add("stop", "", '<stop continue="true"/>')
            return self._author.add(self._folder, process_name, "process", canvas.xml())
        canvas.add("returndocuments", "Done", '<returndocuments label="Done"/>')
        name = f"{process_name} - Step {index:02d}"
        return self._add("Subprocesses", name, "process", canvas.xml())
