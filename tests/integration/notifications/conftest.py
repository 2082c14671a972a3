"""The service with notifications on, sending to a local SMTP server and webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.notifications.support import (
    HookReceiver,
    MailCatcher,
    hook_receiver,
    mail_catcher,
    notification_settings,
    notifying_service,
)
from tests.support.servers import EmulatorHandle
from tests.support.service import DemoService


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    with mail_catcher() as catcher:
        yield catcher


@pytest.fixture
def hooks() -> Iterator[HookReceiver]:
    with hook_receiver() as receiver:
        yield receiver


@pytest.fixture
def service(
    emulator: EmulatorHandle,
    tmp_path: Path,
    service_database_url: str,
    mail: MailCatcher,
    hooks: HookReceiver,
) -> Iterator[DemoService]:
    hooks.scripts["flaky"] = [500, 500]
    hooks.always.update({"down": 503, "gone": 404})
    settings = notification_settings(mail, hooks)
    with notifying_service(emulator, tmp_path, service_database_url, settings) as running:
        yield running
