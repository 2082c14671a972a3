"""`promo notifications test` sends one message to every configured channel and reports each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.integration.notifications.support import (
    HOOK_TOKEN_PATH,
    SMTP_PASSWORD,
    SMTP_USER,
    TEAM_LIST,
    HookReceiver,
    MailCatcher,
)

PROMO = [sys.executable, "-m", "boomi_promo.cli"]


def promo(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROMO_")}
    return subprocess.run(
        [*PROMO, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_every_channel_gets_a_test_message_and_a_failure_is_named(
    mail: MailCatcher, hooks: HookReceiver, tmp_path: Path
) -> None:
    hooks.always["gone"] = 404
    env = {
        "PROMO_DATA_DIR": str(tmp_path),
        "PROMO_NOTIFICATIONS__SMTP__HOST": mail.host,
        "PROMO_NOTIFICATIONS__SMTP__PORT": str(mail.port),
        "PROMO_NOTIFICATIONS__SMTP__SECURITY": "none",
        "PROMO_NOTIFICATIONS__SMTP__USERNAME": SMTP_USER,
        "PROMO_NOTIFICATIONS__SMTP__PASSWORD": SMTP_PASSWORD,
        "PROMO_NOTIFICATIONS__SMTP__SENDER": "promo@example.com",
        "PROMO_NOTIFICATIONS__EMAILS": json.dumps([{"name": "ops-mail", "to": [TEAM_LIST]}]),
        "PROMO_NOTIFICATIONS__WEBHOOKS": json.dumps(
            [
                {"name": "chat", "url": hooks.url("slack"), "format": "slack"},
                {"name": "cards", "url": hooks.url("teams"), "format": "teams"},
                {"name": "old-hook", "url": hooks.url("gone")},
            ]
        ),
    }

    result = promo(["notifications", "test"], env)

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"SENT    ops-mail: smtp://{mail.host}:{mail.port} to {TEAM_LIST}" in lines
    assert f"SENT    chat: slack webhook {hooks.base_url}" in lines
    assert f"SENT    cards: teams webhook {hooks.base_url}" in lines
    failed = next(line for line in lines if line.startswith("FAILED  old-hook"))
    assert "answered HTTP 404" in failed
    assert lines[-1] == "3 of 4 channel(s) took the test message."
    assert HOOK_TOKEN_PATH not in result.stdout + result.stderr
    assert SMTP_PASSWORD not in result.stdout + result.stderr
    assert [m["Subject"] for m in mail.messages] == ["[boomi-promo] boomi-promo test notification"]
    assert hooks.posts_to("slack")[0].body["text"].startswith("boomi-promo test notification")
    assert hooks.posts_to("teams")[0].body["attachments"][0]["content"]["type"] == "AdaptiveCard"


def test_without_channels_it_says_what_to_set(tmp_path: Path) -> None:
    result = promo(["notifications", "test"], {"PROMO_DATA_DIR": str(tmp_path)})

    assert result.returncode == 2
    assert "PROMO_NOTIFICATIONS__WEBHOOKS" in result.stderr


def test_a_bad_webhook_url_is_named_without_echoing_it(tmp_path: Path) -> None:
    secret_url = f"ftp://hooks.example.com/{HOOK_TOKEN_PATH}"
    env = {
        "PROMO_DATA_DIR": str(tmp_path),
        "PROMO_NOTIFICATIONS__WEBHOOKS": json.dumps([{"name": "x", "url": secret_url}]),
    }

    result = promo(["notifications", "test"], env)

    assert result.returncode == 2
    assert "notifications.webhooks.0.url" in result.stderr
    assert HOOK_TOKEN_PATH not in result.stderr
