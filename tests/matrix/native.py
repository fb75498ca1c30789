"""What a provider received, read back from the emulator's log: which protocol, with which credentials, and
whether the client's request survived conversion (system text, the last user turn, tools and the forced choice,
tool history, structured-output schema, images, token limit, stream flag), each in the provider's own shape.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field

from oneapi.tools import matrix_bodies as bodies


@dataclass
class Seen:
    """A protocol-neutral summary of one upstream request."""
    protocol: str                      # chat | responses | anthropic | gemini
    stream: bool = False
    system: str = ""
    user_texts: list[str] = field(default_factory=list)
    tools: dict = field(default_factory=dict)        # name -> parameter schema
    forced: str | None = None
    structured: dict | None = None                   # the schema, wherever the protocol carries it
    max_tokens: int | None = None
    images: list[str] = field(default_factory=list)  # base64 payloads or URLs
    history_call: tuple | None = None                # (call id, name, args dict)
    history_result: tuple | None = None              # (call id or name, text)
    json_mode: bool = False                          # json_object / responseMimeType without a schema


def protocol_of(record: dict) -> str:
    path = record["api_path"]
    if path.endswith("/messages"):
        return "anthropic"
    if ":generateContent" in path or ":streamGenerateContent" in path:
        return "gemini"
    if path.endswith("/responses"):
        return "responses"
    if path.endswith("/chat/completions"):
        return "chat"
    return "other"


def _texts(content) -> list[str]:
    if isinstance(content, str):
        return [content]
    out = []
    for part in content or []:
        if isinstance(part, dict) and isinstance(part.get("text"), str) and part.get("type") in (
                None, "text", "input_text", "output_text"):
            out.append(part["text"])
    return out


def _data_of(url: str) -> str:
    return url.split(",", 1)[1] if url.startswith("data:") else url


def _chat(body: dict) -> Seen:
    seen = Seen("chat", stream=bool(body.get("stream")))
    seen.max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    for msg in body.get("messages") or []:
        role = msg.get("role")
        if role in ("system", "developer"):
            seen.system += "\n".join(_texts(msg.get("content")))
        elif role == "user":
            seen.user_texts += _texts(msg.get("content"))
            for part in msg.get("content") if isinstance(msg.get("content"), list) else []:
                if part.get("type") == "image_url":
                    seen.images.append(_data_of((part.get("image_url") or {}).get("url", "")))
        elif role == "assistant":
            for call in msg.get("tool_calls") or []:
                fn = call.get("function") or {}
                seen.history_call = (call.get("id"), fn.get("name"), json.loads(fn.get("arguments") or "{}"))
        elif role == "tool":
            seen.history_result = (msg.get("tool_call_id"), "".join(_texts(msg.get("content"))))
    for tool in body.get("tools") or []:
        fn = tool.get("function") or {}
        seen.tools[fn.get("name")] = fn.get("parameters") or {}
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        seen.forced = (choice.get("function") or {}).get("name")
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        seen.structured = (fmt.get("json_schema") or {}).get("schema")
    seen.json_mode = fmt.get("type") == "json_object"
    return seen


def _responses(body: dict) -> Seen:
    seen = Seen("responses", stream=bool(body.get("stream")), system=body.get("instructions") or "")
    seen.max_tokens = body.get("max_output_tokens")
    items = body.get("input")
    items = [{"role": "user", "content": items}] if isinstance(items, str) else items or []
    for item in items:
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") in ("system", "developer"):
            seen.system += "\n".join(_texts(item.get("content")))
        elif kind == "message" and item.get("role") == "user":
            seen.user_texts += _texts(item.get("content"))
            for part in item.get("content") if isinstance(item.get("content"), list) else []:
                if part.get("type") == "input_image":
                    seen.images.append(_data_of(part.get("image_url") or ""))
        elif kind == "function_call":
            seen.history_call = (item.get("call_id"), item.get("name"), json.loads(item.get("arguments") or "{}"))
        elif kind == "function_call_output":
            output = item.get("output")
            seen.history_result = (item.get("call_id"), output if isinstance(output, str) else
                                   "".join(_texts(output)))
    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            seen.tools[tool.get("name")] = tool.get("parameters") or {}
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        seen.forced = choice.get("name") or (choice.get("function") or {}).get("name")
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema":
        seen.structured = fmt.get("schema")
    seen.json_mode = fmt.get("type") == "json_object"
    return seen


def _anthropic(body: dict) -> Seen:
    system = body.get("system")
    seen = Seen("anthropic", stream=bool(body.get("stream")), max_tokens=body.get("max_tokens"),
                system=system if isinstance(system, str) else "\n".join(_texts(system)))
    for msg in body.get("messages") or []:
        content = msg.get("content")
        if msg.get("role") == "user":
            seen.user_texts += _texts(content)
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "image":
                source = block.get("source") or {}
                seen.images.append(source.get("data") or source.get("url") or "")
            elif block.get("type") == "tool_use":
                seen.history_call = (block.get("id"), block.get("name"), block.get("input"))
            elif block.get("type") == "tool_result":
                seen.history_result = (block.get("tool_use_id"), "".join(_texts(block.get("content"))))
    for tool in body.get("tools") or []:
        seen.tools[tool.get("name")] = tool.get("input_schema") or {}
    choice = body.get("tool_choice") or {}
    if choice.get("type") == "tool":
        seen.forced = choice.get("name")
    fmt = (body.get("output_config") or {}).get("format") or body.get("output_format") or {}
    if fmt.get("type") == "json_schema":
        seen.structured = fmt.get("schema")
    return seen


def _gemini(record: dict, body: dict) -> Seen:
    seen = Seen("gemini", stream=":streamGenerateContent" in record["api_path"])
    system = body.get("systemInstruction") or body.get("system_instruction") or {}
    seen.system = "\n".join(p.get("text", "") for p in system.get("parts") or [])
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            if content.get("role", "user") == "user" and "text" in part:
                seen.user_texts.append(part["text"])
            if "inlineData" in part:
                seen.images.append(part["inlineData"].get("data", ""))
            if "functionCall" in part:
                call = part["functionCall"]
                seen.history_call = (call.get("id"), call.get("name"), call.get("args"))
            if "functionResponse" in part:
                answer = part["functionResponse"]
                seen.history_result = (answer.get("id") or answer.get("name"), json.dumps(answer.get("response")))
    for group in body.get("tools") or []:
        for decl in group.get("functionDeclarations") or group.get("function_declarations") or []:
            seen.tools[decl.get("name")] = decl.get("parameters") or decl.get("parametersJsonSchema") or {}
    calling = ((body.get("toolConfig") or {}).get("functionCallingConfig") or {})
    if calling.get("mode") == "ANY" and len(calling.get("allowedFunctionNames") or []) == 1:
        seen.forced = calling["allowedFunctionNames"][0]
    config = body.get("generationConfig") or {}
    seen.max_tokens = config.get("maxOutputTokens")
    seen.structured = config.get("responseSchema") or config.get("responseJsonSchema")
    seen.json_mode = config.get("responseMimeType") == "application/json" and not seen.structured
    return seen


def summarize(record: dict) -> Seen:
    protocol = protocol_of(record)
    body = record.get("json") or {}
    if protocol == "chat":
        return _chat(body)
    if protocol == "responses":
        return _responses(body)
    if protocol == "anthropic":
        return _anthropic(body)
    if protocol == "gemini":
        return _gemini(record, body)
    raise AssertionError(f"unexpected upstream path {record['api_path']}")


# ---- expectations ---------------------------------------------------------------------------------------

def credentials_problem(record: dict, protocol: str, channel_type: int, key: str) -> str | None:
    headers = record["headers"]
    if channel_type == 3:
        return None if headers.get("api-key") == key else "Azure call without its api-key header"
    if protocol == "anthropic":
        if headers.get("x-api-key") != key:
            return "Anthropic call without x-api-key"
        return None if headers.get("anthropic-version") else "Anthropic call without anthropic-version"
    if protocol == "gemini":
        given = headers.get("x-goog-api-key") or record["query"].get("key")
        return None if given == key else "Gemini call without its key"
    return None if headers.get("authorization") == f"Bearer {key}" else "OpenAI call without Bearer key"


def _names_type(schema: dict, prop: str) -> str:
    return str(((schema or {}).get("properties") or {}).get(prop, {}).get("type", "")).lower()


def _schema_kept(schema: dict | None, props: dict) -> str | None:
    if not isinstance(schema, dict):
        return "schema missing"
    for name, kind in props.items():
        if _names_type(schema, name) != kind:
            return f"property {name} not kept as {kind}"
    return None


def body_problems(seen: Seen, variant, client_body: dict, json_object_only: bool = False) -> list[str]:
    """Every field of the client's request that did not reach the provider in the provider's shape.

    ``json_object_only``: the provider takes no schema (DeepSeek), so structured output must arrive as JSON mode
    plus an instruction naming the schema's fields."""
    problems = []
    if seen.stream != variant.stream:
        problems.append(f"stream flag {seen.stream} sent for a stream={variant.stream} request")
    wanted_max = client_body.get("max_tokens") or client_body.get("max_output_tokens")
    if wanted_max and seen.max_tokens != wanted_max:
        problems.append(f"token limit {seen.max_tokens} sent, client asked {wanted_max}")
    client = _client_summary(variant.family, client_body)
    if client.system and client.system.strip() not in seen.system:
        problems.append("system text lost")
    if client.user_texts and (not seen.user_texts or client.user_texts[-1] not in seen.user_texts[-1]):
        problems.append("last user text lost")
    for name, schema in client.tools.items():
        if name not in seen.tools and not (variant.kind == "structured" and seen.structured is not None):
            problems.append(f"tool {name} not offered upstream")
        elif name == "get_weather":
            kept = _schema_kept(seen.tools[name], {"location": "string", "unit": "string"})
            if kept:
                problems.append(f"get_weather: {kept}")
            elif "fahrenheit" not in json.dumps(seen.tools[name]):
                problems.append("get_weather: enum lost")
    if client.forced and seen.forced != client.forced and not (variant.kind == "structured" and seen.structured):
        problems.append(f"forced tool {client.forced} not forced upstream ({seen.forced})")
    if variant.kind == "structured" and json_object_only and not (seen.forced and seen.forced in seen.tools):
        prompt = seen.system + "\n".join(seen.user_texts)
        for own in [client.system, *client.user_texts]:  # only what the gateway added counts as the instruction
            prompt = prompt.replace(own, "") if own else prompt
        if seen.structured is not None or not seen.json_mode:
            problems.append("structured output not sent as json_object")
        elif not all(name in prompt for name in bodies.SCHEMA["properties"]):
            problems.append("json_object sent without an instruction naming the schema's fields")
    elif variant.kind == "structured":
        if seen.structured is not None:
            kept = _schema_kept(seen.structured, {"topic": "string", "confidence": "number"})
            if kept:
                problems.append(f"structured schema: {kept}")
        elif not (seen.forced and seen.forced in seen.tools):
            problems.append("structured output not requested upstream")
    if variant.kind == "vision":
        expected = bodies.vision_data_url().split(",", 1)[1]
        if expected not in seen.images:
            problems.append("image bytes did not reach the provider")
    if variant.kind == "tools_history":
        if not seen.history_call or seen.history_call[1] != "get_weather" or \
                (seen.history_call[2] or {}).get("location") != "San Francisco, CA":
            problems.append("earlier tool call lost from history")
        if not seen.history_result or "Foggy" not in seen.history_result[1]:
            problems.append("tool result lost from history")
        elif seen.history_call and seen.history_result[0] not in (seen.history_call[0], seen.history_call[1]):
            problems.append("tool result does not answer the earlier call")
    return problems


def _client_summary(family: str, body: dict) -> Seen:
    if family == "chat":
        return _chat(body)
    if family == "response":
        return _responses(body)
    return _anthropic(body)


def image_is_base64(seen: Seen) -> bool:
    try:
        return all(base64.b64decode(i, validate=True) for i in seen.images)
    except ValueError:
        return False


_GEMINI_PATH = re.compile(r"^/v1(beta)?/models/(?P<model>[^:/]+):(generateContent|streamGenerateContent)$")


def gemini_model(record: dict) -> str | None:
    match = _GEMINI_PATH.match(record["api_path"])
    return match.group("model") if match else None
