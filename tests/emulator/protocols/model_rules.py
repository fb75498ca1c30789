"""Parameter rules the real OpenAI API enforces per model family, so tests can check the gateway adapts
requests (the `lenient` scenario turns them off).

OpenAI reasoning models (o1/o3/o4..., gpt-5 except gpt-5-chat) reject `max_tokens` on Chat Completions and
any non-default `temperature`/`top_p`; models that do not reason (gpt-4o, gpt-4.1, gpt-3.5, chatgpt-4o,
gpt-5-chat) reject `reasoning_effort` (Chat) and `reasoning.effort` (Responses); a Chat output limit above the
model's maximum is refused. Anthropic: `max_tokens` above the model's maximum, and `temperature` with `top_p`
on Claude 4.5 and later, are refused.
"""
import re

from ..errors import ApiError

REASONING_MODEL = re.compile(r"^(o\d|gpt-5(?!-chat))")


def is_openai_reasoning_model(model):
    return bool(REASONING_MODEL.match(model or ""))


NON_REASONING_MODEL = re.compile(r"^(gpt-4(\.1|\.5|o|-|$)|gpt-3\.5|chatgpt-|gpt-5(\.\d+)?-chat)")
# (model family, most completion tokens) as the real API states them in its errors
OPENAI_MAX_COMPLETION = [(re.compile(r"^gpt-4o(-mini)?(-\d{4}-\d\d-\d\d)?$"), 16384),
                         (re.compile(r"^gpt-4\.1(-mini|-nano)?(-\d{4}-\d\d-\d\d)?$"), 32768),
                         (re.compile(r"^gpt-3\.5-turbo(-\d{4})?$"), 4096)]
ANTHROPIC_MAX_TOKENS = [(re.compile(r"^claude-3-haiku"), 4096), (re.compile(r"^claude-3-5-(haiku|sonnet)"), 8192),
                        (re.compile(r"^claude-(sonnet|haiku)-4-5"), 64000),
                        (re.compile(r"^claude-opus-4-(1|2025)"), 32000)]
ONE_SAMPLING_PARAMETER = re.compile(r"^claude-(opus|sonnet|haiku)-(4-[5-9]|[5-9])(\D|$)")


def _limit(table, model):
    return next((limit for pattern, limit in table if pattern.match(model or "")), None)


def check_openai_params(ctx, body, api):
    if ctx.scenario.has("lenient"):
        return
    model = body.get("model") or ""
    if NON_REASONING_MODEL.match(model):
        _check_non_reasoning(body, api, model)
    if not is_openai_reasoning_model(model):
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


def _check_non_reasoning(body, api, model):
    if api == "chat" and body.get("reasoning_effort") is not None:
        raise ApiError(400, "bad_request", "Unsupported parameter: 'reasoning_effort' is not supported with this "
                       "model.", param="reasoning_effort", code="unsupported_parameter")
    if api == "responses" and (body.get("reasoning") or {}).get("effort") is not None:
        raise ApiError(400, "bad_request", "Unsupported parameter: 'reasoning.effort' is not supported with this "
                       "model.", param="reasoning.effort", code="unsupported_parameter")
    limit = _limit(OPENAI_MAX_COMPLETION, model)
    for name in ("max_tokens", "max_completion_tokens") if api == "chat" else ():
        value = body.get(name)
        if limit and isinstance(value, int) and value > limit:
            raise ApiError(400, "bad_request", f"{name} is too large: {value}. This model supports at most {limit} "
                           f"completion tokens, whereas you provided {value}.", param=name, code="invalid_value")


def check_anthropic_params(ctx, body):
    """Claude's per-model limits (raised before anything else is looked at, as the real API)."""
    if ctx.scenario.has("lenient"):
        return
    model = body.get("model") or ""
    limit = _limit(ANTHROPIC_MAX_TOKENS, model)
    value = body.get("max_tokens")
    if limit and isinstance(value, int) and value > limit:
        raise ApiError(400, "bad_request", f"max_tokens: {value} > {limit}, which is the maximum allowed number of "
                       f"output tokens for {model}")
    if (ONE_SAMPLING_PARAMETER.match(model) and body.get("temperature") is not None
            and body.get("top_p") is not None):
        raise ApiError(400, "bad_request", "`temperature` and `top_p` cannot both be specified for this model. "
                       "Please use only one.")
