"""Cohere v2 Chat (`POST /v2/chat`, JSON and its typed-event stream), as api.cohere.com answers it.

Like the real API it refuses OpenAI-only fields (`top_p`, `max_completion_tokens`, `stream_options`, `n`),
lower-case tool choices, `response_format` beside `tools`, images for models without "vision" in their name and
`thinking` for models without "reasoning"; it wants every `tool` message to answer a tool call of the assistant
before it. Reasoning models think (a `thinking` content block, streamed as `content-delta` `thinking` pieces)
unless `thinking.type` is `disabled`.
Rerank (`/v2/rerank`) lives in openai_misc.
"""
from ..app import route
from ..behaviour import Prompt, Tool, decide
from ..wire import body_json, split_pieces, sse, stream_response
from .common import require, text_of

_FINISH = {"stop": "COMPLETE", "length": "MAX_TOKENS", "tool_calls": "TOOL_CALL"}
_OPENAI_ONLY = ("top_p", "max_completion_tokens", "stream_options", "n", "functions")


def _sees_images(model):
    return "vision" in model  # command-a-vision-07-2025, c4ai-aya-vision-*


def _reasons(model):
    return "reasoning" in model  # command-a-reasoning-08-2025: thinking on unless disabled


def _parse(body):
    require(body.get("model"), "model is required", "model")
    messages = body.get("messages")
    require(isinstance(messages, list) and messages, "messages is required", "messages")
    for name in _OPENAI_ONLY:
        require(name not in body, f"invalid request: unknown field '{name}'", name)
    choice = body.get("tool_choice")
    require(choice in (None, "REQUIRED", "NONE"), "invalid request: tool_choice must be one of REQUIRED, NONE")
    require(not (body.get("response_format") and body.get("tools")),
            "invalid request: response_format is not supported together with tools", "response_format")
    thinking = body.get("thinking")
    if thinking is not None:
        require(_reasons(body["model"]), f"invalid request: model '{body['model']}' does not support thinking",
                "thinking")
        require(thinking.get("type") in ("enabled", "disabled"),
                "invalid request: thinking.type must be one of enabled, disabled", "thinking")
    prompt = Prompt(model=body["model"],
                    reasoning=_reasons(body["model"]) and (thinking or {}).get("type") != "disabled")
    pending = set()
    systems = []
    for message in messages:
        role = message.get("role")
        require(role in ("system", "user", "assistant", "tool"), f"invalid request: unknown role '{role}'")
        if role == "tool":
            require(message.get("tool_call_id") in pending, "invalid request: tool message without a tool call")
            pending.discard(message["tool_call_id"])
            prompt.texts.append(text_of(message.get("content")))
            continue
        require(not pending, "invalid request: tool calls without tool results")
        if role == "system":
            systems.append(text_of(message.get("content")))
            continue
        content = message.get("content")
        prompt.texts.append(text_of(content))
        if isinstance(content, list):
            images = sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")
            require(not images or _sees_images(body["model"]),
                    f"invalid request: model '{body['model']}' does not support image inputs", "messages")
            prompt.images += images
        if role == "assistant":
            pending = {c.get("id") for c in message.get("tool_calls") or []}
            for call in message.get("tool_calls") or []:
                prompt.texts.append((call.get("function") or {}).get("arguments", ""))
        else:
            prompt.last_user_text = text_of(content)
    prompt.system = "\n".join(systems)
    if messages[-1].get("role") == "tool":
        prompt.tool_result = text_of(messages[-1].get("content"))
    prompt.tools = [Tool(t["function"].get("name", ""), t["function"].get("description", ""),
                         t["function"].get("parameters") or {}) for t in body.get("tools") or []]
    prompt.tool_choice = {"REQUIRED": "required", "NONE": "none"}.get(choice, "auto")
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_object":
        if fmt.get("json_schema"):
            prompt.schema = fmt["json_schema"]
        else:
            prompt.json_mode = True
    prompt.max_tokens = body.get("max_tokens")
    prompt.stop = body.get("stop_sequences") or []
    return prompt


def _usage(reply):
    counts = {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens}
    # tokens include the prompt template Cohere wraps around the messages; billed units are what is charged
    return {"billed_units": counts, "tokens": {"input_tokens": reply.input_tokens + 200,
                                                "output_tokens": reply.output_tokens}}


@route("POST", r"/v2/chat", "openai")
def chat(ctx):
    body = ctx.json
    prompt = _parse(body)
    reply = decide(prompt, ctx.new_id)
    if not prompt.reasoning:  # thinking disabled on a reasoning model
        reply.reasoning = None
    plan = f"I will call {reply.tool_calls[0].name}." if reply.tool_calls else None
    ctx.note_reply(reply)
    chat_id = ctx.new_id("", "").lstrip("_")
    calls = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json}}
             for c in reply.tool_calls]
    finish = _FINISH.get(reply.finish, "COMPLETE")
    thinking = [{"type": "thinking", "thinking": reply.reasoning}] if reply.reasoning else []
    if not body.get("stream"):
        message = {"role": "assistant"}
        if calls:
            message.update(tool_plan=plan, tool_calls=calls)
            if thinking:
                message["content"] = thinking
        else:
            message["content"] = thinking + [{"type": "text", "text": reply.text or ""}]
        return body_json(ctx, {"id": chat_id, "message": message, "finish_reason": finish, "usage": _usage(reply)})
    pieces = ctx.scenario.chunks
    events = [{"id": chat_id, "type": "message-start",
               "delta": {"message": {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [],
                                     "citations": []}}}]
    if thinking:
        events.append({"type": "content-start", "index": 0,
                       "delta": {"message": {"content": {"type": "thinking", "thinking": ""}}}})
        events += [{"type": "content-delta", "index": 0, "delta": {"message": {"content": {"thinking": p}}}}
                   for p in split_pieces(reply.reasoning, pieces)]
        events.append({"type": "content-end", "index": 0})
    text_index = len(thinking)
    if calls:
        events += [{"type": "tool-plan-delta", "delta": {"message": {"tool_plan": p}}}
                   for p in split_pieces(plan, pieces)]
        for index, call in enumerate(calls):
            events.append({"type": "tool-call-start", "index": index, "delta": {"message": {"tool_calls": {
                "id": call["id"], "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""}}}}})
            events += [{"type": "tool-call-delta", "index": index,
                        "delta": {"message": {"tool_calls": {"function": {"arguments": p}}}}}
                       for p in split_pieces(call["function"]["arguments"], pieces)]
            events.append({"type": "tool-call-end", "index": index})
    else:
        events.append({"type": "content-start", "index": text_index,
                       "delta": {"message": {"content": {"type": "text", "text": ""}}}})
        events += [{"type": "content-delta", "index": text_index, "delta": {"message": {"content": {"text": p}}}}
                   for p in split_pieces(reply.text or "", pieces)]
        events.append({"type": "content-end", "index": text_index})
    events.append({"type": "message-end", "delta": {"finish_reason": finish, "usage": _usage(reply)}})
    return stream_response(ctx, [sse(e, event=e["type"]) for e in events], keepalive=None)
