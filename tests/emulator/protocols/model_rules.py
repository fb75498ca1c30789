"""Parameter rules the real OpenAI API enforces per model family, so tests can check the gateway adapts
requests (the `lenient` scenario turns them off).

OpenAI reasoning models (o1/o3/o4..., gpt-5 except gpt-5-chat) reject `max_tokens` on Chat Completions and
any non-default `temperature`/`top_p`.
"""
import re

from ..errors import ApiError

REASONING_MODEL = re.compile(r"^(o\d|gpt-5(?!-chat))")


def is_openai_reasoning_model(model):
    return bool(REASONING_MODEL.match(model or ""))


def check_openai_params(ctx, body, api):
    if ctx.scenario.has("lenient") or not is_openai_reasoning_model(body.get("model")):
        return
    if api == "chat" and "max_tokens" in body:
        raise ApiError(400, "bad_request", "Unsupported parameter: 'max_tokens' is not supported with this model. "
                       "Use 'max_completion_tokens' instead.", param="max_tokens", code="unsupported_parameter")
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None and value != 1:
            if api == "responses":
                raise ApiError(400, "bad_request", f"Unsupported parameter: '{name}' is not supported with this "
                               "model.", param=name, code="unsupported_parameter")
            raise ApiError(400, "bad_request", f"Unsupported value: '{name}' does not support {value} with this "
                           "model. Only the default (1) value is supported.", param=name, code="unsupported_value")
