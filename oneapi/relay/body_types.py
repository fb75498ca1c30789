"""Types of the well-known fields of relay request bodies, checked when the body is read.

The original decodes bodies into typed Go structs, so ``"max_tokens": "5"``, ``"messages": {}`` or
``"stream": "yes"`` is a 400 before anything is sent upstream. These tables give the same guarantee for the
fields the gateway and the conversion hub read: a field may be absent or null, otherwise it has its type.
Unknown fields pass through untouched.
"""
from __future__ import annotations

from typing import Any

from oneapi.relay.errors import RelayError

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


class _Kind:
    """One expected shape; ``matches`` says whether a value fits, ``check`` also walks into containers."""

    def __init__(self, name: str, test, inner=None) -> None:
        self.name = name
        self._test = test
        self._inner = inner

    def matches(self, value: Any) -> bool:
        return self._test(value)

    def check(self, value: Any, where: str) -> None:
        if not self._test(value):
            raise _Mismatch(where, self.name)
        if self._inner is not None:
            self._inner(value, where)


class _Mismatch(Exception):
    def __init__(self, where: str, expected: str) -> None:
        super().__init__(where)
        self.where = where
        self.expected = expected


def _is_int(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return v.is_integer() and INT64_MIN <= v <= INT64_MAX
    return isinstance(v, int) and INT64_MIN <= v <= INT64_MAX


INT = _Kind("an integer", _is_int)
NUM = _Kind("a number", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
BOOL = _Kind("a boolean", lambda v: isinstance(v, bool))
STR = _Kind("a string", lambda v: isinstance(v, str))
ANY_OBJ = _Kind("an object", lambda v: isinstance(v, dict))
ANY_LIST = _Kind("an array", lambda v: isinstance(v, list))


def obj(fields: dict[str, Any]) -> _Kind:
    """An object whose listed fields (when present and not null) have their kinds."""
    def inner(value: dict, where: str) -> None:
        for name, kind in fields.items():
            item = value.get(name)
            if item is not None:
                kind.check(item, f"{where}.{name}")
    return _Kind("an object", lambda v: isinstance(v, dict), inner)


def array(item: _Kind) -> _Kind:
    """An array whose every element is ``item`` (no nulls: a null message or part is never meaningful)."""
    def inner(value: list, where: str) -> None:
        for i, element in enumerate(value):
            item.check(element, f"{where}[{i}]")
    return _Kind(f"an array of {item.name.removeprefix('an ').removeprefix('a ')}s", lambda v: isinstance(v, list),
                 inner)


def either(*kinds: _Kind) -> _Kind:
    """The first kind whose outer shape fits decides (and is walked into)."""
    def test(value: Any) -> bool:
        return any(k.matches(value) for k in kinds)

    def inner(value: Any, where: str) -> None:
        next(k for k in kinds if k.matches(value)).check(value, where)
    return _Kind(" or ".join(k.name for k in kinds), test, inner)


# ---- OpenAI Chat Completions and the other OpenAI-protocol routes --------------------------------------------

_CHAT_PART = obj({"type": STR, "text": STR, "image_url": either(STR, obj({"url": STR, "detail": STR})),
                  "input_audio": ANY_OBJ, "file": ANY_OBJ})
_TOOL_CALL = obj({"id": STR, "type": STR, "function": obj({"name": STR, "arguments": either(STR, ANY_OBJ)})})
_CHAT_MESSAGE = obj({"role": STR, "content": either(STR, array(_CHAT_PART)), "name": STR,
                     "tool_calls": array(_TOOL_CALL), "tool_call_id": STR, "reasoning_content": STR})
_CHAT_TOOL = obj({"type": STR, "function": obj({"name": STR, "description": STR, "parameters": ANY_OBJ})})
_SAMPLING = {"temperature": NUM, "top_p": NUM, "frequency_penalty": NUM, "presence_penalty": NUM, "top_k": INT,
             "seed": INT, "user": STR, "metadata": ANY_OBJ}
_PROMPT = either(STR, array(either(STR, INT, array(INT))))

_OPENAI_COMMON = {"model": STR, "stream": BOOL, "max_tokens": INT, "n": INT, **_SAMPLING}
CHAT = obj({**_OPENAI_COMMON, "messages": array(_CHAT_MESSAGE), "max_completion_tokens": INT, "logprobs": BOOL,
            "top_logprobs": INT, "tools": array(_CHAT_TOOL), "tool_choice": either(STR, ANY_OBJ),
            "parallel_tool_calls": BOOL, "stream_options": obj({"include_usage": BOOL}),
            "response_format": obj({"type": STR, "json_schema": ANY_OBJ}), "stop": either(STR, array(STR)),
            "reasoning_effort": STR, "modalities": array(STR), "store": BOOL, "logit_bias": ANY_OBJ})
COMPLETIONS = obj({**_OPENAI_COMMON, "prompt": _PROMPT, "echo": BOOL, "best_of": INT, "logprobs": INT,
                   "suffix": STR, "stop": either(STR, array(STR)), "stream_options": obj({"include_usage": BOOL})})
EMBEDDINGS = obj({"model": STR, "max_tokens": INT, "input": _PROMPT, "dimensions": INT, "encoding_format": STR, "user": STR})
MODERATIONS = obj({"model": STR, "max_tokens": INT, "input": either(STR, array(either(STR, ANY_OBJ)))})
IMAGES = obj({"model": STR, "prompt": STR, "n": INT, "size": STR, "quality": STR, "style": STR,
              "response_format": STR, "user": STR, "background": STR, "output_format": STR})
SPEECH = obj({"model": STR, "input": STR, "voice": STR, "speed": NUM, "response_format": STR, "instructions": STR})
RERANK = obj({"model": STR, "query": STR, "documents": array(either(STR, ANY_OBJ)), "top_n": INT,
              "return_documents": BOOL})

# ---- OpenAI Responses -------------------------------------------------------------------------------------

_RESPONSES_ITEM = obj({"type": STR, "role": STR, "content": either(STR, array(ANY_OBJ)), "call_id": STR,
                       "name": STR, "arguments": STR, "output": either(STR, ANY_LIST), "id": STR})
RESPONSES = obj({"model": STR, "input": either(STR, array(_RESPONSES_ITEM)), "instructions": STR,
                 "max_output_tokens": INT, "stream": BOOL, "background": BOOL, "store": BOOL,
                 "previous_response_id": STR, "tools": array(obj({"type": STR, "name": STR, "parameters": ANY_OBJ})),
                 "tool_choice": either(STR, ANY_OBJ), "parallel_tool_calls": BOOL,
                 "reasoning": obj({"effort": STR, "summary": STR}), "text": obj({"format": ANY_OBJ}),
                 "include": array(STR), "truncation": STR, "max_tool_calls": INT, "temperature": NUM, "top_p": NUM,
                 "metadata": ANY_OBJ, "user": STR})

# ---- Anthropic Messages -------------------------------------------------------------------------------------

_CLAUDE_BLOCK = obj({"type": STR, "text": STR, "id": STR, "name": STR, "input": ANY_OBJ, "tool_use_id": STR,
                     "content": either(STR, array(ANY_OBJ)), "source": ANY_OBJ, "thinking": STR, "signature": STR})
CLAUDE = obj({"model": STR, "max_tokens": INT, "stream": BOOL,
              "messages": array(obj({"role": STR, "content": either(STR, array(_CLAUDE_BLOCK))})),
              "system": either(STR, array(obj({"type": STR, "text": STR}))), "temperature": NUM, "top_p": NUM,
              "top_k": INT, "stop_sequences": array(STR),
              "tools": array(obj({"name": STR, "description": STR, "input_schema": ANY_OBJ, "type": STR})),
              "tool_choice": obj({"type": STR, "name": STR}), "metadata": obj({"user_id": STR}),
              "thinking": obj({"type": STR, "budget_tokens": INT})})

# ---- Gemini generateContent ---------------------------------------------------------------------------------

_GEMINI_PART = obj({"text": STR, "inlineData": ANY_OBJ, "inline_data": ANY_OBJ, "fileData": ANY_OBJ,
                    "functionCall": ANY_OBJ, "functionResponse": ANY_OBJ, "thought": BOOL, "thoughtSignature": STR})
_GEMINI_CONTENT = obj({"role": STR, "parts": array(_GEMINI_PART)})
_GEMINI_FIELDS = {
    "contents": array(_GEMINI_CONTENT), "systemInstruction": either(STR, _GEMINI_CONTENT),
    "system_instruction": either(STR, _GEMINI_CONTENT),
    "generationConfig": obj({"maxOutputTokens": INT, "temperature": NUM, "topP": NUM, "topK": NUM,
                             "candidateCount": INT, "stopSequences": array(STR), "responseMimeType": STR,
                             "responseSchema": ANY_OBJ, "seed": INT, "presencePenalty": NUM,
                             "frequencyPenalty": NUM, "responseModalities": array(STR),
                             "thinkingConfig": obj({"thinkingBudget": INT, "includeThoughts": BOOL})}),
    "safetySettings": array(ANY_OBJ), "tools": array(ANY_OBJ), "toolConfig": ANY_OBJ, "cachedContent": STR,
}
GEMINI = obj({**_GEMINI_FIELDS, "generateContentRequest": obj(_GEMINI_FIELDS),
              "generate_content_request": obj(_GEMINI_FIELDS)})

BY_MODE = {"chat": CHAT, "completions": COMPLETIONS, "edits": CHAT, "embeddings": EMBEDDINGS,
           "moderations": MODERATIONS, "images": IMAGES, "audio_speech": SPEECH, "rerank": RERANK,
           "responses": RESPONSES, "claude": CLAUDE, "gemini": GEMINI}


# The original's ValidateTextRequest: the field each OpenAI text mode cannot do without, and max_tokens' range.
REQUIRED = {"chat": "messages", "completions": "prompt", "moderations": "input", "edits": "instruction"}
TEXT_MODES = {"chat", "completions", "embeddings", "moderations", "edits"}
MAX_TOKENS_LIMIT = (2 ** 31 - 1) // 2


def _invalid(message: str, field: str) -> RelayError:
    return RelayError(400, message, "invalid_request_error", "invalid_text_request", field)


def check(mode: str, body: dict) -> None:
    """Raise a 400 RelayError naming the first well-known field of ``body`` with the wrong type (or, for the
    OpenAI text modes, a required field that is missing or empty, or max_tokens out of range)."""
    kind = BY_MODE.get(mode)
    if kind is None:
        return
    try:
        kind.check(body, "body")
    except _Mismatch as bad:
        field = bad.where.removeprefix("body.")
        raise _invalid(f"invalid request body: {field} must be {bad.expected}", field) from None
    if mode in TEXT_MODES:
        max_tokens = body.get("max_tokens")
        if _is_int(max_tokens) and not 0 <= max_tokens <= MAX_TOKENS_LIMIT:
            raise _invalid("max_tokens is invalid", "max_tokens")
    required = REQUIRED.get(mode)
    if required and body.get(required) in (None, ""):
        raise _invalid(f"field {required} is required", required)
