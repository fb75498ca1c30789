"""Sign in as root, create a token and copy its key, disable/enable it; the page is keyboard-usable."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


def test_sign_in_shows_dashboard_with_default_password_hint(page):
    page.goto("/dashboard")
    assert "/login" in page.url  # pages require a session
    sign_in(page, "root", "123456")
    assert page.get_by_text("still uses the default password").is_visible()
    assert page.get_by_test_id("remaining-quota").inner_text().startswith("$")
    screenshot(page, "dashboard")


def test_wrong_password_shows_the_error_next_to_the_form(page):
    page.goto("/login")
    page.get_by_label(re.compile("Username")).fill("root")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert "Wrong username or password" in page.get_by_role("alert").inner_text()
    assert "/login" in page.url
    screenshot(page, "login-error")


def test_create_token_copy_key_and_toggle(page):
    sign_in(page, "root", "123456")
    page.goto("/token/new")
    page.get_by_label(re.compile(r"^Name")).fill("browser-token")
    page.get_by_label("Quota (USD)").fill("2.5")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token-key").inner_text()
    assert re.fullmatch(r"sk-[A-Za-z0-9]{48}", key)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("tr", has_text="browser-token").get_by_role("button", name="Copy key of browser-token").click()
    assert page.evaluate("navigator.clipboard.readText()") == key  # one click copies the whole sk- key
    screenshot(page, "tokens")
    row = page.locator("tr", has_text="browser-token")
    assert "$2.50" in row.inner_text()
    row.get_by_role("button", name="Disable").click()
    row = page.locator("tr", has_text="browser-token")
    expect(row).to_contain_text("Disabled")
    row.get_by_role("button", name="Enable").click()
    expect(page.locator("tr", has_text="browser-token")).to_contain_text("Enabled")


def test_forms_work_with_the_keyboard_alone(page):
    page.goto("/login")
    page.keyboard.type("root")  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("123456")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dashboard"))
    page.goto("/token/new")
    page.keyboard.type("keyboard-token")  # name has the focus
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # "Unlimited quota"
    assert page.get_by_label("Unlimited quota").is_checked()
    page.get_by_label("Allowed subnets").focus()
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url(re.compile(r"/token\?created="))
    expect(page.get_by_test_id("new-token-key")).to_be_visible()
    expect(page.locator("tr", has_text="keyboard-token")).to_contain_text("Unlimited")
