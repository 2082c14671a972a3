"""What the service accepts before it parses anything: request body size and JSON nesting.

A body larger than ``Settings.max_request_bytes`` is answered 413 before it is read (when it
declares its length) or as soon as it passes the limit (when it is streamed), so one caller
cannot hold the event loop or the memory of every replica. JSON bodies are parsed off the event
loop when they are large, and refused when nested deeper than ``Settings.max_json_depth``: no
request profile nests more than a few levels, and deep nesting only exhausts the recursion that
validation needs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from boomi_promo.errors import InvalidRequest, RequestTooLarge

PARSE_IN_THREAD_BYTES = 64 * 1024
"""Bodies at least this large are parsed in a worker thread, not on the event loop."""


class BodySizeLimitMiddleware:
    """413 for a request whose body is larger than ``limit`` bytes, declared or streamed.

    A declared length over the limit is answered here, before the app runs; a streamed body
    that passes it raises :class:`RequestTooLarge` into the app, whose error handler answers.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            refusal = RequestTooLarge(self.limit)
            response = JSONResponse(refusal.envelope(), status_code=refusal.status_code)
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise RequestTooLarge(self.limit)
            return message

        await self.app(scope, limited_receive, send)


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit``, found without recursion."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _parse(raw: bytes, max_depth: int) -> Any:
    try:
        payload = json.loads(raw)
    except RecursionError:
        payload = None
        deep = True
    else:
        deep = _depth_exceeds(payload, max_depth)
    if deep:
        raise InvalidRequest(
            f"The request body nests objects or lists more than {max_depth} levels deep.",
            field="body",
        )
    return payload


async def parse_json_body(raw: bytes, *, max_depth: int) -> Any:
    """The parsed body; large bodies are parsed in a thread so other requests keep moving."""
    try:
        if len(raw) >= PARSE_IN_THREAD_BYTES:
            return await asyncio.to_thread(_parse, raw, max_depth)
        return _parse(raw, max_depth)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.", field="body") from exc
