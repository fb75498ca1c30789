"""Vendors speaking OpenAI's protocol, as rows of data, and the URL rules they need.

``prefix`` replaces the leading ``/v1`` of the client path (``None`` = keep it, except when the base URL already
ends in a version segment such as ``/v1`` or ``/v1beta/openai``, which the fork strips as well).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from oneapi.relay.errors import RelayError

AZURE = 3
OPENROUTER = 20
OPENAI_COMPATIBLE = 50
CLOUDFLARE = 37


@dataclass(frozen=True)
class Vendor:
    type_id: int
    name: str
    base_url: str
    auth: str = "bearer"          # bearer | api-key (Azure)
    prefix: str | None = None     # replaces the leading /v1 of the request path
    url_style: str = "default"    # default | azure
    extra_headers: tuple = ()
    json_object_only: bool = False  # takes response_format json_object but no json_schema
    routes: tuple = ()              # (client route, upstream route) pairs where the vendor's path differs
    refused_fields: tuple = ()      # (relay mode, body fields the vendor rejects): dropped before sending
    native_hosts: tuple = ()        # hosts of the original's native API for the type: such a base means the default
    legacy_key: str = ""            # advice when the key is the native API's "a|b|c" credentials, useless here


_ROWS = [
    Vendor(0, "Unknown", ""),
    Vendor(1, "OpenAI", "https://api.openai.com"),
    Vendor(2, "API2D", "https://oa.api2d.net"),
    Vendor(3, "Azure", "", auth="api-key", url_style="azure"),
    Vendor(4, "CloseAI", "https://api.closeai-proxy.xyz"),
    Vendor(5, "OpenAI-SB", "https://api.openai-sb.com"),
    Vendor(6, "OpenAIMax", "https://api.openaimax.com"),
    Vendor(7, "OhMyGPT", "https://api.ohmygpt.com"),
    Vendor(8, "Custom", ""),
    Vendor(9, "Ails", "https://api.caipacity.com"),
    Vendor(10, "AIProxy", "https://api.aiproxy.io"),
    Vendor(12, "API2GPT", "https://api.api2gpt.com"),
    Vendor(13, "AIGC2D", "https://api.aigc2d.com"),
    Vendor(16, "Zhipu", "https://open.bigmodel.cn", prefix="/api/paas/v4"),
    Vendor(17, "Ali", "https://dashscope.aliyuncs.com", prefix="/compatible-mode/v1"),
    Vendor(19, "AI360", "https://ai.360.cn"),
    Vendor(20, "OpenRouter", "https://openrouter.ai/api",
           extra_headers=(("HTTP-Referer", "https://github.com/songquanpeng/one-api"), ("X-Title", "One API"))),
    Vendor(22, "FastGPT", "https://fastgpt.run/api/openapi"),
    Vendor(23, "Tencent", "https://api.hunyuan.cloud.tencent.com", native_hosts=("hunyuan.tencentcloudapi.com",),
           legacy_key="channel type 23 (Tencent) now uses Hunyuan's OpenAI-compatible API: replace the "
                      "AppId|SecretId|SecretKey key with an API key from the Hunyuan console"),
    Vendor(25, "Moonshot", "https://api.moonshot.cn"),
    Vendor(26, "Baichuan", "https://api.baichuan-ai.com"),
    Vendor(27, "Minimax", "https://api.minimaxi.com",
           routes=(("/v1/chat/completions", "/v1/text/chatcompletion_v2"),)),  # as the original
    # Mistral answers 422 to stream_options (its last chunk carries the usage anyway); Groq and Cerebras 400
    Vendor(28, "Mistral", "https://api.mistral.ai", refused_fields=(("chat", ("stream_options",)),)),
    Vendor(29, "Groq", "https://api.groq.com/openai",
           refused_fields=(("chat", ("logprobs", "top_logprobs", "logit_bias", "messages[].name")),)),
    Vendor(30, "Ollama", "http://localhost:11434"),  # Ollama's OpenAI-compatible endpoints under /v1
    Vendor(31, "LingYiWanWu", "https://api.lingyiwanwu.com"),
    Vendor(32, "StepFun", "https://api.stepfun.com"),
    Vendor(35, "Cohere", "https://api.cohere.ai", prefix="/compatibility/v1"),
    Vendor(36, "DeepSeek", "https://api.deepseek.com", json_object_only=True),
    Vendor(37, "Cloudflare", "https://api.cloudflare.com", prefix="/client/v4/accounts/{account}/ai/v1"),
    Vendor(39, "TogetherAI", "https://api.together.xyz"),
    Vendor(40, "Doubao", "https://ark.cn-beijing.volces.com", prefix="/api/v3"),
    Vendor(41, "Novita", "https://api.novita.ai/openai"),
    Vendor(44, "SiliconFlow", "https://api.siliconflow.cn"),
    Vendor(45, "xAI", "https://api.x.ai", refused_fields=(("images", ("size", "quality", "style")),)),
    Vendor(47, "BaiduV2", "https://qianfan.baidubce.com", prefix="/v2"),
    Vendor(48, "XunfeiV2", "https://spark-api-open.xf-yun.com"),
    Vendor(49, "AliBailian", "https://dashscope.aliyuncs.com", prefix="/compatible-mode/v1"),
    Vendor(50, "OpenAICompatible", "", prefix=""),
    Vendor(51, "GeminiOpenAICompatible", "https://generativelanguage.googleapis.com/v1beta/openai"),
    Vendor(53, "Copilot", "https://api.githubcopilot.com", prefix=""),
    Vendor(54, "Fireworks", "https://api.fireworks.ai/inference"),
    Vendor(55, "NVIDIA", "https://integrate.api.nvidia.com/v1"),
    Vendor(56, "Cerebras", "https://api.cerebras.ai/v1", refused_fields=(("chat", (
        "frequency_penalty", "presence_penalty", "logit_bias", "parallel_tool_calls", "service_tier")),)),
    Vendor(57, "DeepInfra", "https://api.deepinfra.com", prefix="/v1/openai"),
]
VENDORS: dict[int, Vendor] = {v.type_id: v for v in _ROWS}

# OpenAI reasoning models reject Chat's max_tokens and any non-default temperature/top_p.
_REASONING_MODEL = re.compile(r"^(o\d|gpt-5(?!-chat))")
# Models OpenAI serves on the Responses API first (some only there): chat and Claude clients are converted.
_RESPONSES_FIRST = re.compile(r"^(gpt-5(?!-chat)|o\d+-pro|codex)")


def is_reasoning_model(model: str) -> bool:
    return bool(_REASONING_MODEL.match(model or ""))


XAI = 45
# Models that do not reason: OpenAI answers 400 to reasoning_effort (Chat) and reasoning (Responses) for them.
_NON_REASONING_MODEL = re.compile(
    r"^(gpt-4(\.1|\.5|o|-|$)|gpt-3\.5|gpt-35|chatgpt-|gpt-5(\.\d+)?-chat|davinci|babbage)")
# xAI: of the Grok models, only these take reasoning_effort (the others reason or not by their name).
_XAI_REASONING_EFFORT = re.compile(r"^grok-(3-mini|4[.-]3|4[.-]20-multi-agent)")


def takes_reasoning_params(model: str, channel_type: int | None = None) -> bool:
    """False for models known to reject reasoning parameters (the vendor's provider prefix ignored)."""
    name = (model or "").lower().rsplit("/", 1)[-1]
    if _NON_REASONING_MODEL.match(name):
        return False
    if channel_type == XAI and name.startswith("grok-"):
        return bool(_XAI_REASONING_EFFORT.match(name))
    return True


def drop_reasoning_params(body: dict, api: str) -> bool:
    """Remove reasoning parameters (and the Responses request for encrypted reasoning); True when changed."""
    changed = False
    for name in ("reasoning_effort", "reasoning"):
        if name in body:
            del body[name]
            changed = True
    include = body.get("include")
    if api == "responses" and isinstance(include, list) and "reasoning.encrypted_content" in include:
        rest = [item for item in include if item != "reasoning.encrypted_content"]
        if rest:
            body["include"] = rest
        else:
            del body["include"]
        changed = True
    return changed


def prefers_responses(model: str) -> bool:
    return bool(_RESPONSES_FIRST.match(model or ""))


def adapt_reasoning_params(body: dict, api: str, model: str, channel_type: int | None = None) -> bool:
    """Make a Chat or Responses body acceptable to the model: reasoning parameters dropped where it takes none,
    sampling and ``max_tokens`` adapted for a reasoning model; True when something changed."""
    changed = not takes_reasoning_params(model, channel_type) and drop_reasoning_params(body, api)
    if not is_reasoning_model(model):
        return changed
    if api == "chat" and "max_tokens" in body:
        value = body.pop("max_tokens")
        body.setdefault("max_completion_tokens", value)
        changed = True
    for name in ("temperature", "top_p"):
        if name in body and body[name] not in (None, 1):
            del body[name]
            changed = True
    return changed


_EACH_MESSAGE = "messages[]."  # a refused field of every message rather than of the body


_GPT_IMAGE = re.compile(r"^(gpt-image-|chatgpt-image)")


def model_refused_fields(mode: str, model) -> tuple:
    """Fields a model refuses on a route whatever the vendor: GPT Image models always answer b64_json and reject
    ``response_format`` (400 unknown_parameter), which clients written for dall-e still send."""
    if mode in ("images", "images_edits") and isinstance(model, str) and _GPT_IMAGE.match(model):
        return ("response_format",)
    return ()


def drop_refused_fields(body: dict, mode: str, channel_type: int) -> bool:
    """Remove the fields the channel's vendor rejects for this relay mode (xAI images take no size, quality or
    style; ``messages[].name`` is a field of each message); True when something was removed."""
    vendor = VENDORS.get(channel_type)
    refused = dict(vendor.refused_fields).get(mode, ()) if vendor else ()
    refused += model_refused_fields(mode, body.get("model"))
    changed = False
    for name in refused:
        if name.startswith(_EACH_MESSAGE):
            changed |= _drop_message_field(body, name[len(_EACH_MESSAGE):])
        elif name in body:
            del body[name]
            changed = True
    return changed


def _drop_message_field(body: dict, field: str) -> bool:
    messages = body.get("messages")
    if not isinstance(messages, list) or not any(isinstance(m, dict) and field in m for m in messages):
        return False
    # new message dicts: the client's request stays intact for a retry on another channel
    body["messages"] = [{k: v for k, v in m.items() if k != field} if isinstance(m, dict) else m for m in messages]
    return True


def downgrade_json_schema(body: dict) -> bool:
    """For vendors without structured outputs: JSON mode plus a system instruction carrying the schema."""
    fmt = body.get("response_format")
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return False
    schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
    instruction = ("Reply with a single JSON object (json) that validates against this JSON schema: "
                   + json.dumps(schema, ensure_ascii=False))
    messages = list(body.get("messages") or [])
    first = messages[0] if messages else None
    if isinstance(first, dict) and first.get("role") == "system" and isinstance(first.get("content"), str):
        messages[0] = {**first, "content": f"{first['content']}\n\n{instruction}"}
    else:
        messages.insert(0, {"role": "system", "content": instruction})
    body["messages"] = messages
    body["response_format"] = {"type": "json_object"}
    return True


_VERSIONED_BASE = re.compile(r"/v\d+[a-z0-9]*(/openai)?/?$")
_CLOUDFLARE_GATEWAY = "https://gateway.ai.cloudflare.com"


def _split_path(path: str) -> tuple[str, str]:
    route, _, query = path.partition("?")
    return route, query


def _strip_v1(route: str) -> str:
    return route[3:] if route.startswith("/v1/") or route == "/v1" else route


def azure_deployment(model: str) -> str:
    return model.replace(".", "")  # as the original: gpt-3.5-turbo -> gpt-35-turbo


def azure_api_version(model: str, cfg: dict) -> str:
    version = (cfg.get("api_version") or "").strip()
    if version:
        return version
    if re.match(r"^o\d", model):
        return "2025-04-01-preview"
    return "2024-03-01-preview"


def request_target(vendor: Vendor, base: str, path: str, model: str, key: str, cfg: dict) -> tuple[str, dict]:
    """(url, headers) for an OpenAI-protocol request."""
    route, query = _split_path(path)
    if vendor.legacy_key and "|" in key:
        raise RelayError(400, vendor.legacy_key, "one_api_error", "invalid_channel_key")
    if vendor.native_hosts and urlsplit(base).hostname in vendor.native_hosts:
        base = vendor.base_url  # a base URL the original's form filled in for its native adaptor
    headers = {"Authorization": f"Bearer {key}"} if vendor.auth == "bearer" else {"api-key": key}
    headers.update(dict(vendor.extra_headers))
    if vendor.url_style == "azure":
        task = _strip_v1(route).lstrip("/")
        if task == "responses" or task.startswith("responses/"):  # Azure's v1 API: no deployment path
            return f"{base}/openai/v1/{task}?{query + '&' if query else ''}api-version=preview", headers
        if base.startswith(_CLOUDFLARE_GATEWAY):
            url = f"{base}/{azure_deployment(model)}/{task}"
        else:
            url = f"{base}/openai/deployments/{azure_deployment(model)}/{task}"
        version = f"api-version={azure_api_version(model, cfg)}"
        return f"{url}?{query + '&' if query else ''}{version}", headers
    route = dict(vendor.routes).get(route, route)
    if vendor.type_id == CLOUDFLARE and base.startswith(_CLOUDFLARE_GATEWAY):
        pass  # AI Gateway: .../{account}/{gateway}/workers-ai + /v1/chat/completions, the account is in the base
    elif vendor.prefix is not None:
        prefix = vendor.prefix.replace("{account}", str(cfg.get("user_id", "")))
        route = prefix + _strip_v1(route)
    elif base.startswith(_CLOUDFLARE_GATEWAY) or _VERSIONED_BASE.search(urlsplit(base).path or ""):
        route = _strip_v1(route)
    return base + route + (f"?{query}" if query else ""), headers
