"""Browser-test harness: the real app served by uvicorn in a thread, driven by Debian's
Chromium through Playwright. Fixtures: `browser` (one per session), `live_server` (base URL,
per test, on the test's database and virtual clock), `page` (a fresh browser context with
`base_url` set, so `page.goto("/customers")` works), `log_in` (sign `page` in through the
form), `screenshot` (full-page PNG under test-output/screenshots/)."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from careloop.context import AppContext
from careloop.web.app import create_app
from tests.conftest import TEST_PASSWORD

# Waits are for conditions; these are only the bounds after which a wait counts as failed.
# A loaded 2-core machine (two test workers, a browser, a server) can take well over
# Playwright's 5 s default to log in or render a page, so the bounds are generous.
CONDITION_TIMEOUT_MS = 45_000
expect.set_options(timeout=CONDITION_TIMEOUT_MS)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/system-deps.sh` (or `make test`)")
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary profile (user-data-dir).
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(ctx: AppContext) -> Iterator[str]:
    """The real app on a free port of 127.0.0.1, serving the test's database and clock."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening before the thread starts: no wait-until-ready loop needed
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(ctx), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(CONDITION_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a full-page PNG under test-output/screenshots/<test>-<name>.png."""

    def take(tab: Page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        test = re.sub(r"[^\w-]+", "_", request.node.name)
        path = SCREENSHOTS / f"{test}-{name}.png"
        tab.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take


@pytest.fixture
def log_in(page: Page) -> Callable[..., Page]:
    """log_in(email, password=TEST_PASSWORD, locale="en"): signs `page` in through the login
    form and switches the UI language (None keeps the shop's); returns the page on "/"."""

    def sign_in(email: str, password: str = TEST_PASSWORD, locale: str | None = "en") -> Page:
        page.goto("/login")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(password)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(re.compile(r"/$"))
        if locale is not None:
            page.wait_for_load_state()  # the select submits itself once careloop.js listens
            page.locator("#lang-select").select_option(locale)
            page.wait_for_load_state()
            page.wait_for_selector(f"html[lang={locale}]")
        return page

    return sign_in
