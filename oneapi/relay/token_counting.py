"""Counting a prompt without calling a provider, for the count-tokens endpoints of the client formats
(Anthropic ``/v1/messages/count_tokens``, Gemini ``:countTokens``): the gateway's own tokenizer, whatever
channel would serve the model, so the answer is the figure the gateway itself reserves quota with."""
from __future__ import annotations

from oneapi.billing import tokenizer
from oneapi.relay.formats import CODECS


def count_claude(body: dict, model: str) -> int:
    return int(tokenizer.count_claude_prompt(body, model))


def count_gemini(body: dict, model: str, approximate: bool = False) -> int:
    """A Gemini request body (``contents``, ``systemInstruction``, ``tools``) counted as the equivalent chat."""
    chat = CODECS["chat"].encode_request(CODECS["gemini"].decode_request(body))
    return int(tokenizer.count_chat_prompt(chat.get("messages") or [], model, approximate)
               + tokenizer.count_tools(chat.get("tools"), model, approximate))
