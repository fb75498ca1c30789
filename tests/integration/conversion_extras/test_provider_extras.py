"""Provider-native fields in a client's body (top level or ``extra_body``): kept when passing through,
delivered in the provider's protocol when converting, unknown fields dropped when converting."""
from __future__ import annotations

from tests.integration.conversion_extras.conftest import post

SAFETY = [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]


def chat(model: str, **extra) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": "hello there"}], **extra}


def gemini_sent(emulator) -> dict:
    return [r for r in emulator.requests() if ":generateContent" in r["path"]][-1]["json"]


def test_chat_client_gemini_fields(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions", chat("gemini-2.5-flash", top_k=7, safety_settings=SAFETY,
                                                      some_unknown_field=1))
    assert resp.status_code == 200, resp.text
    sent = gemini_sent(emulator)
    assert sent["generationConfig"]["topK"] == 7
    assert sent["safetySettings"] == SAFETY
    assert "some_unknown_field" not in sent and "safety_settings" not in sent


def test_literal_extra_body_is_lifted(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions", chat("gemini-2.5-flash", extra_body={"safetySettings": SAFETY}))
    assert resp.status_code == 200, resp.text
    assert gemini_sent(emulator)["safetySettings"] == SAFETY
    passthrough = post(gateway, "/v1/chat/completions",
                       chat("gpt-4o-mini", extra_body={"provider": {"order": ["a"]}, "top_k": 3}))
    assert passthrough.status_code == 200, passthrough.text
    sent = emulator.last_request("/v1/chat/completions")["json"]
    assert sent["provider"] == {"order": ["a"]} and sent["top_k"] == 3 and "extra_body" not in sent


def test_chat_client_claude_fields(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions", chat(
        "claude-haiku-4-5", max_tokens=3000, top_k=4, cache_control={"type": "ephemeral"},
        thinking={"type": "enabled", "budget_tokens": 1500}, provider={"order": ["x"]}))
    assert resp.status_code == 200, resp.text
    sent = emulator.last_request("/v1/messages")["json"]
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1500}
    assert sent["cache_control"] == {"type": "ephemeral"}
    assert "provider" not in sent  # OpenRouter's field means nothing to Anthropic
    assert resp.json()["choices"][0]["message"]["reasoning_content"]
    plain = post(gateway, "/v1/chat/completions", chat("claude-haiku-4-5", max_tokens=100, top_k=4))
    assert plain.status_code == 200 and emulator.last_request("/v1/messages")["json"]["top_k"] == 4


def test_claude_client_to_chat_provider(gateway, emulator):
    body = {"model": "gpt-4o-mini", "max_tokens": 100, "top_k": 5, "some_unknown_field": 1,
            "provider": {"sort": "price"}, "messages": [{"role": "user", "content": "hello there"}]}
    resp = post(gateway, "/v1/messages", body)
    assert resp.status_code == 200, resp.text
    sent = emulator.last_request("/v1/chat/completions")["json"]
    assert sent["provider"] == {"sort": "price"}
    assert "some_unknown_field" not in sent and "top_k" not in sent  # top_k is Claude's own: mapped, not copied


def test_chat_passthrough_keeps_unknown_fields(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions", chat("gpt-4o-mini", some_unknown_field={"a": 1}))
    assert resp.status_code == 200, resp.text
    assert emulator.last_request("/v1/chat/completions")["json"]["some_unknown_field"] == {"a": 1}


def test_lifted_fields_are_type_checked(gateway):
    resp = post(gateway, "/v1/chat/completions", chat("gpt-4o-mini", extra_body={"max_tokens": "five"}))
    assert resp.status_code == 400 and "max_tokens" in resp.json()["error"]["message"]
