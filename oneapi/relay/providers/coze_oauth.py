"""Coze OAuth "JWT" apps: a channel key holding the app's JSON credentials instead of a personal access token.

The key is the JSON Coze offers for download when the app is created (``client_type: "jwt"``, ``client_id``,
``public_key_id``, ``private_key``, optionally ``coze_api_base``). The gateway signs a short JWT with the private
key (RS256, ``kid`` = the public key id, ``iss`` = the app id, ``aud`` = the API host), trades it at
``POST {api}/api/permission/oauth2/token`` (grant ``urn:ietf:params:oauth:grant-type:jwt-bearer``) for an access
token, and keeps that token per key until shortly before it expires.
"""
from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlsplit

from oneapi.relay.errors import RelayError
from oneapi.relay.providers.token_cache import ExpiringTokens

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_SECONDS = 86399
JWT_SECONDS = 600
_tokens = ExpiringTokens(refresh_margin=300)


def is_app_credentials(key: str) -> bool:
    return key.startswith("{")


def _credentials(key: str) -> dict:
    try:
        creds = json.loads(key)
    except ValueError:
        raise RelayError(400, "the Coze channel key is neither a token nor valid OAuth app JSON", "one_api_error",
                         "invalid_channel_key") from None
    missing = [name for name in ("client_id", "public_key_id", "private_key") if not creds.get(name)]
    if missing:
        raise RelayError(400, f"the Coze OAuth app key lacks {', '.join(missing)}", "one_api_error",
                         "invalid_channel_key")
    return creds


def signed_jwt(creds: dict, api_base: str, now: float | None = None) -> str:
    from google.auth import crypt, jwt
    now = int(now or time.time())
    signer = crypt.RSASigner.from_string(creds["private_key"], key_id=creds["public_key_id"])
    payload = {"iss": creds["client_id"], "aud": urlsplit(api_base).hostname or "api.coze.com", "iat": now,
               "exp": now + JWT_SECONDS, "jti": uuid.uuid4().hex}
    return jwt.encode(signer, payload, header={"typ": "JWT"}).decode()


def access_token(key: str, channel_base: str) -> str:
    """A valid access token for the app credentials in ``key`` (exchanged once, then cached)."""
    def fetch() -> tuple[str, float]:
        creds = _credentials(key)
        return _exchange(creds, (creds.get("coze_api_base") or channel_base).rstrip("/"))
    return _tokens.get(key, fetch)


def _exchange(creds: dict, api_base: str) -> tuple[str, float]:
    from oneapi.relay import upstream
    try:
        resp = upstream.send("POST", f"{api_base}/api/permission/oauth2/token",
                             headers={"Authorization": f"Bearer {signed_jwt(creds, api_base)}",
                                      "Content-Type": "application/json"},
                             data=json.dumps({"duration_seconds": TOKEN_SECONDS, "grant_type": GRANT}))
        body = resp.json()
    except Exception as exc:  # connection error, undecodable answer, unreadable private key
        raise RelayError(502, f"Coze OAuth token exchange failed: {type(exc).__name__}", "upstream_error",
                         "oauth_failed") from None
    token = body.get("access_token") if isinstance(body, dict) else None
    if resp.status_code != 200 or not token:
        detail = (body.get("error_message") or body.get("error") or body.get("msg")) if isinstance(body, dict) else ""
        raise RelayError(401, f"Coze OAuth token exchange refused: {detail or resp.status_code}", "upstream_error",
                         "oauth_failed")
    expires = float(body.get("expires_in") or 0)
    if expires < 1e9:  # a duration rather than Coze's absolute Unix time
        expires += time.time()
    return token, expires


def clear_cache() -> None:
    _tokens.clear()
