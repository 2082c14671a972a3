"""The emulator's ASGI app: Boomi's REST paths over :class:`EmulatorState`, plus test controls.

Boomi paths live under both ``/partner/api/rest/v1/{accountId}/`` and ``/api/rest/v1/{accountId}/``.
Control endpoints live under ``/__emulator__/``; they answer only callers on this machine
(loopback) that send the emulator's own Basic credentials:

* ``GET|POST|DELETE /__emulator__/faults`` (``DELETE /__emulator__/faults/{id}``) — injected
  faults: ``{"path": regex, "method"?, "status"?, "latency"?, "timeout"?, "reset"?,
  "loseAnswer"?, "retryAfter"?, "count"?, "skip"?}`` (see :class:`~.control.Fault`;
  ``loseAnswer`` with a ``status`` runs the request and answers that status instead);
* ``GET|DELETE /__emulator__/requests`` — the request log (method, path, query, status, time;
  bodies too with the ``log_bodies`` setting);
* ``GET|POST|DELETE /__emulator__/release-faults`` (``DELETE …/release-faults/{id}``) — make
  releases of matching packs end in ERROR: ``{"pack": regex on pack id or name, "message"?,
  "count"?}``;
* ``GET|POST|DELETE /__emulator__/merge-faults`` (``DELETE …/merge-faults/{id}``) — make merge
  requests from matching branches fail: ``{"branch": regex on the source branch name,
  "outcome"?: "CONFLICT" | "FAILED_TO_MERGE" | "FAILED_TO_DRAFT", "components"?: [ids],
  "count"?}`` (see :class:`~.control.MergeFault`);
* ``GET|POST /__emulator__/settings`` — read or change delays (branch readiness, query
  visibility and deletion, merge stages, releases), throttle rate (503 past it, counted per
  primary account unless ``override_account_rate_limit``), branch limit;
* ``GET /__emulator__/state`` — the state document; ``POST /__emulator__/state/save`` writes it
  to the state file the app was started with.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import ipaddress
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from boomi_promo.emulator.component_xml import NSMAP, XSI, bns, parse_component_document
from boomi_promo.emulator.control import FaultEffect, LoggedRequest
from boomi_promo.emulator.errors import ApiError, bad_request, forbidden, not_found
from boomi_promo.emulator.ids import is_branch_id
from boomi_promo.emulator.openapi import boomi_openapi
from boomi_promo.emulator.queries import parse_query_filter, parse_query_token
from boomi_promo.emulator.state.core import BULK_LIMITS, SCHEMAS, BulkAnswer, EmulatorSettings, Row
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.xmlsafe import UnsafeXmlError, XmlSyntaxError, parse_xml, to_bytes

CONTROL_PREFIX = "/__emulator__"
_API_PATH = re.compile(r"^/(?P<partner>partner/)?api/rest/v1/(?P<account>[^/]+)(?P<rest>/.*)?$")
_COMPONENT_PATH = re.compile(r"/Component($|/|~)")
_APP_KEY = "boomi_promo.emulator"
_XML = "application/xml"


# ------------------------------------------------------------------------- representation


def wants_xml(request: Request, *, default: bool) -> bool:
    accept = request.headers.get("accept", "").lower()
    json_at, xml_at = accept.find("json"), accept.find("xml")
    if json_at >= 0 and (xml_at < 0 or json_at < xml_at):
        return False
    if xml_at >= 0:
        return True
    return default


def _attribute(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: etree._Element, row: Row) -> None:
    """Scalars become attributes, objects and lists child elements (Boomi's XML layout)."""
    for key, value in row.items():
        if key == "@type" or value is None:
            continue
        if isinstance(value, dict):
            _fill(etree.SubElement(element, bns(key)), value)
        elif isinstance(value, list):
            for item in value:
                child = etree.SubElement(element, bns(key))
                if isinstance(item, dict):
                    _fill(child, item)
                else:
                    child.text = _attribute(item)
        else:
            element.set(key, _attribute(value))


def to_xml(row: Row) -> bytes:
    root = etree.Element(bns(str(row.get("@type", "Result"))), nsmap=NSMAP)
    if row.get("@type") == "QueryResult":
        root.set("numberOfResults", str(row["numberOfResults"]))
        if "queryToken" in row:
            etree.SubElement(root, bns("queryToken")).text = row["queryToken"]
        for item in row["result"]:
            result = etree.SubElement(root, bns("result"))
            result.set(f"{{{XSI}}}type", f"bns:{item['@type']}")
            _fill(result, item)
    else:
        _fill(root, row)
    return to_bytes(root)


def respond(request: Request, row: Row, *, status: int = 200) -> Response:
    if wants_xml(request, default=False):
        return Response(to_xml(row), status_code=status, media_type=_XML)
    return JSONResponse(row, status_code=status)


def error_response(
    status: int, message: str, *, xml: bool, headers: dict[str, str] | None = None
) -> Response:
    if xml:
        root = etree.Element("error")
        etree.SubElement(root, "message").text = message
        return Response(to_bytes(root), status_code=status, media_type=_XML, headers=headers)
    return JSONResponse({"@type": "Error", "message": message}, status_code=status, headers=headers)


# ------------------------------------------------------------------------- auth and dispatch


@dataclass(frozen=True)
class Call:
    """One authorised Boomi API call: the account it acts as, and who makes it."""

    request: Request
    state: EmulatorState
    account_id: str
    user: str


Handler = Callable[[Call], Awaitable[Response]]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _credentials(request: Request, state: EmulatorState) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise ApiError(401, "Authentication is required (HTTP Basic with BOOMI_TOKEN.<user>).")
    try:
        username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise ApiError(401, "The Authorization header is malformed.") from None
    prefix = "BOOMI_TOKEN."
    valid = (
        username.startswith(prefix)
        and username[len(prefix) :].lower() == state.username.lower()
        and secrets.compare_digest(password.encode(), state.api_token.encode())
    )
    if not valid:
        raise ApiError(401, "The user name or API token is not valid.")
    return username[len(prefix) :]


def _authorise(request: Request, state: EmulatorState) -> Call:
    user = _credentials(request, state)
    account_id = request.path_params["accountId"]
    if account_id != state.primary_account_id:
        raise forbidden(f"User {user} does not have access to account {account_id}.")
    override = request.query_params.get("overrideAccount")
    if override:
        if not request.url.path.startswith("/partner/"):
            raise forbidden("overrideAccount is only supported by the Partner API.")
        if override != account_id and not state.is_descendant(override, account_id):
            raise forbidden(f"Account {account_id} cannot act on behalf of account {override}.")
        account_id = override
    return Call(request, state, account_id, user)


async def _check_against_openapi(request: Request) -> None:
    """Refuse a JSON body that Boomi's OpenAPI schema for this operation rejects (400).

    XML bodies, the bare token of queryMore and empty bodies have no JSON schema to meet."""
    content_type = request.headers.get("content-type", "").lower()
    if "xml" in content_type or "text/plain" in content_type:
        return
    body = await request.body()
    match = _API_PATH.match(request.url.path)
    if not body.strip() or match is None:
        return
    operation = boomi_openapi().operation(request.method, match.group("rest") or "/")
    if operation is None or operation.request_schema is None:
        return
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}") from exc
    errors = boomi_openapi().request_errors(operation, document)
    if errors:
        raise bad_request(f"Invalid {operation} request body: " + "; ".join(errors[:5]))


def boomi(handler: Handler, *, component: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with authentication, the clock, request checks and Boomi's error format."""

    async def endpoint(request: Request) -> Response:
        state: EmulatorState = request.scope[_APP_KEY].emulator_state
        try:
            call = _authorise(request, state)
            await _check_against_openapi(request)
            state.settle()
            return await handler(call)
        except ApiError as error:
            headers = {"WWW-Authenticate": 'Basic realm="Boomi"'} if error.status == 401 else None
            return error_response(
                error.status,
                error.message,
                xml=wants_xml(request, default=component),
                headers=headers,
            )

    return endpoint


def _xml_row(element: etree._Element) -> Row:
    """Attributes and text-only children become fields, other children nested objects; a
    repeated child becomes a list (Boomi's XML layout read back into its JSON form)."""
    row: Row = {str(key): value for key, value in element.attrib.items()}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        value: Any = _xml_row(child) if len(child) or child.attrib else child.text or ""
        if name not in row:
            row[name] = value
        elif isinstance(row[name], list):
            row[name].append(value)
        else:
            row[name] = [row[name], value]
    return row


async def _json_body(request: Request) -> Row:
    body = await request.body()
    if "xml" in request.headers.get("content-type", ""):
        try:
            root = parse_xml(body)
        except (UnsafeXmlError, XmlSyntaxError) as exc:
            raise bad_request(str(exc)) from exc
        return _xml_row(root)
    try:
        document = json.loads(body or b"{}")
    except ValueError as exc:
        raise bad_request(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise bad_request("The request body must be a JSON object.")
    return document


# ------------------------------------------------------------------------- Boomi handlers


def _query(object_type: str) -> Handler:
    async def handler(call: Call) -> Response:
        expression = parse_query_filter(
            await call.request.body(), call.request.headers.get("content-type", "")
        )
        return respond(call.request, call.state.query(object_type, call.account_id, expression))

    return handler


def _query_more(object_type: str) -> Handler:
    async def handler(call: Call) -> Response:
        token = parse_query_token(await call.request.body())
        return respond(call.request, call.state.query_more(object_type, call.account_id, token))

    return handler


def _bulk_ids(body: Row, object_type: str) -> list[str]:
    """The ids of ``{"type": "GET", "request": [{"id": ...}, ...]}`` (also wrapped in
    ``BulkRequest``, or as XML), at most the object's documented limit."""
    wrapped = body.get("BulkRequest")
    document = wrapped if isinstance(wrapped, dict) else body
    if document.get("type") != "GET":
        raise bad_request('The emulator serves bulk GET only: {"type": "GET", "request": [...]}.')
    entries = document.get("request")
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list) or not entries:
        raise bad_request('A bulk GET lists ids: {"type": "GET", "request": [{"id": "..."}]}.')
    ids = [entry.get("id") if isinstance(entry, dict) else None for entry in entries]
    if not all(isinstance(object_id, str) and object_id for object_id in ids):
        raise bad_request("Every request of a bulk GET needs an id.")
    limit = BULK_LIMITS[object_type]
    if len(ids) > limit:
        raise bad_request(
            f"The bulk GET of {object_type} takes at most {limit} ids; {len(ids)} were given."
        )
    return [str(object_id) for object_id in ids]


def _bulk_row(answers: list[BulkAnswer]) -> Row:
    items: list[Row] = []
    for index, answer in enumerate(answers):
        item: Row = {"@type": "BulkResponse", "index": index, "id": answer.id}
        item["statusCode"] = answer.status
        # Boomi's schema requires a Result on every item: a failed one carries an empty one.
        item["Result"] = answer.result if isinstance(answer.result, dict) else {}
        if answer.message is not None:
            item["errorMessage"] = answer.message
        items.append(item)
    return {"@type": "BulkResult", "response": items}


def _bulk_xml(answers: list[BulkAnswer]) -> bytes:
    """``<bns:BulkResult>``: a ``<bns:response>`` per id, its ``<bns:Result xsi:type=…>``."""
    root = etree.Element(bns("BulkResult"), nsmap=NSMAP)
    for index, answer in enumerate(answers):
        response = etree.SubElement(root, bns("response"))
        response.set("index", str(index))
        response.set("id", answer.id)
        response.set("statusCode", str(answer.status))
        if answer.message is not None:
            response.set("errorMessage", answer.message)
        if isinstance(answer.result, bytes):
            result = parse_xml(answer.result)  # the <bns:Component> document, renamed
            result.tag = bns("Result")
            type_name = "Component"
        elif answer.result is not None:
            result = etree.Element(bns("Result"))
            _fill(result, answer.result)
            type_name = str(answer.result.get("@type", ""))
        else:
            continue
        result.set(f"{{{XSI}}}type", f"bns:{type_name}")
        response.append(result)
    return to_bytes(root)


def _bulk(object_type: str) -> Handler:
    async def handler(call: Call) -> Response:
        ids = _bulk_ids(await _json_body(call.request), object_type)
        answers = call.state.bulk_get(object_type, call.account_id, ids)
        # Boomi answers a Component bulk GET in XML only.
        if object_type == "Component" or wants_xml(call.request, default=False):
            return Response(_bulk_xml(answers), media_type=_XML)
        return JSONResponse(_bulk_row(answers))

    return handler


async def get_account(call: Call) -> Response:
    row = call.state.get_account(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def create_folder(call: Call) -> Response:
    row = call.state.create_folder(call.account_id, await _json_body(call.request))
    return respond(call.request, row)


async def get_folder(call: Call) -> Response:
    return respond(
        call.request, call.state.get_folder(call.account_id, call.request.path_params["id"])
    )


async def get_component(call: Call) -> Response:
    xml = call.state.get_component_xml(call.account_id, call.request.path_params["ref"])
    return Response(xml, media_type=_XML)


async def write_component(call: Call) -> Response:
    component_id, branch_id = EmulatorState.split_ref(call.request.path_params.get("ref", ""))
    if branch_id is not None and not is_branch_id(branch_id):
        raise bad_request(f"{branch_id!r} is not a branch id; components are written to branches.")
    document = parse_component_document(await call.request.body())
    xml = call.state.write_component(
        call.account_id,
        document,
        path_component_id=component_id or None,
        path_branch_id=branch_id,
        user=call.user,
    )
    return Response(xml, media_type=_XML)


async def get_component_metadata(call: Call) -> Response:
    ref = call.request.path_params["ref"]
    return respond(call.request, call.state.get_component_metadata(call.account_id, ref))


async def delete_component_metadata(call: Call) -> Response:
    call.state.delete_component(call.account_id, call.request.path_params["ref"], user=call.user)
    return Response(status_code=200)


async def get_component_reference(call: Call) -> Response:
    ref = call.request.path_params["ref"]
    return respond(call.request, call.state.get_references(call.account_id, ref))


async def create_package(call: Call) -> Response:
    body = await _json_body(call.request)
    return respond(call.request, call.state.create_package(call.account_id, body, user=call.user))


async def get_package(call: Call) -> Response:
    package_id = call.request.path_params["id"]
    return respond(call.request, call.state.get_package(call.account_id, package_id))


async def create_branch(call: Call) -> Response:
    body = await _json_body(call.request)
    return respond(call.request, call.state.create_branch(call.account_id, body, user=call.user))


async def get_branch(call: Call) -> Response:
    return respond(
        call.request, call.state.get_branch(call.account_id, call.request.path_params["id"])
    )


async def delete_branch(call: Call) -> Response:
    call.state.delete_branch(call.account_id, call.request.path_params["id"], user=call.user)
    return Response(status_code=200)


async def create_merge_request(call: Call) -> Response:
    body = await _json_body(call.request)
    row = call.state.create_merge_request(call.account_id, body, user=call.user)
    return respond(call.request, row)


async def get_merge_request(call: Call) -> Response:
    row = call.state.get_merge_request(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def execute_merge_request(call: Call) -> Response:
    body = await _json_body(call.request)
    row = call.state.execute_merge_request(
        call.account_id, call.request.path_params["id"], body, user=call.user
    )
    return respond(call.request, row)


async def create_environment(call: Call) -> Response:
    body = await _json_body(call.request)
    return respond(call.request, call.state.create_environment(call.account_id, body))


async def get_process(call: Call) -> Response:
    row = call.state.get_process(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def get_package_manifest(call: Call) -> Response:
    row = call.state.get_package_manifest(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def get_environment(call: Call) -> Response:
    row = call.state.get_environment(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def get_environment_extensions(call: Call) -> Response:
    row = call.state.get_environment_extensions(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def update_environment_extensions(call: Call) -> Response:
    body = await _json_body(call.request)
    extensions_id = call.request.path_params["id"]
    row = call.state.update_environment_extensions(call.account_id, extensions_id, body)
    return respond(call.request, row)


def _with_etag(request: Request, row: Row) -> Response:
    """The map extension with its revision as an ETag: a change marker for read-modify-write."""
    response = respond(request, row)
    response.headers["ETag"] = f'"{row["version"]}"'
    return response


async def get_map_extension(call: Call) -> Response:
    row = call.state.get_map_extension(call.account_id, call.request.path_params["id"])
    return _with_etag(call.request, row)


async def update_map_extension(call: Call) -> Response:
    body = await _json_body(call.request)
    row = call.state.update_map_extension(call.account_id, call.request.path_params["id"], body)
    return _with_etag(call.request, row)


async def create_publisher_pack(call: Call) -> Response:
    body = await _json_body(call.request)
    row = call.state.create_publisher_pack(call.account_id, body, user=call.user)
    return respond(call.request, row)


async def get_publisher_pack(call: Call) -> Response:
    row = call.state.get_publisher_pack(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def update_publisher_pack(call: Call) -> Response:
    body = await _json_body(call.request)
    row = call.state.update_publisher_pack(call.account_id, call.request.path_params["id"], body)
    return respond(call.request, row)


async def delete_publisher_pack(call: Call) -> Response:
    call.state.delete_publisher_pack(call.account_id, call.request.path_params["id"])
    return Response(status_code=200)


async def get_integration_pack(call: Call) -> Response:
    row = call.state.get_integration_pack(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def create_release(call: Call) -> Response:
    body = await _json_body(call.request)
    row = call.state.create_release(call.account_id, body, user=call.user)
    # The status URL repeats this call's prefix and account (and overrideAccount, if any).
    path = call.request.url.path.rsplit("/", 1)[0]
    override = call.request.query_params.get("overrideAccount")
    status_url = call.request.url.replace(
        path=f"{path}/ReleaseIntegrationPackStatus/{row['requestId']}",
        query=urlencode({"overrideAccount": override}) if override else "",
    )
    row["releaseStatusUrl"] = str(status_url)
    return respond(call.request, row)


async def get_release_status(call: Call) -> Response:
    status, row = call.state.get_release_status(call.account_id, call.request.path_params["id"])
    return respond(call.request, row, status=status)


async def create_deployment(call: Call) -> Response:
    body = await _json_body(call.request)
    row = call.state.create_deployment(call.account_id, body, user=call.user)
    return respond(call.request, row)


async def get_deployment(call: Call) -> Response:
    row = call.state.get_deployment(call.account_id, call.request.path_params["id"])
    return respond(call.request, row)


async def delete_deployment(call: Call) -> Response:
    call.state.delete_deployment(call.account_id, call.request.path_params["id"])
    return Response(status_code=200)


async def unknown_path(call: Call) -> Response:
    raise not_found(f"Unknown object or operation: {call.request.url.path}")


async def not_an_api_path(request: Request) -> Response:
    """A path under an API prefix but without an account and object (cut short by ``..``, or
    the prefix alone): Boomi's 404, never a redirect."""
    return error_response(
        404, f"Unknown path: {request.url.path}", xml=wants_xml(request, default=False)
    )


def _api_routes() -> list[Route]:
    """Each operation under both API prefixes; anything else answers Boomi's 404 error."""
    writes_component = boomi(write_component, component=True)
    operations: list[tuple[str, str, Callable[[Request], Awaitable[Response]]]] = [
        ("GET", "/Account/{id}", boomi(get_account)),
        ("POST", "/Folder", boomi(create_folder)),
        ("GET", "/Folder/{id}", boomi(get_folder)),
        ("POST", "/Component", writes_component),
        ("GET", "/Component/{ref}", boomi(get_component, component=True)),
        ("POST", "/Component/{ref}", writes_component),
        ("GET", "/ComponentMetadata/{ref}", boomi(get_component_metadata)),
        ("DELETE", "/ComponentMetadata/{ref}", boomi(delete_component_metadata)),
        ("GET", "/ComponentReference/{ref}", boomi(get_component_reference)),
        ("POST", "/PackagedComponent", boomi(create_package)),
        ("GET", "/PackagedComponent/{id}", boomi(get_package)),
        ("GET", "/PackagedComponentManifest/{id}", boomi(get_package_manifest)),
        ("GET", "/Process/{id}", boomi(get_process)),
        ("POST", "/Branch", boomi(create_branch)),
        ("GET", "/Branch/{id}", boomi(get_branch)),
        ("DELETE", "/Branch/{id}", boomi(delete_branch)),
        ("POST", "/MergeRequest", boomi(create_merge_request)),
        ("POST", "/MergeRequest/execute/{id}", boomi(execute_merge_request)),
        ("GET", "/MergeRequest/{id}", boomi(get_merge_request)),
        ("POST", "/Environment", boomi(create_environment)),
        ("GET", "/Environment/{id}", boomi(get_environment)),
        ("GET", "/EnvironmentExtensions/{id}", boomi(get_environment_extensions)),
        ("POST", "/EnvironmentExtensions/{id}", boomi(update_environment_extensions)),
        ("GET", "/EnvironmentMapExtension/{id}", boomi(get_map_extension)),
        ("POST", "/EnvironmentMapExtension/{id}", boomi(update_map_extension)),
        ("POST", "/PublisherIntegrationPack", boomi(create_publisher_pack)),
        ("GET", "/PublisherIntegrationPack/{id}", boomi(get_publisher_pack)),
        ("POST", "/PublisherIntegrationPack/{id}", boomi(update_publisher_pack)),
        ("DELETE", "/PublisherIntegrationPack/{id}", boomi(delete_publisher_pack)),
        ("GET", "/IntegrationPack/{id}", boomi(get_integration_pack)),
        ("POST", "/ReleaseIntegrationPack", boomi(create_release)),
        ("GET", "/ReleaseIntegrationPackStatus/{id}", boomi(get_release_status)),
        ("POST", "/DeployedPackage", boomi(create_deployment)),
        ("GET", "/DeployedPackage/{id}", boomi(get_deployment)),
        ("DELETE", "/DeployedPackage/{id}", boomi(delete_deployment)),
    ]
    for object_type in SCHEMAS:
        operations.insert(0, ("POST", f"/{object_type}/query", boomi(_query(object_type))))
        operations.insert(0, ("POST", f"/{object_type}/queryMore", boomi(_query_more(object_type))))
    # Before /Component/{ref}, which would take "bulk" for a component id.
    for object_type in BULK_LIMITS:
        bulk = boomi(_bulk(object_type), component=object_type == "Component")
        operations.insert(0, ("POST", f"/{object_type}/bulk", bulk))
    routes: list[Route] = []
    for prefix in ("/partner/api/rest/v1/{accountId}", "/api/rest/v1/{accountId}"):
        routes += [Route(prefix + path, call, methods=[m]) for m, path, call in operations]
        routes.append(
            Route(
                prefix + "/{rest:path}",
                boomi(unknown_path),
                methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
            )
        )
    for prefix in ("/partner/api/rest/v1", "/api/rest/v1"):
        for path in (prefix, prefix + "/", prefix + "/{account}"):
            routes.append(
                Route(path, not_an_api_path, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
            )
    return routes


# ------------------------------------------------------------------------- control endpoints


def _app(request: Request) -> EmulatorApp:
    app: EmulatorApp = request.scope[_APP_KEY]
    return app


async def list_faults(request: Request) -> Response:
    faults = _app(request).emulator_state.faults.active()
    return JSONResponse({"faults": [f.describe() for f in faults]})


async def add_fault(request: Request) -> Response:
    try:
        body = await _json_body(request)
        path, method = body.get("path"), body.get("method")
        status, count, skip = body.get("status"), body.get("count"), body.get("skip", 0)
        retry_after = body.get("retryAfter", 1)
        if not isinstance(path, str):
            raise bad_request("A fault needs a 'path' (a regular expression).")
        integers = (status, count, skip, retry_after)
        if not all(isinstance(v, int | None) for v in integers) or not isinstance(
            method, str | None
        ):
            raise bad_request(
                "status, count, skip and retryAfter are integers, method is a string."
            )
        re.compile(path)
        fault = _app(request).emulator_state.faults.add(
            path,
            method=method,
            status=status,
            latency=float(body.get("latency", 0.0)),
            timeout=bool(body.get("timeout", False)),
            reset=bool(body.get("reset", False)),
            lose_answer=bool(body.get("loseAnswer", False)),
            retry_after=retry_after,
            count=count,
            skip=skip or 0,
        )
    except (ApiError, re.error, TypeError, ValueError) as exc:
        return JSONResponse({"message": str(exc)}, status_code=400)
    return JSONResponse(fault.describe(), status_code=201)


async def clear_faults(request: Request) -> Response:
    faults = _app(request).emulator_state.faults
    fault_id = request.path_params.get("id")
    if fault_id is None:
        faults.clear()
    elif not faults.remove(fault_id):
        return JSONResponse({"message": f"No fault {fault_id}."}, status_code=404)
    return Response(status_code=204)


async def list_release_faults(request: Request) -> Response:
    faults = _app(request).emulator_state.release_faults.active()
    return JSONResponse({"releaseFaults": [f.describe() for f in faults]})


async def add_release_fault(request: Request) -> Response:
    try:
        body = await _json_body(request)
        pack, message, count = body.get("pack"), body.get("message"), body.get("count")
        if not isinstance(pack, str):
            raise bad_request("A release fault needs a 'pack' (a regular expression).")
        if not isinstance(message, str | None) or not isinstance(count, int | None):
            raise bad_request("message is a string, count an integer.")
        fault = _app(request).emulator_state.release_faults.add(pack, message=message, count=count)
    except (ApiError, re.error) as exc:
        return JSONResponse({"message": str(exc)}, status_code=400)
    return JSONResponse(fault.describe(), status_code=201)


async def clear_release_faults(request: Request) -> Response:
    faults = _app(request).emulator_state.release_faults
    fault_id = request.path_params.get("id")
    if fault_id is None:
        faults.clear()
    elif not faults.remove(fault_id):
        return JSONResponse({"message": f"No release fault {fault_id}."}, status_code=404)
    return Response(status_code=204)


async def list_merge_faults(request: Request) -> Response:
    faults = _app(request).emulator_state.merge_faults.active()
    return JSONResponse({"mergeFaults": [f.describe() for f in faults]})


async def add_merge_fault(request: Request) -> Response:
    try:
        body = await _json_body(request)
        branch, outcome = body.get("branch"), body.get("outcome", "CONFLICT")
        components, count = body.get("components"), body.get("count")
        if not isinstance(branch, str):
            raise bad_request("A merge fault needs a 'branch' (a regular expression).")
        if not isinstance(outcome, str) or not isinstance(count, int | None):
            raise bad_request("outcome is a string, count an integer.")
        if components is not None and not (
            isinstance(components, list) and all(isinstance(c, str) for c in components)
        ):
            raise bad_request("components is a list of component ids.")
        fault = _app(request).emulator_state.merge_faults.add(
            branch, outcome=outcome, components=components, count=count
        )
    except (ApiError, re.error, ValueError) as exc:
        return JSONResponse({"message": str(exc)}, status_code=400)
    return JSONResponse(fault.describe(), status_code=201)


async def clear_merge_faults(request: Request) -> Response:
    faults = _app(request).emulator_state.merge_faults
    fault_id = request.path_params.get("id")
    if fault_id is None:
        faults.clear()
    elif not faults.remove(fault_id):
        return JSONResponse({"message": f"No merge fault {fault_id}."}, status_code=404)
    return Response(status_code=204)


async def list_requests(request: Request) -> Response:
    entries = _app(request).emulator_state.request_log.entries()
    return JSONResponse({"requests": [e.describe() for e in entries]})


async def clear_requests(request: Request) -> Response:
    _app(request).emulator_state.request_log.clear()
    return Response(status_code=204)


async def read_settings(request: Request) -> Response:
    return JSONResponse(dataclasses.asdict(_app(request).emulator_state.settings))


async def change_settings(request: Request) -> Response:
    state = _app(request).emulator_state
    try:
        changes = await _json_body(request)
        state.settings = dataclasses.replace(state.settings, **changes)
    except (ApiError, TypeError) as exc:
        return JSONResponse({"message": str(exc)}, status_code=400)
    return JSONResponse(dataclasses.asdict(state.settings))


async def dump_state(request: Request) -> Response:
    return Response(_app(request).emulator_state.dump_json(), media_type="application/json")


async def save_state(request: Request) -> Response:
    app = _app(request)
    if app.state_file is None:
        return JSONResponse({"message": "The emulator was started without a state file."}, 400)
    app.emulator_state.save(app.state_file)
    return JSONResponse({"savedTo": str(app.state_file)})


def _control_routes() -> list[Route]:
    p = CONTROL_PREFIX
    return [
        Route(f"{p}/faults", list_faults, methods=["GET"]),
        Route(f"{p}/faults", add_fault, methods=["POST"]),
        Route(f"{p}/faults", clear_faults, methods=["DELETE"]),
        Route(f"{p}/faults/{{id}}", clear_faults, methods=["DELETE"]),
        Route(f"{p}/release-faults", list_release_faults, methods=["GET"]),
        Route(f"{p}/release-faults", add_release_fault, methods=["POST"]),
        Route(f"{p}/release-faults", clear_release_faults, methods=["DELETE"]),
        Route(f"{p}/release-faults/{{id}}", clear_release_faults, methods=["DELETE"]),
        Route(f"{p}/merge-faults", list_merge_faults, methods=["GET"]),
        Route(f"{p}/merge-faults", add_merge_fault, methods=["POST"]),
        Route(f"{p}/merge-faults", clear_merge_faults, methods=["DELETE"]),
        Route(f"{p}/merge-faults/{{id}}", clear_merge_faults, methods=["DELETE"]),
        Route(f"{p}/requests", list_requests, methods=["GET"]),
        Route(f"{p}/requests", clear_requests, methods=["DELETE"]),
        Route(f"{p}/settings", read_settings, methods=["GET"]),
        Route(f"{p}/settings", change_settings, methods=["POST"]),
        Route(f"{p}/state", dump_state, methods=["GET"]),
        Route(f"{p}/state/save", save_state, methods=["POST"]),
    ]


# ------------------------------------------------------------------------- the app


class EmulatorApp:
    """ASGI app; ``emulator_state`` may be replaced between requests (tests reset it)."""

    def __init__(self, state: EmulatorState, *, state_file: Path | None = None) -> None:
        self.emulator_state = state
        self.state_file = state_file
        self._api = Starlette(routes=_api_routes(), lifespan=self._lifespan)
        # Boomi answers an unknown path with its 404 error, never a redirect.
        self._api.router.redirect_slashes = False
        self._control = Starlette(routes=_control_routes())

    @asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        yield
        if self.state_file is not None:
            self.emulator_state.save(self.state_file)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._api(scope, receive, send)
            return
        scope[_APP_KEY] = self
        if scope["type"] == "http" and scope["path"].startswith(CONTROL_PREFIX + "/"):
            refusal = self._control_refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            await self._control(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        await self._serve_api(scope, receive, send)

    def _control_refusal(self, scope: Scope) -> Response | None:
        """The control API changes the emulated world and shows its state, the Boomi token
        included: only callers on this machine that hold the emulator's credentials use it."""
        client = scope.get("client")
        host = client[0] if client else ""
        if not _is_loopback(host):
            return JSONResponse(
                {"error": "The emulator's control API answers only on this machine."},
                status_code=403,
            )
        try:
            _credentials(Request(scope), self.emulator_state)
        except ApiError as error:
            return JSONResponse(
                {"error": f"{error.message} The control API takes the emulator's credentials."},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="Boomi emulator"'},
            )
        return None

    async def _serve_api(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.emulator_state
        arrived, started = time.time(), time.monotonic()
        method, path = scope["method"], scope["path"]
        status = 0
        logged = False
        # Bodies are kept only when asked for (contract tests): they can be large.
        request_body = bytearray() if state.settings.log_bodies else None
        response_body = bytearray() if state.settings.log_bodies else None
        response_type = ""

        def log_request() -> None:
            nonlocal logged
            if logged:
                return
            logged = True
            state.request_log.append(
                LoggedRequest(
                    method=method,
                    path=path,
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status=status,
                    time=arrived,
                    duration=time.monotonic() - started,
                    account=_effective_account(scope),
                    request_content_type=_header(scope, b"content-type"),
                    request_body=request_body,
                    response_content_type=response_type,
                    response_body=response_body,
                )
            )

        async def recording_receive() -> Message:
            message = await receive()
            if request_body is not None and message["type"] == "http.request":
                request_body.extend(message.get("body", b""))
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status, response_type
            if message["type"] == "http.response.start":
                status = message["status"]
                response_type = _header(message, b"content-type")
                # Logged before the client can see the answer, so a test that clears the log
                # after a response never sees that request appear later.
                log_request()
            elif message["type"] == "http.response.body" and response_body is not None:
                response_body.extend(message.get("body", b""))
            await send(message)

        request = Request(scope)
        xml = wants_xml(request, default=_COMPONENT_PATH.search(path) is not None)
        effect = state.faults.take(method, path)
        scope = _canonical_scope(scope)
        try:
            if effect.latency:
                await asyncio.sleep(effect.latency)
            if effect.timeout:
                status = await self._hang(scope, receive, recording_send, state.settings, xml=xml)
            elif effect.reset:
                await _break_connection(send)
            elif effect.lose_answer:
                status = await self._run_unanswered(scope, recording_receive)
                if effect.status is None:
                    await _break_connection(send)
                else:
                    # The write landed, yet the caller hears an error (a gateway gave up).
                    await self._fault_answer(effect, xml=xml)(scope, receive, send)
            elif effect.status is not None:
                await self._fault_answer(effect, xml=xml)(scope, receive, recording_send)
            elif not state.throttle.allow(_rate_limit_account(scope, state.settings)):
                # Boomi's answer past its limit: 503 with its error body, no Retry-After.
                response = error_response(
                    503,
                    "The server is too busy or the account exceeded its API rate limit; "
                    "try again later.",
                    xml=xml,
                )
                await response(scope, receive, recording_send)
            else:
                if state.settings.latency_seconds > 0:
                    await asyncio.sleep(state.settings.latency_seconds)
                await self._api(scope, recording_receive, recording_send)
        finally:
            log_request()

    @staticmethod
    def _fault_answer(effect: FaultEffect, *, xml: bool) -> Response:
        status = effect.status or 500
        return error_response(
            status,
            f"Injected fault: HTTP {status}.",
            xml=xml,
            headers=_fault_headers(status, effect.retry_after),
        )

    async def _run_unanswered(self, scope: Scope, receive: Receive) -> int:
        """Run the request and keep its answer to ourselves; the status it would have had."""
        answered = 0

        async def swallow(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = message["status"]

        await self._api(scope, receive, swallow)
        return answered

    @staticmethod
    async def _hang(
        scope: Scope, receive: Receive, send: Send, settings: EmulatorSettings, *, xml: bool
    ) -> int:
        """Hold the request until the client disconnects (logged 499) or ``hang_seconds`` pass."""

        async def disconnected() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        try:
            await asyncio.wait_for(disconnected(), timeout=settings.hang_seconds)
        except TimeoutError:
            response = error_response(504, "Injected fault: the request timed out.", xml=xml)
            await response(scope, receive, send)
            return 504
        return 499


async def _break_connection(send: Send) -> None:
    """Start an answer and never finish it: the server closes the connection, and the client
    is left with no response it can use (as when a connection is reset mid-answer)."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
        }
    )


def _fault_headers(status: int, retry_after: int | None) -> dict[str, str] | None:
    if status == 429:
        return {"Retry-After": str(retry_after)} if retry_after is not None else None
    if status == 401:
        return {"WWW-Authenticate": 'Basic realm="Boomi"'}
    return None


def _header(scope_or_message: Scope | Message, name: bytes) -> str:
    for key, value in scope_or_message.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def _canonical_scope(scope: Scope) -> Scope:
    """The request as routed: object names spelled as Boomi's document does and no trailing
    slash, since Boomi serves ``/packagedcomponent/`` as ``/PackagedComponent``."""
    match = _API_PATH.match(scope["path"])
    rest = match.group("rest") if match else None
    if match is None or not rest:
        return scope
    canonical = boomi_openapi().canonical_path(scope["method"], rest)
    if canonical == rest:
        return scope
    path = scope["path"][: match.start("rest")] + canonical
    return {**scope, "path": path, "raw_path": quote(path).encode("ascii")}


def _effective_account(scope: Scope) -> str:
    match = _API_PATH.match(scope["path"])
    account = match.group("account") if match else ""
    override = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("overrideAccount")
    return override[0] if override else account


def _rate_limit_account(scope: Scope, settings: EmulatorSettings) -> str:
    """The account a call counts against: the override account only when the primary has
    ``overrideAccountRateLimit`` on, else the (primary) account in the path."""
    if settings.override_account_rate_limit:
        return _effective_account(scope)
    match = _API_PATH.match(scope["path"])
    return match.group("account") if match else ""


def create_app(state: EmulatorState, *, state_file: Path | None = None) -> EmulatorApp:
    """The emulator over ``state``; with ``state_file`` it saves there on shutdown."""
    return EmulatorApp(state, state_file=state_file)
