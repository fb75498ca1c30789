"""Channel types of the original whose only API is a retired or proprietary protocol this gateway does not speak
(PaLM, Baidu v1, Xunfei's websocket, AIProxyLibrary, DeepL).

Such a channel can still be created, listed and edited (drop-in databases keep working); a request routed to it is
answered with a 400 naming the modern type to use instead (``channel_types.TYPES[id].unsupported``), after the
relay has tried any other channel for the model.
"""
from __future__ import annotations

from oneapi.relay.errors import RelayError
from oneapi.services import channel_types

TYPES = tuple(t.id for t in channel_types.TYPES.values() if t.unsupported)


def message(channel_type: int) -> str:
    return channel_types.TYPES[channel_type].unsupported


def body_format(model: str, mode: str) -> str:
    return "raw"  # nothing is encoded: target() refuses, naming the type


def target(channel, path: str, model: str, stream: bool):
    raise RelayError(400, message(channel.type), "one_api_error", "unsupported_channel_type")
