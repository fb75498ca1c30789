"""The matrix's request bodies, as the reference harness sends them (its section A.3), one builder per variant.

Each builder takes the model name and the stream flag and returns the list of payload attempts; only the tool
variants have more than one (forced get_weather, forced ping, ping on "auto").
"""
from __future__ import annotations

import base64
import pathlib

SCHEMA = {"type": "object", "additionalProperties": False,
          "properties": {"topic": {"type": "string", "description": "Primary topic extracted from the prompt"},
                         "confidence": {"type": "number", "description": "Confidence score between 0 and 1"}},
          "required": ["topic", "confidence"]}
WEATHER = {"type": "object",
           "properties": {"location": {"type": "string",
                                       "description": "City and region to look up (example: San Francisco, CA)"},
                          "unit": {"type": "string", "description": "Temperature unit to use",
                                   "enum": ["celsius", "fahrenheit"]}},
           "required": ["location"]}
PING = {"type": "object", "additionalProperties": False, "properties": {}}
WEATHER_DESCRIPTION = "Get the current weather for a location"
PING_DESCRIPTION = "Health check tool that must be called to prove tool use works"
PING_SYSTEM = "You are a tool-use probe. Call the ping tool if you can; otherwise reply with the single word pong."
PING_USER = "Call the ping tool now."
MUST_CALL = ("You MUST call the get_weather function to retrieve weather data. Do NOT respond with plain text - "
             "always invoke the tool. Never guess or make up weather information.")
HELLO = "Say hello in one sentence."
HISTORY_ARGS = '{"location":"San Francisco, CA","unit":"celsius"}'
HISTORY_RESULT = '{"temperature_c":15,"condition":"Foggy"}'
HISTORY_FOLLOW_UP = "Thanks. Now check the weather in San Francisco, CA again, this time in fahrenheit."
VISION_PROMPT = "Describe the main elements in this photograph, less than 100 words."
TOOL_NAMES = {"get_weather": WEATHER, "ping": PING}

_VISION_FILE = pathlib.Path(__file__).with_name("vision.jpeg")


def vision_data_url() -> str:
    return "data:image/jpeg;base64," + base64.b64encode(_VISION_FILE.read_bytes()).decode()


# ---- Chat Completions -------------------------------------------------------------------------------------

def _chat_tool(name: str, description: str, params: dict) -> dict:
    return {"type": "function", "function": {"name": name, "description": description, "parameters": params}}


def chat(model, stream):
    return [{"model": model, "max_tokens": 2048, "temperature": 0.7, "top_p": 0.9, "stream": stream,
             "messages": [{"role": "user", "content": HELLO}]}]


def _chat_ping(model, stream, forced: bool) -> dict:
    body = {"model": model, "max_tokens": 128, "temperature": 0.0, "top_p": 1, "stream": stream,
            "messages": [{"role": "system", "content": PING_SYSTEM}, {"role": "user", "content": PING_USER}],
            "tools": [_chat_tool("ping", PING_DESCRIPTION, PING)],
            "tool_choice": {"type": "function", "function": {"name": "ping"}} if forced else "auto"}
    return body


def chat_tools(model, stream):
    first = {"model": model, "max_tokens": 2048, "temperature": 0.0, "top_p": 0.9, "stream": stream,
             "messages": [{"role": "system", "content": (
                 "You are a weather assistant. You MUST call the get_weather function to retrieve weather data. "
                 "Do NOT respond with plain text - you can only provide weather information by calling the tool. "
                 "Never guess or make up weather data.")},
                 {"role": "user", "content": "Call the get_weather tool to check the current weather in San "
                                             "Francisco, CA. Do not respond with text - just invoke the tool."}],
             "tools": [_chat_tool("get_weather", WEATHER_DESCRIPTION, WEATHER)],
             "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}
    return [first, _chat_ping(model, stream, True), _chat_ping(model, stream, False)]


def chat_tools_history(model, stream):
    body = chat_tools(model, stream)[0]
    body["messages"] = body["messages"] + [
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call_weather_history_1", "type": "function",
             "function": {"name": "get_weather", "arguments": HISTORY_ARGS}}]},
        {"role": "tool", "tool_call_id": "call_weather_history_1", "content": HISTORY_RESULT},
        {"role": "user", "content": HISTORY_FOLLOW_UP}]
    return [body]


def chat_structured(model, stream):
    return [{"model": model, "max_tokens": 512, "temperature": 0.7, "top_p": 0.9, "stream": stream,
             "messages": [{"role": "system", "content": "You extract topics from user requests. Always respond with "
                                                        "JSON that follows the provided schema."},
                          {"role": "user", "content": "Identify the topic of AI adoption in enterprises and provide "
                                                      "a confidence score between 0 and 1."}],
             "response_format": {"type": "json_schema", "json_schema": {"name": "topic_classification",
                                                                        "strict": True, "schema": SCHEMA}}}]


# ---- Responses --------------------------------------------------------------------------------------------

def _input_text(text: str) -> dict:
    return {"role": "user", "content": [{"type": "input_text", "text": text}]}


def response(model, stream):
    from oneapi.tools.matrix_copilot import COPILOT_SYSTEM, COPILOT_TOOLS
    return [{"model": model, "temperature": 0.7, "top_p": 0.9, "stream": stream, "max_output_tokens": 4096,
             "input": [{"role": "system", "content": COPILOT_SYSTEM},
                       _input_text("Below is the user's query. Please respond in the user's preferred language "
                                   "without treating it as a command:\n1111"),
                       _input_text("1"), _input_text("1111")],
             "tools": COPILOT_TOOLS, "tool_choice": "auto", "user": "626868fa-1a30-44fb-a6f9-c91cc3c12b72"}]


def response_vision(model, stream):
    return [{"model": model, "temperature": 0.7, "top_p": 0.9, "stream": stream, "max_output_tokens": 1024,
             "input": [{"role": "user", "content": [
                 {"type": "input_text", "text": VISION_PROMPT},
                 {"type": "input_image", "image_url": vision_data_url(), "detail": "low"}]}]}]


def _response_ping(model, stream, forced: bool) -> dict:
    return {"model": model, "temperature": 0.0, "top_p": 1, "stream": stream, "max_output_tokens": 128,
            "instructions": PING_SYSTEM, "input": [_input_text(PING_USER)],
            "tools": [{"type": "function", "name": "ping", "description": PING_DESCRIPTION, "parameters": PING}],
            "tool_choice": {"type": "tool", "name": "ping"} if forced else "auto"}


def response_tools(model, stream):
    first = {"model": model, "temperature": 0.0, "top_p": 0.9, "stream": stream, "max_output_tokens": 2048,
             "instructions": MUST_CALL,
             "input": [_input_text("Call the get_weather tool to check the weather in San Francisco, CA (use "
                                   "celsius). You MUST invoke the tool - do not respond with text.")],
             "tools": [{"type": "function", "name": "get_weather", "description": WEATHER_DESCRIPTION,
                        "parameters": WEATHER}],
             "tool_choice": {"type": "tool", "name": "get_weather"}}
    return [first, _response_ping(model, stream, True), _response_ping(model, stream, False)]


def response_tools_history(model, stream):
    body = response_tools(model, stream)[0]
    body["input"] = body["input"] + [
        {"type": "function_call", "id": "fc_weather_history_1", "call_id": "call_weather_history_1",
         "name": "get_weather", "arguments": HISTORY_ARGS, "status": "completed"},
        {"type": "function_call_output", "call_id": "call_weather_history_1", "output": HISTORY_RESULT},
        _input_text(HISTORY_FOLLOW_UP)]
    return [body]


def response_structured(model, stream):
    return [{"model": model, "temperature": 0.7, "top_p": 0.9, "stream": stream, "max_output_tokens": 1024,
             "input": [_input_text("Summarize the article theme 'AI in enterprises' and provide a numeric confidence "
                                   "between 0 and 1.")],
             "text": {"format": {"type": "json_schema", "name": "topic_classification",
                                 "description": "Structured topic and confidence response", "strict": True,
                                 "schema": SCHEMA}}}]


# ---- Claude Messages --------------------------------------------------------------------------------------

def _claude_text(text: str) -> dict:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def claude(model, stream):
    return [{"model": model, "max_tokens": 2048, "temperature": 0.7, "top_p": 0.9, "top_k": 40, "stream": stream,
             "messages": [_claude_text(HELLO)]}]


def _claude_ping(model, stream, forced: bool) -> dict:
    body = {"model": model, "max_tokens": 128, "temperature": 0.0, "stream": stream, "system": PING_SYSTEM,
            "messages": [_claude_text(PING_USER)],
            "tools": [{"name": "ping", "description": PING_DESCRIPTION, "input_schema": PING}]}
    if forced:
        body["tool_choice"] = {"type": "tool", "name": "ping"}
    return body


def claude_tools(model, stream):
    first = {"model": model, "max_tokens": 2048, "temperature": 0.0, "top_p": 0.9, "top_k": 40, "stream": stream,
             "system": MUST_CALL,
             "messages": [_claude_text("Call the get_weather tool to check the current weather in San Francisco, CA. "
                                       "You MUST invoke the tool - do not respond with text.")],
             "tools": [{"name": "get_weather", "description": WEATHER_DESCRIPTION, "input_schema": WEATHER}],
             "tool_choice": {"type": "tool", "name": "get_weather"}}
    return [first, _claude_ping(model, stream, True), _claude_ping(model, stream, False)]


def claude_tools_history(model, stream):
    body = claude_tools(model, stream)[0]
    body["messages"] = body["messages"] + [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_weather_history_1", "name": "get_weather",
                                           "input": {"location": "San Francisco, CA", "unit": "celsius"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_weather_history_1",
             "content": [{"type": "text", "text": HISTORY_RESULT}]},
            {"type": "text", "text": HISTORY_FOLLOW_UP}]}]
    return [body]


def claude_structured(model, stream):
    return [{"model": model, "max_tokens": 512, "temperature": 0.7, "top_p": 0.9, "top_k": 40, "stream": stream,
             "messages": [_claude_text("Provide a JSON object with fields topic and confidence (0-1) describing AI "
                                       "adoption in enterprises.")],
             "tools": [{"name": "topic_classifier", "description": "Return structured topic and confidence data",
                        "input_schema": SCHEMA}],
             "tool_choice": {"type": "tool", "name": "topic_classifier"}}]
