"""Structured logs: key=value on a terminal, JSON lines in production (``PROMO_LOG_JSON=true``).

Context that every line of a unit of work should carry (a request's ``request_id``, an
action's ``promotion_id``, a job's ``job_id``) is bound with structlog's contextvars, which
``merge_contextvars`` adds to each line written in that task.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's (or a proxy's) own id is kept only when it is short and plain: it lands in every
# log line and in a response header, where arbitrary text has no business.
_ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(header: str | None) -> str:
    """The id a caller sent in ``X-Request-ID`` when it is a plain token, else a new one."""
    if header is not None and _ACCEPTED_REQUEST_ID.fullmatch(header):
        return header
    return new_request_id()


def current_request_id() -> str | None:
    """The ``request_id`` bound to this task's log lines, if any."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return value if isinstance(value, str) else None


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the moment (test runners swap it per test)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(*, json_output: bool, level: int = logging.INFO) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json_output
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
