"""Where a chat request to a channel of each type lands on the provider emulator: the table the type-table and
channel-check tests share."""
from __future__ import annotations

import json

CHAT = "/v1/chat/completions"
# type -> (base URL path after the emulator's address, model, upstream path expected)
ROUTED = {
    **{t: ("", "gpt-4o-mini", CHAT) for t in (0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 19, 20, 25, 26, 28, 30, 31,
                                              32, 36, 39, 43, 44, 45, 48)},
    3: ("", "gpt-4o-mini", "/openai/deployments/gpt-4o-mini/chat/completions"),
    14: ("", "claude-3-5-haiku-20241022", "/v1/messages"),
    16: ("", "glm-4", "/api/paas/v4/chat/completions"),
    17: ("", "qwen-plus", "/compatible-mode/v1/chat/completions"),
    22: ("/api/openapi", "gpt-4o-mini", "/api/openapi/v1/chat/completions"),
    23: ("", "hunyuan-lite", CHAT),
    24: ("", "gemini-2.0-flash", "/v1beta/models/gemini-2.0-flash:generateContent"),
    27: ("", "abab6.5s-chat", "/v1/text/chatcompletion_v2"),
    29: ("/openai", "llama-3.1-8b-instant", "/openai/v1/chat/completions"),
    34: ("", "bot-42", "/v3/chat"),
    35: ("", "command-r", "/v2/chat"),
    37: ("", "@cf/meta/llama-3.1-8b-instruct", "/client/v4/accounts/acc1/ai/v1/chat/completions"),
    40: ("", "Doubao-pro-32k", "/api/v3/chat/completions"),
    41: ("/v3/openai", "meta-llama/llama-3.1-8b-instruct", "/v3/openai/chat/completions"),
    46: ("/v1/models/", "meta/meta-llama-3-8b-instruct", "/v1/models/meta/meta-llama-3-8b-instruct/predictions"),
    47: ("", "ernie-4.0-8k-latest", "/v2/chat/completions"),
    49: ("", "qwen-max", "/compatible-mode/v1/chat/completions"),
    50: ("/v1", "my-local-model", CHAT),
    51: ("/v1beta/openai", "gemini-2.0-flash", "/v1beta/openai/chat/completions"),
    52: ("", "claude-3-5-haiku-20241022", "/v1/messages"),
    53: ("", "gpt-4o", "/chat/completions"),
    54: ("/inference", "accounts/fireworks/models/llama-v3p1-70b-instruct", "/inference/v1/chat/completions"),
    55: ("/v1", "meta/llama-3.1-70b-instruct", CHAT),
    56: ("/v1", "llama3.1-8b", CHAT),
    57: ("", "meta-llama/Meta-Llama-3.1-70B-Instruct", "/v1/openai/chat/completions"),
}
CLOUD = {33, 42}  # AWS Bedrock and Vertex AI: signed requests, tested by their own suites


def config_for(type_id: int, emulator_url: str) -> str:
    """The channel config a type needs to reach the emulator (Cloudflare's account, Copilot's token exchange)."""
    return {37: json.dumps({"user_id": "acc1"}),
            53: json.dumps({"github_api_base": emulator_url})}.get(type_id, "")
