"""The internal model every format codec converts to and from.

One request/response/stream vocabulary sits between the four wire formats, so
N formats need N codecs instead of N*N converters. Field meanings:

* token counts follow OpenAI's convention: ``Usage.input`` is the whole prompt
  including cache reads and cache writes, ``Usage.output`` includes reasoning;
  codecs for formats that count differently (Claude, Gemini) convert.
* ``finish`` uses one vocabulary: stop, length, tool_calls, content_filter,
  refusal, pause.
* reasoning signatures are opaque and only valid at the provider that made them,
  so ``Thinking.origin`` remembers which provider that was (see ``tag_signature``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Union

# ---------------------------------------------------------------- parts


@dataclass
class Text:
    text: str
    cache_control: dict | None = None
    type: str = field(default="text", init=False)


@dataclass
class Image:
    """An image (or document, by media type) given by URL or inline base64."""

    url: str | None = None
    data: str | None = None  # base64, no data: prefix
    media_type: str | None = None
    detail: str | None = None
    cache_control: dict | None = None
    type: str = field(default="image", init=False)

    @property
    def data_url(self) -> str:
        if self.data is not None:
            return f"data:{self.media_type or 'image/png'};base64,{self.data}"
        return self.url or ""


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str = "{}"  # JSON text, exactly as produced
    signature: str | None = None  # Gemini thoughtSignature attached to the call
    cache_control: dict | None = None
    type: str = field(default="tool_call", init=False)


@dataclass
class ToolResult:
    call_id: str
    content: list = field(default_factory=list)  # Text / Image parts
    is_error: bool = False
    name: str | None = None  # Gemini's functionResponse needs the function name
    cache_control: dict | None = None
    type: str = field(default="tool_result", init=False)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, Text))


@dataclass
class Thinking:
    text: str = ""
    signature: str | None = None
    redacted: str | None = None  # Anthropic redacted_thinking data
    origin: str | None = None  # provider that issued the signature: anthropic/openai/gemini
    id: str | None = None  # Responses reasoning item id
    type: str = field(default="thinking", init=False)


@dataclass
class Refusal:
    text: str
    type: str = field(default="refusal", init=False)


Part = Union[Text, Image, ToolCall, ToolResult, Thinking, Refusal]


@dataclass
class Message:
    role: str  # "user" | "assistant"; tool results are ToolResult parts of a user message
    parts: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, Text))


# ---------------------------------------------------------------- request


@dataclass
class Tool:
    name: str
    description: str | None = None
    parameters: dict | None = None  # JSON schema
    strict: bool | None = None
    builtin: dict | None = None  # a provider built-in tool kept verbatim (web_search...)
    cache_control: dict | None = None


@dataclass
class ToolChoice:
    mode: str  # auto | none | required | tool
    name: str | None = None


@dataclass
class ResponseFormat:
    type: str  # json_schema | json_object | text
    name: str | None = None
    schema: dict | None = None
    strict: bool | None = None
    description: str | None = None


@dataclass
class Reasoning:
    effort: str | None = None  # none|minimal|low|medium|high|xhigh
    budget_tokens: int | None = None
    include_thoughts: bool | None = None
    summary: str | None = None  # Responses summary mode
    enabled: bool | None = None  # False = explicitly off


@dataclass
class Request:
    model: str = ""
    system: list = field(default_factory=list)  # Text parts
    messages: list = field(default_factory=list)
    tools: list = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int | None = None
    stop: list = field(default_factory=list)
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    n: int | None = None
    reasoning: Reasoning | None = None
    stream: bool = False
    include_usage: bool = False  # Chat stream_options.include_usage
    user: str | None = None
    metadata: dict | None = None
    extra: dict = field(default_factory=dict)  # unmapped fields of the source format
    source: str | None = None  # format the request was decoded from; extra is only
    # re-emitted when encoding back into that same format

    @property
    def system_text(self) -> str:
        return "\n\n".join(p.text for p in self.system if p.text)


# ---------------------------------------------------------------- response


@dataclass
class Usage:
    input: int = 0  # whole prompt, cache reads and writes included
    output: int = 0  # reasoning included
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    reasoning: int = 0

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def total(self) -> int:
        return self.input + self.output


FINISH_REASONS = ("stop", "length", "tool_calls", "content_filter", "refusal", "pause")


@dataclass
class Response:
    id: str = ""
    model: str = ""
    parts: list = field(default_factory=list)
    finish: str | None = "stop"
    stop_sequence: str | None = None
    usage: Usage | None = None
    created: int | None = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, Text))

    @property
    def tool_calls(self) -> list:
        return [p for p in self.parts if isinstance(p, ToolCall)]


@dataclass
class Error:
    status: int
    message: str
    type: str | None = None
    code: str | None = None
    param: str | None = None


# ---------------------------------------------------------------- stream events
# Indexes are the IR part index within the response; each encoder maps them to its
# own numbering (Chat tool_calls index, Claude block index, Responses output_index).


@dataclass
class MessageStart:
    id: str = ""
    model: str = ""
    usage: Usage | None = None


@dataclass
class PartStart:
    index: int
    kind: str  # text | tool_call | thinking | redacted_thinking | refusal
    tool_id: str | None = None
    tool_name: str | None = None
    signature: str | None = None  # Gemini call signature (tool_call)
    data: str | None = None  # redacted thinking payload
    origin: str | None = None  # signature origin for thinking parts


@dataclass
class TextDelta:
    index: int
    text: str


@dataclass
class ToolArgsDelta:
    index: int
    json: str


@dataclass
class ThinkingDelta:
    index: int
    text: str


@dataclass
class SignatureDelta:
    index: int
    signature: str
    origin: str | None = None  # set when only the signature tells the origin (Chat)


@dataclass
class PartStop:
    index: int


@dataclass
class UsageEvent:
    usage: Usage


@dataclass
class Finish:
    reason: str
    stop_sequence: str | None = None


@dataclass
class ErrorEvent:
    message: str
    type: str | None = None
    code: str | None = None
    status: int = 500


@dataclass
class ImageOutput:
    """A whole image the model made (Gemini image models). Not a numbered part: encoders that follow part
    indexes pass it by; Chat puts it in ``delta.images``."""

    data: str  # base64
    media_type: str | None = None
    index: int = -1


Event = Union[MessageStart, PartStart, TextDelta, ToolArgsDelta, ThinkingDelta,
              SignatureDelta, PartStop, UsageEvent, Finish, ErrorEvent, ImageOutput]


# ---------------------------------------------------------------- helpers

# Signatures leave their provider only through client formats. When the client format
# is not the provider's own, the signature is prefixed with the origin, so a later
# request can send it back only to the provider that can verify it.
_TAG_SEP = ":"
ORIGINS = ("anthropic", "openai", "gemini")
GEMINI_CALL_TAG = "gemini-call"  # a Gemini function-call signature carried on its own


def tag_signature(origin: str | None, signature: str, native: str | None) -> str:
    if origin is None or origin == native:
        return signature
    return f"{origin}{_TAG_SEP}{signature}"


REDACTED = "-redacted"  # tag suffix for Anthropic redacted_thinking data


def untag_signature(value: str, native: str | None) -> tuple[str | None, str]:
    head, sep, rest = value.partition(_TAG_SEP)
    if sep and (head in ORIGINS or head == GEMINI_CALL_TAG or head.removesuffix(REDACTED) in ORIGINS):
        return head, rest
    return native, value


def iter_remote_images(req: Request) -> Iterator[Image]:
    """Image parts that only carry a remote URL, for the relay to fetch and inline
    (set ``image.data`` and ``image.media_type``) before encoding for a provider
    that cannot fetch URLs itself (Gemini)."""
    for msg in req.messages:
        for part in msg.parts:
            items = part.content if isinstance(part, ToolResult) else [part]
            for item in items:
                if isinstance(item, Image) and item.data is None and item.url:
                    yield item


def parse_data_url(url: str) -> tuple[str, str] | None:
    """``data:<type>;base64,<data>`` -> (media_type, data), else None."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url[5:].partition(",")
    if not sep or not head.endswith(";base64"):
        return None
    return head[: -len(";base64")] or "application/octet-stream", data


def image_from_url(url: str, detail: str | None = None) -> Image:
    parsed = parse_data_url(url)
    if parsed:
        return Image(data=parsed[1], media_type=parsed[0], detail=detail)
    return Image(url=url, detail=detail)


def json_loads_or(text: str | None, default: Any) -> Any:
    import json

    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


# Reasoning effort <-> token budget, for providers that speak only one of them.
_EFFORT_BUDGET = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 24576, "xhigh": 32768}


def budget_for(reasoning: Reasoning) -> int | None:
    if reasoning.budget_tokens is not None:
        return reasoning.budget_tokens
    if reasoning.effort in ("none",) or reasoning.enabled is False:
        return 0
    return _EFFORT_BUDGET.get(reasoning.effort or "medium", 8192)


def effort_for(reasoning: Reasoning | None) -> str | None:
    if reasoning is None:
        return None
    if reasoning.effort:
        return reasoning.effort
    if reasoning.enabled is False:
        return "none"
    budget = reasoning.budget_tokens
    if budget is None:
        return None
    if budget <= 0:
        return "none"
    if budget <= 1024:
        return "minimal"
    if budget <= 4096:
        return "low"
    if budget <= 16384:
        return "medium"
    return "high"


def new_id(prefix: str) -> str:
    import uuid

    return prefix + uuid.uuid4().hex[:24]


def reasoning_wanted(reasoning: Reasoning | None) -> bool:
    if reasoning is None or reasoning.enabled is False or reasoning.effort == "none":
        return False
    return True
