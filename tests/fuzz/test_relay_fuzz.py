"""Fuzzing every relay route with hostile bodies, content types and credentials: never a 5xx (other than
502/503/504 for an upstream problem), never a logged exception, every error in the client's own format
(OpenAI, Anthropic or Gemini) and no secret in any error."""
from __future__ import annotations

import os
import urllib.parse

import pytest
from hypothesis import given, strategies as st

from tests.fuzz import harness
from tests.fuzz.settings import fuzz_settings
from tests.fuzz.strategies import HOSTILE_TEXT, content_types, multipart_bodies, raw_bodies
from tests.integration.relay.conftest import ALICE_APP_KEY, BOB_EXHAUSTED_KEY, BOB_KEY, ROOT_KEY
from tests.support import dbs

DIALECTS = [d for d in ("sqlite", "postgres")
            if d in os.environ.get("ONEAPI_TEST_DIALECTS", ",".join(dbs.DIALECTS)).split(",")]
pytestmark = pytest.mark.parametrize("target", DIALECTS, indirect=True, scope="module")
EXAMPLES = 20

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
CLAUDE = {"model": "claude-3-5-haiku-20241022", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
GEMINI = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": 8}}
JSON_ROUTES = {
    "/v1/chat/completions": CHAT,
    "/v1/completions": {"model": "gpt-3.5-turbo-instruct", "prompt": "hi", "max_tokens": 5},
    "/v1/embeddings": {"model": "text-embedding-3-small", "input": ["hi", "there"]},
    "/v1/moderations": {"model": "omni-moderation-latest", "input": "hi"},
    "/v1/images/generations": {"model": "dall-e-3", "prompt": "a cat", "n": 1, "size": "1024x1024"},
    "/v1/audio/speech": {"model": "tts-1", "input": "hi", "voice": "alloy"},
    "/v1/rerank": {"model": "rerank-v1", "query": "q", "documents": ["a", "b"], "top_n": 1},
    "/v1/responses": {"model": "gpt-4o-mini", "input": [{"role": "user", "content": "hi"}], "max_output_tokens": 16},
    "/v1/messages": CLAUDE,
    "/v1/messages/count_tokens": {"model": "claude-3-5-haiku-20241022", "messages": CLAUDE["messages"]},
    "/v1beta/models/gemini-1.5-flash:generateContent": GEMINI,
    "/v1beta/models/gemini-1.5-flash:streamGenerateContent?alt=sse": GEMINI,
    "/v1beta/models/gemini-1.5-flash:countTokens": GEMINI,
}
MULTIPART_ROUTES = {
    "/v1/audio/transcriptions": {"model": "whisper-1"},
    "/v1/audio/translations": {"model": "whisper-1", "response_format": "json"},
    "/v1/images/edits": {"model": "dall-e-2", "prompt": "a hat"},
}


def _credentials(path: str) -> st.SearchStrategy:
    """Mostly a valid key (so bodies reach validation and the upstream), sometimes anything else."""
    valid = {"Authorization": f"Bearer sk-{ROOT_KEY}"}
    if path.startswith("/v1beta"):
        valid = {"x-goog-api-key": ROOT_KEY}
    elif path.startswith("/v1/messages"):
        valid = {"x-api-key": ROOT_KEY, "anthropic-version": "2023-06-01"}
    others = [{}, {"Authorization": "Bearer sk-invalid"}, {"Authorization": "Bearer "}, {"Authorization": "sk-"},
              {"Authorization": f"Bearer sk-{BOB_KEY}"}, {"Authorization": f"Bearer sk-{ALICE_APP_KEY}"},
              {"Authorization": f"Bearer sk-{BOB_EXHAUSTED_KEY}"}, {"Authorization": f"Bearer sk-{ROOT_KEY}-1"},
              {"Authorization": f"Bearer sk-{ROOT_KEY}-99999999999999999999999"},
              {"Authorization": f"Bearer sk-{ROOT_KEY}-abc"}, {"Authorization": f"Bearer sk-{BOB_KEY}-2"},
              {"x-goog-api-key": "bad"}, {"Authorization": "Basic Zm9vOmJhcg=="}]
    return st.one_of(st.just(valid), st.just(valid), st.sampled_from(others))


def _send_and_check(target, group, method, path, body, ctype, headers):
    resp, data = target.send(group, method, path, body, ctype, headers)
    harness.check_relay(target, path, resp, data, f"{target.dialect} {method} {path} {ctype!r} {body[:300]!r}"
                                                  if body is not None else f"{method} {path}")
    return resp, data


@pytest.mark.parametrize("path", sorted(JSON_ROUTES))
def test_json_routes(target, path):
    @fuzz_settings(EXAMPLES)
    @given(body=raw_bodies(JSON_ROUTES[path]), ctype=content_types(), headers=_credentials(path))
    def run(body, ctype, headers):
        _send_and_check(target, f"relay {path.split('?')[0]}", "POST", path, body, ctype, headers)
    run()


@pytest.mark.parametrize("path", sorted(MULTIPART_ROUTES))
def test_multipart_routes(target, path):
    @fuzz_settings(EXAMPLES)
    @given(form=multipart_bodies(MULTIPART_ROUTES[path]), headers=_credentials(path),
           json_instead=st.integers(0, 5))
    def run(form, headers, json_instead):
        body, ctype = form
        if json_instead == 0:  # a JSON body where multipart is expected
            body, ctype = b'{"model": "whisper-1", "file": "x"}', "application/json"
        _send_and_check(target, f"relay {path}", "POST", path, body, ctype, headers)
    run()


_ids = st.one_of(st.sampled_from(["resp_123", "", "resp_" + "9" * 300, "..", "%00", "resp_%2F..%2Fx"]),
                 st.text(min_size=1, max_size=20))


def test_stored_response_routes(target):
    @fuzz_settings(EXAMPLES)
    @given(rid=_ids, action=st.sampled_from([("GET", ""), ("DELETE", ""), ("POST", "/cancel"),
                                             ("GET", "/input_items")]),
           headers=_credentials("/v1/responses"), query=st.sampled_from(["", "?limit=-1", "?after=%00&limit=99999"]))
    def run(rid, action, headers, query):
        method, suffix = action
        path = f"/v1/responses/{urllib.parse.quote(rid.encode('utf-8', 'surrogatepass'), safe='')}{suffix}{query}"
        _send_and_check(target, "relay /v1/responses/{id}", method, path, b"", None, headers)
    run()


_models = st.one_of(st.sampled_from(["gemini-1.5-flash", "", "models/", "gpt-4o-mini", "claude-3-5-haiku-20241022",
                                     "x" * 500, "a:b", "gemini-1.5-flash\x00"] + HOSTILE_TEXT[:12]),
                    st.text(max_size=20))


def test_gemini_model_paths(target):
    @fuzz_settings(EXAMPLES)
    @given(model=_models, action=st.one_of(st.sampled_from(["generateContent", "streamGenerateContent",
                                                            "countTokens", "", "embedContent"]), st.text(max_size=8)),
           version=st.sampled_from(["v1beta", "v1"]), body=raw_bodies(GEMINI),
           query=st.sampled_from(["", "?alt=sse", f"?key={ROOT_KEY}", "?key=bad", "?alt=%00"]))
    def run(model, action, version, body, query):
        target_part = urllib.parse.quote(f"{model}:{action}".encode("utf-8", "surrogatepass"), safe=":/")
        path = f"/{version}/models/{target_part}{query}"
        headers = {} if "key=" in query else {"x-goog-api-key": ROOT_KEY}
        resp, data = target.send("relay /v1beta/models/{model}:{action}", "POST", path, body, "application/json",
                                 headers)
        note = f"{target.dialect} POST {path} {body[:200]!r}"
        harness.check_relay(target, "/v1beta/models/x:generateContent", resp, data, note)
    run()
