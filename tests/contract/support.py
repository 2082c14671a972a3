"""Checks of what crossed the wire against Boomi's OpenAPI document (the shipped subset).

The emulator keeps every request and answer body in its request log when its ``log_bodies``
setting is on; :func:`violations` reads that log and names each JSON request body the client
sent that the operation's request schema rejects, and each JSON answer the emulator gave that
the documented 2xx answer schema rejects. XML (Component) and the bare queryMore token are not
JSON and are skipped.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from boomi_promo.emulator.control import LoggedRequest
from boomi_promo.emulator.openapi import BoomiOpenApi, Operation, boomi_openapi

if TYPE_CHECKING:
    from tests.support.servers import EmulatorHandle

_API_PATH = re.compile(r"^/(?:partner/)?api/rest/v1/[^/]+(?P<rest>/.*)$")


def record_bodies(emulator: EmulatorHandle) -> None:
    """Keep bodies in the emulator's request log from now on (the ``emulator`` fixture's
    settings do already; a test that replaces them calls this again)."""
    emulator.state.settings = dataclasses.replace(emulator.state.settings, log_bodies=True)


def operation_of(entry: LoggedRequest, api: BoomiOpenApi | None = None) -> Operation | None:
    match = _API_PATH.match(entry.path)
    if match is None:
        return None
    return (api or boomi_openapi()).operation(entry.method, match.group("rest"))


def _json(content_type: str, body: bytearray | None) -> object | None:
    if body is None or "json" not in content_type.lower() or not bytes(body).strip():
        return None
    parsed: object = json.loads(bytes(body))
    return parsed


def violations(entries: Iterable[LoggedRequest], *, requests: bool = True) -> list[str]:
    """Every way the logged exchanges break Boomi's OpenAPI document, one line each;
    ``requests=False`` checks the answers only (tests send invalid requests on purpose)."""
    api = boomi_openapi()
    found: list[str] = []
    for entry in entries:
        operation = operation_of(entry, api)
        where = f"{entry.method} {entry.path}"
        if operation is None:
            if requests:
                found.append(f"{where}: no such operation in Boomi's OpenAPI document (subset)")
            continue
        request = _json(entry.request_content_type, entry.request_body) if requests else None
        if request is not None:
            found += [f"{where} request {e}" for e in api.request_errors(operation, request)]
        answer = _json(entry.response_content_type, entry.response_body)
        if answer is not None and 200 <= entry.status < 300:
            errors = api.response_errors(operation, entry.status, answer)
            found += [f"{where} answer {entry.status} {e}" for e in errors]
    return found


def operations_seen(entries: Iterable[LoggedRequest]) -> set[str]:
    """``"POST /PackagedComponent"``-style names of the operations in the log."""
    api = boomi_openapi()
    return {str(op) for entry in entries if (op := operation_of(entry, api)) is not None}
