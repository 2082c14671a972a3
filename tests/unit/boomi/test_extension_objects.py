"""Environment extensions and map extensions on the wire (MockTransport)."""

from __future__ import annotations

import httpx
import pytest

from boomi_promo.boomi import BoomiBadRequestError, QueryFilter
from boomi_promo.boomi.models import (
    ConnectionExtension,
    CrossReferenceExtension,
    DynamicProcessProperty,
    EnvironmentExtensions,
    EnvironmentMapExtension,
    ExtensionField,
    MapExtensionMapping,
    ProcessPropertyExtension,
    ProcessPropertyValue,
)
from tests.unit.boomi.support import ROOT, ScriptedBoomi, boomi_error, json_response, make_client

ENVIRONMENT = "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
CLIENT = "clientco-CLC001"
CONNECTION = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"
PROPERTIES = "1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a0b"
TABLE = "2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901"
MAP_EXTENSION = "bWFwOnByb2Nlc3M6OmVudg"

EXTENSIONS_JSON = {
    "@type": "EnvironmentExtensions",
    "id": ENVIRONMENT,
    "environmentId": ENVIRONMENT,
    "extensionGroupId": "",
    "connections": {
        "@type": "Connections",
        "connection": [
            {
                "@type": "Connection",
                "id": CONNECTION,
                "name": "Orders API",
                "field": [
                    {"@type": "Field", "id": "url", "value": "https://x", "useDefault": False},
                    {
                        "@type": "Field",
                        "id": "password",
                        "useDefault": False,
                        "usesEncryption": True,
                        "encryptedValueSet": True,
                        "customProperties": {"properties": [{"key": "X-Key", "encrypted": True}]},
                    },
                ],
            }
        ],
    },
    "crossReferences": {
        "@type": "CrossReferences",
        "crossReference": [
            {
                "@type": "CrossReference",
                "id": TABLE,
                "name": "Country Codes",
                "overrideValues": True,
                "CrossReferenceRows": {
                    "row": [{"ref1": "NL", "ref2": "Netherlands"}, {"ref1": "US", "ref3": "NA"}]
                },
            }
        ],
    },
    "properties": {
        "@type": "OverrideProperties",
        "property": {"@type": "OverrideProperty", "name": "batchSize", "value": "50"},
    },
    "processProperties": {
        "@type": "OverrideProcessProperties",
        "ProcessProperty": [
            {
                "@type": "OverrideProcessProperty",
                "id": PROPERTIES,
                "name": "Settings",
                "ProcessPropertyValue": [
                    {"key": "region", "label": "Region", "value": "EU", "useDefault": True},
                    {"key": "token", "usesEncryption": True, "encryptedValueSet": True},
                ],
            }
        ],
    },
    "PGPCertificates": {"@type": "PGPCertificates", "PGPCertificate": []},
}


def map_extension_json(version: int = 4) -> dict[str, object]:
    return {
        "@type": "EnvironmentMapExtension",
        "id": MAP_EXTENSION,
        "mapId": "map-1",
        "processId": "process-1",
        "environmentId": ENVIRONMENT,
        "extensionGroupId": "",
        "name": "Customer JSON - Customer XML",
        "version": version,
        "Map": {
            "@type": "MapExtension",
            "SourceProfile": {
                "componentId": "profile-1",
                "type": "profile.json",
                "Node": [{"name": "email", "xpath": "Customer/Object/email"}],
            },
            "ExtendedFunctions": {
                "Function": [
                    {
                        "id": "FUNCEXT-1",
                        "type": "StringToUpper",
                        "cacheType": "None",
                        "Inputs": {"Input": [{"key": 1, "name": "Original"}]},
                        "Outputs": {"Output": {"key": 1, "name": "Result"}},
                        "Configuration": {},
                    }
                ]
            },
            "ExtendedMappings": {
                "Mapping": [{"fromXPath": "Customer/Object/email", "toXPath": "Customer/email"}]
            },
        },
    }


async def test_get_extensions_reads_every_section_as_lists() -> None:
    boomi = ScriptedBoomi(json_response(200, EXTENSIONS_JSON))
    async with make_client(boomi) as client:
        extensions = await client.get_environment_extensions(ENVIRONMENT, override_account=CLIENT)

    request = boomi.requests[0]
    assert str(request.url) == (
        f"{ROOT}/EnvironmentExtensions/{ENVIRONMENT}?overrideAccount={CLIENT}"
    )
    password = extensions.connections[0].fields[1]
    assert (password.value, password.encrypted_value_set) == (None, True)
    assert password.custom_properties is not None
    assert password.custom_properties[0].key == "X-Key"
    assert extensions.cross_references[0].rows == [["NL", "Netherlands"], ["US", "", "NA"]]
    assert extensions.properties == [DynamicProcessProperty(name="batchSize", value="50")]
    values = extensions.process_properties[0].values
    assert [(v.key, v.value, v.use_default) for v in values] == [
        ("region", "EU", True),
        ("token", None, None),
    ]
    assert extensions.operations == [] and extensions.pgp_certificates == []


async def test_partial_update_sends_the_sections_given_and_the_others_empty() -> None:
    boomi = ScriptedBoomi(json_response(200, EXTENSIONS_JSON))
    body = EnvironmentExtensions(
        environment_id=ENVIRONMENT,
        process_properties=[
            ProcessPropertyExtension(
                id=PROPERTIES,
                values=[
                    ProcessPropertyValue(key="region", value="US", use_default=False),
                    ProcessPropertyValue(key="token", use_default=False),
                ],
            )
        ],
        cross_references=[
            CrossReferenceExtension(id=TABLE, override_values=True, rows=[["FR", "France"]])
        ],
    )
    async with make_client(boomi) as client:
        answer = await client.update_environment_extensions(
            ENVIRONMENT, body, override_account=CLIENT
        )

    request = boomi.requests[0]
    assert (request.method, request.url.path) == (
        "POST",
        f"/partner/api/rest/v1/primary-A1B2C3/EnvironmentExtensions/{ENVIRONMENT}",
    )
    assert boomi.body_json(0) == {
        "id": ENVIRONMENT,
        "environmentId": ENVIRONMENT,
        "partial": True,
        # Boomi's schema requires every section; empty ones change nothing in a partial update.
        "connections": {"connection": []},
        "operations": {"operation": []},
        "tradingPartners": {"tradingPartner": []},
        "sharedCommunications": {"sharedCommunication": []},
        "properties": {"property": []},
        "PGPCertificates": {"PGPCertificate": []},
        "crossReferences": {
            "crossReference": [
                {
                    "id": TABLE,
                    "overrideValues": True,
                    "CrossReferenceRows": {"row": [{"ref1": "FR", "ref2": "France"}]},
                }
            ]
        },
        "processProperties": {
            "ProcessProperty": [
                {
                    "id": PROPERTIES,
                    "ProcessPropertyValue": [
                        {
                            "key": "region",
                            "value": "US",
                            "useDefault": False,
                            "usesEncryption": False,
                            "encryptedValueSet": False,
                            "componentOverride": False,
                        },
                        {
                            "key": "token",
                            "useDefault": False,
                            "usesEncryption": False,
                            "encryptedValueSet": False,
                            "componentOverride": False,
                        },
                    ],
                }
            ]
        },
    }
    assert answer.connections[0].name == "Orders API"


async def test_full_update_says_so_and_a_refusal_is_a_bad_request() -> None:
    boomi = ScriptedBoomi(boomi_error(400, "Process property component must list each value"))
    body = EnvironmentExtensions(
        connections=[
            ConnectionExtension(
                id=CONNECTION, fields=[ExtensionField(id="password", value="new-secret")]
            )
        ]
    )
    async with make_client(boomi) as client:
        with pytest.raises(BoomiBadRequestError) as raised:
            await client.update_environment_extensions(ENVIRONMENT, body, partial=False)

    sent = boomi.body_json(0)
    assert sent["partial"] is False
    field = sent["connections"]["connection"][0]["field"][0]
    assert field["value"] == "new-secret" and "customProperties" not in field
    assert raised.value.status_code == 400
    assert len(boomi.requests) == 1  # a 4xx is never retried


async def test_query_extensions_and_map_extension_summaries_follow_query_more() -> None:
    summary = {
        "@type": "EnvironmentMapExtensionsSummary",
        "id": MAP_EXTENSION,
        "mapId": "map-1",
        "processId": "process-1",
        "environmentId": ENVIRONMENT,
        "name": "Customer JSON - Customer XML",
        "SourceFieldSet": {"connectionId": CONNECTION, "BrowseField": [{"name": "a"}]},
    }
    boomi = ScriptedBoomi(
        json_response(200, {"numberOfResults": 1, "queryToken": "more-1", "result": [summary]}),
        json_response(200, {"numberOfResults": 1, "result": [{**summary, "id": "second"}]}),
        json_response(200, {"numberOfResults": 1, "result": [EXTENSIONS_JSON]}),
    )
    environment = QueryFilter.where("environmentId", "EQUALS", ENVIRONMENT)
    async with make_client(boomi) as client:
        summaries = [
            s
            async for s in client.query_map_extension_summaries(
                environment, override_account=CLIENT
            )
        ]
        extensions = [e async for e in client.query_environment_extensions(environment)]

    assert [s.id for s in summaries] == [MAP_EXTENSION, "second"]
    field_set = summaries[0].source_field_set
    assert field_set is not None and field_set.connection_id == CONNECTION
    assert [r.url.path.rsplit("/", 2)[-2:] for r in boomi.requests] == [
        ["EnvironmentMapExtensionsSummary", "query"],
        ["EnvironmentMapExtensionsSummary", "queryMore"],
        ["EnvironmentExtensions", "query"],
    ]
    assert boomi.requests[1].content == b"more-1"
    assert extensions[0].environment_id == ENVIRONMENT


async def test_map_extension_get_keeps_version_and_etag_and_update_replaces() -> None:
    boomi = ScriptedBoomi(
        httpx.Response(200, json=map_extension_json(4), headers={"ETag": '"4"'}),
        httpx.Response(200, json=map_extension_json(5), headers={"ETag": '"5"'}),
    )
    async with make_client(boomi) as client:
        current = await client.get_map_extension(MAP_EXTENSION, override_account=CLIENT)
        edited = current.model_copy(
            update={
                "map": current.map.model_copy(
                    update={
                        "mappings": [
                            *current.map.mappings,
                            MapExtensionMapping(
                                from_xpath="Customer/Object/email", to_xpath="Customer/mail"
                            ),
                        ]
                    }
                )
            }
        )
        saved = await client.update_map_extension(MAP_EXTENSION, edited, override_account=CLIENT)

    assert (current.version, current.etag) == (4, '"4"')
    assert (saved.version, saved.etag) == (5, '"5"')
    assert current.map.functions[0].outputs[0].name == "Result"
    sent = boomi.body_json(1)
    assert boomi.requests[1].url.path.endswith(f"/EnvironmentMapExtension/{MAP_EXTENSION}")
    assert "version" not in sent and "etag" not in sent
    assert sent["Map"]["ExtendedMappings"]["Mapping"] == [
        {"fromXPath": "Customer/Object/email", "toXPath": "Customer/email"},
        {"fromXPath": "Customer/Object/email", "toXPath": "Customer/mail"},
    ]
    assert sent["Map"]["ExtendedFunctions"]["Function"][0]["Outputs"] == {
        "Output": [{"key": 1, "name": "Result"}]
    }


def test_fingerprint_changes_with_mappings_not_with_markers() -> None:
    first = EnvironmentMapExtension.model_validate(map_extension_json(4))
    same_content = EnvironmentMapExtension.model_validate(map_extension_json(9))
    assert first.fingerprint() == same_content.fingerprint()
    changed = first.model_copy(update={"map": first.map.model_copy(update={"mappings": []})})
    assert changed.fingerprint() != first.fingerprint()
