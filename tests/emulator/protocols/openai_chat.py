"""OpenAI Chat Completions (JSON and SSE) and legacy Completions."""
from .. import chat_audio
from ..app import route
from ..behaviour import Prompt, Tool, decide
from ..tokens import count_words, truncate_words
from ..errors import openai_error_body
from ..wire import body_json, now, split_pieces, sse, stream_response
from .common import require, text_of, wants_cache
from .model_rules import check_openai_params

DONE = b"data: [DONE]\n\n"
STREAM_ERROR = sse(openai_error_body("server_error"))


def parse_chat(ctx, body):
    require(body.get("model"), "you must provide a model parameter", "model")
    messages = body.get("messages")
    require(isinstance(messages, list) and messages, "[] is too short - 'messages'", "messages")
    _check_message_sequence(messages)
    prompt = Prompt(model=body["model"])
    systems = []
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role in ("system", "developer"):
            systems.append(text_of(content))
            continue
        text = text_of(content)
        prompt.texts.append(text)
        if isinstance(content, list):
            prompt.images += sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")
        for call in message.get("tool_calls") or []:
            prompt.texts.append(call.get("function", {}).get("arguments", ""))
        if role == "user":
            prompt.last_user_text = text
    prompt.system = "\n".join(systems)
    last = messages[-1]
    if last.get("role") in ("tool", "function"):
        prompt.tool_result = text_of(last.get("content"))

    tools = [t.get("function", {}) for t in body.get("tools") or [] if t.get("type", "function") == "function"]
    tools += body.get("functions") or []
    prompt.tools = [Tool(t.get("name", ""), t.get("description", ""), t.get("parameters") or {}) for t in tools]
    prompt.tool_choice = _tool_choice(body.get("tool_choice", body.get("function_call", "auto")))
    prompt.parallel_tool_calls = body.get("parallel_tool_calls", True) is not False

    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        prompt.schema = (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
    elif fmt.get("type") == "json_object":
        prompt.json_mode = True
    prompt.reasoning = _wants_reasoning(body)
    prompt.max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    stop = body.get("stop")
    prompt.stop = [stop] if isinstance(stop, str) else (stop or [])
    return prompt


ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def _check_message_sequence(messages):
    """The real API's checks that catch broken conversions: known roles, and every assistant tool call
    answered by tool messages right after it (and no tool message without such a call)."""
    pending = set()
    for index, message in enumerate(messages):
        role = message.get("role")
        require(role in ROLES, f"Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', "
                               "'function', 'tool', and 'developer'.", f"messages[{index}].role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            require(call_id, "Missing parameter 'tool_call_id': messages with role 'tool' must have a "
                             "'tool_call_id'.", f"messages[{index}].tool_call_id")
            require(call_id in pending, "Invalid parameter: messages with role 'tool' must be a response to a "
                                        "preceeding message with 'tool_calls'.", f"messages[{index}].role")
            pending.discard(call_id)
            continue
        require(not pending, "An assistant message with 'tool_calls' must be followed by tool messages responding "
                             "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                             + ", ".join(sorted(pending)), f"messages[{index}].role")
        if role == "assistant":
            pending = {c.get("id") for c in message.get("tool_calls") or []}
    require(not pending, "An assistant message with 'tool_calls' must be followed by tool messages responding to "
                         "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                         + ", ".join(sorted(pending)), "messages")


def _tool_choice(choice):
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        return ("tool", name) if name else "required"
    return choice if choice in ("auto", "none", "required") else "auto"


def _wants_reasoning(body):
    effort = body.get("reasoning_effort")
    if effort and effort not in ("none", "minimal"):
        return True
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and (reasoning.get("effort") not in (None, "none") or reasoning.get("enabled")):
        return True
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") == "enabled"


def chat_usage(reply, cached, choices=1):
    completion = reply.output_tokens * choices
    return {
        "prompt_tokens": reply.input_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.input_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": reply.input_tokens // 2 if cached else 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reply.reasoning_tokens * choices, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }


def reasoning_field(ctx):
    return ctx.scenario.params.get("rfield", "reasoning_content")


@route("POST", r"/v1/chat/completions", "openai")
def chat_completions(ctx):
    return handle_chat(ctx, ctx.json)


def handle_chat(ctx, body, extras=None):
    """Shared by OpenAI and Azure; `extras` adds provider fields (Azure's content filter results).
    `n` > 1 repeats the same answer in n choices and bills n times the completion."""
    prompt = parse_chat(ctx, body)
    check_openai_params(ctx, body, "chat")
    chat_audio.check(body)
    reply = decide(prompt, ctx.new_id)
    ctx.note_reply(reply)
    if ctx.scenario.has("thinktags") and reply.reasoning:  # reasoning inline, as some open models emit it
        reply.text = f"<think>{reply.reasoning}</think>{reply.text or ''}"
        reply.reasoning = None
    choices = max(1, int(body.get("n") or 1))
    usage = chat_usage(reply, wants_cache(ctx, body), choices)
    chat_audio.account(body, usage, reply.text)
    base = {"id": ctx.new_id("chatcmpl", "-"), "created": now(), "model": body["model"],
            "system_fingerprint": "fp_emulator"}
    extras = extras or {}
    if body.get("stream"):
        return _chat_stream(ctx, body, reply, usage, base, extras, choices)
    message = {"role": "assistant", "content": reply.text, "refusal": None, "annotations": []}
    if reply.reasoning:
        message[reasoning_field(ctx)] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments_json}}
                                 for c in reply.tool_calls]
    chat_audio.speak(ctx, body, message)
    result = {**base, "object": "chat.completion", "usage": usage, "service_tier": "default", "choices": [
        {"index": i, "message": message, "logprobs": None, "finish_reason": reply.finish, **extras.get("choice", {})}
        for i in range(choices)]}
    if "prompt_filter_results" in extras:
        result["prompt_filter_results"] = extras["prompt_filter_results"]
    return body_json(ctx, result)


def _chat_stream(ctx, body, reply, usage, base, extras, choices):
    include_usage = bool((body.get("stream_options") or {}).get("include_usage")) and not ctx.scenario.has("nousage")
    chunks = ctx.scenario.chunks
    events = []
    if "prompt_filter_results" in extras:  # Azure's first chunk: no choices, only filter results
        events.append({**base, "object": "chat.completion.chunk", "model": "", "choices": [],
                       "prompt_filter_results": extras["prompt_filter_results"]})

    def chunk(choice, delta, finish=None):
        item = {**base, "object": "chat.completion.chunk", "service_tier": "default",
                "choices": [{"index": choice, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if include_usage:
            item["usage"] = None
        events.append(item)

    for choice in range(choices):
        chunk(choice, {"role": "assistant", "content": "", "refusal": None})
        for piece in split_pieces(reply.reasoning or "", chunks):
            chunk(choice, {reasoning_field(ctx): piece})
        spoken = chat_audio.stream_deltas(ctx, body, reply.text or "", split_pieces(reply.text or "", chunks))
        for delta in spoken or ({"content": piece} for piece in split_pieces(reply.text or "", chunks)):
            chunk(choice, delta)
        for index, call in enumerate(reply.tool_calls):
            chunk(choice, {"tool_calls": [{"index": index, "id": call.id, "type": "function",
                                           "function": {"name": call.name, "arguments": ""}}]})
            for piece in split_pieces(call.arguments_json, chunks):
                chunk(choice, {"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        chunk(choice, {}, reply.finish)
    if include_usage:
        events.append({**base, "object": "chat.completion.chunk", "service_tier": "default", "choices": [],
                       "usage": usage})
    return stream_response(ctx, [sse(e) for e in events], done=DONE, error_event=STREAM_ERROR)


# ---- legacy completions ---------------------------------------------------------------------------

@route("POST", r"/v1/completions", "openai")
def completions(ctx):
    return handle_completions(ctx, ctx.json)


def handle_completions(ctx, body):
    require(body.get("model"), "you must provide a model parameter", "model")
    prompt_value = body.get("prompt", "")
    prompt_text = prompt_value if isinstance(prompt_value, str) else " ".join(map(str, prompt_value))
    text, cut = truncate_words(f"echo: {prompt_text}", body.get("max_tokens", 16))
    prompt_tokens, completion_tokens = max(1, count_words(prompt_text)), max(1, count_words(text))
    usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
             "total_tokens": prompt_tokens + completion_tokens}
    finish = "length" if cut else "stop"
    ctx.note_reply({"text": text, "finish": finish, "input_tokens": prompt_tokens,
                    "output_tokens": completion_tokens})
    base = {"id": ctx.new_id("cmpl", "-"), "object": "text_completion", "created": now(),
            "model": body["model"], "system_fingerprint": "fp_emulator"}
    if not body.get("stream"):
        return body_json(ctx, {**base, "choices": [{"text": text, "index": 0, "logprobs": None,
                                                    "finish_reason": finish}], "usage": usage})
    events = [{**base, "choices": [{"text": piece, "index": 0, "logprobs": None, "finish_reason": None}]}
              for piece in split_pieces(text, ctx.scenario.chunks)]
    events.append({**base, "choices": [{"text": "", "index": 0, "logprobs": None, "finish_reason": finish}]})
    if (body.get("stream_options") or {}).get("include_usage") and not ctx.scenario.has("nousage"):
        events.append({**base, "choices": [], "usage": usage})
    return stream_response(ctx, [sse(e) for e in events], done=DONE)
