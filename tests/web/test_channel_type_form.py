"""The channel form offers every channel type of the original and the fork, with each type's default base URL (or
what to enter) as the base URL placeholder, its known models for the picker, and a note on refused types."""
from __future__ import annotations

import html
import json
import re

from oneapi.services import channel_types

FORM = {"name": "typed", "key": "sk-typed", "base_url": "", "models": "hunyuan-lite", "group": "default",
        "priority": "0", "weight": "0", "ratelimit": "0", "model_mapping": "", "model_configs": "", "config": ""}


def _data(page: str, attr: str) -> dict:
    return json.loads(html.unescape(re.search(rf"{attr}='([^']*)'", page).group(1)))


def test_every_type_is_offered_with_its_base_url_hint_models_and_note(root):
    page = root.get("/channel/new").get_data(as_text=True)
    select = re.search(r'<select id="f-type".*?</select>', page, re.S).group(0)
    offered = {int(v): html.unescape(text) for v, text in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)<', select)}
    assert set(offered) == set(range(58))
    assert offered[23] == "Tencent (23)" and offered[15].startswith("Baidu (15) — ")
    base_urls = _data(page, "data-base-urls")
    assert base_urls["23"] == "https://api.hunyuan.cloud.tencent.com"
    assert base_urls["16"] == "https://open.bigmodel.cn" and base_urls["29"] == "https://api.groq.com/openai"
    assert "localhost:1234/v1" in base_urls["50"] and "openai.azure.com" in base_urls["3"]
    models = _data(page, "data-type-models")
    assert models["25"] == list(channel_types.TYPES[25].models) and "glm-4.5" in models["16"]
    notes = _data(page, "data-type-notes")
    assert set(notes) == {"11", "15", "18", "21", "38"} and "use type 47" in notes["15"]
    assert all(base_urls[str(t)] for t in range(58) if str(t) not in notes), "every usable type gets a placeholder"


def test_a_channel_of_a_vendor_type_is_created_and_edited_with_its_type(root, web_app):
    from oneapi.models import Channel
    assert root.post("/channel/new", {**FORM, "type": "23"}).status_code == 302
    with web_app.app_context():
        channel = Channel.get(Channel.name == "typed")
        assert (channel.type, channel.base_url) == (23, "")
    page = root.get(f"/channel/{channel.id}/edit").get_data(as_text=True)
    assert '<option value="23" selected>' in page
    assert root.post(f"/channel/{channel.id}/edit", {**FORM, "type": "56", "key": ""}).status_code == 302
    with web_app.app_context():
        assert Channel.get_by_id(channel.id).type == 56
