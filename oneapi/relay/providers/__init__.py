"""Provider table: how to reach a channel (URL, headers) by its type, one module per protocol family.

A provider knows nothing about quotas, users or Flask. ``target(channel, path, model)`` gives the upstream URL
and headers for a client request path such as ``/v1/chat/completions?x=1``; ``protocol_of(type)`` tells the
relay which wire format the channel speaks ("openai", "anthropic", "gemini", "proxy", "native").

Per-model body rules live beside them: ``openai_compatible.adapt_reasoning_params`` (reasoning parameters only
for models that take them), ``anthropic.drop_top_p_beside_temperature`` (Claude 4.5+) and ``output_limits``
(output-token maxima); ``prepare`` applies them to every upstream body, converted or passed through.

Native adaptors (cloud platforms and other providers with their own API) are modules of this package named in
``NATIVE_MODULES``, loaded on first use. Such a module declares:

- ``TYPES``: the channel types it serves;
- ``body_format(model, mode) -> str | None``: the codec (a ``relay.formats.CODECS`` name, or "raw" for a body
  passed through) the upstream body is written in for this model and relay mode; None = endpoint not served;
- ``target(channel, path, model, stream) -> Target`` (``protocol="native"``);

and optionally:

- ``CODECS``: extra codecs ``{name: module}`` added to ``relay.formats.CODECS`` (e.g. Bedrock's "converse");
- ``INLINE_IMAGES = True``: the provider cannot fetch image URLs, so converted requests get them downloaded;
- ``prepare_body(channel, body: dict, model, stream) -> bytes``: last edits of the encoded JSON body (model moved
  into the URL, a version field added, ...);
- ``sign(channel, method, url, headers, body: bytes) -> dict``: headers after request signing (SigV4, ...);
- ``reframe(resp) -> resp``: a streamed answer in another framing (Bedrock's binary event stream) turned into
  ``text/event-stream`` bytes for the relay's SSE pipeline.

``finish_native`` (called by ``prepare``) and ``reframe`` (called by ``pipeline``) apply the optional hooks.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field

from oneapi.relay.providers import anthropic, gemini, openai_compatible
from oneapi.relay.providers.openai_compatible import VENDORS, Vendor

PROXY_TYPE = 43
# module names in this package; see the docstring
NATIVE_MODULES: tuple[str, ...] = ("bedrock", "vertex", "cohere", "replicate", "coze", "copilot", "legacy")
_native: dict | None = None


@dataclass
class Target:
    url: str
    headers: dict = field(default_factory=dict)
    protocol: str = "openai"


def channel_config(channel) -> dict:
    """channels.config as a dict, with the original's legacy fallback from the ``other`` column."""
    try:
        cfg = json.loads(channel.config) if channel.config else {}
        if not isinstance(cfg, dict):
            cfg = {}
    except ValueError:
        cfg = {}
    other = (channel.other or "").strip()
    if other and not cfg.get("api_version") and channel.type in (3, 18, 24):
        cfg["api_version"] = other
    return cfg


def native_adaptor(channel_type: int):
    """The native adaptor module serving ``channel_type``, or None."""
    global _native
    if _native is None:
        table = {}
        for name in NATIVE_MODULES:
            register_native(importlib.import_module(f"{__name__}.{name}"), table)
        _native = table
    return _native.get(channel_type)


def register_native(module, table: dict | None = None) -> None:
    """Make ``module`` the adaptor of its ``TYPES`` (and add its codecs to the conversion hub)."""
    from oneapi.relay.formats import CODECS
    if table is None:
        native_adaptor(-1)
        table = _native
    for channel_type in module.TYPES:
        table[channel_type] = module
    for name, codec in getattr(module, "CODECS", {}).items():
        CODECS.setdefault(name, codec)


def finish_native(channel, url: str, headers: dict, data: bytes, model: str, stream: bool) -> tuple[dict, bytes]:
    """(headers, body) after a native adaptor's ``prepare_body`` and ``sign`` hooks."""
    module = native_adaptor(channel.type)
    if module is None:
        return headers, data
    if hasattr(module, "prepare_body") and data and data[:1] == b"{":
        data = module.prepare_body(channel, json.loads(data), model, stream)
    if hasattr(module, "sign"):
        headers = module.sign(channel, "POST", url, dict(headers), data)
    return headers, data


def reframe(channel, resp):
    """The upstream response with its stream re-framed as SSE when the channel's adaptor needs it."""
    module = native_adaptor(channel.type)
    hook = getattr(module, "reframe", None)
    if hook is None and channel.type in gemini.TYPES:  # images, embeddings (gemini.media_adaptor)
        hook = gemini.reframe
    return hook(resp) if hook else resp


def vendor_of(channel_type: int) -> Vendor | None:
    return VENDORS.get(channel_type)


def protocol_of(channel_type: int) -> str:
    if channel_type == PROXY_TYPE:
        return "proxy"
    if native_adaptor(channel_type) is not None:
        return "native"
    if channel_type in anthropic.TYPES:
        return "anthropic"
    if channel_type in gemini.TYPES:
        return "gemini"
    if channel_type in VENDORS:
        return "openai"
    return "unsupported"


def base_url(channel) -> str:
    explicit = (channel.base_url or "").strip()
    if explicit:
        return explicit.rstrip("/")
    vendor = VENDORS.get(channel.type)
    if vendor:
        return vendor.base_url.rstrip("/")
    if channel.type in anthropic.TYPES:
        return anthropic.DEFAULT_BASE_URL
    if channel.type in gemini.TYPES:
        return gemini.DEFAULT_BASE_URL
    return ""


def target(channel, path: str, model: str, *, stream: bool = False) -> Target:
    """Upstream URL and headers for a client request ``path`` (with query) sent to ``channel``."""
    protocol = protocol_of(channel.type)
    if protocol == "native":
        return native_adaptor(channel.type).target(channel, path, model, stream)
    base = base_url(channel)
    if protocol == "anthropic":
        return Target(anthropic.url(base, path), anthropic.headers(channel.key or ""), protocol)
    if protocol == "gemini":
        cfg = channel_config(channel)
        return Target(gemini.url(base, model, stream, cfg.get("api_version")), gemini.headers(channel.key or ""),
                      protocol)
    if protocol == "proxy":
        return Target(base + path, {"Authorization": f"Bearer {channel.key or ''}"}, protocol)
    vendor = VENDORS.get(channel.type) or VENDORS[0]
    url, headers = openai_compatible.request_target(vendor, base, path, model, channel.key or "",
                                                    channel_config(channel))
    return Target(url, headers, "openai")


__all__ = ["Target", "Vendor", "VENDORS", "base_url", "channel_config", "finish_native", "native_adaptor",
           "protocol_of", "reframe", "register_native", "target", "vendor_of"]
