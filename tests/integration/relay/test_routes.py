"""Every relay route through the in-process app, against the stub upstream."""
from __future__ import annotations

import io

import pytest

from tests.integration.relay.conftest import ALICE_APP_KEY, BOB_KEY, ROOT_KEY

AUTH = {"Authorization": f"Bearer sk-{ROOT_KEY}"}


@pytest.fixture
def gw(sqlite_gateway):
    return sqlite_gateway


def _add_ability(gw, model: str, channel_id: int = 1) -> None:
    from oneapi.models import Ability
    from oneapi.services import cache
    with gw.db():
        Ability.insert(group="default", model=model, channel_id=channel_id, enabled=True, priority=10).execute()
    cache.invalidate_channels()


def test_completions_embeddings_engines_moderations(gw):
    for model in ("gpt-3.5-turbo-instruct", "text-moderation-stable", "text-embedding-ada-002"):
        _add_ability(gw, model)
    resp = gw.post("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "say"})
    assert resp.status_code == 200 and resp.get_json()["choices"][0]["text"] == "stub"
    assert gw.stub.hits("c1")[-1]["path"] == "/v1/completions"

    resp = gw.post("/v1/embeddings", {"model": "text-embedding-3-small", "input": "abc"})
    assert resp.status_code == 200 and resp.get_json()["data"][0]["embedding"] == [0.1, 0.2]

    resp = gw.post("/v1/engines/text-embedding-ada-002/embeddings", {"input": "abc"})
    assert resp.status_code == 200
    assert gw.stub.hits("c1")[-1]["path"] == "/v1/engines/text-embedding-ada-002/embeddings"

    resp = gw.post("/v1/moderations", {"input": "abc"})  # model defaults to text-moderation-stable
    assert resp.status_code == 200 and resp.get_json()["results"] == [{"flagged": False}]


def test_images_generation_and_edit_multipart(gw):
    _add_ability(gw, "dall-e-2")
    _add_ability(gw, "dall-e-3")
    resp = gw.post("/v1/images/generations", {"prompt": "a cat", "size": "1024x1024"})
    assert resp.status_code == 200 and resp.get_json()["data"][0]["url"].endswith("/dall-e-2.png")
    resp = gw.client.post("/v1/images/edits", headers=AUTH, content_type="multipart/form-data",
                          data={"model": "dall-e-3", "prompt": "hat",
                                "image": (io.BytesIO(b"\x89PNG fake"), "cat.png", "image/png")})
    assert resp.status_code == 200, resp.data
    hit = gw.stub.hits("c1")[-1]
    assert hit["path"] == "/v1/images/edits" and hit["form"]["model"] == "dall-e-3"
    assert hit["files"] == {"image": "cat.png"}
    assert gw.client.post("/v1/images/variations", headers=AUTH).status_code == 501


def test_audio_routes(gw):
    for model in ("whisper-1", "tts-1"):
        _add_ability(gw, model)
    for path in ("/v1/audio/transcriptions", "/v1/audio/translations"):
        resp = gw.client.post(path, headers=AUTH, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(b"RIFF...."), "talk.wav", "audio/wav")})
        assert resp.status_code == 200, resp.data
        assert resp.get_json()["text"] == "transcript of talk.wav by whisper-1"
        assert gw.stub.hits("c1")[-1]["path"] == path
    resp = gw.post("/v1/audio/speech", {"model": "tts-1", "input": "hello", "voice": "alloy"})
    assert resp.status_code == 200 and resp.content_type == "audio/mpeg"
    assert resp.data.startswith(b"ID3") and len(resp.data) == 4003


def test_rerank_and_responses(gw):
    _add_ability(gw, "rerank-1")
    resp = gw.post("/v1/rerank", {"model": "rerank-1", "query": "q", "documents": ["a"]})
    assert resp.status_code == 200 and resp.get_json()["results"][0]["relevance_score"] == 0.9
    resp = gw.post("/v1/responses", {"model": "gpt-4o-mini", "input": "hi"})
    assert resp.status_code == 200 and resp.get_json()["id"] == "resp_1"
    assert gw.stub.hits("c1")[-1]["path"] == "/v1/responses"
    for method, path in (("get", "/v1/responses/resp_1"), ("delete", "/v1/responses/resp_1"),
                         ("post", "/v1/responses/resp_1/cancel"), ("get", "/v1/responses/resp_1/input_items")):
        resp = getattr(gw.client, method)(path, headers=AUTH)
        assert resp.status_code == 200, (path, resp.data)
        assert gw.stub.hits("c1")[-1]["path"] == path and gw.stub.hits("c1")[-1]["method"] == method.upper()


def test_stored_responses_go_to_the_pinned_channel(gw):
    from oneapi.models import Channel
    with gw.db():
        pinned = Channel.create(type=1, key="sk-other", status=1, name="second openai", base_url=gw.stub.base("c9"),
                                models="gpt-4o-mini", group="default", priority=0)
    resp = gw.client.get("/v1/responses/resp_9", headers={"Authorization": f"Bearer sk-{ROOT_KEY}-{pinned.id}"})
    assert resp.status_code == 200, resp.data
    assert gw.stub.hits("c9")[-1]["path"] == "/v1/responses/resp_9"
    assert not any(hit["path"] == "/v1/responses/resp_9" for hit in gw.stub.hits("c1"))


def test_models_list_and_retrieve(gw):
    data = gw.get("/v1/models").get_json()
    assert data["object"] == "list"
    ids = [m["id"] for m in data["data"]]
    assert "gpt-4o" in ids and "claude-3-5-sonnet-20241022" in ids
    assert not any(m.startswith(("gemini", "deepseek", "llama")) for m in ids)  # disabled / other group
    vip = [m["id"] for m in gw.get("/v1/models", key=BOB_KEY).get_json()["data"]]
    assert "llama-3.1-70b" in vip
    one = gw.get("/v1/models/gpt-4o").get_json()
    assert one["id"] == "gpt-4o" and one["object"] == "model" and one["owned_by"] == "openai"
    missing = gw.get("/v1/models/gemini-1.5-flash")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "model_not_found"
    assert gw.get("/v1/models/gpt-4o", key=ALICE_APP_KEY).status_code == 404  # not in the token's list
    assert gw.client.delete("/v1/models/gpt-4o", headers=AUTH).status_code == 501


def test_dashboard_billing(gw):
    from tests.integration.relay.conftest import ADMIN_KEY
    for prefix in ("", "/v1"):
        sub = gw.get(f"{prefix}/dashboard/billing/subscription", key=ADMIN_KEY).get_json()
        # admin-ops: remain 4985534 + used 14466 = 5000000 quota = $10
        assert sub["object"] == "billing_subscription" and sub["hard_limit_usd"] == 10.0
        assert sub["access_until"] == 0 and sub["has_payment_method"] is True
        usage = gw.get(f"{prefix}/dashboard/billing/usage", key=ADMIN_KEY).get_json()
        assert usage == {"object": "list", "total_usage": pytest.approx(14466 / 500000 * 100)}
    unlimited = gw.get("/dashboard/billing/subscription").get_json()
    assert unlimited["soft_limit_usd"] == 100000000


def test_not_implemented_routes_need_auth_then_answer_501(gw):
    for method, path in (("get", "/v1/files"), ("post", "/v1/fine_tuning/jobs"), ("post", "/v1/assistants"),
                         ("get", "/v1/threads/t1/messages"), ("post", "/v1/threads")):
        assert getattr(gw.client, method)(path).status_code == 401
        resp = getattr(gw.client, method)(path, headers=AUTH)
        assert resp.status_code == 501
        err = resp.get_json()["error"]
        assert err["code"] == "api_not_implemented" and err["type"] == "one_api_error"
        assert err["message"].startswith("API not implemented (request id: ")


def test_unknown_v1_route_is_404_openai_style(gw):
    resp = gw.client.get("/v1/nothing-here", headers=AUTH)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"].startswith("Invalid URL (GET /v1/nothing-here)")


def test_channel_proxy(gw):
    resp = gw.client.get("/v1/oneapi/proxy/1/v1/anything?x=1", headers=AUTH)
    assert resp.status_code == 200 and resp.get_json() == {"ok": True, "path": "/v1/anything"}
    hit = gw.stub.hits("c1")[-1]
    assert hit["query"] == {"x": "1"} and hit["headers"]["authorization"].startswith("Bearer ")
    assert gw.client.get("/v1/oneapi/proxy/4/v1/x", headers=AUTH).status_code == 403


def test_channel_proxy_head_keeps_the_upstream_length(gw):
    length = len(gw.client.get("/v1/oneapi/proxy/1/v1/anything", headers=AUTH).data)
    resp = gw.client.head("/v1/oneapi/proxy/1/v1/anything", headers=AUTH)
    assert resp.status_code == 200 and resp.data == b"" and resp.headers["Content-Length"] == str(length)
    assert gw.stub.hits("c1")[-1]["method"] == "HEAD"


def test_channel_proxy_does_not_pass_on_encodings_the_gateway_cannot_decode(gw):
    resp = gw.client.get("/v1/oneapi/proxy/1/v1/anything", headers={**AUTH, "Accept-Encoding": "br, zstd"})
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
    sent = gw.stub.hits("c1")[-1]["headers"].get("accept-encoding", "")
    assert "br" not in sent and "zstd" not in sent


def test_cors(gw):
    pre = gw.client.options("/v1/chat/completions", headers={"Origin": "https://app.example",
                                                             "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    resp = gw.chat()
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_bad_json_body_is_400(gw):
    resp = gw.client.post("/v1/chat/completions", data=b"{not json", content_type="application/json",
                          headers=AUTH)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_text_request"


def test_gzip_request_body(gw):
    import gzip
    body = gzip.compress(b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}')
    resp = gw.client.post("/v1/chat/completions", data=body, content_type="application/json",
                          headers={**AUTH, "Content-Encoding": "gzip"})
    assert resp.status_code == 200


def test_consume_log_written_with_mapped_model(gw):
    from oneapi.models import Log
    resp = gw.chat(model="gpt-4o-mini")
    rid = resp.headers["X-Oneapi-Request-Id"]
    with gw.db():
        row = Log.get_or_none(Log.request_id == rid)
    assert row is not None and row.type == 2 and row.model_name == "gpt-4o-mini"
    assert row.prompt_tokens == 11 and row.completion_tokens == 6 and row.channel_id == 1
    assert row.quota > 0 and row.is_stream is False


def test_media_is_priced_up_front(gw):
    from oneapi.models import Log
    _add_ability(gw, "dall-e-2")
    _add_ability(gw, "tts-1")
    resp = gw.post("/v1/images/generations", {"model": "dall-e-2", "prompt": "a cat", "size": "1024x1024", "n": 2})
    assert resp.status_code == 200
    with gw.db():
        row = Log.get(Log.request_id == resp.headers["X-Oneapi-Request-Id"])
    assert row.model_name == "dall-e-2" and row.quota > 0
    one = gw.post("/v1/images/generations", {"model": "dall-e-2", "prompt": "a cat", "size": "1024x1024"})
    with gw.db():
        single = Log.get(Log.request_id == one.headers["X-Oneapi-Request-Id"])
    assert row.quota == 2 * single.quota  # n images cost n times one
    speech = gw.post("/v1/audio/speech", {"model": "tts-1", "input": "hello world", "voice": "alloy"})
    with gw.db():
        assert Log.get(Log.request_id == speech.headers["X-Oneapi-Request-Id"]).quota > 0
