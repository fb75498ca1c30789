"""The matrix's variants and how an answer is judged, strictly.

Stricter than the reference harness (which only looks for *some* tool call and scans for the words "topic" and
"confidence"): a tool call must name a tool that was offered (the forced one when forced) with arguments that
parse as a JSON object and validate against that tool's schema; structured output must parse and validate
against the schema; a truncated answer never passes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from oneapi.tools import matrix_bodies as bodies
from oneapi.tools.matrix_answers import Answer
from oneapi.tools.schema_check import validate

PATHS = {"chat": "/v1/chat/completions", "response": "/v1/responses", "claude": "/v1/messages"}


@dataclass(frozen=True)
class Variant:
    stem: str      # chat_tools
    title: str     # Chat Tools
    family: str    # chat | response | claude
    kind: str      # default | vision | tools | tools_history | structured
    stream: bool

    @property
    def key(self) -> str:
        return f"{self.stem}_stream_{'true' if self.stream else 'false'}"

    @property
    def header(self) -> str:
        return f"{self.title} (stream={'true' if self.stream else 'false'})"

    @property
    def path(self) -> str:
        return PATHS[self.family]

    def attempts(self, model: str) -> list[dict]:
        return getattr(bodies, self.stem)(model, self.stream)


_STEMS = [
    ("chat", "Chat", "chat", "default"),
    ("chat_tools", "Chat Tools", "chat", "tools"),
    ("chat_tools_history", "Chat Tools History", "chat", "tools_history"),
    ("chat_structured", "Chat Structured", "chat", "structured"),
    ("response", "Response", "response", "default"),
    ("response_vision", "Response Vision", "response", "vision"),
    ("response_tools", "Response Tools", "response", "tools"),
    ("response_tools_history", "Response Tools History", "response", "tools_history"),
    ("response_structured", "Response Structured", "response", "structured"),
    ("claude", "Claude", "claude", "default"),
    ("claude_tools", "Claude Tools", "claude", "tools"),
    ("claude_tools_history", "Claude Tools History", "claude", "tools_history"),
    ("claude_structured", "Claude Structured", "claude", "structured"),
]
VARIANTS = [Variant(stem, title, family, kind, stream)
            for stem, title, family, kind in _STEMS for stream in (False, True)]
_GROUPS = {"chat": "chat", "chat_completion": "chat", "response": "response", "responses": "response",
           "response_api": "response", "claude": "claude", "claude_messages": "claude"}


def select(tokens: list[str]) -> list[Variant]:
    """Variants named by keys, headers, stems (both streams) or groups; an unknown token is an error."""
    if not tokens:
        return list(VARIANTS)
    chosen: list[Variant] = []
    for raw in tokens:
        token = raw.strip().lower()
        if not token:
            continue
        hits = [v for v in VARIANTS if token in (v.key, v.header.lower(), v.stem, v.title.lower())]
        if not hits and token in _GROUPS:
            hits = [v for v in VARIANTS if v.family == _GROUPS[token]]
        if not hits:
            raise ValueError(f"unknown variant {raw!r}")
        chosen += [v for v in hits if v not in chosen]
    return [v for v in VARIANTS if v in chosen]


# ---- verdicts ---------------------------------------------------------------------------------------------

@dataclass
class Verdict:
    outcome: str   # pass | soft | fail
    reason: str = ""


def offered_tools(body: dict) -> dict[str, dict]:
    """name -> parameter schema of the function tools in a request body of any of the three formats."""
    tools = {}
    for tool in body.get("tools") or []:
        fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        schema = fn.get("parameters") or fn.get("input_schema") or {}
        tools[fn.get("name")] = schema
    return tools


def forced_tool(body: dict) -> str | None:
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        return (choice.get("function") or {}).get("name") or choice.get("name")
    return None


def _check_call(call, body: dict) -> str | None:
    tools = offered_tools(body)
    if call.name not in tools:
        return f"called unknown tool {call.name!r}"
    forced = forced_tool(body)
    if forced and call.name != forced:
        return f"called {call.name!r}, not forced {forced!r}"
    try:
        args = json.loads(call.arguments or "")
    except ValueError:
        return f"{call.name} arguments are not JSON"
    if not isinstance(args, dict):
        return f"{call.name} arguments are not an object"
    problem = validate(args, tools[call.name])
    return f"{call.name} args: {problem}" if problem else None


def _structured_problem(text: str) -> str | None:
    try:
        value = json.loads(text.strip())
    except ValueError:
        return "structured output is not JSON"
    problem = validate(value, bodies.SCHEMA)
    return f"schema: {problem}" if problem else None


def judge(variant: Variant, body: dict, answer: Answer) -> Verdict:
    """Judge one well-formed answer to request ``body``."""
    if answer.truncated:
        return Verdict("fail", f"truncated ({answer.finish})")
    if answer.usage is None and (variant.family != "chat" or not variant.stream):  # Chat streams: only if asked
        return Verdict("fail", "no usage reported")
    if answer.usage is not None and answer.usage[1] <= 0:
        return Verdict("fail", "usage reports no output tokens")
    for call in answer.tool_calls:
        problem = _check_call(call, body)
        if problem:
            return Verdict("fail", problem)
    kind = variant.kind
    if kind == "tools":
        if not answer.tool_calls:
            return Verdict("soft", "tool was not invoked")
        return Verdict("pass")
    if kind == "structured":
        if variant.family == "claude" and answer.tool_calls:
            args = json.loads(answer.tool_calls[0].arguments)
            problem = validate(args, bodies.SCHEMA)
            return Verdict("fail", f"schema: {problem}") if problem else Verdict("pass")
        if not answer.text.strip():
            return Verdict("fail", "structured output missing")
        problem = _structured_problem(answer.text)
        return Verdict("fail", problem) if problem else Verdict("pass")
    if answer.tool_calls or answer.text.strip():  # default, vision, tools history
        if kind == "vision" and not answer.text.strip():
            return Verdict("fail", "no description")
        return Verdict("pass")
    return Verdict("fail", "empty answer")
