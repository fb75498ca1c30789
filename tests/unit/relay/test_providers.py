"""Upstream URL and header rules of the provider table."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from oneapi.relay import providers


def channel(type_: int, base: str = "", key: str = "k", config: str = "", other: str | None = None):
    return SimpleNamespace(type=type_, base_url=base, key=key, config=config, other=other)


@pytest.mark.parametrize("type_, base, path, expected", [
    (1, "", "/v1/chat/completions", "https://api.openai.com/v1/chat/completions"),
    (1, "https://proxy.example/", "/v1/embeddings?x=1", "https://proxy.example/v1/embeddings?x=1"),
    (29, "", "/v1/chat/completions", "https://api.groq.com/openai/v1/chat/completions"),
    (36, "", "/v1/chat/completions", "https://api.deepseek.com/v1/chat/completions"),
    (45, "", "/v1/chat/completions", "https://api.x.ai/v1/chat/completions"),
    (20, "", "/v1/chat/completions", "https://openrouter.ai/api/v1/chat/completions"),
    (55, "", "/v1/chat/completions", "https://integrate.api.nvidia.com/v1/chat/completions"),
    (56, "", "/v1/chat/completions", "https://api.cerebras.ai/v1/chat/completions"),
    (54, "", "/v1/chat/completions", "https://api.fireworks.ai/inference/v1/chat/completions"),
    (57, "", "/v1/chat/completions", "https://api.deepinfra.com/v1/openai/chat/completions"),
    (51, "", "/v1/chat/completions",
     "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"),
    (41, "", "/v1/chat/completions", "https://api.novita.ai/openai/v1/chat/completions"),
    (41, "https://api.novita.ai/v3/openai", "/v1/chat/completions", "https://api.novita.ai/v3/openai/chat/completions"),
    (40, "", "/v1/chat/completions", "https://ark.cn-beijing.volces.com/api/v3/chat/completions"),
    (49, "", "/v1/chat/completions", "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"),
    (30, "", "/v1/chat/completions", "http://localhost:11434/v1/chat/completions"),
    # OpenAICompatible strips /v1 from the path: the base carries the version
    (50, "https://llm.example.com/v1", "/v1/chat/completions", "https://llm.example.com/v1/chat/completions"),
    (50, "https://llm.example.com/api/v4", "/v1/embeddings", "https://llm.example.com/api/v4/embeddings"),
    # a custom base that already ends in a version segment
    (1, "https://gw.example/v1", "/v1/chat/completions", "https://gw.example/v1/chat/completions"),
])
def test_openai_compatible_urls(type_, base, path, expected):
    target = providers.target(channel(type_, base), path, "m")
    assert target.url == expected and target.protocol == "openai"
    assert target.headers["Authorization"] == "Bearer k"


def test_azure_deployment_url_version_and_header():
    ch = channel(3, "https://res.openai.azure.com", key="az", other="2024-03-01-preview")
    target = providers.target(ch, "/v1/chat/completions", "gpt-3.5-turbo")
    assert target.url == ("https://res.openai.azure.com/openai/deployments/gpt-35-turbo/chat/completions"
                          "?api-version=2024-03-01-preview")
    assert target.headers == {"api-key": "az"}
    ch = channel(3, "https://res.openai.azure.com", config='{"api_version": "2025-01-01"}')
    assert providers.target(ch, "/v1/embeddings", "text-embedding-3-small").url.endswith(
        "/openai/deployments/text-embedding-3-small/embeddings?api-version=2025-01-01")
    # Responses go to Azure's v1 API, which has no deployment in the path
    assert providers.target(ch, "/v1/responses", "gpt-4o").url == (
        "https://res.openai.azure.com/openai/v1/responses?api-version=preview")
    # the config wins over the legacy `other` column
    ch = channel(3, "https://r.example", config='{"api_version": "2025-01-01"}', other="2023-05-15")
    assert "api-version=2025-01-01" in providers.target(ch, "/v1/chat/completions", "gpt-4o").url


def test_openrouter_headers_and_cloudflare_account():
    target = providers.target(channel(20), "/v1/chat/completions", "m")
    assert target.headers["HTTP-Referer"] and target.headers["X-Title"] == "One API"
    cf = providers.target(channel(37, config='{"user_id": "acc1"}'), "/v1/chat/completions", "m")
    assert cf.url == "https://api.cloudflare.com/client/v4/accounts/acc1/ai/v1/chat/completions"


def test_native_protocols():
    claude = providers.target(channel(14, key="ak"), "/v1/chat/completions", "claude-3-5-haiku-20241022")
    assert claude.url == "https://api.anthropic.com/v1/messages" and claude.protocol == "anthropic"
    assert claude.headers == {"x-api-key": "ak", "anthropic-version": "2023-06-01"}
    gem = providers.target(channel(24, key="gk"), "/v1/chat/completions", "gemini-1.5-flash", stream=True)
    assert gem.url.endswith("/models/gemini-1.5-flash:streamGenerateContent?alt=sse")
    assert gem.headers == {"x-goog-api-key": "gk"} and gem.protocol == "gemini"
    assert providers.protocol_of(15) == "native"  # Baidu v1: refused naming type 47 (providers/legacy.py)
    assert providers.protocol_of(43) == "proxy"


def test_json_schema_downgraded_for_json_object_only_vendors():
    from oneapi.relay.providers.openai_compatible import downgrade_json_schema
    body = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "x"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "t", "schema": {
                "type": "object", "properties": {"topic": {"type": "string"}}}}}}
    assert downgrade_json_schema(body)
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["content"].startswith("Be brief.\n\n") and "topic" in body["messages"][0]["content"]
    assert not downgrade_json_schema({"response_format": {"type": "json_object"}})
    assert providers.vendor_of(36).json_object_only and not providers.vendor_of(1).json_object_only
