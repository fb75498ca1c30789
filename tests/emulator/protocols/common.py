"""Helpers shared by the protocol modules."""
from ..errors import ApiError


def text_of(content):
    """Concatenated text of a string or a list of typed parts (any protocol's text parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return text_of(content.get("text") if "text" in content else content.get("content"))
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, dict) and part.get("type") in ("tool_result", "function_call_output"):
                texts.append(text_of(part.get("content") or part.get("output")))
        return " ".join(t for t in texts if t)
    return str(content)


def require(condition, message, param=None):
    if not condition:
        raise ApiError(400, "bad_request", message, param=param)


def wants_cache(ctx, body):
    """OpenAI-style prompt caching: asked for by prompt_cache_key, any cache_control, or the `cached` scenario."""
    return bool(body.get("prompt_cache_key")) or ctx.scenario.has("cached") or '"cache_control"' in (
        ctx.record.get("raw") or "")
