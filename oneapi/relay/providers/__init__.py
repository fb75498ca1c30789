"""Provider table: how to reach a channel (URL, headers) by its type, one module per protocol family.

A provider knows nothing about quotas, users or Flask. ``target(channel, path, model)`` gives the upstream URL
and headers for a client request path such as ``/v1/chat/completions?x=1``; ``protocol_of(type)`` tells the
relay which wire format the channel speaks ("openai", "anthropic", "gemini", "proxy").
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from oneapi.relay.providers import anthropic, gemini, openai_compatible
from oneapi.relay.providers.openai_compatible import VENDORS, Vendor

PROXY_TYPE = 43


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


def vendor_of(channel_type: int) -> Vendor | None:
    return VENDORS.get(channel_type)


def protocol_of(channel_type: int) -> str:
    if channel_type == PROXY_TYPE:
        return "proxy"
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


__all__ = ["Target", "Vendor", "VENDORS", "base_url", "channel_config", "protocol_of", "target", "vendor_of"]
