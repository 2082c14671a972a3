"""Pure rules for changing environment and map extensions (SPEC §7: M, N, O).

* :func:`plan_partial_update` turns what a client asks for (an EnvironmentExtensions document
  holding the components it edited, values it did not touch included) into the smallest
  ``partial`` update Boomi accepts: only changed fields, a cross-reference table whole, a
  process-property component with all its values (unchanged ones filled in from the current
  extensions, encrypted ones sent without a value so that the stored secret stays).
* :func:`plan_test_to_prod_copy` is the same planning with Test's configuration as the request
  and Prod as the current state, minus connections and PGP certificates, minus encrypted values
  (Boomi never returns them, so they cannot be copied), minus components the caller may not edit.
* :func:`apply_map_edit` applies a change set (mappings added or removed, functions added,
  changed or removed) to the *current* map extension, never dropping what the change set does
  not name, and describes what changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from boomi_promo.boomi.models import (
    ConnectionExtension,
    CrossReferenceExtension,
    DynamicProcessProperty,
    EnvironmentExtensions,
    EnvironmentMapExtension,
    ExtensionField,
    MapExtensionFunction,
    MapExtensionMapping,
    OperationExtension,
    PGPCertificateExtension,
    ProcessPropertyExtension,
    ProcessPropertyValue,
    SharedCommunicationExtension,
    TradingPartnerCategory,
    TradingPartnerExtension,
)

EXTENSION_NOT_FOUND = "EXTENSION_NOT_FOUND"


class Section(StrEnum):
    """An EnvironmentExtensions section, by its wire name."""

    CONNECTIONS = "connections"
    OPERATIONS = "operations"
    TRADING_PARTNERS = "tradingPartners"
    SHARED_COMMUNICATIONS = "sharedCommunications"
    CROSS_REFERENCES = "crossReferences"
    PROPERTIES = "properties"
    PROCESS_PROPERTIES = "processProperties"
    PGP_CERTIFICATES = "PGPCertificates"


COPY_EXCLUDED_SECTIONS = (Section.CONNECTIONS, Section.PGP_CERTIFICATES)
"""Never copied Test → Prod: connections point at each environment's own endpoints and
secrets, PGP certificates are each environment's own keys."""


@dataclass(frozen=True)
class ComponentRef:
    """One extensible thing a request names. Dynamic process properties are environment-wide:
    their ``component_id`` is the property name."""

    section: Section
    component_id: str
    component_name: str

    @property
    def environment_wide(self) -> bool:
        return self.section is Section.PROPERTIES


@dataclass(frozen=True)
class ExtensionProblem:
    component: ComponentRef
    error_code: str
    message: str


MASKED_VALUE = "••••••"
DEFAULT_SHOWN_AS = "(default)"


@dataclass(frozen=True)
class FieldChange:
    """One value a plan changes, as a person reads it: secrets masked, defaults named."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ComponentChange:
    component: ComponentRef
    field_count: int
    """Fields, values, properties or certificates changed; a cross-reference table counts once."""
    fields: tuple[FieldChange, ...] = ()
    """What changed, one entry per counted change (``len(fields) == field_count``)."""


@dataclass(frozen=True)
class UpdatePlan:
    body: EnvironmentExtensions
    """The ``partial`` update: only changed components, each as Boomi needs it."""
    changes: list[ComponentChange]
    problems: list[ExtensionProblem]
    """Components (or fields) the request names that the environment does not have."""

    @property
    def field_count(self) -> int:
        return sum(change.field_count for change in self.changes)


# ----------------------------------------------------------------------------- one setting


@dataclass(frozen=True)
class _Setting:
    """What a field or process-property value has in common."""

    value: str | None
    use_default: bool | None
    encrypted: bool


@dataclass(frozen=True)
class _Write:
    value: str | None
    use_default: bool


def _setting_write(requested: _Setting, current: _Setting) -> _Write | None:
    """What to send for one setting, or ``None`` when the request leaves it as it is."""
    overridden = current.use_default is False
    if requested.use_default is True:
        return _Write(None, True) if overridden else None
    if current.encrypted:
        # A secret is never readable, so it cannot be compared: a value sent is a new secret.
        if requested.value:
            return _Write(requested.value, False)
        return _Write(None, False) if requested.use_default is False and not overridden else None
    if requested.value is not None and requested.value != current.value:
        return _Write(requested.value, False)
    if requested.use_default is False and not overridden:
        # Pin the value the environment has now as an override.
        return _Write(current.value if requested.value is None else requested.value, False)
    return None


def _shown(setting: _Setting) -> str:
    if setting.use_default is not False:
        return DEFAULT_SHOWN_AS
    if setting.encrypted:
        return MASKED_VALUE
    return setting.value or ""


def _shown_write(write: _Write | None, current: _Setting) -> str:
    if write is None:
        return _shown(current)
    return _shown(_Setting(write.value, write.use_default, current.encrypted))


def _field_changes(
    changed: Sequence[ExtensionField], current: Sequence[ExtensionField], prefix: str = ""
) -> list[FieldChange]:
    by_id = {f.id: f for f in current}
    changes: list[FieldChange] = []
    for sent in changed:
        before = _field_setting(by_id[sent.id])
        label = f"{prefix}{sent.id}"
        if sent.value is None and sent.use_default is None:
            changes.append(FieldChange(f"{label} (custom properties)", "", ""))
            continue
        write = _Write(sent.value, bool(sent.use_default))
        changes.append(FieldChange(label, _shown(before), _shown_write(write, before)))
    return changes


def _field_setting(item: ExtensionField) -> _Setting:
    return _Setting(item.value, item.use_default, item.uses_encryption)


def _value_setting(item: ProcessPropertyValue) -> _Setting:
    return _Setting(item.value, item.use_default, item.uses_encryption)


def _changed_fields(
    requested: Sequence[ExtensionField],
    current: Sequence[ExtensionField],
    ref: ComponentRef,
    problems: list[ExtensionProblem],
) -> list[ExtensionField]:
    by_id = {f.id: f for f in current}
    changed: list[ExtensionField] = []
    for wanted in requested:
        present = by_id.get(wanted.id)
        if present is None:
            problems.append(_not_found(ref, f"has no extensible field '{wanted.id}'"))
            continue
        write = _setting_write(_field_setting(wanted), _field_setting(present))
        properties_changed = (
            wanted.custom_properties is not None
            and wanted.custom_properties != present.custom_properties
        )
        if write is None and not properties_changed:
            continue
        changed.append(
            ExtensionField(
                id=present.id,
                value=write.value if write else None,
                use_default=write.use_default if write else None,
                uses_encryption=present.uses_encryption,
                custom_properties=wanted.custom_properties if properties_changed else None,
            )
        )
    return changed


def _not_found(ref: ComponentRef, what: str) -> ExtensionProblem:
    name = ref.component_name or ref.component_id
    return ExtensionProblem(
        ref, EXTENSION_NOT_FOUND, f"{name} ({ref.section.value}) {what} in this environment."
    )


# ----------------------------------------------------------------------------- sections


def _ref(section: Section, component_id: str, *names: str | None) -> ComponentRef:
    return ComponentRef(section, component_id, next((n for n in names if n), component_id))


FieldComponent = ConnectionExtension | OperationExtension | SharedCommunicationExtension
FieldComponentT = TypeVar(
    "FieldComponentT", ConnectionExtension, OperationExtension, SharedCommunicationExtension
)


def _plan_field_section(
    section: Section,
    requested: Sequence[FieldComponentT],
    current: Sequence[FieldComponentT],
    changes: list[ComponentChange],
    problems: list[ExtensionProblem],
) -> list[FieldComponentT]:
    by_id = {c.id: c for c in current}
    out: list[FieldComponentT] = []
    for wanted in requested:
        present = by_id.get(wanted.id)
        ref = _ref(section, wanted.id, present.name if present else None, wanted.name)
        if present is None:
            problems.append(_not_found(ref, "is not extensible"))
            continue
        fields = _changed_fields(wanted.fields, present.fields, ref, problems)
        if fields:
            out.append(present.model_copy(update={"fields": fields}))
            changes.append(
                ComponentChange(ref, len(fields), tuple(_field_changes(fields, present.fields)))
            )
    return out


def _plan_trading_partners(
    requested: Sequence[TradingPartnerExtension],
    current: Sequence[TradingPartnerExtension],
    changes: list[ComponentChange],
    problems: list[ExtensionProblem],
) -> list[TradingPartnerExtension]:
    by_id = {p.id: p for p in current}
    out: list[TradingPartnerExtension] = []
    for wanted in requested:
        present = by_id.get(wanted.id)
        ref = _ref(Section.TRADING_PARTNERS, wanted.id, present.name if present else None)
        if present is None:
            problems.append(_not_found(ref, "is not extensible"))
            continue
        categories = {c.id: c for c in present.categories}
        changed: list[TradingPartnerCategory] = []
        shown: list[FieldChange] = []
        for category in wanted.categories:
            existing = categories.get(category.id)
            if existing is None:
                problems.append(_not_found(ref, f"has no category '{category.id}'"))
                continue
            fields = _changed_fields(category.fields, existing.fields, ref, problems)
            if fields:
                changed.append(existing.model_copy(update={"fields": fields}))
                prefix = f"{existing.name or existing.id}: "
                shown.extend(_field_changes(fields, existing.fields, prefix))
        if changed:
            out.append(present.model_copy(update={"categories": changed}))
            changes.append(ComponentChange(ref, sum(len(c.fields) for c in changed), tuple(shown)))
    return out


def _requested_override(table: CrossReferenceExtension) -> bool:
    # A client that sends rows without ``overrideValues`` means them as the table's rows.
    if "override_values" in table.model_fields_set:
        return table.override_values
    return bool(table.rows)


def _plan_cross_references(
    requested: Sequence[CrossReferenceExtension],
    current: Sequence[CrossReferenceExtension],
    changes: list[ComponentChange],
    problems: list[ExtensionProblem],
) -> list[CrossReferenceExtension]:
    by_id = {t.id: t for t in current}
    out: list[CrossReferenceExtension] = []
    for wanted in requested:
        present = by_id.get(wanted.id)
        ref = _ref(Section.CROSS_REFERENCES, wanted.id, present.name if present else None)
        if present is None:
            problems.append(_not_found(ref, "is not extensible"))
            continue
        override = _requested_override(wanted)
        if not override:
            if present.override_values:
                out.append(present.model_copy(update={"override_values": False, "rows": []}))
                changes.append(ComponentChange(ref, 1, (_table_change(present, DEFAULT_SHOWN_AS),)))
            continue
        if present.override_values and _rows(wanted.rows) == _rows(present.rows):
            continue
        # Boomi takes a table whole: every row is sent, not only the edited ones.
        out.append(present.model_copy(update={"override_values": True, "rows": wanted.rows}))
        changes.append(ComponentChange(ref, 1, (_table_change(present, _row_count(wanted.rows)),)))
    return out


def _row_count(rows: Sequence[Sequence[str]]) -> str:
    return f"{len(rows)} row{'' if len(rows) == 1 else 's'}"


def _table_change(present: CrossReferenceExtension, new: str) -> FieldChange:
    old = _row_count(present.rows) if present.override_values else DEFAULT_SHOWN_AS
    return FieldChange("the table", old, new)


def _rows(rows: list[list[str]]) -> list[list[str]]:
    """Rows without trailing empty cells (``ref3=""`` and a missing ``ref3`` are the same)."""
    trimmed = []
    for row in rows:
        end = len(row)
        while end and not row[end - 1]:
            end -= 1
        trimmed.append(row[:end])
    return trimmed


def _plan_properties(
    requested: Sequence[DynamicProcessProperty],
    current: Sequence[DynamicProcessProperty],
    changes: list[ComponentChange],
    problems: list[ExtensionProblem],
) -> list[DynamicProcessProperty]:
    by_name = {p.name: p for p in current}
    out: list[DynamicProcessProperty] = []
    for wanted in requested:
        present = by_name.get(wanted.name)
        ref = _ref(Section.PROPERTIES, wanted.name)
        if present is None:
            problems.append(_not_found(ref, "is not a dynamic process property"))
            continue
        if wanted.value is not None and wanted.value != present.value:
            out.append(DynamicProcessProperty(name=present.name, value=wanted.value))
            shown = FieldChange(present.name, present.value or "", wanted.value)
            changes.append(ComponentChange(ref, 1, (shown,)))
    return out


def _plan_process_properties(
    requested: Sequence[ProcessPropertyExtension],
    current: Sequence[ProcessPropertyExtension],
    changes: list[ComponentChange],
    problems: list[ExtensionProblem],
) -> list[ProcessPropertyExtension]:
    by_id = {c.id: c for c in current}
    out: list[ProcessPropertyExtension] = []
    for wanted in requested:
        present = by_id.get(wanted.id)
        ref = _ref(Section.PROCESS_PROPERTIES, wanted.id, present.name if present else None)
        if present is None:
            problems.append(_not_found(ref, "is not extensible"))
            continue
        asked = {v.key: v for v in wanted.values}
        unknown = sorted(set(asked) - {v.key for v in present.values})
        for key in unknown:
            problems.append(_not_found(ref, f"has no process property '{key}'"))
        values: list[ProcessPropertyValue] = []
        shown: list[FieldChange] = []
        for value in present.values:
            write = None
            if value.key in asked:
                write = _setting_write(_value_setting(asked[value.key]), _value_setting(value))
            if write is not None:
                before = _value_setting(value)
                label = value.label or value.key
                shown.append(FieldChange(label, _shown(before), _shown_write(write, before)))
            values.append(_value_to_send(value, write))
        if shown and not unknown:
            # Boomi needs every value of the component, the unchanged ones as they are.
            out.append(present.model_copy(update={"values": values}))
            changes.append(ComponentChange(ref, len(shown), tuple(shown)))
    return out


def _value_to_send(current: ProcessPropertyValue, write: _Write | None) -> ProcessPropertyValue:
    if write is not None:
        return ProcessPropertyValue(
            key=current.key,
            label=current.label,
            value=write.value,
            use_default=write.use_default,
            uses_encryption=current.uses_encryption,
        )
    keep_default = current.use_default is not False
    return ProcessPropertyValue(
        key=current.key,
        label=current.label,
        # A secret goes back without its value: Boomi keeps the one it has.
        value=None if current.uses_encryption or keep_default else current.value,
        use_default=keep_default,
        uses_encryption=current.uses_encryption,
    )


def _plan_certificates(
    requested: Sequence[PGPCertificateExtension],
    current: Sequence[PGPCertificateExtension],
    changes: list[ComponentChange],
    problems: list[ExtensionProblem],
) -> list[PGPCertificateExtension]:
    by_id = {c.id: c for c in current}
    out: list[PGPCertificateExtension] = []
    for wanted in requested:
        present = by_id.get(wanted.id)
        ref = _ref(Section.PGP_CERTIFICATES, wanted.id)
        if present is None:
            problems.append(_not_found(ref, "is not extensible"))
            continue
        write = _setting_write(
            _Setting(wanted.value, wanted.use_default, False),
            _Setting(present.value, present.use_default, False),
        )
        if write is not None:
            out.append(
                PGPCertificateExtension(
                    id=present.id, value=write.value, use_default=write.use_default
                )
            )
            before = _Setting("certificate", present.use_default, True)
            shown = FieldChange("certificate", _shown(before), _shown_write(write, before))
            changes.append(ComponentChange(ref, 1, (shown,)))
    return out


# ----------------------------------------------------------------------------- M: update


def requested_components(requested: EnvironmentExtensions) -> list[ComponentRef]:
    """Every component (and dynamic property) the request names, in section order."""
    return [_item_ref(section, item) for section, items in _sections(requested) for item in items]


def _item_ref(section: Section, item: Any) -> ComponentRef:
    if isinstance(item, DynamicProcessProperty):
        return _ref(section, item.name)
    return _ref(section, item.id, getattr(item, "name", None))


def _sections(extensions: EnvironmentExtensions) -> list[tuple[Section, Sequence[Any]]]:
    return [
        (Section.CONNECTIONS, extensions.connections),
        (Section.OPERATIONS, extensions.operations),
        (Section.TRADING_PARTNERS, extensions.trading_partners),
        (Section.SHARED_COMMUNICATIONS, extensions.shared_communications),
        (Section.CROSS_REFERENCES, extensions.cross_references),
        (Section.PROPERTIES, extensions.properties),
        (Section.PROCESS_PROPERTIES, extensions.process_properties),
        (Section.PGP_CERTIFICATES, extensions.pgp_certificates),
    ]


def plan_partial_update(
    requested: EnvironmentExtensions, current: EnvironmentExtensions
) -> UpdatePlan:
    """The partial update that takes ``current`` to what ``requested`` asks for."""
    changes: list[ComponentChange] = []
    problems: list[ExtensionProblem] = []
    body = EnvironmentExtensions(
        id=current.id,
        environment_id=current.environment_id,
        extension_group_id=current.extension_group_id,
        connections=_plan_field_section(
            Section.CONNECTIONS, requested.connections, current.connections, changes, problems
        ),
        operations=_plan_field_section(
            Section.OPERATIONS, requested.operations, current.operations, changes, problems
        ),
        trading_partners=_plan_trading_partners(
            requested.trading_partners, current.trading_partners, changes, problems
        ),
        shared_communications=_plan_field_section(
            Section.SHARED_COMMUNICATIONS,
            requested.shared_communications,
            current.shared_communications,
            changes,
            problems,
        ),
        cross_references=_plan_cross_references(
            requested.cross_references, current.cross_references, changes, problems
        ),
        properties=_plan_properties(requested.properties, current.properties, changes, problems),
        process_properties=_plan_process_properties(
            requested.process_properties, current.process_properties, changes, problems
        ),
        pgp_certificates=_plan_certificates(
            requested.pgp_certificates, current.pgp_certificates, changes, problems
        ),
    )
    return UpdatePlan(body=body, changes=changes, problems=problems)


# ----------------------------------------------------------------------------- N: Test → Prod


@dataclass(frozen=True)
class SkippedComponent:
    component: ComponentRef
    reason: str


@dataclass(frozen=True)
class CopyPlan:
    body: EnvironmentExtensions
    changes: list[ComponentChange]
    skipped: list[SkippedComponent]
    encrypted_fields_skipped: int
    """Encrypted fields and values of the copied components: Boomi never returns their values."""
    unchanged: list[ComponentRef]
    """Copied components whose Prod values already equal Test's."""
    excluded_sections: tuple[Section, ...] = COPY_EXCLUDED_SECTIONS

    @property
    def fields_copied(self) -> int:
        return sum(change.field_count for change in self.changes)


def _encrypted_count(item: Any) -> int:
    if isinstance(item, ProcessPropertyExtension):
        return sum(v.uses_encryption for v in item.values)
    if isinstance(item, TradingPartnerExtension):
        return sum(f.uses_encryption for c in item.categories for f in c.fields)
    fields: Iterable[ExtensionField] = getattr(item, "fields", ())
    return sum(f.uses_encryption for f in fields)


def _without_secrets(item: Any) -> Any:
    """The component as Test has it, minus encrypted values (there are none to read)."""
    if isinstance(item, ProcessPropertyExtension):
        values = [
            v.model_copy(update={"value": None, "use_default": None}) if v.uses_encryption else v
            for v in item.values
        ]
        return item.model_copy(update={"values": values})
    if isinstance(item, TradingPartnerExtension):
        categories = [
            c.model_copy(update={"fields": [f for f in c.fields if not f.uses_encryption]})
            for c in item.categories
        ]
        return item.model_copy(update={"categories": categories})
    if isinstance(item, FieldComponent):
        return item.model_copy(update={"fields": [f for f in item.fields if not f.uses_encryption]})
    return item


def plan_test_to_prod_copy(
    test: EnvironmentExtensions,
    prod: EnvironmentExtensions,
    *,
    may_edit: Callable[[ComponentRef], bool],
) -> CopyPlan:
    """The partial update that gives Prod Test's values, except connections, PGP certificates,
    encrypted values and components the caller may not edit."""
    kept: dict[Section, list[Any]] = {}
    skipped: list[SkippedComponent] = []
    encrypted = 0
    # Test and Prod may name a component differently; the id decides.
    in_prod = {(ref.section, ref.component_id) for ref in requested_components(prod)}
    for section, items in _sections(test):
        if section in COPY_EXCLUDED_SECTIONS:
            continue
        for item in items:
            ref = _item_ref(section, item)
            if (section, ref.component_id) not in in_prod:
                skipped.append(SkippedComponent(ref, "not extensible in Prod"))
                continue
            if not may_edit(ref):
                skipped.append(SkippedComponent(ref, "you may not edit it"))
                continue
            encrypted += _encrypted_count(item)
            kept.setdefault(section, []).append(_without_secrets(item))
    requested = EnvironmentExtensions(
        operations=kept.get(Section.OPERATIONS, []),
        trading_partners=kept.get(Section.TRADING_PARTNERS, []),
        shared_communications=kept.get(Section.SHARED_COMMUNICATIONS, []),
        cross_references=kept.get(Section.CROSS_REFERENCES, []),
        properties=kept.get(Section.PROPERTIES, []),
        process_properties=kept.get(Section.PROCESS_PROPERTIES, []),
    )
    plan = plan_partial_update(requested, prod)
    changed = {(c.component.section, c.component.component_id) for c in plan.changes}
    unchanged = [
        ref
        for ref in requested_components(requested)
        if (ref.section, ref.component_id) not in changed
    ]
    return CopyPlan(
        body=plan.body,
        changes=plan.changes,
        skipped=skipped,
        encrypted_fields_skipped=encrypted,
        unchanged=unchanged,
    )


# ----------------------------------------------------------------------------- O: map edits


class MapEditError(ValueError):
    """A change set that cannot apply to the current map extension."""


@dataclass(frozen=True)
class MapEdit:
    add_mappings: list[MapExtensionMapping] = field(default_factory=list)
    remove_mappings: list[MapExtensionMapping] = field(default_factory=list)
    put_functions: list[MapExtensionFunction] = field(default_factory=list)
    """Added when the id is new, else replacing the function with that id."""
    remove_functions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MapChangePreview:
    mappings_added: list[MapExtensionMapping]
    mappings_removed: list[MapExtensionMapping]
    functions_added: list[str]
    functions_changed: list[str]
    functions_removed: list[str]

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.mappings_added
            or self.mappings_removed
            or self.functions_added
            or self.functions_changed
            or self.functions_removed
        )


def mapping_label(mapping: MapExtensionMapping) -> str:
    source = f"function {mapping.from_function}" if mapping.from_function else mapping.from_xpath
    target = f"function {mapping.to_function}" if mapping.to_function else mapping.to_xpath
    return f"{source} → {target}"


def _mapping_key(mapping: MapExtensionMapping) -> tuple[str, str, str, str]:
    return (
        mapping.from_xpath or "",
        mapping.to_xpath or "",
        mapping.from_function or "",
        mapping.to_function or "",
    )


def apply_map_edit(
    current: EnvironmentMapExtension, edit: MapEdit
) -> tuple[EnvironmentMapExtension, MapChangePreview]:
    """``current`` with ``edit`` applied; everything the edit does not name stays as it is."""
    functions = {f.id: f for f in current.map.functions}
    removed_functions: list[str] = []
    for function_id in edit.remove_functions:
        if function_id not in functions:
            raise MapEditError(f"Function {function_id} is not in the map extension.")
        del functions[function_id]
        removed_functions.append(function_id)
    put_ids = [f.id for f in edit.put_functions]
    if twice := sorted({i for i in put_ids if put_ids.count(i) > 1}):
        raise MapEditError(f"Function {twice[0]} is given more than once in the change set.")
    added_functions: list[str] = []
    changed_functions: list[str] = []
    for function in edit.put_functions:
        existing = functions.get(function.id)
        if existing is None:
            added_functions.append(function.id)
        elif existing != function:
            changed_functions.append(function.id)
        functions[function.id] = function

    mappings = list(current.map.mappings)
    present = {_mapping_key(m) for m in mappings}
    removed_mappings: list[MapExtensionMapping] = []
    for mapping in edit.remove_mappings:
        key = _mapping_key(mapping)
        if key not in present:
            raise MapEditError(f"Mapping {mapping_label(mapping)} is not in the map extension.")
        mappings = [m for m in mappings if _mapping_key(m) != key]
        present.discard(key)
        removed_mappings.append(mapping)
    added_mappings: list[MapExtensionMapping] = []
    for mapping in edit.add_mappings:
        if _mapping_key(mapping) in present:
            continue
        mappings.append(mapping)
        present.add(_mapping_key(mapping))
        added_mappings.append(mapping)

    for mapping in mappings:
        for used in (mapping.from_function, mapping.to_function):
            if used and used not in functions:
                raise MapEditError(
                    f"Mapping {mapping_label(mapping)} uses function {used}, which the "
                    "map extension would not have; remove the mapping too, or keep the function."
                )
    edited = current.model_copy(
        update={
            "map": current.map.model_copy(
                update={"functions": list(functions.values()), "mappings": mappings}
            )
        }
    )
    preview = MapChangePreview(
        mappings_added=added_mappings,
        mappings_removed=removed_mappings,
        functions_added=added_functions,
        functions_changed=changed_functions,
        functions_removed=removed_functions,
    )
    return edited, preview


@dataclass(frozen=True)
class FunctionScript:
    function_id: str
    language: str
    """As the function's configuration names it, lower case (``groovy2`` when absent)."""
    script: str


def _key(mapping: dict[str, Any], name: str) -> Any:
    return next((v for k, v in mapping.items() if k.lower() == name.lower()), None)


class UncheckableScript(ValueError):
    """A function carries script code in a shape that cannot be checked (not plain text at
    ``Configuration.Scripting.Script``): refused rather than saved unchecked."""


def _script_keys(value: Any, path: str = "Configuration") -> list[tuple[str, Any]]:
    """Every (path, value) under ``value`` whose key is ``Script`` (any letter case)."""
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}"
            if str(key).lower() == "script":
                found.append((inner, item))
            found += _script_keys(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _script_keys(item, f"{path}[{index}]")
    return found


def function_script(function: MapExtensionFunction) -> FunctionScript | None:
    """The inline script of a scripting function (``Configuration.Scripting.Script``).

    Raises :class:`UncheckableScript` when script code stands anywhere else or is not text (a
    list or an object holding code would reach Boomi without being checked).
    """
    scripting = _key(function.configuration, "Scripting")
    candidates = _script_keys(function.configuration)
    if scripting is not None and not isinstance(scripting, dict):
        raise UncheckableScript(
            f"Function {function.id}: Configuration.Scripting must be an object holding Script."
        )
    expected = [
        (path, value)
        for path, value in candidates
        if isinstance(scripting, dict) and path.lower() == "configuration.scripting.script"
    ]
    expected_paths = {path for path, _ in expected}
    stray = [path for path, _ in candidates if path not in expected_paths]
    if stray:
        raise UncheckableScript(
            f"Function {function.id}: script code at {stray[0]} cannot be checked; scripts "
            "belong in Configuration.Scripting.Script."
        )
    if not expected:
        return None
    script = expected[0][1]
    if not isinstance(script, str):
        raise UncheckableScript(
            f"Function {function.id}: Configuration.Scripting.Script must be the script's text, "
            f"not a {type(script).__name__}."
        )
    language = _key(scripting, "language") if isinstance(scripting, dict) else None
    return FunctionScript(
        function_id=function.id,
        language=language.strip().lower() if isinstance(language, str) else "groovy2",
        script=script,
    )
