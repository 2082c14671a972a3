"""A local SMTP server and a local webhook receiver, and the service sending to both.

``MailCatcher`` is an aiosmtpd server on a free loopback port that offers a login (no TLS:
loopback), records who logged in, and keeps every message it accepts. ``HookReceiver`` is a
Starlette app that keeps every POST per hook name and answers each hook from a script of
status codes (then 200).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boomi_promo.config import (
    EmailChannel,
    NotificationEvent,
    NotificationSettings,
    Settings,
    SmtpSecurity,
    SmtpSettings,
    WebhookChannel,
    WebhookFormat,
)
from boomi_promo.service import create_app
from boomi_promo.store.tables import NotificationDelivery
from tests.integration.promotion.support import store_of
from tests.support.process import free_port
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

SMTP_USER = "promo-mailer"
SMTP_PASSWORD = "mailer-secret-7731"
SENDER = "boomi-promo <promo@example.com>"
TEAM_LIST = "platform-team@example.com"
PUBLIC_URL = "https://promo.example.test"
HOOK_TOKEN_PATH = "T000/B000/XXXXSECRETXXXX"
"""Slack-style secret path every hook URL carries: it must never show up in a record."""
MAX_ATTEMPTS = 3

T = TypeVar("T")


@dataclass
class MailCatcher:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        del parsed["X-Envelope-To"]
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(parsed)
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        if (user, password) == (SMTP_USER, SMTP_PASSWORD):
            self.logins.append(user)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@contextmanager
def mail_catcher() -> Iterator[MailCatcher]:
    catcher = MailCatcher("127.0.0.1", free_port())
    controller = Controller(
        catcher,
        hostname=catcher.host,
        port=catcher.port,
        authenticator=catcher.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield catcher
    finally:
        controller.stop()


@dataclass
class Post:
    hook: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class HookReceiver:
    base_url: str = ""
    posts: list[Post] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)
    """Per hook, the status codes of its next answers; an empty script answers 200."""
    always: dict[str, int] = field(default_factory=dict)
    """Per hook, a status it always answers (a channel that is down, or gone)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, hook: str) -> str:
        return f"{self.base_url}/hooks/{hook}/{HOOK_TOKEN_PATH}"

    def posts_to(self, hook: str) -> list[Post]:
        with self.lock:
            return [post for post in self.posts if post.hook == hook]

    async def receive(self, request: Request) -> Response:
        hook = request.path_params["hook"]
        body = await request.json()
        with self.lock:
            self.posts.append(Post(hook, body, dict(request.headers)))
            script = self.scripts.get(hook, [])
            status = self.always.get(hook) or (script.pop(0) if script else 200)
        if status == 200:
            return Response("ok", media_type="text/plain")
        return JSONResponse({"error": f"scripted {status}"}, status_code=status)


@contextmanager
def hook_receiver() -> Iterator[HookReceiver]:
    receiver = HookReceiver()
    app = Starlette(
        routes=[Route("/hooks/{hook}/{token:path}", receiver.receive, methods=["POST"])]
    )
    with start_server(app, lifespan="off") as running:
        receiver.base_url = running.base_url
        yield receiver


def smtp_settings(catcher: MailCatcher) -> SmtpSettings:
    return SmtpSettings(
        host=catcher.host,
        port=catcher.port,
        security=SmtpSecurity.NONE,
        username=SMTP_USER,
        password=SMTP_PASSWORD,
        sender=SENDER,
        timeout_seconds=5,
    )


def notification_settings(catcher: MailCatcher, receiver: HookReceiver) -> NotificationSettings:
    """Every format on every event, plus three channels for deployments only: one that fails
    twice then recovers, one that is down, one that is gone (404)."""
    deployed = [NotificationEvent.DEPLOYED]
    return NotificationSettings(
        smtp=smtp_settings(catcher),
        emails=[EmailChannel(name="platform-mail", to=[TEAM_LIST], notify_initiator=True)],
        webhooks=[
            WebhookChannel(name="generic", url=receiver.url("generic"), signing_secret="s3cr3t"),
            WebhookChannel(name="slack", url=receiver.url("slack"), format=WebhookFormat.SLACK),
            WebhookChannel(name="teams", url=receiver.url("teams"), format=WebhookFormat.TEAMS),
            WebhookChannel(name="flaky", url=receiver.url("flaky"), events=deployed),
            WebhookChannel(name="down", url=receiver.url("down"), events=deployed),
            WebhookChannel(name="gone", url=receiver.url("gone"), events=deployed),
        ],
        poll_seconds=0.1,
        backoff_seconds=0.1,
        max_attempts=MAX_ATTEMPTS,
        timeout_seconds=5,
    )


@contextmanager
def notifying_service(
    emulator: EmulatorHandle,
    data_dir: Path,
    database_url: str,
    notifications: NotificationSettings,
) -> Iterator[DemoService]:
    base = service_settings(emulator, data_dir, database_url)
    settings: Settings = base.model_copy(
        update={"notifications": notifications, "public_url": PUBLIC_URL}
    )
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=data_dir, settings=settings
        )


async def deliveries(service: DemoService, **filters: str) -> list[NotificationDelivery]:
    async with store_of(service) as uow:
        return await uow.notifications.list_deliveries(**filters)


async def eventually(
    check: Callable[[], Awaitable[T | None]], *, timeout: float = 20.0, what: str = ""
) -> T:
    """``check()``'s first truthy result, polling until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.1)
