"""The fork's query-string flags on relay URLs.

- ``?thinking=true`` turns reasoning on with a default effort: ``reasoning_effort: medium`` (Chat) or
  ``reasoning.effort: medium`` (Responses) for models that take it, Anthropic ``thinking{type: enabled,
  budget_tokens}`` with ``max_tokens`` above the budget, Gemini ``thinkingConfig{includeThoughts}``; and a
  ``<think>...</think>`` prefix in Chat answers (open models without a reasoning parser) becomes reasoning.
- ``?reasoning_format=reasoning_content|reasoning|thinking`` names the field that carries reasoning in Chat
  answers and stream deltas. Without it the gateway keeps what it always did: converted answers carry
  ``reasoning_content`` (DeepSeek's name) and passed-through answers keep the provider's own field (the fork
  defaults to ``reasoning``; we do not rename unless asked, so existing clients see no change).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from oneapi.relay.providers.openai_compatible import takes_reasoning_params

REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")
DEFAULT_EFFORT = "medium"
CLAUDE_BUDGET = 1024  # the fork's min(1024, max_tokens/2), never below Anthropic's minimum of 1024


@dataclass(frozen=True)
class Flags:
    thinking: bool = False
    reasoning_format: str | None = None

    @property
    def any(self) -> bool:
        return self.thinking or self.reasoning_format is not None


NONE = Flags()


def parse(path: str) -> Flags:
    _, _, query = path.partition("?")
    if not query or ("thinking" not in query and "reasoning_format" not in query):
        return NONE
    args = parse_qs(query)
    thinking = (args.get("thinking") or [""])[-1].strip().lower() in ("true", "1", "yes", "on")
    fmt = (args.get("reasoning_format") or [""])[-1].strip().lower()
    return Flags(thinking, fmt if fmt in REASONING_FIELDS else None)


def enable_thinking(body: dict, provider_format: str, model: str, channel_type: int) -> bool:
    """Ask the provider for reasoning unless the client already chose; True when the body changed."""
    if provider_format == "claude":
        return _claude_thinking(body)
    if provider_format == "gemini":
        gen = body.setdefault("generationConfig", {})
        if "thinkingConfig" in gen or "thinking_config" in gen:
            return False
        gen["thinkingConfig"] = {"includeThoughts": True}
        return True
    if not takes_reasoning_params(model, channel_type):
        return False
    if provider_format == "chat" and "reasoning_effort" not in body and "reasoning" not in body:
        body["reasoning_effort"] = DEFAULT_EFFORT
        return True
    if provider_format == "responses" and not (body.get("reasoning") or {}).get("effort"):
        body["reasoning"] = {**(body.get("reasoning") or {}), "effort": DEFAULT_EFFORT}
        return True
    return False


def _claude_thinking(body: dict) -> bool:
    if isinstance(body.get("thinking"), dict):
        return False
    max_tokens = body.get("max_tokens") if isinstance(body.get("max_tokens"), int) else 0
    budget = CLAUDE_BUDGET
    body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    if max_tokens <= budget:
        body["max_tokens"] = 2 * budget
    # Anthropic takes no temperature or top_k beside thinking, and top_p only from 0.95
    body.pop("temperature", None)
    body.pop("top_k", None)
    top_p = body.get("top_p")
    if isinstance(top_p, (int, float)) and top_p < 0.95:
        del body["top_p"]
    return True


def rename_reasoning(message: dict, target: str) -> None:
    """Move string reasoning in a Chat message or delta to the field the client asked for."""
    for name in REASONING_FIELDS:
        if name != target and isinstance(message.get(name), str):
            message[target] = message.pop(name)
            return
