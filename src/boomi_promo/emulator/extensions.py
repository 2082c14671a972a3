"""EnvironmentExtensions and EnvironmentMapExtension: their API shapes and update rules.

Pure functions over the records in :mod:`boomi_promo.emulator.records`; the state calls them
under its lock. Request bodies arrive as JSON objects, or as XML read into the same layout
(attributes are strings there, and a repeated element with one occurrence is an object, not
a list), so every reader here accepts both.

Update rules (as Boomi documents them):

* ``partial`` true: only the sections and components in the body change; inside a component,
  only the fields it lists. A cross-reference table is always replaced whole, and a process
  property component must list every one of its values.
* ``partial`` false or absent: the body is the whole configuration; whatever it leaves out
  reverts to the installed component's default.
* Encrypted values are stored and never answered: ``value`` is left out and
  ``encryptedValueSet`` says whether a secret is there. Sending an encrypted field without a
  value keeps the secret it has.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from boomi_promo.emulator.errors import bad_request
from boomi_promo.emulator.ids import parse_number
from boomi_promo.emulator.records import (
    CrossReferenceExtension,
    CustomProperty,
    EnvironmentExtensionSet,
    ExtendedMapping,
    ExtensibleComponent,
    ExtensionSetting,
    FunctionInput,
    FunctionOutput,
    MapExtension,
    MapFunction,
    MapProfile,
    ProfileNode,
    Revision,
)
from boomi_promo.xmlsafe import parse_xml

Row = dict[str, Any]

MAX_CROSS_REFERENCE_COLUMNS = 20
CACHE_TYPES = frozenset({"None", "ByDocument", "ByMap"})

_FIELD_SECTIONS = (
    # (section key, item key, section @type, item @type, record attribute)
    ("connections", "connection", "Connections", "Connection", "connections"),
    ("operations", "operation", "Operations", "Operation", "operations"),
    (
        "sharedCommunications",
        "sharedCommunication",
        "SharedCommunications",
        "SharedCommunication",
        "shared_communications",
    ),
)


def synthesized_id(*parts: str) -> str:
    """An opaque id built from its parts, safe in a URL path (Boomi's ids for extension
    groups and map extensions are synthesized the same way)."""
    return base64.urlsafe_b64encode(":".join(parts).encode()).decode().rstrip("=")


def extension_set_id(environment_id: str, extension_group_id: str) -> str:
    """The environment's id for a single-install pack, else a synthesized one."""
    if not extension_group_id:
        return environment_id
    return synthesized_id(environment_id, extension_group_id)


# ----------------------------------------------------------------------------- reading values


def _items(container: Any, item: str, where: str) -> list[Row]:
    """The entries of a wrapper object ``{"item": [ ... ]}`` (one XML entry is an object)."""
    if container is None or container == "":
        return []
    if not isinstance(container, dict):
        raise bad_request(f'{where} must be an object: {{"{item}": [ ... ]}}.')
    entries = container.get(item, [])
    if isinstance(entries, dict):
        entries = [entries]
    if entries == "":
        entries = []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise bad_request(f"{where}.{item} must be a list of objects.")
    return entries


def _text(row: Row, key: str, where: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise bad_request(f"{where}: {key} must be a string.")
    return str(value)


def _required(row: Row, key: str, where: str) -> str:
    value = _text(row, key, where).strip()
    if not value:
        raise bad_request(f"{where}: {key} is required.")
    return value


def _flag(row: Row, key: str, where: str) -> bool | None:
    value = row.get(key)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_request(f"{where}: {key} must be true or false.")


def _integer(row: Row, key: str, where: str) -> int:
    value = row.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and (number := parse_number(value.strip())) is not None:
        return number
    raise bad_request(f"{where}: {key} must be an integer.")


# ----------------------------------------------------------------------------- rendering


def _effective(setting: ExtensionSetting) -> str:
    return setting.default_value if setting.override_value is None else setting.override_value


def _secret_flags(setting: ExtensionSetting) -> Row:
    return {
        "usesEncryption": setting.uses_encryption,
        "encryptedValueSet": setting.uses_encryption and bool(_effective(setting)),
        "componentOverride": setting.component_override,
    }


def _custom_properties_row(setting: ExtensionSetting) -> Row:
    properties: list[Row] = []
    for prop in setting.custom_properties:
        entry: Row = {"@type": "CustomProperty", "key": prop.key}
        if not prop.encrypted:
            entry["value"] = prop.value
        entry["encrypted"] = prop.encrypted
        properties.append(entry)
    return {"@type": "CustomProperties", "properties": properties}


def _field_row(setting: ExtensionSetting) -> Row:
    row: Row = {"@type": "Field", "id": setting.key}
    if not setting.uses_encryption:
        row["value"] = _effective(setting)
    row["useDefault"] = setting.override_value is None
    row.update(_secret_flags(setting))
    if setting.custom_properties:
        row["customProperties"] = _custom_properties_row(setting)
    return row


def _component_row(component: ExtensibleComponent, object_type: str) -> Row:
    row: Row = {"@type": object_type, "id": component.component_id, "name": component.name}
    if component.type:
        row["type"] = component.type
    row["field"] = [_field_row(s) for s in component.settings]
    return row


def _trading_partner_row(partner: ExtensibleComponent) -> Row:
    return {
        "@type": "TradingPartner",
        "id": partner.component_id,
        "name": partner.name,
        "category": [
            {
                "@type": "TradingPartnerCategory",
                "id": category.category_id,
                "name": category.name,
                "field": [_field_row(s) for s in category.settings],
            }
            for category in partner.categories
        ],
    }


def _cross_reference_row(table: CrossReferenceExtension) -> Row:
    rows = table.default_rows if table.override_rows is None else table.override_rows
    return {
        "@type": "CrossReference",
        "id": table.component_id,
        "name": table.name,
        "overrideValues": table.override_rows is not None,
        "CrossReferenceRows": {
            "@type": "CrossReferenceRows",
            "row": [
                {"@type": "CrossReferenceRow"}
                | {f"ref{index + 1}": value for index, value in enumerate(row)}
                for row in rows
            ],
        },
    }


def _process_property_value_row(setting: ExtensionSetting) -> Row:
    row: Row = {"@type": "ProcessPropertyValue", "key": setting.key, "label": setting.label}
    if not setting.uses_encryption:
        row["value"] = _effective(setting)
    row["useDefault"] = setting.override_value is None
    row.update(_secret_flags(setting))
    row["validate"] = setting.validate
    return row


def render_extensions(extensions: EnvironmentExtensionSet) -> Row:
    row: Row = {
        "@type": "EnvironmentExtensions",
        "id": extension_set_id(extensions.environment_id, extensions.extension_group_id),
        "environmentId": extensions.environment_id,
        "extensionGroupId": extensions.extension_group_id,
    }
    for section, item, section_type, item_type, attribute in _FIELD_SECTIONS:
        components: list[ExtensibleComponent] = getattr(extensions, attribute)
        row[section] = {
            "@type": section_type,
            item: [_component_row(c, item_type) for c in components],
        }
    row["tradingPartners"] = {
        "@type": "TradingPartners",
        "tradingPartner": [_trading_partner_row(p) for p in extensions.trading_partners],
    }
    row["crossReferences"] = {
        "@type": "CrossReferences",
        "crossReference": [_cross_reference_row(t) for t in extensions.cross_references],
    }
    row["properties"] = {
        "@type": "OverrideProperties",
        "property": [
            {"@type": "OverrideProperty", "name": p.key, "value": _effective(p)}
            for p in extensions.properties
        ],
    }
    row["processProperties"] = {
        "@type": "OverrideProcessProperties",
        "ProcessProperty": [
            {
                "@type": "OverrideProcessProperty",
                "id": component.component_id,
                "name": component.name,
                "ProcessPropertyValue": [
                    _process_property_value_row(s) for s in component.settings
                ],
            }
            for component in extensions.process_properties
        ],
    }
    row["PGPCertificates"] = {
        "@type": "PGPCertificates",
        "PGPCertificate": [
            {
                "@type": "PGPCertificate",
                "id": certificate.key,
                "value": _effective(certificate),
                "useDefault": certificate.override_value is None,
            }
            for certificate in extensions.pgp_certificates
        ],
    }
    return row


# ----------------------------------------------------------------------------- updating


def _reset(extensions: EnvironmentExtensionSet, *, keep: set[int]) -> None:
    """Every override dropped but those of the settings and tables in ``keep`` (by ``id``):
    what a full update does to everything its body left out."""
    settings: list[ExtensionSetting] = [*extensions.properties, *extensions.pgp_certificates]
    for component in (
        *extensions.connections,
        *extensions.operations,
        *extensions.shared_communications,
        *extensions.process_properties,
        *extensions.trading_partners,
    ):
        settings.extend(component.settings)
        for category in component.categories:
            settings.extend(category.settings)
    for setting in settings:
        if id(setting) not in keep:
            setting.override_value = None
            setting.custom_properties = []
    for table in extensions.cross_references:
        if id(table) not in keep:
            table.override_rows = None


def _apply_custom_properties(setting: ExtensionSetting, container: Any, where: str) -> None:
    current = {p.key: p for p in setting.custom_properties}
    replaced: list[CustomProperty] = []
    for entry in _items(container, "properties", f"{where}.customProperties"):
        key = _required(entry, "key", where)
        encrypted = bool(_flag(entry, "encrypted", where))
        value = _text(entry, "value", where)
        if encrypted and "value" not in entry and key in current:
            value = current[key].value
        replaced.append(CustomProperty(key, value, encrypted))
    setting.custom_properties = replaced


def _apply_setting(setting: ExtensionSetting, item: Row, where: str, touched: set[int]) -> None:
    """One field-like item: ``useDefault`` true drops the override, a value sets it."""
    touched.add(id(setting))
    use_default = _flag(item, "useDefault", where)
    if "customProperties" in item:
        _apply_custom_properties(setting, item["customProperties"], where)
    if use_default:
        setting.override_value = None
        setting.custom_properties = []
        return
    if "value" in item:
        value = _text(item, "value", where)
        if setting.uses_encryption and not value and setting.override_value is not None:
            return  # no value for a secret: keep the one stored
        setting.override_value = value
    elif use_default is False and setting.override_value is None:
        # useDefault false without a value pins the value the environment has now.
        setting.override_value = setting.default_value


def _apply_fields(
    settings: list[ExtensionSetting], items: list[Row], where: str, touched: set[int]
) -> None:
    by_key = {s.key: s for s in settings}
    for item in items:
        key = _required(item, "id", where)
        setting = by_key.get(key)
        if setting is None:
            raise bad_request(f"{where} has no extensible field {key!r}.")
        _apply_setting(setting, item, f"{where}, field {key}", touched)


def _component(
    components: list[ExtensibleComponent], component_id: str, what: str
) -> ExtensibleComponent:
    for component in components:
        if component.component_id == component_id:
            return component
    raise bad_request(f"{what} {component_id} is not extensible in this environment.")


def _update_field_components(
    components: list[ExtensibleComponent], items: list[Row], what: str, touched: set[int]
) -> None:
    for item in items:
        component = _component(components, _required(item, "id", what), what)
        where = f"{what} {component.component_id}"
        _apply_fields(component.settings, _field_items(item, where), where, touched)


def _field_items(item: Row, where: str) -> list[Row]:
    """``field`` entries of a component: a list in JSON, repeated elements in XML."""
    fields = item.get("field")
    if fields is None or fields == "":
        return []
    if isinstance(fields, dict):
        return [fields]
    if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
        raise bad_request(f"{where}: field must be a list of objects.")
    return fields


def _list_of(item: Row, key: str, where: str) -> list[Row]:
    return _field_items({"field": item.get(key)}, f"{where}.{key}")


def _update_trading_partners(
    partners: list[ExtensibleComponent], items: list[Row], touched: set[int]
) -> None:
    for item in items:
        partner = _component(partners, _required(item, "id", "Trading partner"), "Trading partner")
        where = f"Trading partner {partner.component_id}"
        categories = {c.category_id: c for c in partner.categories}
        for entry in _list_of(item, "category", where):
            category_id = _required(entry, "id", where)
            category = categories.get(category_id)
            if category is None:
                raise bad_request(f"{where} has no category {category_id!r}.")
            _apply_fields(
                category.settings, _field_items(entry, where), f"{where}/{category_id}", touched
            )


def _table_rows(table: CrossReferenceExtension, item: Row, where: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for entry in _items(item.get("CrossReferenceRows"), "row", f"{where}.CrossReferenceRows"):
        values = [""] * table.column_count
        for key in entry:
            if key == "@type":
                continue
            column = parse_number(key[3:]) if key.startswith("ref") else None
            if column is None or not 1 <= column <= table.column_count:
                raise bad_request(
                    f"{where}: {key!r} is not a column of this table (ref1 to "
                    f"ref{table.column_count})."
                )
            values[column - 1] = _text(entry, key, where)
        rows.append(values)
    return rows


def _update_cross_references(
    tables: list[CrossReferenceExtension], items: list[Row], touched: set[int]
) -> None:
    by_id = {t.component_id: t for t in tables}
    for item in items:
        table_id = _required(item, "id", "Cross reference")
        table = by_id.get(table_id)
        if table is None:
            raise bad_request(f"Cross reference {table_id} is not extensible in this environment.")
        where = f"Cross reference {table_id}"
        touched.add(id(table))
        override = _flag(item, "overrideValues", where)
        if override is False:
            table.override_rows = None
        else:
            # Boomi takes the table whole: the rows sent are all the rows it has.
            table.override_rows = _table_rows(table, item, where)


def _update_properties(
    properties: list[ExtensionSetting], items: list[Row], touched: set[int]
) -> None:
    by_name = {p.key: p for p in properties}
    for item in items:
        name = _required(item, "name", "Dynamic process property")
        prop = by_name.get(name)
        if prop is None:
            raise bad_request(f"Dynamic process property {name!r} is not extensible here.")
        prop.override_value = _text(item, "value", f"Dynamic process property {name}")
        touched.add(id(prop))


def _update_process_properties(
    components: list[ExtensibleComponent], items: list[Row], touched: set[int]
) -> None:
    for item in items:
        what = "Process property component"
        component = _component(components, _required(item, "id", what), what)
        where = f"{what} {component.component_id}"
        values = _list_of(item, "ProcessPropertyValue", where)
        sent = [_required(v, "key", where) for v in values]
        expected = {s.key for s in component.settings}
        missing, unknown = expected - set(sent), set(sent) - expected
        if missing or unknown or len(sent) != len(set(sent)):
            raise bad_request(
                f"{where} must list each of its values exactly once "
                f"(missing: {sorted(missing)}, unknown: {sorted(unknown)})."
            )
        by_key = {s.key: s for s in component.settings}
        for value in values:
            key = _text(value, "key", where)
            _apply_setting(by_key[key], value, f"{where}, value {key}", touched)


def _update_certificates(
    certificates: list[ExtensionSetting], items: list[Row], touched: set[int]
) -> None:
    by_id = {c.key: c for c in certificates}
    for item in items:
        certificate_id = _required(item, "id", "PGP certificate")
        certificate = by_id.get(certificate_id)
        if certificate is None:
            raise bad_request(f"PGP certificate {certificate_id} is not extensible here.")
        _apply_setting(certificate, item, f"PGP certificate {certificate_id}", touched)


def updated_extensions(
    extensions: EnvironmentExtensionSet, body: Row, *, path_id: str
) -> EnvironmentExtensionSet:
    """The extensions after applying ``body``; the original is untouched (all or nothing)."""
    expected_id = extension_set_id(extensions.environment_id, extensions.extension_group_id)
    for key, expected in (
        ("id", expected_id),
        ("environmentId", extensions.environment_id),
    ):
        given = _text(body, key, "EnvironmentExtensions").strip()
        if given and given != expected and not (key == "id" and given == path_id):
            raise bad_request(f"The {key} in the body does not match the extensions {path_id}.")
    partial = _flag(body, "partial", "EnvironmentExtensions")
    result = copy.deepcopy(extensions)
    touched: set[int] = set()

    def sent(section: str, item: str) -> list[Row] | None:
        return _items(body[section], item, section) if section in body else None

    for section, item, _section_type, item_type, attribute in _FIELD_SECTIONS:
        if (items := sent(section, item)) is not None:
            _update_field_components(getattr(result, attribute), items, item_type, touched)
    if (items := sent("tradingPartners", "tradingPartner")) is not None:
        _update_trading_partners(result.trading_partners, items, touched)
    if (items := sent("crossReferences", "crossReference")) is not None:
        _update_cross_references(result.cross_references, items, touched)
    if (items := sent("properties", "property")) is not None:
        _update_properties(result.properties, items, touched)
    if (items := sent("processProperties", "ProcessProperty")) is not None:
        _update_process_properties(result.process_properties, items, touched)
    if (items := sent("PGPCertificates", "PGPCertificate")) is not None:
        _update_certificates(result.pgp_certificates, items, touched)
    if not partial:
        # Applied first, then reset: a secret sent back without its value keeps it.
        _reset(result, keep=touched)
    return result


# ----------------------------------------------------------------------------- deployments


def _process_property_component(revision: Revision) -> ExtensibleComponent:
    """A process property component as extensible: each defined property with its default."""
    root = parse_xml(f"<object>{revision.object_xml}</object>".encode())
    settings = [
        ExtensionSetting(
            key=element.get("key", ""),
            default_value=element.findtext("defaultValue") or "",
            label=element.get("label", ""),
            uses_encryption=element.get("type") == "password",
        )
        for element in root.iter("DefinedProcessProperty")
        if element.get("key")
    ]
    return ExtensibleComponent(revision.component_id, revision.name, settings)


def _cross_reference(revision: Revision) -> CrossReferenceExtension:
    root = parse_xml(f"<object>{revision.object_xml}</object>".encode())
    columns = len(list(root.iter("header")))
    rows = [[col.text or "" for col in row.iter("col")] for row in root.iter("row")]
    return CrossReferenceExtension(revision.component_id, revision.name, columns, rows)


def extend_for_deployment(
    extensions: EnvironmentExtensionSet, process: Revision, used: list[Revision]
) -> None:
    """What deploying ``process`` makes extensible in the environment: when the process
    declares overrides (``processOverrides``), the process property and cross-reference
    components it uses, with their defaults. Entries already there keep their overrides."""
    if not process.process_overrides_xml:
        return
    known_properties = {c.component_id for c in extensions.process_properties}
    known_tables = {t.component_id for t in extensions.cross_references}
    for revision in used:
        if revision.type == "processproperty" and revision.component_id not in known_properties:
            extensions.process_properties.append(_process_property_component(revision))
        elif revision.type == "crossref" and revision.component_id not in known_tables:
            extensions.cross_references.append(_cross_reference(revision))


# ----------------------------------------------------------------------------- map extensions


def _nodes_row(nodes: list[ProfileNode]) -> list[Row]:
    return [{"@type": "MapExtensionNode", "name": n.name, "xpath": n.xpath} for n in nodes]


def _profile_row(profile: MapProfile) -> Row:
    return {
        "@type": "MapExtensionProfile",
        "componentId": profile.component_id,
        "type": profile.type,
        "Node": _nodes_row(profile.nodes),
    }


def _function_row(function: MapFunction) -> Row:
    return {
        "@type": "MapExtensionFunction",
        "id": function.function_id,
        "type": function.type,
        "cacheType": function.cache_type,
        "Inputs": {
            "@type": "MapExtensionInputs",
            "Input": [
                {"@type": "MapExtensionInput", "key": i.key, "name": i.name, "default": i.default}
                for i in function.inputs
            ],
        },
        "Outputs": {
            "@type": "MapExtensionOutputs",
            "Output": [
                {"@type": "MapExtensionOutput", "key": o.key, "name": o.name}
                for o in function.outputs
            ],
        },
        "Configuration": copy.deepcopy(function.configuration),
    }


def _mapping_row(mapping: ExtendedMapping) -> Row:
    row: Row = {"@type": "MapExtensionMapping"}
    for key, value in (
        ("fromXPath", mapping.from_xpath),
        ("toXPath", mapping.to_xpath),
        ("fromFunction", mapping.from_function),
        ("toFunction", mapping.to_function),
    ):
        if value:
            row[key] = value
    return row


def _header(extension: MapExtension, object_type: str) -> Row:
    return {
        "@type": object_type,
        "id": extension.extension_id,
        "mapId": extension.map_id,
        "processId": extension.process_id,
        "environmentId": extension.environment_id,
        "extensionGroupId": extension.extension_group_id,
        "name": extension.name,
    }


def render_map_extension(extension: MapExtension) -> Row:
    row = _header(extension, "EnvironmentMapExtension")
    row["version"] = extension.version
    row["Map"] = {
        "@type": "MapExtension",
        "SourceProfile": _profile_row(extension.source_profile),
        "DestinationProfile": _profile_row(extension.destination_profile),
        "SourceProfileExtensions": {
            "@type": "MapExtensionExtendedProfile",
            "Node": _nodes_row(extension.source_profile_extensions),
        },
        "DestinationProfileExtensions": {
            "@type": "MapExtensionExtendedProfile",
            "Node": _nodes_row(extension.destination_profile_extensions),
        },
        "ExtendedFunctions": {
            "@type": "MapExtensionExtendedFunctions",
            "Function": [_function_row(f) for f in extension.functions],
        },
        "ExtendedMappings": {
            "@type": "MapExtensionExtendedMappings",
            "Mapping": [_mapping_row(m) for m in extension.mappings],
        },
        # Boomi's schema requires the browse settings; the emulator browses nothing, so both
        # sides come without browse fields.
        "BrowseSettings": {
            "@type": "MapExtensionBrowseSettings",
            "SourceBrowse": {"@type": "MapExtensionBrowse", "BrowseFields": []},
            "DestinationBrowse": {"@type": "MapExtensionBrowse", "BrowseFields": []},
        },
    }
    return row


def _field_set(profile: MapProfile) -> Row:
    row: Row = {"@type": "MapExtensionBrowseData", "BrowseField": []}
    if profile.connection_id:
        row["connectionId"] = profile.connection_id
    return row


def render_map_summary(extension: MapExtension) -> Row:
    row = _header(extension, "EnvironmentMapExtensionsSummary")
    # Both field sets are required by Boomi's schema, browsed through a connection or not.
    row["SourceFieldSet"] = _field_set(extension.source_profile)
    row["DestinationFieldSet"] = _field_set(extension.destination_profile)
    return row


def _read_nodes(container: Any, where: str) -> list[ProfileNode]:
    return [
        ProfileNode(_required(node, "name", where), _required(node, "xpath", where))
        for node in _items(container, "Node", where)
    ]


def _read_function(entry: Row) -> MapFunction:
    function_id = _required(entry, "id", "Function")
    where = f"Function {function_id}"
    cache_type = _text(entry, "cacheType", where) or "None"
    if cache_type not in CACHE_TYPES:
        raise bad_request(f"{where}: cacheType must be None, ByDocument or ByMap.")
    configuration = entry.get("Configuration") or {}
    if not isinstance(configuration, dict):
        raise bad_request(f"{where}: Configuration must be an object.")
    return MapFunction(
        function_id=function_id,
        type=_required(entry, "type", where),
        cache_type=cache_type,
        inputs=[
            FunctionInput(
                _integer(i, "key", where), _required(i, "name", where), _text(i, "default", where)
            )
            for i in _items(entry.get("Inputs"), "Input", f"{where}.Inputs")
        ],
        outputs=[
            FunctionOutput(_integer(o, "key", where), _required(o, "name", where))
            for o in _items(entry.get("Outputs"), "Output", f"{where}.Outputs")
        ],
        configuration={k: v for k, v in configuration.items() if k != "@type"},
    )


def _read_mapping(
    entry: Row, functions: set[str], sources: set[str], destinations: set[str]
) -> ExtendedMapping:
    where = "Mapping"
    mapping = ExtendedMapping(
        from_xpath=_text(entry, "fromXPath", where),
        to_xpath=_text(entry, "toXPath", where),
        from_function=_text(entry, "fromFunction", where),
        to_function=_text(entry, "toFunction", where),
    )
    for function in (mapping.from_function, mapping.to_function):
        if function and function not in functions:
            raise bad_request(f"A mapping uses function {function!r}, which the map lacks.")
    if not mapping.from_function and mapping.from_xpath not in sources:
        raise bad_request(f"fromXPath {mapping.from_xpath!r} is not in the source profile.")
    if not mapping.to_function and mapping.to_xpath not in destinations:
        raise bad_request(f"toXPath {mapping.to_xpath!r} is not in the destination profile.")
    return mapping


def replaced_map_extension(extension: MapExtension, body: Row, *, path_id: str) -> MapExtension:
    """The extension as ``body`` describes it: mappings, functions and custom profile fields
    are replaced whole (what the body leaves out is gone); the version counts up."""
    for key, expected in (
        ("id", extension.extension_id),
        ("environmentId", extension.environment_id),
        ("mapId", extension.map_id),
        ("processId", extension.process_id),
        ("extensionGroupId", extension.extension_group_id),
    ):
        sent = _text(body, key, "EnvironmentMapExtension").strip()
        if sent and sent != expected:
            raise bad_request(f"The {key} in the body does not match map extension {path_id}.")
    content = body.get("Map")
    if not isinstance(content, dict):
        raise bad_request("EnvironmentMapExtension needs its Map object.")
    functions = [
        _read_function(f) for f in _items(content.get("ExtendedFunctions"), "Function", "Map")
    ]
    function_ids = [f.function_id for f in functions]
    if len(set(function_ids)) != len(function_ids):
        raise bad_request("Function ids must be unique in a map extension.")
    source_extensions = _read_nodes(content.get("SourceProfileExtensions"), "Source profile")
    destination_extensions = _read_nodes(
        content.get("DestinationProfileExtensions"), "Destination profile"
    )
    sources = {n.xpath for n in [*extension.source_profile.nodes, *source_extensions]}
    destinations = {
        n.xpath for n in [*extension.destination_profile.nodes, *destination_extensions]
    }
    mappings = [
        _read_mapping(m, set(function_ids), sources, destinations)
        for m in _items(content.get("ExtendedMappings"), "Mapping", "Map")
    ]
    result = copy.deepcopy(extension)
    result.functions = functions
    result.mappings = mappings
    result.source_profile_extensions = source_extensions
    result.destination_profile_extensions = destination_extensions
    result.version += 1
    return result
