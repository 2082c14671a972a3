"""The Extension Manager's model of one environment's extensions, and what a submitted form changes.

getExtensions answers with the environment's extensions (Boomi's EnvironmentExtensions JSON)
and the access records of its components. :func:`build_manager` turns them into components
grouped by the process that owns them, each with the caller's edit decision and the reason
when it is locked. :func:`plan_edit` compares a submitted form with the extensions read again
and returns the changes in sentences and the partial update that makes exactly those changes
(only changed components; a process-property component whole and a cross-reference table
whole, as Boomi requires). Encrypted values are never shown: a field says whether a secret
is set, and a new one may be entered.

Form names: every value is named ``<section>~<component id>~<value id>``; its "use default"
box adds ``:default`` and a new secret ``:secret``. Cross-reference cells are
``<section>~<table id>~r<row>c<column>`` and the override box ``<section>~<table id>~override``.
Each component rendered editable posts its ``<section>~<component id>`` as ``component``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from boomi_promo.boomi.models import (
    ConnectionExtension,
    CrossReferenceExtension,
    DynamicProcessProperty,
    EnvironmentExtensions,
    ExtensionField,
    OperationExtension,
    PGPCertificateExtension,
    ProcessPropertyExtension,
    ProcessPropertyValue,
    SharedCommunicationExtension,
    TradingPartnerCategory,
    TradingPartnerExtension,
)
from boomi_promo.domain.extension_rules import (
    ComponentRef,
    FieldChange,
    plan_test_to_prod_copy,
)
from boomi_promo.engine.extension_access import EditDecision, ExtensionAccess, decide_edit
from boomi_promo.identity.principal import Principal

SEPARATOR = "~"
DEFAULT_SUFFIX = ":default"
SECRET_SUFFIX = ":secret"  # noqa: S105 - a form-name suffix, not a secret
OVERRIDE_SUFFIX = "override"
ENVIRONMENT_WIDE = "properties"
"""Dynamic process properties: not a component of any process."""
ENVIRONMENT_WIDE_ID = "environment"
SECTION_TITLES = {
    "connections": "Connection",
    "operations": "Operation",
    "tradingPartners": "Trading partner",
    "sharedCommunications": "Shared communication",
    "crossReferences": "Cross-reference table",
    "properties": "Dynamic process properties",
    "processProperties": "Process properties",
    "PGPCertificates": "PGP certificate",
}
UNOWNED_GROUP = "Not linked to a promoted process"
OTHER_GROUP_PREFIX = "Other components from "
"""Components promoted from a dev account that no promoted process is known to use."""
ENVIRONMENT_GROUP = "Environment-wide"
BLANK_TABLE_ROWS = 1
"""Empty rows offered under a cross-reference table for adding rows."""


def form_key(*parts: str) -> str:
    return SEPARATOR.join(parts)


@dataclass(frozen=True)
class ValueView:
    """One editable value: a field, a process property value, a dynamic property, a certificate."""

    key: str
    label: str
    value: str
    use_default: bool
    encrypted: bool = False
    secret_set: bool = False
    has_default: bool = True
    """Dynamic process properties have no "use default"."""


@dataclass(frozen=True)
class TableView:
    columns: int
    rows: list[list[str]]
    override: bool

    def editing_rows(self) -> list[list[str]]:
        """The rows with blank rows after them, for adding."""
        return [*self.rows, *([[""] * self.columns] * BLANK_TABLE_ROWS)]


@dataclass(frozen=True)
class ComponentView:
    section: str
    component_id: str
    name: str
    decision: EditDecision
    access: ExtensionAccess | None
    values: list[ValueView] = field(default_factory=list)
    table: TableView | None = None

    @property
    def key(self) -> str:
        return form_key(self.section, self.component_id)

    @property
    def kind(self) -> str:
        return SECTION_TITLES[self.section]

    @property
    def editable(self) -> bool:
        return self.decision is EditDecision.ALLOWED

    @property
    def lock_reason(self) -> str:
        if self.decision is EditDecision.ADMIN_ONLY:
            return "Connection settings are locked: only admins may change them."
        if self.decision is EditDecision.ALLOWED:
            return ""
        access = self.access
        if access is not None and access.owner_process_name:
            return (
                f"Locked: this belongs to {access.owner_process_name} from dev account "
                f"{access.dev_account_name or access.dev_account_id}, which your groups do not "
                "grant."
            )
        if access is not None and access.dev_account_name:
            return (
                f"Locked: this comes from dev account {access.dev_account_name}, which your "
                "groups do not grant."
            )
        return "Locked: no promoted process is known to use this, so only admins may change it."

    @property
    def warnings(self) -> list[str]:
        found: list[str] = []
        if self.access is not None and self.access.is_shared:
            found.append(
                "Shared by several processes: a change here affects every process that uses it."
            )
        if self.section == ENVIRONMENT_WIDE:
            found.append(
                "These apply to every process in the environment, not only to one process."
            )
        return found

    def matches(self, query: str) -> bool:
        needle = query.casefold()
        owner = self.access.owner_process_name if self.access else ""
        texts = [self.name, self.kind, owner, *(v.label for v in self.values)]
        return any(needle in text.casefold() for text in texts)


@dataclass(frozen=True)
class ProcessGroup:
    title: str
    dev_account_name: str
    components: list[ComponentView]

    @property
    def anchor(self) -> str:
        return "group-" + "".join(c if c.isalnum() else "-" for c in self.title.lower())


@dataclass(frozen=True)
class ExtensionManager:
    groups: list[ProcessGroup]
    total: int
    """Components in the environment, before the search."""

    @property
    def shown(self) -> int:
        return sum(len(group.components) for group in self.groups)

    @property
    def editable_count(self) -> int:
        return sum(1 for group in self.groups for c in group.components if c.editable)


class UnreadableExtensions(ValueError):
    """getExtensions answered with extension data this page cannot read."""


def parse_extensions(extension_data: str) -> EnvironmentExtensions:
    try:
        return EnvironmentExtensions.model_validate(json.loads(extension_data or "{}"))
    except (ValueError, ValidationError) as exc:
        raise UnreadableExtensions(
            "The environment's extensions could not be read; reload the page."
        ) from exc


def _text(item: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str):
            return value
    return ""


def _flag(item: Mapping[str, Any], *keys: str) -> bool:
    return any(item.get(key) is True for key in keys)


@dataclass(frozen=True)
class ComponentAccess:
    """What getExtensions says of one component: its access record and the caller's decision."""

    access: ExtensionAccess
    decision: EditDecision


def parse_access(
    access_mappings: str, environment_id: str, principal: Principal
) -> dict[str, ComponentAccess]:
    """The per-component access getExtensions sent (a JSON list), by prod component id.

    The action's own decision is used when it sent one; otherwise the same rule is applied here.
    """
    try:
        loaded = json.loads(access_mappings or "[]")
    except ValueError:
        return {}
    found: dict[str, ComponentAccess] = {}
    for item in loaded if isinstance(loaded, list) else []:
        if not isinstance(item, dict):
            continue
        component_id = _text(item, "prodComponentId", "componentId")
        if not component_id:
            continue
        groups = item.get("authorizedGroups", item.get("authorizedSsoGroups", []))
        access = ExtensionAccess(
            environment_id=_text(item, "environmentId") or environment_id,
            prod_component_id=component_id,
            component_name=_text(item, "componentName"),
            component_type=_text(item, "componentType"),
            owner_process_id=_text(item, "ownerProcessId"),
            owner_process_name=_text(item, "ownerProcessName"),
            dev_account_id=_text(item, "devAccountId"),
            dev_account_name=_text(item, "devAccountName"),
            authorized_groups=frozenset(
                g for g in (groups if isinstance(groups, list) else []) if isinstance(g, str)
            ),
            is_connection=_flag(item, "isConnection", "isConnectionExtension"),
            is_shared=_flag(item, "isShared", "isSharedComponent"),
        )
        sent = _text(item, "decision")
        decision = (
            EditDecision(sent)
            if sent in EditDecision.__members__
            else decide_edit(access if access.owner_process_id else None, principal)
        )
        found[component_id] = ComponentAccess(access, decision)
    return found


def _field_value(prefix: str, item: ExtensionField, label: str = "") -> ValueView:
    return ValueView(
        key=form_key(prefix, item.id),
        label=label or item.id,
        value="" if item.uses_encryption else (item.value or ""),
        use_default=bool(item.use_default),
        encrypted=item.uses_encryption,
        secret_set=item.encrypted_value_set,
    )


def _components(
    extensions: EnvironmentExtensions,
) -> list[tuple[str, str, str, list[ValueView], TableView | None]]:
    """(section, component id, name, values, table) of every extensible component."""
    found: list[tuple[str, str, str, list[ValueView], TableView | None]] = []
    field_sections: list[
        tuple[
            str,
            list[ConnectionExtension]
            | list[OperationExtension]
            | list[SharedCommunicationExtension],
        ]
    ] = [
        ("connections", extensions.connections),
        ("operations", extensions.operations),
        ("sharedCommunications", extensions.shared_communications),
    ]
    for section, components in field_sections:
        for component in components:
            prefix = form_key(section, component.id)
            values = [_field_value(prefix, f) for f in component.fields]
            found.append((section, component.id, component.name or component.id, values, None))
    for partner in extensions.trading_partners:
        prefix = form_key("tradingPartners", partner.id)
        values = [
            _field_value(
                form_key(prefix, category.id), f, f"{category.name or category.id}: {f.id}"
            )
            for category in partner.categories
            for f in category.fields
        ]
        found.append(("tradingPartners", partner.id, partner.name or partner.id, values, None))
    for table in extensions.cross_references:
        columns = max((len(row) for row in table.rows), default=1)
        found.append(
            (
                "crossReferences",
                table.id,
                table.name or table.id,
                [],
                TableView(columns, [list(row) for row in table.rows], table.override_values),
            )
        )
    for properties in extensions.process_properties:
        prefix = form_key("processProperties", properties.id)
        values = [
            ValueView(
                key=form_key(prefix, v.key),
                label=v.label or v.key,
                value="" if v.uses_encryption else (v.value or ""),
                use_default=bool(v.use_default),
                encrypted=v.uses_encryption,
                secret_set=v.encrypted_value_set,
            )
            for v in properties.values
        ]
        found.append(
            ("processProperties", properties.id, properties.name or properties.id, values, None)
        )
    if extensions.properties:
        prefix = form_key(ENVIRONMENT_WIDE, ENVIRONMENT_WIDE_ID)
        values = [
            ValueView(
                key=form_key(prefix, p.name),
                label=p.name,
                value=p.value or "",
                use_default=False,
                has_default=False,
            )
            for p in extensions.properties
        ]
        found.append(
            (ENVIRONMENT_WIDE, ENVIRONMENT_WIDE_ID, "Dynamic process properties", values, None)
        )
    for certificate in extensions.pgp_certificates:
        prefix = form_key("PGPCertificates", certificate.id)
        value = ValueView(
            key=form_key(prefix, "value"),
            label="Certificate",
            value=certificate.value or "",
            use_default=bool(certificate.use_default),
        )
        found.append(("PGPCertificates", certificate.id, certificate.id, [value], None))
    return found


def _decision(section: str, known: ComponentAccess | None, principal: Principal) -> EditDecision:
    if section == ENVIRONMENT_WIDE:
        # No component owns them: whoever manages the client account may change them.
        return EditDecision.ALLOWED
    if known is not None:
        return known.decision
    return decide_edit(None, principal)


def build_manager(
    extensions: EnvironmentExtensions,
    access: Mapping[str, ComponentAccess],
    principal: Principal,
    query: str = "",
) -> ExtensionManager:
    """The environment's components by owning process, the caller's decision on each."""
    by_group: dict[str, list[ComponentView]] = {}
    accounts: dict[str, str] = {}
    total = 0
    for section, component_id, name, values, table in _components(extensions):
        total += 1
        known = access.get(component_id)
        record = known.access if known is not None else None
        if record is not None and record.component_name and name == component_id:
            name = record.component_name
        view = ComponentView(
            section=section,
            component_id=component_id,
            name=name,
            decision=_decision(section, known, principal),
            access=record,
            values=values,
            table=table,
        )
        if query and not view.matches(query):
            continue
        if section == ENVIRONMENT_WIDE:
            group = ENVIRONMENT_GROUP
        elif record is not None and record.owner_process_name:
            group = record.owner_process_name
            accounts[group] = record.dev_account_name
        elif record is not None and record.dev_account_name:
            group = OTHER_GROUP_PREFIX + record.dev_account_name
        else:
            group = UNOWNED_GROUP
        by_group.setdefault(group, []).append(view)
    special = (UNOWNED_GROUP, ENVIRONMENT_GROUP)
    order = sorted(
        (g for g in by_group if g not in special),
        key=lambda g: (g.startswith(OTHER_GROUP_PREFIX), g.casefold()),
    )
    order += [g for g in special if g in by_group]
    groups = [ProcessGroup(g, accounts.get(g, ""), by_group[g]) for g in order]
    return ExtensionManager(groups=groups, total=total)


# --------------------------------------------------------------------- what a form changes


@dataclass(frozen=True)
class ComponentChange:
    """One changed component, in sentences a person checks before saving."""

    component_id: str
    component_name: str
    kind: str
    lines: list[str]


@dataclass(frozen=True)
class EditPlan:
    changes: list[ComponentChange]
    update: EnvironmentExtensions
    """The partial update: only the changed components."""

    @property
    def empty(self) -> bool:
        return not self.changes

    def payload(self) -> str:
        body = self.update.to_wire()
        body["partial"] = True
        return json.dumps(body, separators=(",", ":"))


@dataclass(frozen=True)
class _ValueEdit:
    use_default: bool
    value: str | None
    """None: left as it is (an encrypted value with no new secret entered)."""
    line: str


def _edited_value(view: ValueView, form: Mapping[str, str]) -> _ValueEdit | None:
    """What the form asks for ``view``, or None when it asks for no change."""
    use_default = view.has_default and (view.key + DEFAULT_SUFFIX) in form
    label = view.label
    if use_default:
        if view.use_default:
            return None
        return _ValueEdit(True, None, f"{label}: back to its default")
    if view.encrypted:
        secret = form.get(view.key + SECRET_SUFFIX, "")
        if secret:
            return _ValueEdit(False, secret, f"{label}: a new secret value is set")
        return None  # no new secret entered: the stored one stays
    value = form.get(view.key, view.value)
    if not view.use_default and value == view.value:
        return None
    if view.use_default and value == view.value:
        return _ValueEdit(False, value, f"{label}: now '{value}' here instead of its default")
    return _ValueEdit(False, value, f"{label}: '{view.value}' → '{value}'")


def _table_edit(
    view: ComponentView, form: Mapping[str, str]
) -> tuple[bool, list[list[str]]] | None:
    table = view.table
    assert table is not None
    override = (form_key(view.key, OVERRIDE_SUFFIX)) in form
    rows: list[list[str]] = []
    for row_number in range(len(table.editing_rows())):
        cells = [
            form.get(form_key(view.key, f"r{row_number}c{column}"), "").strip()
            for column in range(table.columns)
        ]
        if any(cells):
            rows.append(cells)
    if override == table.override and (not override or rows == table.rows):
        return None
    return override, rows


def _table_lines(view: ComponentView, override: bool, rows: list[list[str]]) -> list[str]:
    assert view.table is not None
    if not override:
        return ["Goes back to the table's default rows"]
    before = {tuple(r) for r in view.table.rows}
    after = {tuple(r) for r in rows}
    lines = [f"Row added: {' | '.join(r)}" for r in rows if tuple(r) not in before]
    lines += [f"Row removed: {' | '.join(r)}" for r in view.table.rows if tuple(r) not in after]
    if not view.table.override:
        lines.insert(0, f"Overrides the default rows with {len(rows)} row(s)")
    return lines or ["Rows reordered"]


def plan_edit(
    extensions: EnvironmentExtensions,
    access: Mapping[str, ComponentAccess],
    principal: Principal,
    form: Mapping[str, str],
    submitted_components: set[str],
) -> EditPlan:
    """The changes the form asks for in the components it was allowed to edit.

    ``extensions`` is read afresh, so a change is measured against what the environment has
    now; components the form did not render editable are ignored.
    """
    manager = build_manager(extensions, access, principal)
    changes: list[ComponentChange] = []
    sections: dict[str, list[Any]] = {}
    for group in manager.groups:
        for view in group.components:
            if view.key not in submitted_components:
                continue
            if view.table is not None:
                edit = _table_edit(view, form)
                if edit is None:
                    continue
                override, rows = edit
                sections.setdefault("crossReferences", []).append(
                    CrossReferenceExtension(
                        id=view.component_id,
                        name=view.name,
                        override_values=override,
                        rows=rows if override else [],
                    )
                )
                changes.append(
                    ComponentChange(
                        view.component_id, view.name, view.kind, _table_lines(view, override, rows)
                    )
                )
                continue
            edits = {v.key: _edited_value(v, form) for v in view.values}
            lines = [e.line for e in edits.values() if e is not None]
            if not lines:
                continue
            changes.append(ComponentChange(view.component_id, view.name, view.kind, lines))
            sections.setdefault(view.section, []).append(_update_item(view, extensions, edits))
    update = EnvironmentExtensions(
        id=extensions.id,
        environment_id=extensions.environment_id,
        extension_group_id=extensions.extension_group_id,
        connections=sections.get("connections", []),
        operations=sections.get("operations", []),
        shared_communications=sections.get("sharedCommunications", []),
        trading_partners=sections.get("tradingPartners", []),
        cross_references=sections.get("crossReferences", []),
        properties=[p for item in sections.get(ENVIRONMENT_WIDE, []) for p in item],
        process_properties=sections.get("processProperties", []),
        pgp_certificates=sections.get("PGPCertificates", []),
    )
    return EditPlan(changes=changes, update=update)


def _changed_field(field_id: str, edit: _ValueEdit, encrypted: bool) -> ExtensionField:
    if edit.use_default:
        return ExtensionField(id=field_id, use_default=True)
    return ExtensionField(
        id=field_id, value=edit.value, use_default=False, uses_encryption=encrypted
    )


def _update_item(
    view: ComponentView, extensions: EnvironmentExtensions, edits: Mapping[str, _ValueEdit | None]
) -> Any:
    """The partial update's entry for a changed component."""
    section, component_id = view.section, view.component_id
    prefix = view.key
    if section in ("connections", "operations", "sharedCommunications"):
        fields = [
            _changed_field(v.key.rsplit(SEPARATOR, 1)[1], edit, v.encrypted)
            for v in view.values
            if (edit := edits[v.key]) is not None
        ]
        if section == "connections":
            return ConnectionExtension(id=component_id, name=view.name, fields=fields)
        if section == "operations":
            return OperationExtension(id=component_id, name=view.name, fields=fields)
        return SharedCommunicationExtension(id=component_id, name=view.name, fields=fields)
    if section == "tradingPartners":
        partner = next(p for p in extensions.trading_partners if p.id == component_id)
        categories = []
        for category in partner.categories:
            fields = [
                _changed_field(f.id, edit, f.uses_encryption)
                for f in category.fields
                if (edit := edits.get(form_key(prefix, category.id, f.id))) is not None
            ]
            if fields:
                categories.append(
                    TradingPartnerCategory(id=category.id, name=category.name, fields=fields)
                )
        return TradingPartnerExtension(id=component_id, name=view.name, categories=categories)
    if section == "processProperties":
        component = next(c for c in extensions.process_properties if c.id == component_id)
        return ProcessPropertyExtension(
            id=component_id,
            name=view.name,
            values=[
                _process_value(current, edits.get(form_key(prefix, current.key)))
                for current in component.values
            ],
        )
    if section == ENVIRONMENT_WIDE:
        return [
            DynamicProcessProperty(name=v.label, value=edit.value)
            for v in view.values
            if (edit := edits[v.key]) is not None
        ]
    edit = edits[form_key(prefix, "value")]
    assert edit is not None
    if edit.use_default:
        return PGPCertificateExtension(id=component_id, use_default=True)
    return PGPCertificateExtension(id=component_id, value=edit.value, use_default=False)


def _process_value(current: ProcessPropertyValue, edit: _ValueEdit | None) -> ProcessPropertyValue:
    """A value of a process-property component: Boomi needs all of them, changed or not."""
    if edit is None:
        if current.use_default:
            return ProcessPropertyValue(key=current.key, use_default=True)
        if current.uses_encryption:
            # No value sent: the stored secret stays.
            return ProcessPropertyValue(key=current.key, use_default=False, uses_encryption=True)
        return ProcessPropertyValue(key=current.key, value=current.value or "", use_default=False)
    if edit.use_default:
        return ProcessPropertyValue(key=current.key, use_default=True)
    return ProcessPropertyValue(
        key=current.key,
        value=edit.value,
        use_default=False,
        uses_encryption=current.uses_encryption,
    )


# ------------------------------------------------------------------ Test → Production copy

NOT_COPIED_SECTIONS = {
    "connections": "Connections stay as Production has them: each environment has its own.",
    "PGPCertificates": "PGP certificates stay as Production has them.",
}


@dataclass(frozen=True)
class CopiedComponent:
    kind: str
    name: str
    changes: list[FieldChange]
    """Each value the copy changes in Production, old → new (secrets masked)."""
    secrets_kept: list[str]
    """Labels of encrypted values left out: their values cannot be read, so never copied."""


@dataclass(frozen=True)
class ExcludedSection:
    title: str
    reason: str
    names: list[str]


@dataclass(frozen=True)
class CopyPreview:
    copied: list[CopiedComponent]
    excluded: list[ExcludedSection]
    unchanged_count: int = 0
    """Components Production already has as Test does: the copy leaves them alone."""

    @property
    def copied_count(self) -> int:
        """The values the copy changes: the number its result reports as copied."""
        return sum(len(c.changes) for c in self.copied)

    @property
    def skipped_count(self) -> int:
        return sum(len(c.secrets_kept) for c in self.copied)


def copy_preview(
    test: EnvironmentExtensions,
    prod: EnvironmentExtensions,
    access: Mapping[str, ComponentAccess],
    principal: Principal,
) -> CopyPreview:
    """What a Test → Production copy changes in ``prod``, value by value, and what it leaves.

    The copy's own plan (:func:`plan_test_to_prod_copy`) decides, so the preview and the
    result count the same values. ``access`` is Production's: the copy writes there.
    """

    def named(component_id: str, name: str = "") -> str:
        known = access.get(component_id)
        if name and name != component_id:
            return name
        return known.access.component_name if known and known.access.component_name else name

    def may_edit(ref: ComponentRef) -> bool:
        decision = _decision(ref.section.value, access.get(ref.component_id), principal)
        return decision is EditDecision.ALLOWED

    plan = plan_test_to_prod_copy(test, prod, may_edit=may_edit)
    changed = {(c.component.section.value, c.component.component_id) for c in plan.changes}
    secrets: dict[tuple[str, str], list[str]] = {}
    for section, component_id, _name, values, _table in _components(test):
        kept = [v.label for v in values if v.encrypted]
        if kept and (section, component_id) in changed:
            secrets[(section, component_id)] = kept
    copied = [
        CopiedComponent(
            kind=SECTION_TITLES[change.component.section.value],
            name=named(change.component.component_id, change.component.component_name or ""),
            changes=list(change.fields),
            secrets_kept=secrets.get(
                (change.component.section.value, change.component.component_id), []
            ),
        )
        for change in plan.changes
    ]
    locked = [
        named(s.component.component_id, s.component.component_name or "")
        for s in plan.skipped
        if s.reason == "you may not edit it"
    ]
    missing = [
        named(s.component.component_id, s.component.component_name or "")
        for s in plan.skipped
        if s.reason != "you may not edit it"
    ]
    excluded = [
        ExcludedSection(
            "Connections",
            NOT_COPIED_SECTIONS["connections"],
            [c.name or named(c.id) or c.id for c in test.connections],
        ),
        ExcludedSection(
            "PGP certificates",
            NOT_COPIED_SECTIONS["PGPCertificates"],
            [named(c.id) or c.id for c in test.pgp_certificates],
        ),
        ExcludedSection(
            "Components you may not change",
            "They stay as Production has them; an admin or their team can copy them.",
            locked,
        ),
        ExcludedSection(
            "Not extensible in Production",
            "Production has no extension for them; release the process there first.",
            missing,
        ),
    ]
    return CopyPreview(
        copied=copied,
        excluded=[e for e in excluded if e.names],
        unchanged_count=len(plan.unchanged),
    )
