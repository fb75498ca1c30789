"""GitHub Copilot (channel type 53): a GitHub token as the channel key, traded for short-lived Copilot tokens.

As the fork: ``GET {github api}/copilot_internal/v2/token`` with ``Authorization: token <github token>`` gives a
Copilot API token (about 30 minutes; cached per key and refreshed shortly before ``expires_at``); requests then go
to ``https://api.githubcopilot.com`` with ``Authorization: Bearer <copilot token>`` and the editor headers Copilot
expects. Paths: ``/v1/chat/completions`` -> ``/chat/completions``, ``/v1/embeddings`` -> ``/embeddings``,
``/v1/responses`` unchanged. Claude clients are served as Chat. The GitHub API base is ``https://api.github.com``
unless the channel config names another (``github_api_base``, e.g. a GitHub Enterprise Server's ``/api/v3``).
"""
from __future__ import annotations

import time

import orjson

from oneapi.relay.errors import RelayError
from oneapi.relay.providers.token_cache import ExpiringTokens

TYPES = (53,)
DEFAULT_BASE_URL = "https://api.githubcopilot.com"
GITHUB_API = "https://api.github.com"
EDITOR_HEADERS = {"Editor-Version": "vscode/1.85.1", "Editor-Plugin-Version": "copilot/1.0.0",
                  "Copilot-Integration-Id": "vscode-chat", "User-Agent": "GithubCopilot/1.0.0"}
_tokens = ExpiringTokens(refresh_margin=120)


def body_format(model: str, mode: str) -> str | None:
    if mode in ("chat", "claude"):
        return "chat"
    if mode == "responses":
        return "responses"
    if mode == "embeddings":
        return "raw"
    return None


def copilot_token(github_token: str, api_base: str) -> str:
    return _tokens.get(f"{api_base}|{github_token}", lambda: _exchange(github_token, api_base))


def _exchange(github_token: str, api_base: str) -> tuple[str, float]:
    from oneapi.relay import upstream
    try:
        resp = upstream.send("GET", f"{api_base.rstrip('/')}/copilot_internal/v2/token",
                             headers={"Authorization": f"token {github_token}", "Accept": "application/json",
                                      "User-Agent": EDITOR_HEADERS["User-Agent"]})
        body = resp.json() if resp.content else {}
    except Exception as exc:  # connection errors, an answer that is not JSON
        raise RelayError(502, f"Copilot token exchange failed: {type(exc).__name__}", "upstream_error",
                         "copilot_token") from None
    token = body.get("token") if isinstance(body, dict) else None
    if resp.status_code != 200 or not token:
        detail = body.get("message") if isinstance(body, dict) else ""
        status = resp.status_code if resp.status_code in (401, 403) else 502
        raise RelayError(status, f"Copilot token exchange refused ({resp.status_code}): {detail or ''}".strip(),
                         "upstream_error", "copilot_token")
    expires = float(body.get("expires_at") or 0) or time.time() + 25 * 60
    return token, expires


def target(channel, path: str, model: str, stream: bool):
    from oneapi.relay.providers import Target, channel_config
    cfg = channel_config(channel)
    token = copilot_token((channel.key or "").strip(), str(cfg.get("github_api_base") or GITHUB_API))
    base = ((channel.base_url or "").strip() or DEFAULT_BASE_URL).rstrip("/")
    route = path.split("?")[0]
    upstream_route = "/v1/responses" if route.startswith("/v1/responses") else \
        route[3:] if route.startswith("/v1/") else route
    return Target(base + upstream_route, {"Authorization": f"Bearer {token}", **EDITOR_HEADERS}, "native")


def prepare_body(channel, body: dict, model: str, stream: bool) -> bytes:
    """Chat bodies for reasoning models get their parameters adapted as on any OpenAI-protocol channel."""
    from oneapi.relay.providers.openai_compatible import adapt_reasoning_params
    if "messages" in body:
        adapt_reasoning_params(body, "chat", model)
    return orjson.dumps(body)


def clear_cache() -> None:
    _tokens.clear()
