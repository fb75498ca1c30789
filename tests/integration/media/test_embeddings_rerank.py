"""Embeddings and rerank through the gateway against the emulator: /v1/embeddings on OpenAI-compatible vendors
(each at its own path), Azure deployments, Gemini (batchEmbedContents) and Cohere; /v1/rerank (a fork route) on
Cohere, SiliconFlow-style and OpenAI-compatible channels; each billed by the input tokens."""
from __future__ import annotations

import base64
import struct

import pytest

from oneapi.relay.metering import count_text
from tests.emulator.vectors import embedding_for

INPUTS = ["the quick brown fox", "jumps over"]


def _check_vectors(answer: dict, encoding: str = "float") -> None:
    assert answer["object"] == "list" and [d["index"] for d in answer["data"]] == [0, 1]
    for item, text in zip(answer["data"], INPUTS):
        vector = item["embedding"]
        if encoding == "base64":
            raw = base64.b64decode(vector)
            vector = list(struct.unpack(f"<{len(raw) // 4}f", raw))
        assert vector == pytest.approx(embedding_for(text, None), rel=1e-5)


@pytest.mark.parametrize("type_id, model, path", [
    (1, "text-embedding-3-small", "/v1/embeddings"),                  # OpenAI
    (16, "embedding-3", "/api/paas/v4/embeddings"),                   # Zhipu
    (17, "text-embedding-v3", "/compatible-mode/v1/embeddings"),      # Ali DashScope
    (28, "mistral-embed", "/v1/embeddings"),                          # Mistral
    (39, "BAAI/bge-large-en-v1.5", "/v1/embeddings"),                 # Together
    (44, "BAAI/bge-m3", "/v1/embeddings"),                            # SiliconFlow
    (57, "BAAI/bge-m3", "/v1/openai/embeddings"),                     # DeepInfra
    (35, "embed-english-v3.0", "/compatibility/v1/embeddings"),       # Cohere
])
def test_embeddings_on_openai_compatible_vendors(world, emu, type_id, model, path):
    cid = world.create_channel(type_id, model)
    resp = world.post(cid, "/v1/embeddings", {"model": model, "input": INPUTS})
    assert resp.status_code == 200, resp.text
    _check_vectors(resp.json())
    sent = emu.last_request()
    assert sent["api_path"] == path and sent["json"]["input"] == INPUTS
    quota, prompt, completion = world.charged(resp)
    assert (prompt, completion) == (6, 0) and quota > 0


def test_openai_embedding_price_and_base64_passthrough(world, emu):
    cid = world.create_channel(1, "text-embedding-3-large")
    resp = world.post(cid, "/v1/embeddings", {"model": "text-embedding-3-large", "input": INPUTS,
                                              "encoding_format": "base64"})
    assert resp.status_code == 200, resp.text
    _check_vectors(resp.json(), "base64")
    # 6 tokens at the original's ratio 0.065 ($0.13 / 1M): ceil(0.39)
    assert world.charged(resp) == (1, 6, 0)


def test_azure_deployment_embeddings(world, emu):
    import json
    cid = world.create_channel(3, "text-embedding-3-small", key="azkey",
                               other="2024-10-21", config=json.dumps({"api_version": "2024-10-21"}))
    resp = world.post(cid, "/v1/embeddings", {"model": "text-embedding-3-small", "input": INPUTS})
    assert resp.status_code == 200, resp.text
    _check_vectors(resp.json())
    sent = emu.last_request()
    assert sent["api_path"] == "/openai/deployments/text-embedding-3-small/embeddings"
    assert sent["headers"]["api-key"] == "azkey"


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_gemini_embeddings_through_batch_embed_contents(world, emu, encoding):
    cid = world.create_channel(24, "text-embedding-004", key="gk")
    body = {"model": "text-embedding-004", "input": INPUTS, "encoding_format": encoding}
    resp = world.post(cid, "/v1/embeddings", body)
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    _check_vectors(answer, encoding)
    tokens = sum(count_text(text, "text-embedding-004") for text in INPUTS)  # Gemini reports none: counted here
    assert answer["model"] == "text-embedding-004"
    assert answer["usage"] == {"prompt_tokens": tokens, "total_tokens": tokens}
    sent = emu.last_request()
    assert sent["api_path"] == "/v1beta/models/text-embedding-004:batchEmbedContents"
    assert sent["headers"]["x-goog-api-key"] == "gk"
    assert sent["json"] == {"requests": [{"model": "models/text-embedding-004",
                                          "content": {"parts": [{"text": text}]}} for text in INPUTS]}
    assert world.charged(resp)[1:] == (tokens, 0)


def test_gemini_embeddings_dimensions_and_a_single_input(world, emu):
    cid = world.create_channel(24, "gemini-embedding-001", key="gk")
    resp = world.post(cid, "/v1/embeddings", {"model": "gemini-embedding-001", "input": "one two three",
                                              "dimensions": 8})
    assert resp.status_code == 200, resp.text
    assert len(resp.json()["data"]) == 1 and len(resp.json()["data"][0]["embedding"]) == 8
    assert emu.last_request()["json"]["requests"][0]["outputDimensionality"] == 8
    # gemini-embedding-001: $0.15 / 1M tokens (ratio 0.075) x 3 tokens, at least 1
    assert world.charged(resp) == (1, 3, 0)


def test_gemini_embeddings_of_token_ids_are_refused(world, emu):
    cid = world.create_channel(24, "text-embedding-004", key="gk")
    resp = world.post(cid, "/v1/embeddings", {"model": "text-embedding-004", "input": [[1, 2, 3]]})
    assert resp.status_code == 400 and resp.json()["error"]["param"] == "input"
    assert not emu.requests()


def test_gemini_embedding_error_is_relayed_and_refunded(world, emu):
    cid = world.create_channel(24, "text-embedding-004", key="gk", base_url=world.emu.scenario_url("fail503"))
    before = world.used_quota()
    resp = world.post(cid, "/v1/embeddings", {"model": "text-embedding-004", "input": "x"})
    assert resp.status_code == 503
    assert world.used_quota() == before and world.cost(resp)["quota"] == 0


# ---- rerank (a fork route) -----------------------------------------------------------------------------------

RERANK = {"query": "red apples", "documents": ["blue sky", "red apples are sweet", "green apples"], "top_n": 2}


@pytest.mark.parametrize("type_id, model, path", [
    (35, "rerank-english-v3.0", "/v2/rerank"),           # Cohere (native v2)
    (44, "BAAI/bge-reranker-v2-m3", "/v1/rerank"),       # SiliconFlow
    (50, "jina-reranker-v2-base-multilingual", "/v1/rerank"),  # an OpenAI-compatible rerank server (Jina)
])
def test_rerank(world, emu, type_id, model, path):
    cid = world.create_channel(type_id, model, base_url=world.emu.url + ("/v1" if type_id == 50 else ""))
    resp = world.post(cid, "/v1/rerank", {"model": model, **RERANK})
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [r["index"] for r in results] == [1, 2]
    sent = emu.last_request()
    assert sent["api_path"] == path and sent["json"]["query"] == "red apples" and sent["json"]["top_n"] == 2
    quota, prompt, _ = world.charged(resp)
    assert prompt == 10 and quota > 0


@pytest.mark.parametrize("body, param", [
    ({"model": "BAAI/bge-reranker-v2-m3", "documents": ["a"]}, "query"),
    ({"model": "BAAI/bge-reranker-v2-m3", "query": "q"}, "documents"),
    ({"model": "BAAI/bge-reranker-v2-m3", "query": "q", "documents": []}, "documents"),
    ({"model": "BAAI/bge-reranker-v2-m3", "query": "q", "documents": "a"}, "documents"),
])
def test_bad_rerank_requests_are_refused_and_not_charged(world, emu, body, param):
    cid = world.create_channel(44, "BAAI/bge-reranker-v2-m3")
    before = world.used_quota()
    resp = world.post(cid, "/v1/rerank", body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["param"] == param
    assert not emu.requests() and world.used_quota() == before
