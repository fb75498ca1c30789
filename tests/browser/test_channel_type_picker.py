"""Choosing a channel type in the form: the base URL placeholder, the known-model picker and the note on a type
the relay refuses follow the choice."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_the_form_follows_the_chosen_type(page):
    sign_in(page, "root", "123456")
    page.goto("/channel/new")
    base_url, note = page.get_by_label("Base URL"), page.locator("[data-type-note]")
    page.get_by_label("Type").select_option("23")
    expect(base_url).to_have_attribute("placeholder", "https://api.hunyuan.cloud.tencent.com")
    expect(page.get_by_role("button", name="hunyuan-turbos-latest", exact=True)).to_be_visible()
    expect(note).to_be_hidden()
    page.get_by_label("Type").select_option("15")
    expect(note).to_be_visible()
    expect(note).to_contain_text("use type 47")
    page.get_by_label("Type").select_option("50")
    expect(base_url).to_have_attribute("placeholder", re.compile("localhost:1234/v1"))
    expect(note).to_be_hidden()
    page.get_by_label("Type").select_option("29")
    page.get_by_role("button", name="Add all").click()
    assert page.get_by_label("Models").input_value().split(",")[:2] == ["llama-3.1-8b-instant",
                                                                        "llama-3.3-70b-versatile"]
