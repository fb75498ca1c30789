"""Relay token auth against the original fixture database, on every SQL dialect."""
from __future__ import annotations

from tests.integration.relay.conftest import (ADMIN_KEY, ALICE_APP_KEY, ALICE_EXPIRED_KEY, BOB_EXHAUSTED_KEY,
                                              BOB_KEY, ROOT_KEY)


def _error(resp) -> dict:
    return resp.get_json()["error"]


def test_key_forms_and_refusals(gateway):
    gw = gateway
    assert gw.chat(key=ROOT_KEY).status_code == 200
    # the bare key without "Bearer " and without "sk-", and the Anthropic-style header
    bare = gw.client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": []},
                          headers={"Authorization": ROOT_KEY})
    assert bare.status_code == 200
    xkey = gw.client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": []},
                          headers={"x-api-key": f"sk-{BOB_KEY}"})
    assert xkey.status_code == 200

    missing = gw.client.post("/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": []})
    assert missing.status_code == 401
    assert _error(missing)["message"].startswith("未提供令牌 (request id: ")
    assert _error(missing)["type"] == "one_api_error"

    unknown = gw.chat(key="x" * 48)
    assert unknown.status_code == 401 and _error(unknown)["message"].startswith("无效的令牌")
    rid = unknown.headers["X-Oneapi-Request-Id"]
    assert rid.isdigit() and _error(unknown)["message"].endswith(f"(request id: {rid})")

    expired = gw.chat(key=ALICE_EXPIRED_KEY)
    assert expired.status_code == 401 and _error(expired)["message"].startswith("该令牌已过期")

    exhausted = gw.chat(key=BOB_EXHAUSTED_KEY)
    assert exhausted.status_code == 401
    assert _error(exhausted)["message"].startswith("令牌 bob-trial（#5）额度已用尽")


def test_case_must_match_exactly(gateway):
    # MySQL compares case-insensitively; the key must still match exactly.
    assert gateway.chat(key=ROOT_KEY.swapcase()).status_code == 401


def test_model_allowlist_and_subnet(gateway):
    gw = gateway
    ok = gw.chat(model="gpt-4o-mini", key=ALICE_APP_KEY)
    assert ok.status_code == 200
    refused = gw.chat(model="gpt-4o", key=ALICE_APP_KEY)
    assert refused.status_code == 403
    assert _error(refused)["message"].startswith("该令牌无权使用模型：gpt-4o")
    outside = gw.chat(model="gpt-4o-mini", key=ALICE_APP_KEY, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert outside.status_code == 403
    assert "该令牌只能在指定网段使用：127.0.0.0/8,::1/128，当前 ip：10.1.2.3" in _error(outside)["message"]
    models = [m["id"] for m in gw.get("/v1/models", key=ALICE_APP_KEY).get_json()["data"]]
    # only allowed models that an enabled channel serves (gemini's channel is disabled)
    assert models == ["claude-3-5-haiku-20241022", "gpt-4o-mini"]


def test_channel_pin_admin_only(gateway):
    gw = gateway
    pinned = gw.chat(key=f"{ADMIN_KEY}-2")
    assert pinned.status_code == 200
    assert gw.stub.hits("c2") and not gw.stub.hits("c1")  # priority would have chosen channel 1
    common = gw.chat(key=f"{BOB_KEY}-1")
    assert common.status_code == 403 and _error(common)["message"].startswith("普通用户不支持指定渠道")
    missing = gw.chat(key=f"{ROOT_KEY}-999")
    assert missing.status_code == 400 and _error(missing)["message"].startswith("无效的渠道 Id")
    disabled = gw.chat(key=f"{ROOT_KEY}-4", model="gemini-1.5-flash")
    assert disabled.status_code == 403 and _error(disabled)["message"].startswith("该渠道已被禁用")


def test_disabled_user_and_token_changes(gateway):
    from oneapi.models import Token, User
    from oneapi.services import cache
    gw = gateway
    assert gw.chat(key=BOB_KEY).status_code == 200
    with gw.db():
        User.update(status=2).where(User.id == 4).execute()
    cache.invalidate_user(4)
    banned = gw.chat(key=BOB_KEY)
    assert banned.status_code == 403 and _error(banned)["message"].startswith("用户已被封禁")
    with gw.db():
        User.update(status=1).where(User.id == 4).execute()
        Token.update(status=2).where(Token.id == 4).execute()
    cache.invalidate_user(4)
    cache.invalidate_token(BOB_KEY)
    off = gw.chat(key=BOB_KEY)
    assert off.status_code == 401 and _error(off)["message"].startswith("该令牌状态不可用")


def test_no_channel_for_group(gateway):
    # bob is in group vip (llama served there); root is in default, where no channel serves llama.
    gw = gateway
    assert gw.chat(model="llama-3.1-70b", key=BOB_KEY).status_code == 200
    none = gw.chat(model="llama-3.1-70b", key=ROOT_KEY)
    assert none.status_code == 503
    assert _error(none)["message"].startswith("当前分组 default 下对于模型 llama-3.1-70b 无可用渠道")
    disabled = gw.chat(model="deepseek-chat", key=ROOT_KEY)
    assert disabled.status_code == 503
