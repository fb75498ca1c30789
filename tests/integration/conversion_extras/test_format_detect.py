"""AUTO_DETECT_API_FORMAT: bodies sent to another format's endpoint are served in their own format."""
from __future__ import annotations

import pytest
import requests

from tests.integration.conversion_extras.conftest import post, sse_events
from tests.integration.responses_state import deployment as dep

CLAUDE_BODY = {"model": "claude-haiku-4-5", "max_tokens": 64, "system": "Be brief.",
               "messages": [{"role": "user", "content": [{"type": "text", "text": "hello there"}]}]}
RESPONSES_BODY = {"model": "gpt-4o-mini", "input": "hello there", "instructions": "Be brief."}
CHAT_BODY = {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "Be brief."},
                                                  {"role": "user", "content": "hello there"}]}


def test_responses_body_on_chat_endpoint_answers_as_responses(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions", RESPONSES_BODY)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "response" and body["status"] == "completed"
    assert "echo: hello there" in body["output"][0]["content"][0]["text"]
    upstream = emulator.last_request()
    assert upstream["api_path"] == "/v1/responses" and upstream["json"]["input"] == "hello there"


def test_claude_body_on_chat_endpoint_answers_as_claude(gateway, emulator):
    resp = post(gateway, "/v1/chat/completions", CLAUDE_BODY)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["type"] == "message" and body["stop_reason"] == "end_turn"
    assert body["content"][0]["text"] == "echo: hello there"
    upstream = emulator.last_request()
    assert upstream["api_path"] == "/v1/messages" and upstream["json"]["system"] == "Be brief."


@pytest.mark.parametrize("endpoint", ["/v1/messages", "/v1/responses"])
def test_chat_body_on_other_endpoints_answers_as_chat(gateway, emulator, endpoint):
    resp = post(gateway, endpoint, CHAT_BODY)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["content"] == "echo: hello there"
    upstream = emulator.last_request()
    assert upstream["api_path"] == "/v1/chat/completions"
    assert upstream["json"]["messages"][0] == {"role": "system", "content": "Be brief."}


def test_streamed_responses_body_on_chat_endpoint(gateway):
    resp = post(gateway, "/v1/chat/completions", {**RESPONSES_BODY, "stream": True}, stream=True)
    assert resp.status_code == 200
    events = sse_events(resp)
    assert events[0] == "response.created" and events[-1] == "response.completed"


def test_ambiguous_body_keeps_the_endpoints_format(gateway, emulator):
    plain = {"model": "gpt-4o-mini", "max_tokens": 50, "messages": [{"role": "user", "content": "hello there"}]}
    resp = post(gateway, "/v1/messages", plain)
    assert resp.status_code == 200, resp.text
    assert resp.json()["type"] == "message"  # a Claude answer: the endpoint's own format
    chat = post(gateway, "/v1/chat/completions", plain)
    assert chat.json()["object"] == "chat.completion"


@pytest.fixture(scope="module")
def redirecting(provider_emulator, tmp_path_factory):  # noqa: F811
    deployment = dep.start("sqlite", tmp_path_factory.mktemp("detect-redirect"), provider_emulator.url,
                           [dep.ChannelSpec(1, "gpt-4o-mini")], AUTO_DETECT_API_FORMAT_ACTION="redirect")
    yield deployment
    dep.stop(deployment)


def test_redirect_action_points_to_the_right_endpoint(redirecting):
    headers = {"Authorization": f"Bearer {redirecting.key}"}
    resp = requests.post(redirecting.url + "/v1/chat/completions?x=1", json=RESPONSES_BODY, headers=headers,
                         timeout=30, allow_redirects=False)
    assert resp.status_code == 307 and resp.headers["Location"].endswith("/v1/responses?x=1")
    followed = requests.post(redirecting.url + "/v1/chat/completions", json=RESPONSES_BODY, headers=headers,
                             timeout=30)  # requests keeps method and body on a 307
    assert followed.status_code == 200 and followed.json()["object"] == "response"
    same = requests.post(redirecting.url + "/v1/chat/completions", json=CHAT_BODY, headers=headers, timeout=30,
                         allow_redirects=False)
    assert same.status_code == 200 and same.json()["object"] == "chat.completion"
