"""The issue's end-to-end flow in a real browser against the real gunicorn server and the provider emulator:
root signs in, adds a channel pointing at the emulator, creates a token, the token is used through
/v1/chat/completions, the request shows up in the logs with its cost, root changes a user's quota, and a
common user cannot reach the admin pages."""
from __future__ import annotations

import re

import pytest
import requests

from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in


@pytest.fixture(scope="module")
def emulator():
    from tests.emulator import start_emulator
    emu = start_emulator(mode="subprocess")
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def state():
    return {}


def test_root_adds_a_channel_to_the_emulator(page, emulator):
    sign_in(page, "root", "123456")
    page.get_by_role("link", name="Channels").click()
    page.get_by_role("link", name="New channel").click()
    page.get_by_label("Type").select_option("1")
    page.get_by_label(re.compile(r"^Name")).fill("emulator")
    page.get_by_label(re.compile(r"^Key")).fill("sk-emulator-key")
    page.get_by_label("Base URL").fill(emulator.url)
    page.get_by_role("button", name="gpt-4o-mini", exact=True).click()  # the type's model picker
    assert page.get_by_label(re.compile(r"^Models")).input_value() == "gpt-4o-mini"
    page.get_by_label("Model mapping").fill('{"gpt-4o-mini": 5}')
    expect(page.locator("#f-model_mapping-err")).to_be_visible()  # validated while typing
    page.get_by_label("Model mapping").fill("")
    screenshot(page, "channel-form")
    page.get_by_role("button", name="Create channel").click()
    row = page.locator("tr", has_text="emulator")
    expect(row).to_contain_text("Enabled")
    expect(row).to_contain_text("OpenAI")
    row.get_by_role("button", name="Test").click()
    page.wait_for_function("document.querySelector('[id^=rt-]').className.includes('badge')")
    latency = row.locator("[id^=rt-]")
    assert "badge-green" in latency.get_attribute("class"), latency.get_attribute("title")
    assert re.fullmatch(r"\d+\.\d\d s", latency.inner_text())  # the test's latency, shown in place
    screenshot(page, "channels")


def test_root_creates_a_token_and_uses_it(page, gateway, state):
    sign_in(page, "root", "123456")
    page.goto("/token/new")
    page.get_by_label(re.compile(r"^Name")).fill("e2e")
    page.get_by_label("Unlimited quota").check()
    assert page.get_by_label("Quota (USD)").is_disabled()
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token-key").inner_text()
    assert re.fullmatch(r"sk-[A-Za-z0-9]{48}", key)
    answer = requests.post(f"{gateway.url}/v1/chat/completions", timeout=30,
                           headers={"Authorization": f"Bearer {key}"},
                           json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello there"}]})
    assert answer.status_code == 200, answer.text
    state["request_id"] = answer.headers["X-Oneapi-Request-Id"]
    state["usage"] = answer.json()["usage"]


def test_the_request_shows_in_logs_with_its_cost(page, state):
    sign_in(page, "root", "123456")
    page.goto("/log?type=2")
    row = page.locator("[data-testid=logs-table] tbody tr").first
    text = row.inner_text()
    assert "gpt-4o-mini" in text and "e2e" in text
    assert str(state["usage"]["prompt_tokens"]) in text
    cost = row.get_by_test_id("log-cost").inner_text()
    assert re.fullmatch(r"\$0\.0\d+", cost) and cost != "$0.00"
    row.get_by_text("View").click()
    assert state["request_id"] in row.inner_text()
    page.get_by_role("link", name="Calculate").click()
    page.wait_for_function("document.getElementById('spent').textContent.startsWith('$')")
    screenshot(page, "logs")
    page.goto("/report")
    assert page.get_by_test_id("report-cost").inner_text() != "$0.00"
    assert "gpt-4o-mini" in page.get_by_test_id("report-table").inner_text()
    screenshot(page, "reports")
    page.goto("/dashboard")
    screenshot(page, "dashboard-with-usage")


def test_root_changes_a_users_quota(page, gateway):
    sign_in(page, "root", "123456")
    page.goto("/user/new")
    page.get_by_label(re.compile(r"^Username")).fill("bob")
    page.get_by_label(re.compile(r"^Password")).fill("bob-password")
    page.get_by_role("button", name="Create user").click()
    row = page.locator("tr[data-user=bob]")
    row.get_by_role("link", name="Edit").click()
    page.get_by_label("Remaining quota (USD)").fill("42")
    page.get_by_label("Group").select_option("vip")
    page.get_by_role("button", name="Save").click()
    row = page.locator("tr[data-user=bob]")
    expect(row).to_contain_text("$42.00")
    expect(row).to_contain_text("vip")
    screenshot(page, "users")


def test_root_creates_codes_and_bob_redeems_one(page, browser, gateway, state):
    sign_in(page, "root", "123456")
    page.goto("/redemption")
    page.get_by_label(re.compile(r"^Name")).fill("launch")
    page.get_by_label(re.compile(r"^Amount")).fill("5")
    page.get_by_label("Number of codes").fill("3")
    page.get_by_role("button", name="Create", exact=True).click()
    codes = page.get_by_test_id("new-codes").input_value().split("\n")
    assert len(codes) == 3
    table = page.get_by_test_id("redemptions-table")
    expect(table.get_by_text("Unused", exact=True)).to_have_count(3)
    table.locator("tbody tr").first.get_by_role("button", name="Disable").click()
    expect(page.get_by_test_id("redemptions-table").get_by_text("Unused", exact=True)).to_have_count(2)
    screenshot(page, "redemptions")
    state["code"] = codes[0]  # the oldest code (the list shows the newest first)


def test_common_user_tops_up_with_a_code(page, state):
    sign_in(page, "bob", "bob-password")
    page.goto("/topup")
    page.get_by_label(re.compile(r"^Redemption code")).fill("not-a-code")
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator("#f-key-err")).to_be_visible()
    page.get_by_label(re.compile(r"^Redemption code")).fill(state["code"])
    page.get_by_role("button", name="Redeem").click()
    expect(page.get_by_test_id("balance")).to_have_text("$47.00")
    screenshot(page, "topup")
    page.get_by_label(re.compile(r"^Redemption code")).fill(state["code"])
    page.get_by_role("button", name="Redeem").click()
    expect(page.locator("#f-key-err")).to_contain_text("already been used")
    state["bob_balance"] = "$47.00"


def test_common_user_cannot_reach_admin_pages(page):
    sign_in(page, "bob", "bob-password")
    nav = page.locator("nav[aria-label=Main]").inner_text()
    assert "Channels" not in nav and "Users" not in nav and "Settings" not in nav
    for path in ("/channel", "/user", "/redemption", "/setting"):
        response = page.goto(path)
        assert response.status == 403, path
        assert page.get_by_text("You do not have permission").is_visible()
    assert page.goto("/topup").status == 200
    assert page.get_by_test_id("balance").inner_text() == "$47.00"


def test_main_pages_in_chinese_and_on_a_phone(browser, gateway):
    context = browser.new_context(base_url=gateway.url, viewport={"width": 390, "height": 844},
                                  locale="zh-CN", device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto("/login")
        assert page.locator("h1").inner_text() == "登录"
        page.locator("#f-username").fill("root")
        page.locator("#f-password").fill("123456")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(re.compile(r"/dashboard"))
        assert page.locator(".sidebar").bounding_box()["x"] < 0  # the menu is folded away on a phone
        page.get_by_role("button", name="菜单").click()
        page.wait_for_timeout(250)
        assert page.locator(".sidebar").bounding_box()["x"] >= 0
        screenshot(page, "phone-menu-zh", full_page=False)
        page.goto("/dashboard")
        screenshot(page, "phone-dashboard-zh")
        page.goto("/channel")
        screenshot(page, "phone-channels-zh")
    finally:
        context.close()


def test_settings_and_pricing_pages(page):
    sign_in(page, "root", "123456")
    page.goto("/setting")
    page.get_by_label("Group ratios").fill('{"default": 1, "vip": "x"}')
    expect(page.locator("#f-GroupRatio-err")).to_be_visible()
    screenshot(page, "settings")
    page.goto("/pricing")
    assert "gpt-4o-mini" in page.get_by_test_id("pricing-table").inner_text()
    screenshot(page, "pricing")
