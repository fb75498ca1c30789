"""Provider-native fields a client may send in another format's body, and ``extra_body``.

The openai SDK merges ``extra_body`` into the top level of the JSON, but some clients send it literally as
``"extra_body": {...}``: at ingress its fields are lifted to the top level (fields already there win), so both
arrive the same way. When the body passes through to a provider of its own format every field is kept. When it
is converted, the codecs map what they know and drop the rest; the fields below are the provider's own and
reach it as they are (under the provider's spelling), unless the conversion already set them.
"""
from __future__ import annotations

import orjson

# client field -> provider field, per provider protocol
ALLOWED = {
    "claude": {"thinking": "thinking", "top_k": "top_k", "cache_control": "cache_control",
               "service_tier": "service_tier", "container": "container", "mcp_servers": "mcp_servers",
               "context_management": "context_management"},
    "gemini": {"safety_settings": "safetySettings", "safetySettings": "safetySettings",
               "cached_content": "cachedContent", "cachedContent": "cachedContent", "labels": "labels"},
    "chat": {"provider": "provider", "reasoning": "reasoning", "top_k": "top_k", "transforms": "transforms",
             "models": "models", "route": "route", "min_p": "min_p", "top_a": "top_a",
             "repetition_penalty": "repetition_penalty", "include_reasoning": "include_reasoning",
             "thinking": "thinking", "enable_thinking": "enable_thinking",
             "chat_template_kwargs": "chat_template_kwargs", "safety_settings": "safety_settings",
             "cache_control": "cache_control"},
    "responses": {"provider": "provider", "prompt_cache_key": "prompt_cache_key", "service_tier": "service_tier",
                  "include": "include", "safety_identifier": "safety_identifier"},
}
# generationConfig members of Gemini that clients of other formats send at the top level
_GEMINI_GENERATION = {"top_k": "topK", "topK": "topK", "thinking_config": "thinkingConfig",
                      "thinkingConfig": "thinkingConfig"}


def has_native_fields(client_body, provider_format: str) -> bool:
    """A quick look before the provider's body is parsed again."""
    if not isinstance(client_body, dict):
        return False
    fields = ALLOWED.get(provider_format, {})
    if provider_format == "gemini":
        fields = {**fields, **_GEMINI_GENERATION}
    return any(field in client_body for field in fields)


def lift_extra_body(rr) -> None:
    """``{"extra_body": {...}}`` -> its fields at the top level (keeping ``rr.raw`` in step with ``rr.json``)."""
    body = rr.json
    if not isinstance(body, dict) or not isinstance(body.get("extra_body"), dict):
        return
    lifted = {**body.pop("extra_body"), **body}
    from oneapi.relay import body_types
    body_types.check(rr.mode, lifted)  # lifted fields obey the same types as fields sent at the top level
    rr.json = lifted
    rr.raw = orjson.dumps(lifted)


def _own_fields(client_format: str) -> set:
    """Fields of the client's own format: its codec maps them, they are never copied as they are."""
    from oneapi.relay.formats import CODECS
    return set(getattr(CODECS.get(client_format), "_KNOWN", ()))


def add_native_fields(client_body, client_format: str, provider_format: str, upstream: dict) -> bool:
    """Copy the allow-listed fields of a converted request into the provider's body; True when changed."""
    if not isinstance(client_body, dict):
        return False
    changed = False
    own = _own_fields(client_format)
    for field, target in (ALLOWED.get(provider_format) or {}).items():
        if field in client_body and field not in own and target not in upstream:
            upstream[target] = client_body[field]
            changed = True
    if provider_format == "gemini":
        for field, target in _GEMINI_GENERATION.items():
            gen = upstream.setdefault("generationConfig", {})
            if field in client_body and field not in own and target not in gen:
                gen[target] = client_body[field]
                changed = True
        if not upstream.get("generationConfig"):
            upstream.pop("generationConfig", None)
    return changed
