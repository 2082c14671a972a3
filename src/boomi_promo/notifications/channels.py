"""Channels: where notifications go — e-mail over SMTP, and webhooks (JSON, Slack, Teams).

A channel sends one notification per call and raises :class:`DeliveryError` when it could
not; ``permanent`` says whether trying again could help (a 4xx answer, a refused login) or not.
Its ``target`` names where it sends without the secret a webhook URL carries in its path.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import smtplib
import ssl
from abc import ABC, abstractmethod
from email.message import EmailMessage
from email.utils import parseaddr

import httpx

from boomi_promo import config
from boomi_promo.config import NotificationEvent, NotificationSettings, SmtpSecurity, WebhookFormat
from boomi_promo.notifications.events import Notification
from boomi_promo.notifications.formats import (
    email_message,
    json_payload,
    slack_payload,
    teams_payload,
)

MAX_ERROR_CHARS = 500
RESPONSE_SNIPPET_CHARS = 200
SIGNATURE_HEADER = "X-Promo-Signature"
USER_AGENT = "boomi-promo-notifications"
TARGET_CHARS = 255
"""The width of the delivery record's ``target`` column."""


class DeliveryError(Exception):
    """Sending failed; ``permanent`` when repeating the same request cannot succeed."""

    def __init__(
        self, message: str, *, permanent: bool, retry_after_seconds: float | None = None
    ) -> None:
        super().__init__(message[:MAX_ERROR_CHARS])
        self.permanent = permanent
        self.retry_after_seconds = retry_after_seconds


class Channel(ABC):
    def __init__(self, name: str, events: list[NotificationEvent]) -> None:
        self.name = name
        self.events = frozenset(events)

    def wants(self, event: NotificationEvent) -> bool:
        return event in self.events

    @abstractmethod
    def target_for(self, notification: Notification) -> str:
        """Where this notification goes, fit for the delivery record (no secrets)."""

    @abstractmethod
    async def send(self, notification: Notification) -> None:
        """Deliver once; raise :class:`DeliveryError` on failure."""

    async def aclose(self) -> None:
        return None


class SmtpChannel(Channel):
    """E-mail through the configured SMTP server (stdlib ``smtplib``, in a worker thread)."""

    def __init__(self, channel: config.EmailChannel, smtp: config.SmtpSettings) -> None:
        super().__init__(channel.name, channel.events)
        self._channel = channel
        self._smtp = smtp

    def recipients(self, notification: Notification) -> list[str]:
        chosen = list(self._channel.to)
        if self._channel.notify_initiator:
            known = {parseaddr(address)[1].lower() for address in chosen}
            chosen.extend(p for p in notification.participants if p.lower() not in known)
        return chosen

    def target_for(self, notification: Notification) -> str:
        where = f"smtp://{self._smtp.host}:{self._smtp.port} to "
        return (where + ", ".join(self.recipients(notification)))[:TARGET_CHARS]

    async def send(self, notification: Notification) -> None:
        message = email_message(
            notification, sender=self._smtp.sender, recipients=self.recipients(notification)
        )
        await asyncio.to_thread(self._send_blocking, message)

    def _send_blocking(self, message: EmailMessage) -> None:
        smtp = self._smtp
        try:
            context = ssl.create_default_context(
                cafile=str(smtp.ca_file) if smtp.ca_file is not None else None
            )
            client: smtplib.SMTP
            if smtp.security is SmtpSecurity.TLS:
                client = smtplib.SMTP_SSL(
                    smtp.host, smtp.port, timeout=smtp.timeout_seconds, context=context
                )
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
            with client:
                if smtp.security is SmtpSecurity.STARTTLS:
                    client.starttls(context=context)
                if smtp.username:
                    client.login(smtp.username, smtp.password.get_secret_value())
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(
                f"the SMTP server refused the login of {smtp.username}: {error.smtp_code}",
                permanent=True,
            ) from error
        except smtplib.SMTPRecipientsRefused as error:
            refused = ", ".join(sorted(error.recipients))
            raise DeliveryError(
                f"the SMTP server refused every recipient: {refused}", permanent=True
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise DeliveryError(
                f"the SMTP server does not support what the settings ask: {error}",
                permanent=True,
            ) from error
        except smtplib.SMTPResponseException as error:
            reply = _text(error.smtp_error)
            raise DeliveryError(
                f"the SMTP server answered {error.smtp_code}: {reply}",
                permanent=error.smtp_code >= 500,
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(
                f"could not send through {smtp.host}:{smtp.port}: {type(error).__name__}: {error}",
                permanent=False,
            ) from error


class HttpWebhookChannel(Channel):
    """A POST of the notification as JSON in the channel's format."""

    def __init__(self, channel: config.WebhookChannel, *, timeout_seconds: float) -> None:
        super().__init__(channel.name, channel.events)
        self._url = channel.url.get_secret_value()
        url = httpx.URL(self._url)
        self._format = channel.format
        self._signing_secret = channel.signing_secret.get_secret_value().encode()
        self._where = f"{url.scheme}://{url.netloc.decode()}"
        self._client = httpx.AsyncClient(
            timeout=timeout_seconds, headers={"User-Agent": USER_AGENT}, follow_redirects=False
        )

    def target_for(self, notification: Notification) -> str:
        return f"{self._format.value} webhook {self._where}"[:TARGET_CHARS]

    def payload(self, notification: Notification) -> dict[str, object]:
        if self._format is WebhookFormat.SLACK:
            return slack_payload(notification)
        if self._format is WebhookFormat.TEAMS:
            return teams_payload(notification)
        return json_payload(notification)

    async def send(self, notification: Notification) -> None:
        body = json.dumps(self.payload(notification), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if self._signing_secret:
            digest = hmac.new(self._signing_secret, body, hashlib.sha256).hexdigest()
            headers[SIGNATURE_HEADER] = f"sha256={digest}"
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as error:
            # The URL's path is the secret of Slack and Teams hooks: never in a message.
            reason = str(error).replace(self._url, self._where) or type(error).__name__
            raise DeliveryError(
                f"could not reach {self._where}: {type(error).__name__}: {reason}",
                permanent=False,
            ) from error
        if response.is_success:
            return
        status = response.status_code
        snippet = response.text[:RESPONSE_SNIPPET_CHARS].replace(self._url, self._where)
        raise DeliveryError(
            f"{self._where} answered HTTP {status}: {snippet}".rstrip(": "),
            permanent=400 <= status < 500 and status not in (408, 425, 429),
            retry_after_seconds=_retry_after(response),
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def build_channels(settings: NotificationSettings) -> list[Channel]:
    """Every configured channel (the settings have checked addresses and URLs)."""
    channels: list[Channel] = [SmtpChannel(email, settings.smtp) for email in settings.emails]
    channels.extend(
        HttpWebhookChannel(hook, timeout_seconds=settings.timeout_seconds)
        for hook in settings.webhooks
    )
    return channels


async def send_to_each(
    channels: list[Channel], notification: Notification
) -> list[tuple[Channel, str | None]]:
    """One attempt per channel, at once: each channel with its failure (``None``: sent).

    The channels are closed afterwards.
    """

    async def attempt(channel: Channel) -> tuple[Channel, str | None]:
        try:
            await channel.send(notification)
        except DeliveryError as error:
            return channel, str(error)
        return channel, None

    try:
        return list(await asyncio.gather(*(attempt(channel) for channel in channels)))
    finally:
        for channel in channels:
            await channel.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply
