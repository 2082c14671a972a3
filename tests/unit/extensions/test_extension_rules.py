"""The pure rules behind M, N and O: what a partial update sends, what Test → Prod copies,
how a change set applies to the current map extension."""

from __future__ import annotations

from typing import Any

import pytest

from boomi_promo.boomi.models import (
    EnvironmentExtensions,
    EnvironmentMapExtension,
    MapExtensionFunction,
    MapExtensionMapping,
)
from boomi_promo.domain.extension_rules import (
    EXTENSION_NOT_FOUND,
    ComponentRef,
    MapEdit,
    MapEditError,
    Section,
    UncheckableScript,
    apply_map_edit,
    function_script,
    plan_partial_update,
    plan_test_to_prod_copy,
)


def field(
    id: str, value: str | None, *, default: bool = False, secret: bool = False
) -> dict[str, Any]:
    row: dict[str, Any] = {"id": id, "useDefault": default, "usesEncryption": secret}
    if secret:
        row["encryptedValueSet"] = True
    else:
        row["value"] = value
    return row


def value(
    key: str, text: str | None, *, default: bool = False, secret: bool = False
) -> dict[str, Any]:
    row: dict[str, Any] = {"key": key, "useDefault": default, "usesEncryption": secret}
    if not secret:
        row["value"] = text
    return row


def extensions(**sections: Any) -> EnvironmentExtensions:
    return EnvironmentExtensions.model_validate(
        {"id": "env-1", "environmentId": "env-1", **sections}
    )


CURRENT = extensions(
    connections={
        "connection": [
            {
                "id": "c1",
                "name": "Orders API",
                "field": [field("url", "https://a"), field("password", None, secret=True)],
            }
        ]
    },
    operations={
        "operation": [
            {
                "id": "o1",
                "name": "Get",
                "field": [field("path", "customers", default=True), field("timeout", "60000")],
            }
        ]
    },
    processProperties={
        "ProcessProperty": [
            {
                "id": "pp1",
                "name": "Settings",
                "ProcessPropertyValue": [
                    value("batchSize", "250"),
                    value("region", "EU", default=True),
                    value("token", None, secret=True),
                ],
            }
        ]
    },
    crossReferences={
        "crossReference": [
            {
                "id": "x1",
                "name": "Codes",
                "overrideValues": False,
                "CrossReferenceRows": {"row": [{"ref1": "NL", "ref2": "EU"}]},
            }
        ]
    },
    properties={"property": [{"name": "batch", "value": "100"}]},
    PGPCertificates={"PGPCertificate": [{"id": "pgp1", "value": "key-a", "useDefault": False}]},
)


def test_only_the_changed_field_is_sent() -> None:
    requested = extensions(
        operations={
            "operation": [
                {
                    "id": "o1",
                    "field": [field("path", "customers", default=True), field("timeout", "90000")],
                }
            ]
        }
    )

    plan = plan_partial_update(requested, CURRENT)

    assert plan.problems == []
    [operation] = plan.body.operations
    assert [(f.id, f.value, f.use_default) for f in operation.fields] == [
        ("timeout", "90000", False)
    ]
    assert plan.field_count == 1
    wire = plan.body.to_wire()
    # Every section is sent (Boomi's schema requires them); only the changed one has content.
    filled = {key for key, value in wire.items() if isinstance(value, dict) and any(value.values())}
    assert filled == {"operations"}


def test_a_process_property_component_is_sent_with_all_its_values() -> None:
    requested = extensions(
        processProperties={
            "ProcessProperty": [{"id": "pp1", "ProcessPropertyValue": [value("region", "US")]}]
        }
    )

    plan = plan_partial_update(requested, CURRENT)

    [component] = plan.body.process_properties
    sent = {v.key: v for v in component.values}
    assert set(sent) == {"batchSize", "region", "token"}
    assert (sent["region"].value, sent["region"].use_default) == ("US", False)
    assert (sent["batchSize"].value, sent["batchSize"].use_default) == ("250", False)
    # The secret goes back without a value, so Boomi keeps the one it has.
    assert sent["token"].value is None and sent["token"].use_default is False
    assert plan.changes[0].field_count == 1


def test_a_new_secret_is_a_change_an_absent_one_is_not() -> None:
    unchanged = extensions(
        connections={"connection": [{"id": "c1", "field": [field("password", None, secret=True)]}]}
    )
    changed = extensions(
        connections={"connection": [{"id": "c1", "field": [{"id": "password", "value": "n3w"}]}]}
    )

    assert plan_partial_update(unchanged, CURRENT).changes == []
    [connection] = plan_partial_update(changed, CURRENT).body.connections
    assert [(f.id, f.value) for f in connection.fields] == [("password", "n3w")]


def test_back_to_default_is_a_change() -> None:
    requested = extensions(
        operations={"operation": [{"id": "o1", "field": [{"id": "timeout", "useDefault": True}]}]}
    )

    [operation] = plan_partial_update(requested, CURRENT).body.operations

    assert [(f.id, f.use_default) for f in operation.fields] == [("timeout", True)]


def test_unknown_components_and_fields_are_reported() -> None:
    requested = extensions(
        operations={"operation": [{"id": "o1", "field": [field("retries", "3")]}]},
        crossReferences={"crossReference": [{"id": "x9", "CrossReferenceRows": {"row": []}}]},
        properties={"property": [{"name": "nope", "value": "1"}]},
    )

    plan = plan_partial_update(requested, CURRENT)

    assert [(p.component.component_id, p.error_code) for p in plan.problems] == [
        ("o1", EXTENSION_NOT_FOUND),
        ("x9", EXTENSION_NOT_FOUND),
        ("nope", EXTENSION_NOT_FOUND),
    ]


def test_cross_reference_rows_replace_the_table_whole() -> None:
    requested = extensions(
        crossReferences={
            "crossReference": [
                {
                    "id": "x1",
                    "CrossReferenceRows": {
                        "row": [{"ref1": "NL", "ref2": "EU"}, {"ref1": "US", "ref2": "NA"}]
                    },
                }
            ]
        }
    )

    [table] = plan_partial_update(requested, CURRENT).body.cross_references

    assert table.override_values is True
    assert table.rows == [["NL", "EU"], ["US", "NA"]]


TEST = extensions(
    connections={
        "connection": [
            {
                "id": "c1",
                "name": "Orders API",
                "field": [field("url", "https://test"), field("password", None, secret=True)],
            }
        ]
    },
    operations={
        "operation": [
            {
                "id": "o1",
                "name": "Get",
                "field": [field("path", "v2/customers"), field("timeout", "60000")],
            }
        ]
    },
    processProperties={
        "ProcessProperty": [
            {
                "id": "pp1",
                "name": "Settings",
                "ProcessPropertyValue": [
                    value("batchSize", "50"),
                    value("region", "EU", default=True),
                    value("token", None, secret=True),
                ],
            }
        ]
    },
    crossReferences={
        "crossReference": [
            {
                "id": "x1",
                "name": "Codes",
                "overrideValues": True,
                "CrossReferenceRows": {"row": [{"ref1": "DE", "ref2": "EU"}]},
            }
        ]
    },
    properties={"property": [{"name": "batch", "value": "10"}]},
    PGPCertificates={"PGPCertificate": [{"id": "pgp1", "value": "key-test", "useDefault": False}]},
    tradingPartners={"tradingPartner": [{"id": "tp-test-only", "name": "Test Partner"}]},
)


def test_copy_excludes_connections_certificates_and_secrets() -> None:
    plan = plan_test_to_prod_copy(TEST, CURRENT, may_edit=lambda ref: True)

    assert plan.body.connections == [] and plan.body.pgp_certificates == []
    assert plan.encrypted_fields_skipped == 1  # the process-property token
    [operation] = plan.body.operations
    assert [(f.id, f.value) for f in operation.fields] == [("path", "v2/customers")]
    [component] = plan.body.process_properties
    token = next(v for v in component.values if v.key == "token")
    assert token.value is None
    assert plan.body.cross_references[0].rows == [["DE", "EU"]]
    assert plan.body.properties[0].value == "10"
    # path, batchSize, the table, the dynamic property
    assert plan.fields_copied == 4
    assert [(s.component.component_id, s.reason) for s in plan.skipped] == [
        ("tp-test-only", "not extensible in Prod")
    ]


def test_a_copy_lists_each_value_it_changes_old_to_new() -> None:
    plan = plan_test_to_prod_copy(TEST, CURRENT, may_edit=lambda ref: True)

    shown = [
        (change.component.component_name, f.label, f.old, f.new)
        for change in plan.changes
        for f in change.fields
    ]
    assert [row[1:] for row in shown] == [
        ("path", "(default)", "v2/customers"),
        ("the table", "(default)", "1 row"),
        ("batch", "100", "10"),
        ("batchSize", "250", "50"),
    ]
    # One listed value per counted one: the preview and the result agree.
    assert len(shown) == plan.fields_copied
    assert all(change.field_count == len(change.fields) for change in plan.changes)


def test_copy_skips_components_the_caller_may_not_edit() -> None:
    def may_edit(ref: ComponentRef) -> bool:
        return ref.section is not Section.OPERATIONS

    plan = plan_test_to_prod_copy(TEST, CURRENT, may_edit=may_edit)

    assert plan.body.operations == []
    assert ("o1", "you may not edit it") in [
        (s.component.component_id, s.reason) for s in plan.skipped
    ]


MAP = EnvironmentMapExtension.model_validate(
    {
        "id": "me-1",
        "name": "Customer JSON - Customer XML",
        "version": 3,
        "Map": {
            "ExtendedFunctions": {
                "Function": [
                    {
                        "id": "F1",
                        "type": "StringToUpper",
                        "Inputs": {"Input": [{"key": 1, "name": "in"}]},
                        "Outputs": {"Output": [{"key": 1, "name": "out"}]},
                    }
                ]
            },
            "ExtendedMappings": {
                "Mapping": [
                    {"fromXPath": "a/email", "toXPath": "b/email"},
                    {"fromXPath": "a/country", "toFunction": "F1", "toXPath": "1"},
                    {"fromFunction": "F1", "fromXPath": "1", "toXPath": "b/country"},
                ]
            },
        },
    }
)


def test_a_change_set_applies_to_the_current_extension() -> None:
    edit = MapEdit(
        add_mappings=[MapExtensionMapping(from_xpath="a/name", to_xpath="b/name")],
        remove_mappings=[MapExtensionMapping(from_xpath="a/email", to_xpath="b/email")],
    )

    edited, preview = apply_map_edit(MAP, edit)

    assert [(m.from_xpath, m.to_xpath) for m in edited.map.mappings] == [
        ("a/country", "1"),
        ("1", "b/country"),
        ("a/name", "b/name"),
    ]
    assert [f.id for f in edited.map.functions] == ["F1"]
    assert len(preview.mappings_added) == len(preview.mappings_removed) == 1
    assert preview.functions_added == preview.functions_changed == []


def test_a_function_in_use_cannot_be_removed_alone() -> None:
    with pytest.raises(MapEditError, match="uses function F1"):
        apply_map_edit(MAP, MapEdit(remove_functions=["F1"]))


def test_removing_what_is_not_there_is_an_error() -> None:
    with pytest.raises(MapEditError, match="not in the map extension"):
        apply_map_edit(
            MAP, MapEdit(remove_mappings=[MapExtensionMapping(from_xpath="x", to_xpath="y")])
        )


def test_a_replaced_function_is_reported_as_changed_an_identical_one_not() -> None:
    current = MAP.map.functions[0]
    lower = current.model_copy(update={"type": "StringToLower"})

    _, changed = apply_map_edit(MAP, MapEdit(put_functions=[lower]))
    _, same = apply_map_edit(MAP, MapEdit(put_functions=[current]))

    assert changed.functions_changed == ["F1"]
    assert not same.changes_anything


def test_a_function_given_twice_is_an_error() -> None:
    current = MAP.map.functions[0]

    with pytest.raises(MapEditError, match="more than once"):
        apply_map_edit(MAP, MapEdit(put_functions=[current, current]))


def test_the_inline_script_of_a_scripting_function() -> None:
    scripting = MapExtensionFunction.model_validate(
        {
            "id": "F2",
            "type": "Scripting",
            "Configuration": {"Scripting": {"Script": "out = in", "language": "JAVASCRIPT"}},
        }
    )

    script = function_script(scripting)

    assert script is not None
    assert (script.function_id, script.language, script.script) == ("F2", "javascript", "out = in")
    assert function_script(MAP.map.functions[0]) is None


@pytest.mark.parametrize(
    "configuration",
    [
        {"Scripting": {"Script": ['Runtime.getRuntime().exec("ls")'], "language": "GROOVY2"}},
        {"Scripting": {"Script": {"#text": 'Runtime.getRuntime().exec("ls")'}}},
        {"Scripting": {"Script": 42}},
        {"Scripting": 'Runtime.getRuntime().exec("ls")'},
        {"Script": 'Runtime.getRuntime().exec("ls")'},
        {"Scripting": {"Script": "out = in", "Nested": {"script": "evil()"}}},
    ],
    ids=["list", "object", "number", "scripting-text", "stray-top-level", "stray-nested"],
)
def test_script_code_in_a_shape_that_cannot_be_checked_is_refused(
    configuration: dict[str, object],
) -> None:
    function = MapExtensionFunction.model_validate(
        {"id": "F9", "type": "Scripting", "Configuration": configuration}
    )

    with pytest.raises(UncheckableScript, match="F9"):
        function_script(function)
