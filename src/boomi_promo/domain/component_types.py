"""Boomi's component types (the Platform API's ``ComponentType`` enum)."""

from __future__ import annotations

CONNECTION_TYPE = "connector-settings"

COMPONENT_TYPES = frozenset(
    {
        "certificate",
        "certificate.pgp",
        "connector-action",
        CONNECTION_TYPE,
        "crossref",
        "customlibrary",
        "documentcache",
        "edistandard",
        "flowservice",
        "process",
        "processproperty",
        "processroute",
        "profile.db",
        "profile.edi",
        "profile.flatfile",
        "profile.json",
        "profile.xml",
        "queue",
        "script.mapping",
        "script.processing",
        "tpcommoptions",
        "tpgroup",
        "tporganization",
        "tradingpartner",
        "transform.function",
        "transform.map",
        "webservice",
        "webservice.external",
        "xslt",
    }
)
