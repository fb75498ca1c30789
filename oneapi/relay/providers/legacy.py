"""Channel types of the original whose only API is a retired or proprietary protocol this gateway does not speak.

Such a channel can still be created, listed and edited (drop-in databases keep working); a request routed to it is
answered with a 400 that names the modern type to use instead (and the relay tries another channel first).
"""
from __future__ import annotations

from oneapi.relay.errors import RelayError

# type -> (name, what to use instead)
REPLACEMENTS: dict[int, tuple[str, str]] = {
    11: ("PaLM", "type 24 (Gemini)"),
    15: ("Baidu", "type 47 (BaiduV2, Qianfan's OpenAI-compatible v2 API)"),
    18: ("Xunfei", "type 48 (XunfeiV2, Spark's OpenAI-compatible API)"),
    21: ("AIProxyLibrary", "type 50 (OpenAICompatible) with the service's OpenAI-compatible base URL"),
    23: ("Tencent", "type 50 (OpenAICompatible) with base URL https://api.hunyuan.cloud.tencent.com/v1"),
    38: ("DeepL", "type 50 (OpenAICompatible) with an OpenAI-compatible translation model"),
}
TYPES = tuple(REPLACEMENTS)


def message(channel_type: int) -> str:
    name, instead = REPLACEMENTS[channel_type]
    return f"channel type {channel_type} ({name}) is not supported by this gateway; use {instead}"


def body_format(model: str, mode: str) -> str:
    return "raw"  # nothing is encoded: target() refuses, naming the type


def target(channel, path: str, model: str, stream: bool):
    raise RelayError(400, message(channel.type), "one_api_error", "unsupported_channel_type")
