"""Headless Chromium for the dashboard tests: Debian's browser, driven by Playwright.

Playwright's own browser downloads are not used (and not possible offline): the system
Chromium is launched directly. Each test gets a fresh browser context (no cookies shared),
and fails if the page hit a Content-Security-Policy violation or an uncaught script error;
``open_tab`` gives a test with several users one such context per user.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
DEFAULT_TIMEOUT_MS = 15_000
# Assertions wait as long as actions do: a page that asks Boomi (a review reads the whole tree)
# can take more than expect's 5 s default on a loaded 2-core machine.
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def watched_tab(context: BrowserContext, problems: list[str]) -> Page:
    """A new tab whose policy violations and uncaught script errors land in ``problems``."""

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught script error: {error.message}")

    tab = await context.new_page()
    tab.on("console", on_console)
    tab.on("pageerror", on_page_error)
    return tab


async def new_context(browser: Browser) -> BrowserContext:
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await new_context(browser)
    problems: list[str] = []
    tab = await watched_tab(context, problems)
    try:
        yield tab
    finally:
        await context.close()
    assert problems == [], "the page reported script or policy problems"


@pytest.fixture
async def open_tab(browser: Browser) -> AsyncIterator[Callable[[], Awaitable[Page]]]:
    """Opens tabs in browsers of their own (no shared cookies): one per signed-in user."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    async def opener() -> Page:
        context = await new_context(browser)
        contexts.append(context)
        return await watched_tab(context, problems)

    try:
        yield opener
    finally:
        for context in contexts:
            await context.close()
    assert problems == [], "a page reported script or policy problems"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR
