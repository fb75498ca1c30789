"""Anthropic Messages: POST /v1/messages (JSON and the full SSE grammar) and /v1/messages/count_tokens.

Prompt caching follows the request's cache_control breakpoints (tools, then system, then messages):
tokens up to the first breakpoint are a cache read, tokens between the first and the last breakpoint a
cache write; the `cache_write` scenario makes everything up to the last breakpoint a cache write.
Thinking blocks carry a deterministic signature and signatures sent back in history are verified.
"""
import base64
import hashlib
import json

from ..app import route
from ..behaviour import Prompt, Tool, decide
from ..errors import ApiError, anthropic_error_body
from ..tokens import IMAGE_TOKENS, TOOL_TOKENS, count_words
from ..wire import body_json, split_pieces, sse, stream_response
from .common import require, text_of
from .model_rules import check_anthropic_params


def thinking_signature(thinking):
    """The signature the emulator gives (and expects back) for a thinking text."""
    return base64.b64encode(hashlib.sha256(f"emu-thinking:{thinking}".encode()).digest()).decode()


def parse_messages(ctx, body):
    require(body.get("model"), "model: Field required")
    require(isinstance(body.get("max_tokens"), int), "max_tokens: Field required")
    messages = body.get("messages")
    require(isinstance(messages, list) and messages, "messages: Field required")
    prompt = Prompt(model=body["model"], max_tokens=body["max_tokens"], stop=body.get("stop_sequences") or [])
    cache = _CacheWalk()

    for tool in body.get("tools") or []:
        if tool.get("type") in (None, "custom"):
            prompt.tools.append(Tool(tool.get("name", ""), tool.get("description", ""), tool.get("input_schema") or {}))
            cache.add(TOOL_TOKENS, tool)
    system = body.get("system")
    system_blocks = [{"type": "text", "text": system}] if isinstance(system, str) else (system or [])
    prompt.system = "\n".join(b.get("text", "") for b in system_blocks)
    for block in system_blocks:
        cache.add(count_words(block.get("text", "")), block)

    previous_tool_ids = set()
    for m_index, message in enumerate(messages):
        role = message.get("role")
        if role == "system":
            raise ApiError(400, "bad_request", 'messages: Unexpected role "system". The Messages API accepts a '
                           'top-level `system` parameter, not "system" as an input message role.')
        require(role in ("user", "assistant"), f"messages.{m_index}.role: Input should be 'user' or 'assistant'")
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else (content or [])
        tool_ids = set()
        for b_index, block in enumerate(blocks):
            where = f"messages.{m_index}.content.{b_index}"
            kind = block.get("type")
            if kind == "text":
                text = block.get("text", "")
            elif kind == "image":
                prompt.images += 1
                cache.add(IMAGE_TOKENS, block)
                continue
            elif kind == "tool_use":
                tool_ids.add(block.get("id"))
                text = json.dumps(block.get("input", {}))
            elif kind == "tool_result":
                if block.get("tool_use_id") not in previous_tool_ids:
                    raise ApiError(400, "bad_request", f"{where}: unexpected `tool_use_id` found in `tool_result` "
                                   f"blocks: {block.get('tool_use_id')}. Each `tool_result` block must have a "
                                   "corresponding `tool_use` block in the previous message.")
                text = text_of(block.get("content"))
            elif kind == "thinking":
                if block.get("signature") != thinking_signature(block.get("thinking", "")):
                    raise ApiError(400, "bad_request", f"{where}: Invalid `signature` in `thinking` block")
                continue
            else:
                text = text_of(block.get("content") or block.get("text"))
            prompt.texts.append(text)
            cache.add(count_words(text), block)
        previous_tool_ids = tool_ids
    last = messages[-1]
    last_blocks = last.get("content") if isinstance(last.get("content"), list) else []
    results = [b for b in last_blocks if b.get("type") == "tool_result"]
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            prompt.last_user_text = content if isinstance(content, str) else text_of(
                [b for b in content or [] if b.get("type") == "text"])
            break
    if last.get("role") == "user" and results:
        prompt.tool_result = " ".join(text_of(b.get("content")) for b in results)

    prompt.tool_choice = _tool_choice(body.get("tool_choice") or {"type": "auto"})
    prompt.parallel_tool_calls = not (body.get("tool_choice") or {}).get("disable_parallel_tool_use")
    thinking = body.get("thinking") or {}
    if thinking.get("type") == "enabled":
        budget = thinking.get("budget_tokens")
        require(isinstance(budget, int) and budget >= 1024, "thinking.enabled.budget_tokens: Input should be greater "
                                                            "than or equal to 1024")
        require(budget < body["max_tokens"], "`max_tokens` must be greater than `thinking.budget_tokens`.")
    prompt.reasoning = thinking.get("type") in ("enabled", "adaptive")
    output_format = (body.get("output_config") or {}).get("format") or body.get("output_format") or {}
    if output_format.get("type") == "json_schema":
        prompt.schema = output_format.get("schema") or {"type": "object"}
    if body.get("cache_control"):  # automatic caching: a breakpoint after the whole prompt
        cache.add(0, {"cache_control": body["cache_control"]})
    return prompt, cache


def _tool_choice(choice):
    kind = choice.get("type")
    if kind == "tool":
        return ("tool", choice.get("name"))
    return {"any": "required", "none": "none"}.get(kind, "auto")


class _CacheWalk:
    """Running token total with the totals at each cache_control breakpoint."""

    def __init__(self):
        self.total = 0
        self.breakpoints = []
        self.one_hour = False

    def add(self, tokens, block):
        self.total += tokens
        control = block.get("cache_control")
        if control:
            self.breakpoints.append(self.total)
            self.one_hour = self.one_hour or control.get("ttl") == "1h"

    def split(self, total, write_all):
        """(uncached input, cache read, cache write) for a prompt of `total` tokens."""
        if not self.breakpoints:
            return total, 0, 0
        first, last = self.breakpoints[0], self.breakpoints[-1]
        read, write = (0, last) if write_all else (first, last - first)
        return total - read - write, read, write


def usage_of(ctx, reply, cache, output_tokens=None):
    uncached, read, write = cache.split(reply.input_tokens, ctx.scenario.has("cache_write"))
    return {"input_tokens": uncached, "cache_creation_input_tokens": write, "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": 0 if cache.one_hour else write,
                               "ephemeral_1h_input_tokens": write if cache.one_hour else 0},
            "output_tokens": reply.output_tokens if output_tokens is None else output_tokens,
            "service_tier": "standard"}


def content_blocks(reply):
    blocks = []
    if reply.reasoning:
        blocks.append({"type": "thinking", "thinking": reply.reasoning,
                       "signature": thinking_signature(reply.reasoning)})
    if reply.text is not None:
        blocks.append({"type": "text", "text": reply.text})
    for call in reply.tool_calls:
        blocks.append({"type": "tool_use", "id": call.id, "name": call.name, "input": call.arguments})
    return blocks


STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}


@route("POST", r"/v1/messages", "anthropic")
def create_message(ctx):
    body = ctx.json
    check_anthropic_params(ctx, body)
    prompt, cache = parse_messages(ctx, body)
    reply = decide(prompt, lambda _prefix: ctx.new_id("toolu"))
    stop_sequence = reply.stop_sequence
    ctx.note_reply(reply)
    stop_reason = "stop_sequence" if stop_sequence else STOP_REASONS[reply.finish]
    message = {"id": ctx.new_id("msg"), "type": "message", "role": "assistant", "model": body["model"],
               "content": content_blocks(reply), "stop_reason": stop_reason, "stop_sequence": stop_sequence,
               "usage": usage_of(ctx, reply, cache)}
    if not body.get("stream"):
        return body_json(ctx, message, headers={"request-id": ctx.new_id("req")})
    return stream_response(ctx, list(_events(ctx, message, reply, cache)), keepalive=sse({"type": "ping"}, "ping"),
                           error_event=sse(anthropic_error_body("overloaded"), "error"))


def _events(ctx, message, reply, cache):
    chunks = ctx.scenario.chunks
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": usage_of(ctx, reply, cache, output_tokens=1)}
    yield sse({"type": "message_start", "message": start}, "message_start")
    for index, block in enumerate(message["content"]):
        kind = block["type"]
        if kind == "thinking":
            empty, deltas = {"type": "thinking", "thinking": "", "signature": ""}, [
                {"type": "thinking_delta", "thinking": p} for p in split_pieces(block["thinking"], chunks)]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif kind == "text":
            empty, deltas = {"type": "text", "text": ""}, [
                {"type": "text_delta", "text": p} for p in split_pieces(block["text"], chunks)]
        else:
            empty = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            pieces = [""] + split_pieces(json.dumps(block["input"]), chunks)
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
        yield sse({"type": "content_block_start", "index": index, "content_block": empty}, "content_block_start")
        if index == 0:
            yield sse({"type": "ping"}, "ping")
        for delta in deltas:
            yield sse({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta")
        yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")
    usage = {k: v for k, v in message["usage"].items() if k not in ("cache_creation", "service_tier")}
    yield sse({"type": "message_delta", "delta": {"stop_reason": message["stop_reason"],
                                                  "stop_sequence": message["stop_sequence"]}, "usage": usage},
              "message_delta")
    yield sse({"type": "message_stop"}, "message_stop")


@route("POST", r"/v1/messages/count_tokens", "anthropic")
def count_tokens(ctx):
    body = dict(ctx.json)
    body.setdefault("max_tokens", 1)
    prompt, _ = parse_messages(ctx, body)
    return body_json(ctx, {"input_tokens": prompt.input_tokens})
