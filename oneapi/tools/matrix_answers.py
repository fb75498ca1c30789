"""Read a gateway answer into one shape, per client format, non-streamed or streamed.

Streams are checked against each format's grammar while they are read: Chat chunks up to ``data: [DONE]``;
Responses events from ``response.created`` to ``response.completed`` with rising ``sequence_number``; Claude
``message_start``, balanced ``content_block_start``/``_stop`` pairs, ``message_delta`` with a ``stop_reason``, and
``message_stop``. A stream that breaks its grammar or ends early raises ``Broken`` with a short reason.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from oneapi.relay.formats import sse


class Broken(Exception):
    """The answer is not a well-formed answer of its format."""


@dataclass
class ToolCall:
    name: str
    arguments: str  # JSON text as the format carries it (Claude input is re-serialised)


@dataclass
class Answer:
    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish: str = ""        # the format's own word: stop/length/tool_calls, end_turn/max_tokens/tool_use, completed..
    truncated: bool = False
    events: int = 0
    usage: tuple[int, int] | None = None   # (input incl. cache, output incl. reasoning) as the client was told


def _openai_usage(usage) -> tuple[int, int] | None:
    if not isinstance(usage, dict):
        return None
    prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
    completion = usage.get("completion_tokens", usage.get("output_tokens"))
    return (int(prompt or 0), int(completion or 0)) if prompt is not None or completion is not None else None


def _claude_input(usage: dict) -> int:
    return sum(int(usage.get(k) or 0) for k in ("input_tokens", "cache_creation_input_tokens",
                                                 "cache_read_input_tokens"))


def _error_of(obj) -> str | None:
    if isinstance(obj, dict):
        err = obj.get("error")
        if err not in (None, "", False, 0, {}):
            if isinstance(err, dict):
                return str(err.get("message") or err.get("type") or err)
            return str(err)
    return None


def iter_sse(lines):
    """(event name or None, data text) per SSE event from an iterable of decoded lines; events without data are
    skipped."""
    block: list[str] = []
    for line in lines:
        if line == "":
            yield from _with_data(block)
            block = []
        else:
            block.append(line)
    yield from _with_data(block)


def _with_data(block: list[str]):
    event, data = sse.event_fields(block)
    if data:
        yield event, "\n".join(data)


def _json(data: str, where: str):
    try:
        return json.loads(data)
    except ValueError:
        raise Broken(f"{where}: invalid JSON event") from None


# ---- Chat Completions -------------------------------------------------------------------------------------

def chat_body(body: dict) -> Answer:
    if body.get("object") != "chat.completion" or not body.get("choices"):
        raise Broken("not a chat.completion with choices")
    choice = body["choices"][0]
    message = choice.get("message") or {}
    calls = [ToolCall(c.get("function", {}).get("name", ""), c.get("function", {}).get("arguments", ""))
             for c in message.get("tool_calls") or []]
    finish = choice.get("finish_reason") or ""
    return Answer(message.get("content") or "", calls, finish, finish == "length",
                  usage=_openai_usage(body.get("usage")))


def chat_stream(events) -> Answer:
    answer, calls, done = Answer(), {}, False
    for _, data in events:
        if done:
            raise Broken("events after [DONE]")
        if data.strip() == "[DONE]":
            done = True
            continue
        chunk = _json(data, "chat stream")
        if _error_of(chunk):
            raise Broken(f"stream error: {_error_of(chunk)}")
        if chunk.get("object") != "chat.completion.chunk":
            raise Broken("chunk without object chat.completion.chunk")
        answer.events += 1
        answer.usage = _openai_usage(chunk.get("usage")) or answer.usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            answer.text += delta.get("content") or ""
            for part in delta.get("tool_calls") or []:
                slot = calls.setdefault(part.get("index", 0), ToolCall("", ""))
                fn = part.get("function") or {}
                slot.name += fn.get("name") or ""
                slot.arguments += fn.get("arguments") or ""
            if choice.get("finish_reason"):
                answer.finish = choice["finish_reason"]
    if not done:
        raise Broken("stream ended without [DONE]")
    if not answer.finish:
        raise Broken("no finish_reason in stream")
    answer.tool_calls = [calls[i] for i in sorted(calls)]
    answer.truncated = answer.finish == "length"
    return answer


# ---- Responses --------------------------------------------------------------------------------------------

def _response_output(output: list) -> tuple[str, list[ToolCall]]:
    text, calls = "", []
    for item in output or []:
        if item.get("type") == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    text += part.get("text") or ""
        elif item.get("type") == "function_call":
            calls.append(ToolCall(item.get("name") or "", item.get("arguments") or ""))
    return text, calls


def response_body(body: dict) -> Answer:
    if body.get("object") != "response":
        raise Broken("not an object of type response")
    status = body.get("status")
    if status == "failed":
        raise Broken(f"status failed: {_error_of(body) or ''}".strip())
    if status not in ("completed", "incomplete"):
        raise Broken(f"status {status}")
    text, calls = _response_output(body.get("output"))
    return Answer(text, calls, status, status == "incomplete", usage=_openai_usage(body.get("usage")))


def response_stream(events) -> Answer:
    answer, names, last_seq, final = Answer(), [], -1, None
    text_deltas, args = "", {}
    for event, data in events:
        if data.strip() == "[DONE]":
            continue
        obj = _json(data, "responses stream")
        kind = obj.get("type")
        if final is not None:
            raise Broken(f"{kind} after {final.get('type')}")
        if event is not None and event != kind:
            raise Broken(f"event name {event} != type {kind}")
        if kind == "error" or _error_of(obj):
            raise Broken(f"stream error: {_error_of(obj) or obj.get('message')}")
        seq = obj.get("sequence_number")
        if isinstance(seq, int):
            if seq <= last_seq:
                raise Broken("sequence_number not increasing")
            last_seq = seq
        if not names and kind != "response.created":
            raise Broken(f"first event is {kind}, not response.created")
        names.append(kind)
        if kind == "response.output_text.delta":
            text_deltas += obj.get("delta") or ""
        elif kind == "response.function_call_arguments.delta":
            args[obj.get("item_id")] = args.get(obj.get("item_id"), "") + (obj.get("delta") or "")
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            final = obj
    answer.events = len(names)
    if final is None:
        raise Broken("stream ended before response.completed")
    if final["type"] == "response.failed":
        raise Broken(f"response.failed: {_error_of(final.get('response')) or ''}".strip())
    text, calls = _response_output((final.get("response") or {}).get("output"))
    if text != text_deltas:
        raise Broken("text deltas differ from response.completed output")
    streamed_args = sorted(args.values())
    if streamed_args and streamed_args != sorted(c.arguments for c in calls):
        raise Broken("argument deltas differ from completed function_call")
    answer.text, answer.tool_calls = text, calls
    answer.finish = (final.get("response") or {}).get("status") or ""
    answer.usage = _openai_usage((final.get("response") or {}).get("usage"))
    answer.truncated = final["type"] == "response.incomplete" or answer.finish == "incomplete"
    return answer


# ---- Claude Messages --------------------------------------------------------------------------------------

def _claude_blocks(content: list) -> tuple[str, list[ToolCall]]:
    text, calls = "", []
    for block in content or []:
        if block.get("type") == "text":
            text += block.get("text") or ""
        elif block.get("type") == "tool_use":
            calls.append(ToolCall(block.get("name") or "", json.dumps(block.get("input"))))
    return text, calls


def claude_body(body: dict) -> Answer:
    if body.get("type") == "error":
        raise Broken(f"error: {_error_of(body)}")
    if body.get("type") != "message" or body.get("role") != "assistant":
        raise Broken("not an assistant message")
    if not body.get("stop_reason"):
        raise Broken("no stop_reason")
    text, calls = _claude_blocks(body.get("content"))
    usage = body.get("usage")
    return Answer(text, calls, body["stop_reason"], body["stop_reason"] == "max_tokens",
                  usage=(_claude_input(usage), int(usage.get("output_tokens") or 0)) if isinstance(usage, dict)
                  else None)


def claude_stream(events) -> Answer:
    answer, open_blocks, blocks, stop_reason = Answer(), {}, {}, None
    started = stopped = False
    usage: dict = {}
    for event, data in events:
        if stopped:
            if data.strip() == "[DONE]":
                continue
            raise Broken("events after message_stop")
        obj = _json(data, "claude stream")
        kind = obj.get("type")
        if event is not None and event != kind:
            raise Broken(f"event name {event} != type {kind}")
        if kind == "error":
            raise Broken(f"stream error: {_error_of(obj)}")
        if kind == "ping":
            continue
        answer.events += 1
        if not started:
            if kind != "message_start":
                raise Broken(f"first event is {kind}, not message_start")
            started = True
            usage.update((obj.get("message") or {}).get("usage") or {})
            continue
        index = obj.get("index")
        if kind == "content_block_start":
            if index in open_blocks or index in blocks:
                raise Broken(f"block {index} started twice")
            block = dict(obj.get("content_block") or {})
            block["_json"] = ""
            open_blocks[index] = blocks[index] = block
        elif kind == "content_block_delta":
            if index not in open_blocks:
                raise Broken(f"delta for block {index} that is not open")
            delta = obj.get("delta") or {}
            if delta.get("type") == "text_delta":
                open_blocks[index]["text"] = (open_blocks[index].get("text") or "") + delta.get("text", "")
            elif delta.get("type") == "input_json_delta":
                open_blocks[index]["_json"] += delta.get("partial_json", "")
        elif kind == "content_block_stop":
            if open_blocks.pop(index, None) is None:
                raise Broken(f"stop for block {index} that is not open")
        elif kind == "message_delta":
            stop_reason = (obj.get("delta") or {}).get("stop_reason") or stop_reason
            usage.update({k: v for k, v in (obj.get("usage") or {}).items() if v is not None})
        elif kind == "message_stop":
            stopped = True
        elif kind == "message_start":
            raise Broken("second message_start")
    if not stopped:
        raise Broken("stream ended without message_stop")
    if open_blocks:
        raise Broken(f"blocks never stopped: {sorted(open_blocks)}")
    if not stop_reason:
        raise Broken("message_delta carried no stop_reason")
    content = []
    for index in sorted(blocks):
        block = blocks[index]
        if block.get("type") == "tool_use":
            raw = block.pop("_json") or "{}"
            try:
                block["input"] = json.loads(raw)
            except ValueError:
                raise Broken("tool_use input_json_delta is not JSON") from None
        content.append(block)
    answer.text, answer.tool_calls = _claude_blocks(content)
    answer.finish, answer.truncated = stop_reason, stop_reason == "max_tokens"
    if usage:
        answer.usage = (_claude_input(usage), int(usage.get("output_tokens") or 0))
    return answer


READERS = {"chat": (chat_body, chat_stream), "response": (response_body, response_stream),
           "claude": (claude_body, claude_stream)}
