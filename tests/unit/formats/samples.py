"""Realistic provider payloads shared by the codec tests."""

WEATHER = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and region"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location"],
}

SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"topic": {"type": "string"}, "confidence": {"type": "number"}},
    "required": ["topic", "confidence"],
}

PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

SIG = "EqQBCkgIARABGAIiQL5x8cZ1"  # an Anthropic-looking thinking signature

# A Claude stream: thinking (signed), text, then a tool call split over several deltas.
CLAUDE_STREAM = [
    {"type": "message_start", "message": {
        "id": "msg_01XYZ", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 40, "output_tokens": 1, "cache_read_input_tokens": 100,
                  "cache_creation_input_tokens": 20}}},
    {"type": "ping"},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "Let me "}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "thinking_delta", "thinking": "think."}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "signature_delta", "signature": SIG}},
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Checking the "}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "weather."}},
    {"type": "content_block_stop", "index": 1},
    {"type": "content_block_start", "index": 2, "content_block": {
        "type": "tool_use", "id": "toolu_01A", "name": "get_weather", "input": {}}},
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": ""}},
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": "{\"location\": \"San"}},
    {"type": "content_block_delta", "index": 2, "delta": {"type": "input_json_delta", "partial_json": " Francisco, CA\"}"}},
    {"type": "content_block_stop", "index": 2},
    {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
     "usage": {"output_tokens": 89}},
    {"type": "message_stop"},
]

CLAUDE_TRUNCATED_STREAM = [
    CLAUDE_STREAM[0],
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Once upon a"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
     "usage": {"output_tokens": 3}},
    {"type": "message_stop"},
]


def chat_chunk(delta, finish=None, usage=None, choices=True):
    body = {"id": "chatcmpl-abc", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-4o-mini",
            "system_fingerprint": "fp_1",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else []}
    if usage is not None:
        body["usage"] = usage
    return body


CHAT_USAGE = {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
              "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 10, "audio_tokens": 0}}

# A Chat stream with reasoning_content, text, and two parallel tool calls.
CHAT_STREAM = [
    chat_chunk({"role": "assistant", "content": "", "refusal": None}),
    chat_chunk({"reasoning_content": "Need "}),
    chat_chunk({"reasoning_content": "weather."}),
    chat_chunk({"content": "Let me "}),
    chat_chunk({"content": "check."}),
    chat_chunk({"tool_calls": [{"index": 0, "id": "call_A", "type": "function",
                                "function": {"name": "get_weather", "arguments": ""}}]}),
    chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"location\":"}}]}),
    chat_chunk({"tool_calls": [{"index": 0, "function": {"arguments": " \"Paris\"}"}}]}),
    chat_chunk({"tool_calls": [{"index": 1, "id": "call_B", "type": "function",
                                "function": {"name": "get_weather", "arguments": "{\"location\": "}}]}),
    chat_chunk({"tool_calls": [{"index": 1, "function": {"arguments": "\"Rome\"}"}}]}),
    chat_chunk({}, finish="tool_calls"),
    chat_chunk({}, usage=CHAT_USAGE, choices=False),
]

CHAT_TRUNCATED_STREAM = [
    chat_chunk({"role": "assistant", "content": ""}),
    chat_chunk({"content": "Once upon a"}),
    chat_chunk({}, finish="length"),
    chat_chunk({}, usage=CHAT_USAGE, choices=False),
]

CLAUDE_RESPONSE = {
    "id": "msg_01ABC", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [
        {"type": "thinking", "thinking": "User wants weather.", "signature": SIG},
        {"type": "text", "text": "I'll check."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris"}},
        {"type": "tool_use", "id": "toolu_2", "name": "get_weather", "input": {"location": "Rome", "unit": "celsius"}},
    ],
    "stop_reason": "tool_use", "stop_sequence": None,
    "usage": {"input_tokens": 50, "output_tokens": 70, "cache_read_input_tokens": 200,
              "cache_creation_input_tokens": 30,
              "cache_creation": {"ephemeral_5m_input_tokens": 10, "ephemeral_1h_input_tokens": 20}},
}

CHAT_RESPONSE = {
    "id": "chatcmpl-123", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {
        "role": "assistant", "content": "Checking.", "refusal": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Paris\"}"}},
            {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"location\":\"Rome\"}"}},
        ]}, "logprobs": None, "finish_reason": "tool_calls"}],
    "usage": CHAT_USAGE,
}


RESPONSES_USAGE = {"input_tokens": 300, "input_tokens_details": {"cached_tokens": 256},
                   "output_tokens": 80, "output_tokens_details": {"reasoning_tokens": 40}, "total_tokens": 380}

ENC = "gAAAAABoEncryptedReasoning=="  # an OpenAI-looking encrypted_content


def _resp(status="in_progress", output=None, usage=None, incomplete=None):
    return {"id": "resp_abc", "object": "response", "created_at": 1741290958, "status": status, "error": None,
            "incomplete_details": incomplete, "instructions": None, "max_output_tokens": None, "model": "gpt-5-mini",
            "output": output or [], "parallel_tool_calls": True, "previous_response_id": None,
            "reasoning": {"effort": "medium", "summary": "auto"}, "temperature": 1.0, "text": {"format": {"type": "text"}},
            "tool_choice": "auto", "tools": [], "top_p": 1.0, "truncation": "disabled", "usage": usage, "user": None,
            "metadata": {}}


RS_DONE = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "Thinking it over."}],
           "encrypted_content": ENC}
MSG_DONE = {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": "Hi there!", "annotations": []}]}
FC_DONE = {"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_1", "name": "get_weather",
           "arguments": "{\"location\":\"Oslo\"}"}

# An OpenAI Responses stream: reasoning summary + encrypted content, a message, a function call.
RESPONSES_STREAM = [
    {"type": "response.created", "sequence_number": 0, "response": _resp()},
    {"type": "response.in_progress", "sequence_number": 1, "response": _resp()},
    {"type": "response.output_item.added", "sequence_number": 2, "output_index": 0,
     "item": {"id": "rs_1", "type": "reasoning", "summary": []}},
    {"type": "response.reasoning_summary_part.added", "sequence_number": 3, "item_id": "rs_1", "output_index": 0,
     "summary_index": 0, "part": {"type": "summary_text", "text": ""}},
    {"type": "response.reasoning_summary_text.delta", "sequence_number": 4, "item_id": "rs_1", "output_index": 0,
     "summary_index": 0, "delta": "Thinking it "},
    {"type": "response.reasoning_summary_text.delta", "sequence_number": 5, "item_id": "rs_1", "output_index": 0,
     "summary_index": 0, "delta": "over."},
    {"type": "response.reasoning_summary_text.done", "sequence_number": 6, "item_id": "rs_1", "output_index": 0,
     "summary_index": 0, "text": "Thinking it over."},
    {"type": "response.reasoning_summary_part.done", "sequence_number": 7, "item_id": "rs_1", "output_index": 0,
     "summary_index": 0, "part": {"type": "summary_text", "text": "Thinking it over."}},
    {"type": "response.output_item.done", "sequence_number": 8, "output_index": 0, "item": RS_DONE},
    {"type": "response.output_item.added", "sequence_number": 9, "output_index": 1,
     "item": {"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant", "content": []}},
    {"type": "response.content_part.added", "sequence_number": 10, "item_id": "msg_1", "output_index": 1,
     "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}},
    {"type": "response.output_text.delta", "sequence_number": 11, "item_id": "msg_1", "output_index": 1,
     "content_index": 0, "delta": "Hi ", "logprobs": []},
    {"type": "response.output_text.delta", "sequence_number": 12, "item_id": "msg_1", "output_index": 1,
     "content_index": 0, "delta": "there!", "logprobs": []},
    {"type": "response.output_text.done", "sequence_number": 13, "item_id": "msg_1", "output_index": 1,
     "content_index": 0, "text": "Hi there!", "logprobs": []},
    {"type": "response.content_part.done", "sequence_number": 14, "item_id": "msg_1", "output_index": 1,
     "content_index": 0, "part": {"type": "output_text", "text": "Hi there!", "annotations": []}},
    {"type": "response.output_item.done", "sequence_number": 15, "output_index": 1, "item": MSG_DONE},
    {"type": "response.output_item.added", "sequence_number": 16, "output_index": 2,
     "item": {"id": "fc_1", "type": "function_call", "status": "in_progress", "call_id": "call_1",
              "name": "get_weather", "arguments": ""}},
    {"type": "response.function_call_arguments.delta", "sequence_number": 17, "item_id": "fc_1", "output_index": 2,
     "delta": "{\"location\":"},
    {"type": "response.function_call_arguments.delta", "sequence_number": 18, "item_id": "fc_1", "output_index": 2,
     "delta": "\"Oslo\"}"},
    {"type": "response.function_call_arguments.done", "sequence_number": 19, "item_id": "fc_1", "output_index": 2,
     "arguments": "{\"location\":\"Oslo\"}"},
    {"type": "response.output_item.done", "sequence_number": 20, "output_index": 2, "item": FC_DONE},
    {"type": "response.completed", "sequence_number": 21,
     "response": _resp("completed", [RS_DONE, MSG_DONE, FC_DONE], RESPONSES_USAGE)},
]

RESPONSES_RESPONSE = _resp("completed", [RS_DONE, MSG_DONE, FC_DONE], RESPONSES_USAGE)
RESPONSES_INCOMPLETE = _resp("incomplete", [MSG_DONE], RESPONSES_USAGE, {"reason": "max_output_tokens"})


GEMINI_SIG = "CiQBjz1rX0Zm9k2yQ1pL"  # a Gemini-looking thoughtSignature (base64)

GEMINI_USAGE = {"promptTokenCount": 500, "candidatesTokenCount": 20, "thoughtsTokenCount": 30,
                "cachedContentTokenCount": 400, "totalTokenCount": 550}

GEMINI_RESPONSE = {
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "Considering the cities.", "thought": True},
        {"text": "Looking it up."},
        {"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}, "thoughtSignature": GEMINI_SIG},
        {"functionCall": {"name": "get_weather", "args": {"location": "Rome"}}},
    ]}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": GEMINI_USAGE, "modelVersion": "gemini-2.5-flash", "responseId": "gresp-1",
}


def gemini_chunk(parts, finish=None, usage=None):
    cand = {"content": {"role": "model", "parts": parts}, "index": 0}
    if finish:
        cand["finishReason"] = finish
    body = {"candidates": [cand], "modelVersion": "gemini-2.5-flash", "responseId": "gresp-2"}
    if usage:
        body["usageMetadata"] = usage
    return body


GEMINI_STREAM = [
    gemini_chunk([{"text": "Pondering ", "thought": True}]),
    gemini_chunk([{"text": "weather.", "thought": True}]),
    gemini_chunk([{"text": "Sure, "}]),
    gemini_chunk([{"text": "checking."}]),
    gemini_chunk([{"functionCall": {"name": "get_weather", "args": {"location": "Paris", "unit": "celsius"}},
                   "thoughtSignature": GEMINI_SIG}]),
    gemini_chunk([{"text": ""}], finish="STOP", usage=GEMINI_USAGE),
]

GEMINI_TRUNCATED_STREAM = [
    gemini_chunk([{"text": "Once upon a"}]),
    gemini_chunk([{"text": " time"}], finish="MAX_TOKENS", usage=GEMINI_USAGE),
]
