"""Browser tests: Debian's Chromium, headless, driven by Playwright against a live Recoup server.

The server is pytest-django's `live_server` (a real HTTP server on 127.0.0.1 serving the test
database). Chromium may reach nothing but 127.0.0.1: host names resolve nowhere, and any request
to another address is aborted and fails the test. A Content-Security-Policy violation fails the
test too. Screenshots go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, expect

from recoup.accounts.models import Role, User
from recoup.accounts.services import user_create
from recoup.core.answers import answers_forget

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body
# (fixtures, assertions on the database) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Pages computed from the KPI engine take seconds on a fresh in-memory analytics copy (every
# test starts from one): assertions wait for them as long as navigations do.
expect.set_options(timeout=60_000)

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "a long e2e passphrase 7"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
        ],
    }


@pytest.fixture
def server_url(live_server: Any, transactional_db: None) -> Iterator[str]:
    answers_forget()  # computed pages are cached per process: start cold
    url: str = live_server.url
    yield url
    answers_forget()


class BrowserWatch:
    """What the page did that a test must never allow: leave the machine, or break the CSP."""

    def __init__(self) -> None:
        self.outside_requests: list[str] = []
        self.csp_violations: list[str] = []
        self.page_errors: list[str] = []
        # Scripts and styles that did not arrive: a page without htmx never polls.
        self.failed_assets: list[str] = []

    def route(self, route: Route, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            self.outside_requests.append(request.url)
            route.abort("blockedbyclient")

    def request_failed(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        # ERR_ABORTED: the page moved on before the file arrived (a click, a redirect).
        aborted = "ERR_ABORTED" in str(request.failure)
        if (
            host in LOCAL_HOSTS
            and request.resource_type in {"script", "stylesheet"}
            and not aborted
        ):
            self.failed_assets.append(f"{request.url}: {request.failure}")

    def console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def check(self) -> None:
        assert not self.outside_requests, f"requests left 127.0.0.1: {self.outside_requests}"
        assert not self.csp_violations, f"CSP violations: {self.csp_violations}"
        assert not self.page_errors, f"JavaScript errors: {self.page_errors}"
        assert not self.failed_assets, f"scripts or styles that failed: {self.failed_assets}"


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server_url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    watch = BrowserWatch()
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    page.on("requestfailed", watch.request_failed)
    # The first dashboard of a test computes every KPI on a fresh in-memory analytics copy.
    page.set_default_timeout(60_000)
    yield page
    context.close()
    watch.check()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def shots_at_both_widths(page: Page, screenshot: Callable[[Page, str], Path], name: str) -> None:
    """Full-page screenshots at 1366 and 390 px (and the phone's first screen), asserting that
    nothing is wider than the phone: the page never scrolls sideways."""
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, f"{name}-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, f"{name}-390")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-390-first-screen.png"))
    page.set_viewport_size({"width": 1280, "height": 900})


def person(username: str, role: Role, first_name: str = "") -> User:
    return user_create(
        username=username, password=PASSWORD, role=role, first_name=first_name or username.title()
    )


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/$|/[^l][^/]*/"))
