"""What the map-extension pages show of a map extension, and what an edit changes.

Boomi replaces a map extension whole on update, so the editor never sends the extension: it
sends a change set (mappings removed or added, a scripting function with its new script) with
the version it read, and updateMapExtension applies it to the current extension, refusing
with 409 when that changed since.
A scripting function keeps its script in its configuration block (``Scripting`` with
``Script`` and ``language``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from boomi_promo.boomi.models import (
    EnvironmentMapExtension,
    MapExtensionFunction,
    MapExtensionMapping,
)

SCRIPT_BLOCK = "Scripting"
SCRIPT_KEY = "Script"
LANGUAGE_KEY = "language"
DEFAULT_LANGUAGE = "groovy2"


def _script_block(function: MapExtensionFunction) -> dict[str, Any] | None:
    block = function.configuration.get(SCRIPT_BLOCK)
    return block if isinstance(block, dict) else None


@dataclass(frozen=True)
class FunctionView:
    function_id: str
    type: str
    inputs: list[str]
    outputs: list[str]
    script: str | None
    """None unless the function is a script."""
    language: str

    @property
    def is_script(self) -> bool:
        return self.script is not None


def function_view(function: MapExtensionFunction) -> FunctionView:
    block = _script_block(function)
    script = None
    language = ""
    if block is not None:
        raw = block.get(SCRIPT_KEY, "")
        script = raw if isinstance(raw, str) else ""
        language = str(block.get(LANGUAGE_KEY) or DEFAULT_LANGUAGE)
    return FunctionView(
        function_id=function.id,
        type=function.type,
        inputs=[i.name for i in function.inputs],
        outputs=[o.name for o in function.outputs],
        script=script,
        language=language,
    )


def describe_mapping(mapping: MapExtensionMapping, functions: Mapping[str, str]) -> str:
    """``Customer/Object/email → Customer/email``, functions named by id and type."""

    def end(xpath: str | None, function_id: str | None, port: str) -> str:
        if function_id:
            name = functions.get(function_id, function_id)
            return f"{name} ({port} {xpath})"
        return xpath or ""

    source = end(mapping.from_xpath, mapping.from_function, "output")
    target = end(mapping.to_xpath, mapping.to_function, "input")
    return f"{source} → {target}"


def mapping_key(mapping: MapExtensionMapping) -> str:
    """The mapping as the editor posts it back: updateMapExtension matches removals exactly."""
    return json.dumps(mapping.to_wire(), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class MappingRow:
    key: str
    label: str


@dataclass(frozen=True)
class MapExtensionView:
    extension: EnvironmentMapExtension
    mappings: list[MappingRow]
    functions: list[FunctionView]
    source_fields: list[str]
    destination_fields: list[str]

    @property
    def name(self) -> str:
        return self.extension.name or self.extension.id

    @property
    def version_read(self) -> str:
        """What the editor sends back: the emulator's version, else a content fingerprint."""
        if self.extension.version is not None:
            return str(self.extension.version)
        return FINGERPRINT_PREFIX + self.extension.fingerprint()


FINGERPRINT_PREFIX = "sha256:"


def expected_marker(version_read: str) -> dict[str, Any]:
    """updateMapExtension's expectedVersion or expectedFingerprint for what the editor read."""
    if version_read.startswith(FINGERPRINT_PREFIX):
        return {"expectedFingerprint": version_read.removeprefix(FINGERPRINT_PREFIX)}
    if version_read.isdigit():
        return {"expectedVersion": int(version_read)}
    return {}


def map_extension_view(extension: EnvironmentMapExtension) -> MapExtensionView:
    functions = {f.id: f"{f.type} {f.id}" for f in extension.map.functions}
    content = extension.map
    sources = [n.xpath for n in (content.source_profile.nodes if content.source_profile else [])]
    sources += [n.xpath for n in content.source_profile_extensions]
    destinations = [
        n.xpath for n in (content.destination_profile.nodes if content.destination_profile else [])
    ]
    destinations += [n.xpath for n in content.destination_profile_extensions]
    return MapExtensionView(
        extension=extension,
        mappings=[
            MappingRow(mapping_key(m), describe_mapping(m, functions)) for m in content.mappings
        ],
        functions=[function_view(f) for f in content.functions],
        source_fields=sources,
        destination_fields=destinations,
    )


@dataclass(frozen=True)
class MapEdit:
    """What the editor's form asks for."""

    removed: frozenset[str] = frozenset()
    """Mapping keys (:func:`mapping_key`) to remove."""
    add_from: str = ""
    add_to: str = ""
    """Source and destination field of a mapping to add (both, or none)."""
    scripts: Mapping[str, str] = field(default_factory=dict)
    """Script text by function id, as the editor shows it (only scripting functions)."""

    def script_for(self, function: FunctionView) -> str:
        return self.scripts.get(function.function_id, function.script or "")


def change_set(
    extension: EnvironmentMapExtension, edit: MapEdit
) -> tuple[dict[str, Any], list[str]]:
    """updateMapExtension's change set for ``edit``, and what it changes in sentences.

    The service applies the change set to the extension as it is when the edit arrives, after
    checking that it is still the version that was read.
    """
    view = map_extension_view(extension)
    lines: list[str] = []
    removed: list[dict[str, Any]] = []
    for row, mapping in zip(view.mappings, extension.map.mappings, strict=True):
        if row.key in edit.removed:
            removed.append(mapping.to_wire())
            lines.append(f"Mapping removed: {row.label}")
    added: list[dict[str, Any]] = []
    if edit.add_from and edit.add_to:
        mapping = MapExtensionMapping(from_xpath=edit.add_from, to_xpath=edit.add_to)
        if mapping not in extension.map.mappings:
            added.append(mapping.to_wire())
            lines.append(f"Mapping added: {edit.add_from} → {edit.add_to}")
    functions: list[dict[str, Any]] = []
    for function in extension.map.functions:
        block = _script_block(function)
        new_script = edit.scripts.get(function.id)
        if block is None or new_script is None or new_script == block.get(SCRIPT_KEY, ""):
            continue
        configuration = {**function.configuration, SCRIPT_BLOCK: {**block, SCRIPT_KEY: new_script}}
        functions.append(function.model_copy(update={"configuration": configuration}).to_wire())
        lines.append(f"Script of {function.type} {function.id} changed")
    payload: dict[str, Any] = {}
    if added:
        payload["addMappings"] = added
    if removed:
        payload["removeMappings"] = removed
    if functions:
        payload["functions"] = functions
    return payload, lines
