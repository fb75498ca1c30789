"""?thinking=true and ?reasoning_format=... on relay URLs."""
from __future__ import annotations

from tests.integration.conversion_extras.conftest import post, sse_data


def chat(model: str, text: str = "hello there", **extra) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}], **extra}


def test_thinking_flag_turns_on_claude_thinking(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions?thinking=true", chat("claude-haiku-4-5", max_tokens=200,
                                                                     temperature=0.3))
    assert resp.status_code == 200, resp.text
    sent = emulator.last_request("/v1/messages")["json"]
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1024}
    assert sent["max_tokens"] > 1024 and "temperature" not in sent
    message = resp.json()["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about: hello there"  # our default field name
    assert message["content"] == "echo: hello there"


def test_without_the_flag_no_thinking_is_asked(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions", chat("claude-haiku-4-5", max_tokens=200))
    assert resp.status_code == 200
    assert "thinking" not in emulator.last_request("/v1/messages")["json"]
    assert "reasoning_content" not in resp.json()["choices"][0]["message"]


def test_reasoning_format_names_the_field(gateway):
    for field in ("reasoning", "thinking", "reasoning_content"):
        resp = post(gateway, f"/v1/chat/completions?thinking=true&reasoning_format={field}",
                    chat("claude-haiku-4-5", max_tokens=2000))
        message = resp.json()["choices"][0]["message"]
        assert message[field] == "Thinking about: hello there"
        assert [k for k in ("reasoning", "thinking", "reasoning_content") if k in message] == [field]


def test_reasoning_format_in_stream_deltas(gateway):
    resp = post(gateway, "/v1/chat/completions?thinking=true&reasoning_format=reasoning",
                chat("claude-haiku-4-5", max_tokens=2000, stream=True), stream=True)
    deltas = [c["choices"][0]["delta"] for c in sse_data(resp) if c.get("choices")]
    assert "".join(d.get("reasoning", "") for d in deltas) == "Thinking about: hello there"
    assert not any("reasoning_content" in d for d in deltas)
    assert "".join(d.get("content") or "" for d in deltas) == "echo: hello there"


def test_passthrough_reasoning_field_renamed_only_when_asked(gateway):
    plain = post(gateway, "/v1/chat/completions", chat("r1-reason-field", "hello there"))
    assert plain.json()["choices"][0]["message"]["reasoning"] == "Thinking about: hello there"  # provider's own
    renamed = post(gateway, "/v1/chat/completions?reasoning_format=reasoning_content",
                   chat("r1-reason-field", "hello there"))
    message = renamed.json()["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about: hello there" and "reasoning" not in message


def test_think_tags_become_reasoning(gateway):
    raw = post(gateway, "/v1/chat/completions", chat("r1-think"))
    assert raw.json()["choices"][0]["message"]["content"].startswith("<think>")  # untouched without the flag
    resp = post(gateway, "/v1/chat/completions?thinking=true", chat("r1-think"))
    message = resp.json()["choices"][0]["message"]
    assert message["reasoning_content"] == "Thinking about: hello there"
    assert message["content"] == "echo: hello there"


def test_think_tags_become_reasoning_in_streams(gateway):
    resp = post(gateway, "/v1/chat/completions?thinking=true&reasoning_format=reasoning",
                chat("r1-think", stream=True), stream=True, headers={"x-emu-chunks": "7"})
    deltas = [c["choices"][0]["delta"] for c in sse_data(resp) if c.get("choices")]
    assert "".join(d.get("reasoning", "") for d in deltas) == "Thinking about: hello there"
    assert "".join(d.get("content") or "" for d in deltas) == "echo: hello there"
    assert sse_data(resp)[-1]["usage"]["completion_tokens"] > 0


def test_thinking_flag_on_gemini_and_openai(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions?thinking=true", chat("gemini-2.5-flash"))
    assert resp.status_code == 200, resp.text
    sent = [r for r in emulator.requests() if "gemini-2.5-flash" in r["path"]][-1]["json"]
    assert sent["generationConfig"]["thinkingConfig"]["includeThoughts"] is True
    assert resp.json()["choices"][0]["message"]["reasoning_content"]
    def effort() -> str | None:
        sent = emulator.last_request()["json"]
        return (sent.get("reasoning") or {}).get("effort") or sent.get("reasoning_effort")

    assert post(gateway, "/v1/chat/completions", chat("o4-mini")).status_code == 200
    assert effort() is None
    reasoning = post(gateway, "/v1/chat/completions?thinking=true", chat("o4-mini"))
    assert reasoning.status_code == 200, reasoning.text
    assert effort() == "medium"
    plain = post(gateway, "/v1/chat/completions?thinking=true", chat("gpt-4o-mini"))
    assert plain.status_code == 200, plain.text  # a model without reasoning is not asked for it
    assert "reasoning_effort" not in emulator.last_request()["json"]


def test_claude_client_with_thinking_flag(gateway, emulator):
    body = {"model": "claude-haiku-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hello there"}]}
    resp = post(gateway, "/v1/messages?thinking=true", body)
    assert resp.status_code == 200, resp.text
    sent = emulator.last_request("/v1/messages")["json"]
    assert sent["thinking"]["type"] == "enabled" and sent["max_tokens"] > sent["thinking"]["budget_tokens"]
    assert resp.json()["content"][0]["type"] == "thinking"


def test_think_tags_for_claude_and_responses_clients(gateway):
    claude = {"model": "r1-think", "max_tokens": 100, "messages": [{"role": "user", "content": "hello there"}]}
    untouched = post(gateway, "/v1/messages", claude).json()
    assert [b["type"] for b in untouched["content"]] == ["text"] and "<think>" in untouched["content"][0]["text"]
    answer = post(gateway, "/v1/messages?thinking=true", claude).json()
    assert [(b["type"], b.get("thinking") or b.get("text")) for b in answer["content"]] == [
        ("thinking", "Thinking about: hello there"), ("text", "echo: hello there")]
    streamed = post(gateway, "/v1/messages?thinking=true", {**claude, "stream": True}, stream=True)
    deltas = [d["delta"] for d in sse_data(streamed) if d.get("type") == "content_block_delta"]
    assert "".join(d.get("thinking", "") for d in deltas) == "Thinking about: hello there"
    assert "".join(d.get("text", "") for d in deltas) == "echo: hello there"
    responses = post(gateway, "/v1/responses?thinking=true", {"model": "r1-think", "input": "hello there"}).json()
    assert [o["type"] for o in responses["output"]] == ["reasoning", "message"]
    assert responses["output"][1]["content"][0]["text"] == "echo: hello there"
