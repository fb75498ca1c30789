"""Browser tests: Debian's chromium driven by Playwright against the real gunicorn server on SQLite.

Never runs ``playwright install``: the browser is /usr/bin/chromium (scripts/install-test-tools installs it).
Without it the tests skip with the reason, except under ONEAPI_REQUIRE_ALL_DBS=1 (CI), where they fail.
Screenshots of the main pages go to test-artifacts/screenshots/ (git-ignored).
"""
from __future__ import annotations

import os
import pathlib
import re

import pytest

from tests.support import dbs
from tests.support.app import gateway_env
from tests.support.server import GatewayServer

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = dbs.REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str):
    if dbs.require_all():
        pytest.fail(f"browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        _unavailable(f"{CHROMIUM} is missing (run scripts/install-test-tools as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, request):
    """A real gunicorn+gevent gateway on a fresh SQLite database (one per test module)."""
    tmp = tmp_path_factory.mktemp("browser-db")
    tdb = dbs.create("sqlite", tmp)
    ARTIFACTS.mkdir(exist_ok=True)
    extra = getattr(request.module, "GATEWAY_ENV", {})
    env = gateway_env(tdb, TIKTOKEN_CACHE_DIR=str(tmp), **extra)
    server = GatewayServer(env, log_path=str(ARTIFACTS / f"browser-{request.module.__name__.rsplit('.', 1)[-1]}.log"))
    server.start()
    server.tdb = tdb
    yield server
    server.stop()


@pytest.fixture
def page(browser, gateway):
    context = browser.new_context(base_url=gateway.url, viewport={"width": 1360, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str, full_page: bool = True) -> pathlib.Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # sticky header and sidebar render in place
    page.screenshot(path=str(path), full_page=full_page)
    return path


def sign_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label(re.compile("Username")).fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard"))
