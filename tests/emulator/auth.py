"""Credential checks as strict as the real providers. Keys starting with "bad" or "invalid" are rejected."""
from .errors import ApiError


def _rejected(key):
    return key.lower().startswith(("bad", "invalid"))


def _bearer(ctx):
    value = ctx.request.headers.get("authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else ""


def check_auth(ctx):
    checker = {"openai": _openai, "azure": _azure, "anthropic": _anthropic, "gemini": _gemini}.get(ctx.family)
    if checker:
        checker(ctx)


def _openai(ctx):
    key = _bearer(ctx)
    if not key:
        raise ApiError(401, "auth", "You didn't provide an API key. You need to provide your API key in an "
                                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                       code=None)
    if _rejected(key):
        raise ApiError(401, "auth", f"Incorrect API key provided: {key[:3]}***{key[-4:]}. You can find your API "
                                    "key at https://platform.openai.com/account/api-keys.")


def _azure(ctx):
    key = ctx.request.headers.get("api-key", "") or _bearer(ctx)
    if not key or _rejected(key):
        raise ApiError(401, "auth", "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
                                    "to provide a valid key for an active subscription and use a correct regional "
                                    "API endpoint for your resource.", code="401")
    if ctx.api_path.startswith("/openai/deployments/") and not ctx.request.args.get("api-version"):
        raise ApiError(404, "not_found", "Resource not found", code="404")


def _anthropic(ctx):
    # anthropic SDK 2.x sends the API key as `Authorization: Bearer`; older clients use `x-api-key`.
    key = ctx.request.headers.get("x-api-key", "") or _bearer(ctx)
    if not key:
        raise ApiError(401, "auth", "x-api-key header is required")
    if _rejected(key):
        raise ApiError(401, "auth", "invalid x-api-key")
    if not ctx.request.headers.get("anthropic-version"):
        raise ApiError(400, "bad_request", "anthropic-version: header is required")


def _gemini(ctx):
    key = ctx.request.headers.get("x-goog-api-key") or ctx.request.args.get("key", "")
    if not key:
        raise ApiError(403, "permission", "Method doesn't allow unregistered callers (callers without established "
                                          "identity). Please use API Key or other form of API consumer identity to "
                                          "call this API.")
    if _rejected(key):
        raise ApiError(400, "bad_request", "API key not valid. Please pass a valid API key.")
