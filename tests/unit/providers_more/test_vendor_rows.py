"""Vendor rows of the OpenAI-protocol table: where a channel of each type sends a request, and the body fields a
vendor refuses."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from oneapi.relay import providers
from oneapi.relay.errors import RelayError
from oneapi.relay.providers.openai_compatible import VENDORS, drop_refused_fields
from oneapi.services import channel_types

CHAT = "/v1/chat/completions"


def channel(type_id, key="k", base_url=""):
    return SimpleNamespace(type=type_id, key=key, base_url=base_url, config="", other="")


@pytest.mark.parametrize("type_id,url", [
    (16, "https://open.bigmodel.cn/api/paas/v4/chat/completions"),
    (17, "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"),
    (19, "https://ai.360.cn/v1/chat/completions"),
    (23, "https://api.hunyuan.cloud.tencent.com/v1/chat/completions"),
    (25, "https://api.moonshot.cn/v1/chat/completions"),
    (26, "https://api.baichuan-ai.com/v1/chat/completions"),
    (28, "https://api.mistral.ai/v1/chat/completions"),
    (29, "https://api.groq.com/openai/v1/chat/completions"),
    (30, "http://localhost:11434/v1/chat/completions"),
    (31, "https://api.lingyiwanwu.com/v1/chat/completions"),
    (32, "https://api.stepfun.com/v1/chat/completions"),
    (36, "https://api.deepseek.com/v1/chat/completions"),
    (39, "https://api.together.xyz/v1/chat/completions"),
    (40, "https://ark.cn-beijing.volces.com/api/v3/chat/completions"),
    (41, "https://api.novita.ai/openai/v1/chat/completions"),
    (44, "https://api.siliconflow.cn/v1/chat/completions"),
    (45, "https://api.x.ai/v1/chat/completions"),
    (47, "https://qianfan.baidubce.com/v2/chat/completions"),
    (48, "https://spark-api-open.xf-yun.com/v1/chat/completions"),
    (49, "https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions"),
    (51, "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"),
    (54, "https://api.fireworks.ai/inference/v1/chat/completions"),
    (55, "https://integrate.api.nvidia.com/v1/chat/completions"),
    (56, "https://api.cerebras.ai/v1/chat/completions"),
    (57, "https://api.deepinfra.com/v1/openai/chat/completions"),
])
def test_default_base_urls_reach_the_vendors_documented_chat_endpoint(type_id, url):
    target = providers.target(channel(type_id, key="sk-x"), CHAT, "m")
    assert target.url == url and target.headers["Authorization"] == "Bearer sk-x"


def test_vendor_rows_and_the_type_table_agree_on_default_base_urls():
    for type_id, vendor in VENDORS.items():
        assert vendor.base_url.rstrip("/") == channel_types.default_base_url(type_id).rstrip("/"), type_id


def test_tencent_uses_the_openai_compatible_endpoint_even_when_the_native_host_was_stored():
    native = channel(23, key="sk-hy", base_url="https://hunyuan.tencentcloudapi.com")
    assert providers.target(native, "/v1/embeddings", "hunyuan-embedding").url == \
        "https://api.hunyuan.cloud.tencent.com/v1/embeddings"
    own = channel(23, key="sk-hy", base_url="https://hy-proxy.example/v1")
    assert providers.target(own, CHAT, "hunyuan-lite").url == "https://hy-proxy.example/v1/chat/completions"


def test_tencent_refuses_the_native_apis_credentials_naming_what_to_do():
    with pytest.raises(RelayError) as err:
        providers.target(channel(23, key="1300000000|AKIDxx|secret"), CHAT, "hunyuan-lite")
    assert err.value.status == 400 and "API key from the Hunyuan console" in err.value.message


@pytest.mark.parametrize("type_id,body,kept", [
    (28, {"stream": True, "stream_options": {"include_usage": True}, "temperature": 0.2}, {"stream", "temperature"}),
    (29, {"logprobs": True, "top_logprobs": 2, "logit_bias": {"1": 2}, "n": 1}, {"n"}),
    (29, {"messages": [{"role": "user", "name": "ann", "content": "hi"}]}, set()),
    (56, {"frequency_penalty": 0, "presence_penalty": 0, "logit_bias": {}, "parallel_tool_calls": True,
          "service_tier": "auto", "seed": 1}, {"seed"}),
])
def test_chat_fields_the_vendor_answers_4xx_to_are_dropped(type_id, body, kept):
    body = {"model": "m", "messages": [], **body}
    assert drop_refused_fields(body, "chat", type_id)
    assert set(body) == {"model", "messages"} | kept
    assert all("name" not in m for m in body["messages"])
    untouched = {"model": "m", "stream_options": {"include_usage": True}, "logprobs": True}
    assert not drop_refused_fields(untouched, "chat", 1) and len(untouched) == 3


def test_a_message_field_is_dropped_without_touching_the_clients_messages():
    asked = [{"role": "user", "name": "ann", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    body = {"model": "m", "messages": asked}
    assert drop_refused_fields(body, "chat", 29)
    assert body["messages"] == [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    assert asked[0]["name"] == "ann"
    assert not drop_refused_fields(body, "chat", 29)
