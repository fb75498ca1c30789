"""The emulated model: a deterministic answer computed from a protocol-neutral view of the request.

Every protocol module parses its request into a `Prompt` and renders the `Reply` from `decide()`:
- the last message is a tool result      -> text quoting it ("tool result: <content>");
- tools offered and the choice permits   -> calls to the forced tool, or to every tool the user names
                                            (first tool if `required`), arguments built from the JSON schema;
- a structured-output schema is asked    -> JSON text that validates against it;
- otherwise                              -> "echo: <last user text>".
Reasoning is added when the model name contains "reason"/"think" or the request asks for it.
Usage is one token per word (see tokens.py); text longer than max_tokens words is cut, finish "length".
"""
import json
from dataclasses import dataclass, field

from .schema_values import value_for_schema
from .tokens import IMAGE_TOKENS, TOOL_TOKENS, count_words, truncate_words

HINT_WORDS = 6


@dataclass
class Tool:
    name: str
    description: str = ""
    parameters: dict = field(default_factory=dict)


@dataclass
class Prompt:
    model: str = ""
    system: str = ""
    texts: list = field(default_factory=list)         # every text seen in the conversation, for usage
    last_user_text: str = ""
    images: int = 0
    tools: list = field(default_factory=list)         # [Tool]
    tool_choice: object = "auto"                      # "auto" | "none" | "required" | ("tool", name)
    parallel_tool_calls: bool = True
    tool_result: object = None                        # text of a trailing tool result, else None
    schema: object = None                             # structured-output JSON schema
    json_mode: bool = False                           # "any JSON object" mode
    reasoning: bool = False
    max_tokens: object = None
    stop: list = field(default_factory=list)          # stop sequences: the text ends before the first one

    @property
    def input_tokens(self):
        words = count_words(self.system) + sum(count_words(t) for t in self.texts)
        return max(1, words + IMAGE_TOKENS * self.images + TOOL_TOKENS * len(self.tools))


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: dict

    @property
    def arguments_json(self):
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class Reply:
    text: object = None          # str or None
    reasoning: object = None     # str or None
    tool_calls: list = field(default_factory=list)
    finish: str = "stop"         # "stop" | "length" | "tool_calls"
    stop_sequence: object = None  # the stop sequence that ended the text, if any
    input_tokens: int = 0

    @property
    def reasoning_tokens(self):
        return count_words(self.reasoning)

    @property
    def output_tokens(self):
        calls = sum(count_words(c.name) + count_words(c.arguments_json) for c in self.tool_calls)
        return max(1, count_words(self.text) + self.reasoning_tokens + calls)

    def summary(self):
        return {"text": self.text, "reasoning": self.reasoning, "finish": self.finish,
                "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in self.tool_calls],
                "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "reasoning_tokens": self.reasoning_tokens}


def model_reasons(model):
    name = (model or "").lower()
    return "reason" in name or "think" in name


def decide(prompt, new_id):
    """Compute the reply; `new_id(prefix)` makes ids for tool calls."""
    reply = Reply(input_tokens=prompt.input_tokens)
    user = prompt.last_user_text.strip()
    if prompt.reasoning or model_reasons(prompt.model):
        reply.reasoning = f"Thinking about: {user or 'the request'}"

    tools = [] if prompt.tool_result is not None else choose_tools(prompt)
    if tools:
        hint = " ".join(user.split()[:HINT_WORDS])
        for tool in tools:
            args = value_for_schema(tool.parameters or {"type": "object", "properties": {}}, hint or tool.name)
            if not isinstance(args, dict):
                args = {"value": args}
            reply.tool_calls.append(ToolCall(new_id("call"), tool.name, args))
        reply.finish = "tool_calls"
        return reply

    if prompt.tool_result is not None:
        text = f"tool result: {prompt.tool_result}"
    elif prompt.schema is not None:
        hint = " ".join(user.split()[:HINT_WORDS])
        text = json.dumps(value_for_schema(prompt.schema, hint), ensure_ascii=False)
    elif prompt.json_mode:
        text = json.dumps({"echo": user})
    else:
        text = f"echo: {user}"
        if prompt.images:
            text += f" [images: {prompt.images}]"
    limit = prompt.max_tokens
    text, cut = truncate_words(text, limit if isinstance(limit, int) and limit > 0 else None)
    reply.finish = "length" if cut else "stop"
    for stop in prompt.stop:
        if stop and stop in text:
            text, reply.stop_sequence, reply.finish = text[: text.index(stop)], stop, "stop"
            break
    reply.text = text
    return reply


def choose_tools(prompt):
    """Tools to call: the forced one; else every tool the user text names (just the first when parallel
    calls are off), or for "weather" the weather tool; `required` falls back to the first tool."""
    tools = prompt.tools
    choice = prompt.tool_choice
    if not tools or choice == "none":
        return []
    if isinstance(choice, tuple):
        return [next((t for t in tools if t.name == choice[1]), tools[0])]
    mentioned = _mentioned_tools(prompt)
    if not prompt.parallel_tool_calls:
        mentioned = mentioned[:1]
    if choice == "required":
        return mentioned or tools[:1]
    return mentioned


def _mentioned_tools(prompt):
    text = prompt.last_user_text.lower()
    named = [t for t in prompt.tools if t.name.lower() in text or t.name.lower().replace("_", " ") in text]
    if named:
        return named
    if "weather" in text:
        return [next((t for t in prompt.tools if "weather" in t.name.lower()), prompt.tools[0])]
    return []
