"""OpenAI Responses API: create (JSON and the full SSE event sequence), store, retrieve, delete, cancel,
input items and input token counting."""
import copy
import time

from ..app import route
from ..behaviour import Prompt, Tool, decide
from ..errors import ApiError
from ..wire import body_json, json_response, split_pieces, sse, stream_response
from .common import require, text_of, wants_cache
from .model_rules import check_openai_params


def parse_responses(ctx, body, store):
    require(body.get("model"), "Missing required parameter: 'model'.", "model")
    prompt = Prompt(model=body["model"])
    items = normalize_input(body.get("input"))
    previous_id = body.get("previous_response_id")
    if previous_id:
        previous = store.get(previous_id)
        if previous is None:
            raise ApiError(400, "bad_request", f"Previous response with id '{previous_id}' not found.",
                           param="previous_response_id")
        prompt.texts += [text_of(i.get("content")) for i in previous["input_items"]]
        prompt.texts += [_output_item_text(i) for i in previous["response"]["output"]]
    known_calls = {i.get("call_id") for i in items if i.get("type") == "function_call"}
    if previous_id:
        known_calls |= {o.get("call_id") for o in store[previous_id]["response"]["output"]
                        if o.get("type") == "function_call"}
    for item in items:
        if item.get("type") == "function_call_output":
            require(item.get("call_id") in known_calls,
                    f"No tool call found for function call output with call_id {item.get('call_id')}.", "input")
    systems = [body["instructions"]] if isinstance(body.get("instructions"), str) else []
    for item in items:
        kind = item.get("type", "message")
        if kind == "message":
            text = text_of(item.get("content"))
            if item.get("role") in ("system", "developer"):
                systems.append(text)
                continue
            prompt.texts.append(text)
            if isinstance(item.get("content"), list):
                prompt.images += sum(1 for p in item["content"] if p.get("type") == "input_image")
            if item.get("role") == "user":
                prompt.last_user_text = text
        elif kind == "function_call":
            prompt.texts.append(item.get("arguments", ""))
        elif kind == "function_call_output":
            prompt.texts.append(text_of(item.get("output")))
    prompt.system = "\n".join(systems)
    if items and items[-1].get("type") == "function_call_output":
        prompt.tool_result = text_of(items[-1].get("output"))

    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            fn = tool.get("function") or tool  # tolerate Chat-style nesting
            prompt.tools.append(Tool(fn.get("name", ""), fn.get("description") or "", fn.get("parameters") or {}))
    prompt.tool_choice = _tool_choice(body.get("tool_choice", "auto"))
    prompt.parallel_tool_calls = body.get("parallel_tool_calls", True) is not False
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        prompt.schema = fmt.get("schema") or {"type": "object"}
    elif fmt.get("type") == "json_object":
        prompt.json_mode = True
    effort = (body.get("reasoning") or {}).get("effort")
    prompt.reasoning = bool(effort) and effort not in ("none", "minimal")
    prompt.max_tokens = body.get("max_output_tokens")
    return prompt, items


def normalize_input(value):
    """Input as a list of items; strings become user messages; message content becomes typed parts."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [{"role": "user", "content": value}]
    items = []
    for item in value:
        item = dict(item)
        if "role" in item and "type" not in item:
            item["type"] = "message"
        if item.get("type") == "message" and isinstance(item.get("content"), str):
            part = "output_text" if item.get("role") == "assistant" else "input_text"
            item["content"] = [{"type": part, "text": item["content"]}]
        items.append(item)
    return items


def _tool_choice(choice):
    if isinstance(choice, dict):
        if choice.get("type") in ("function", "tool") and choice.get("name"):
            return ("tool", choice["name"])
        return "auto" if choice.get("type") == "allowed_tools" else "required"
    return choice if choice in ("auto", "none", "required") else "auto"


def _output_item_text(item):
    if item.get("type") == "message":
        return text_of(item.get("content"))
    if item.get("type") == "function_call":
        return item.get("arguments", "")
    return ""


def build_output(ctx, body, reply):
    output = []
    if reply.reasoning:
        item = {"id": ctx.new_id("rs"), "type": "reasoning",
                "summary": [{"type": "summary_text", "text": reply.reasoning}]}
        if "reasoning.encrypted_content" in (body.get("include") or []):
            item["encrypted_content"] = "emu-encrypted:" + reply.reasoning
        output.append(item)
    if reply.text is not None:
        output.append({"id": ctx.new_id("msg"), "type": "message",
                       "status": "incomplete" if reply.finish == "length" else "completed", "role": "assistant",
                       "content": [{"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}]})
    for call in reply.tool_calls:
        output.append({"id": ctx.new_id("fc"), "type": "function_call", "status": "completed",
                       "arguments": call.arguments_json, "call_id": call.id, "name": call.name})
    return output


def usage_of(reply, cached):
    return {"input_tokens": reply.input_tokens,
            "input_tokens_details": {"cached_tokens": reply.input_tokens // 2 if cached else 0,
                                     "cache_write_tokens": 0},
            "output_tokens": reply.output_tokens,
            "output_tokens_details": {"reasoning_tokens": reply.reasoning_tokens},
            "total_tokens": reply.input_tokens + reply.output_tokens}


def response_envelope(ctx, body, response_id):
    fmt = (body.get("text") or {}).get("format") or {"type": "text"}
    choice = body.get("tool_choice", "auto")
    return {
        "id": response_id, "object": "response", "created_at": int(time.time()), "status": "in_progress",
        "background": bool(body.get("background")), "completed_at": None, "error": None,
        "incomplete_details": None, "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"), "max_tool_calls": body.get("max_tool_calls"),
        "model": body["model"], "output": [], "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "prompt_cache_key": body.get("prompt_cache_key"),
        "reasoning": {"effort": (body.get("reasoning") or {}).get("effort"),
                      "summary": (body.get("reasoning") or {}).get("summary")},
        "safety_identifier": body.get("safety_identifier"), "service_tier": "default",
        "store": body.get("store", True), "temperature": body.get("temperature", 1.0),
        "text": {"format": fmt, "verbosity": (body.get("text") or {}).get("verbosity", "medium")},
        "tool_choice": choice, "tools": body.get("tools") or [], "top_logprobs": body.get("top_logprobs", 0),
        "top_p": body.get("top_p", 1.0), "truncation": body.get("truncation", "disabled"), "usage": None,
        "user": body.get("user"), "metadata": body.get("metadata") or {},
    }


def finish_envelope(envelope, output, reply, usage):
    done = copy.deepcopy(envelope)
    done["output"] = output
    done["usage"] = usage
    if reply.finish == "length":
        done["status"] = "incomplete"
        done["incomplete_details"] = {"reason": "max_output_tokens"}
    else:
        done["status"] = "completed"
        done["completed_at"] = int(time.time())
    return done


@route("POST", r"/v1/responses", "openai")
def create_response(ctx):
    return handle_create(ctx, ctx.json)


def handle_create(ctx, body):
    """Shared with Azure's /openai/v1/responses."""
    store = ctx.app.responses_store
    prompt, items = parse_responses(ctx, body, store)
    check_openai_params(ctx, body, "responses")
    reply = decide(prompt, ctx.new_id)
    ctx.note_reply(reply)
    envelope = response_envelope(ctx, body, ctx.new_id("resp"))
    output = build_output(ctx, body, reply)
    final = finish_envelope(envelope, output, reply, usage_of(reply, wants_cache(ctx, body)))
    input_items = [{"id": i.get("id") or ctx.new_id("msg"), **i} for i in items]
    for item in input_items:
        if item.get("type") == "message":
            item.setdefault("status", "completed")
    if body.get("store", True) or body.get("background"):
        store[final["id"]] = {"response": final, "input_items": input_items, "cancelled": False}
    if body.get("background"):
        queued = copy.deepcopy(envelope)
        queued["status"] = "queued"
        return json_response(queued)
    if body.get("stream"):
        events = list(_events(envelope, final, ctx.scenario.chunks))
        error = sse({"type": "error", "code": "server_error", "message": "The server had an error while processing "
                     "your request.", "param": None, "sequence_number": len(events) // 2}, event="error")
        return stream_response(ctx, events, error_event=error)
    return body_json(ctx, final)


def _events(envelope, final, chunks):
    seq = iter(range(1_000_000))

    def event(kind, **fields):
        return sse({"type": kind, "sequence_number": next(seq), **fields}, event=kind)

    yield event("response.created", response=envelope)
    yield event("response.in_progress", response=envelope)
    for index, item in enumerate(final["output"]):
        base = {"item_id": item["id"], "output_index": index}
        if item["type"] == "reasoning":
            text = item["summary"][0]["text"]
            yield event("response.output_item.added", output_index=index, item={**item, "summary": []})
            part = {"type": "summary_text", "text": ""}
            yield event("response.reasoning_summary_part.added", **base, summary_index=0, part=part)
            for piece in split_pieces(text, chunks):
                yield event("response.reasoning_summary_text.delta", **base, summary_index=0, delta=piece)
            yield event("response.reasoning_summary_text.done", **base, summary_index=0, text=text)
            yield event("response.reasoning_summary_part.done", **base, summary_index=0,
                        part={"type": "summary_text", "text": text})
        elif item["type"] == "message":
            text = item["content"][0]["text"]
            yield event("response.output_item.added", output_index=index,
                        item={**item, "status": "in_progress", "content": []})
            empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            yield event("response.content_part.added", **base, content_index=0, part=empty)
            for piece in split_pieces(text, chunks):
                yield event("response.output_text.delta", **base, content_index=0, delta=piece, logprobs=[])
            yield event("response.output_text.done", **base, content_index=0, text=text, logprobs=[])
            yield event("response.content_part.done", **base, content_index=0, part=item["content"][0])
        elif item["type"] == "function_call":
            yield event("response.output_item.added", output_index=index,
                        item={**item, "status": "in_progress", "arguments": ""})
            for piece in split_pieces(item["arguments"], chunks):
                yield event("response.function_call_arguments.delta", **base, delta=piece)
            yield event("response.function_call_arguments.done", **base, name=item["name"],
                        arguments=item["arguments"])
        yield event("response.output_item.done", output_index=index, item=item)
    kind = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
    yield event(kind, response=final)


def _stored(ctx, response_id):
    entry = ctx.app.responses_store.get(response_id)
    if entry is None:
        raise ApiError(404, "not_found", f"Response with id '{response_id}' not found.", code=None)
    return entry


@route("GET", r"/v1/responses/(?P<response_id>[^/]+)", "openai")
def get_response(ctx, response_id):
    entry = _stored(ctx, response_id)
    response = copy.deepcopy(entry["response"])
    if entry["cancelled"]:
        response.update(status="cancelled", output=[], usage=None, completed_at=None)
    return json_response(response)


@route("DELETE", r"/v1/responses/(?P<response_id>[^/]+)", "openai")
def delete_response(ctx, response_id):
    _stored(ctx, response_id)
    del ctx.app.responses_store[response_id]
    return json_response({"id": response_id, "object": "response", "deleted": True})


@route("POST", r"/v1/responses/(?P<response_id>[^/]+)/cancel", "openai")
def cancel_response(ctx, response_id):
    entry = _stored(ctx, response_id)
    if not entry["response"]["background"]:
        raise ApiError(400, "bad_request", "Only responses created with background=true can be cancelled.")
    entry["cancelled"] = True
    return get_response(ctx, response_id)


@route("GET", r"/v1/responses/(?P<response_id>[^/]+)/input_items", "openai")
def list_input_items(ctx, response_id):
    items = list(_stored(ctx, response_id)["input_items"])
    if ctx.request.args.get("order", "desc") == "desc":
        items.reverse()
    after = ctx.request.args.get("after")
    if after:
        ids = [i["id"] for i in items]
        items = items[ids.index(after) + 1:] if after in ids else []
    limit = int(ctx.request.args.get("limit", 20))
    page = items[:limit]
    return json_response({"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
                          "last_id": page[-1]["id"] if page else None, "has_more": len(items) > limit})


@route("POST", r"/v1/responses/input_tokens", "openai")
def count_input_tokens(ctx):
    prompt, _ = parse_responses(ctx, ctx.json, ctx.app.responses_store)
    return json_response({"object": "response.input_tokens", "input_tokens": prompt.input_tokens})
