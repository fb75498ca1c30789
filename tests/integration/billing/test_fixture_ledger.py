"""On a database the original One API filled, the ledger charges with the stored options and keeps its books.

The fixture's tables agree with its 24 consume logs (../shared/fixtures/README.md). After more requests billed
by the ledger, they must still agree: per user the consume logs sum to used_quota and count request_count,
per channel to used_quota, per limited token to used_quota; unlimited tokens keep their values.
"""
from __future__ import annotations

import time

from oneapi.billing import ledger
from oneapi.models import Channel, Log, Token, User
from tests.unit.ledger import support


def _ctx(request_id: str, user: User, token: Token, channel: Channel, model: str) -> ledger.RelayContext:
    return ledger.RelayContext(request_id, user.id, user.username, user.group, token.id, token.name, token.key,
                               bool(token.unlimited_quota), channel.id, channel.type, channel.model_configs, model,
                               model, False, time.time())


def _books_agree() -> None:
    consume = list(Log.select().where(Log.type == 2))
    for user in User.select():
        mine = [r.quota for r in consume if r.user_id == user.id]
        assert (user.used_quota, user.request_count) == (sum(mine), len(mine)), user.username
    for channel in Channel.select():
        assert channel.used_quota == sum(r.quota for r in consume if r.channel_id == channel.id), channel.name
    for token in Token.select().where(Token.unlimited_quota == False):  # noqa: E712
        spent = sum(r.quota for r in consume if r.user_id == token.user_id and r.token_name == token.name)
        assert token.used_quota == spent, token.name


def test_ledger_keeps_the_original_books_balanced(original_db, monkeypatch):
    from oneapi import config
    monkeypatch.setattr(config, "settings", config.settings)
    support.open_database(original_db)
    try:
        _books_agree()  # as delivered
        alice, bob = User.get(User.username == "alice"), User.get(User.username == "bob")
        alice_app, bob_default = Token.get_by_id(6), Token.get_by_id(4)
        openai = Channel.get_by_id(1)
        alice_before, bob_token_before = User.get_by_id(alice.id).quota, (bob_default.remain_quota,
                                                                          bob_default.used_quota)

        # alice (group default): gpt-4o-mini at the stored ModelRatio 0.075, completion 4 (gpt-4o* rule)
        res = ledger.reserve(_ctx("fx-1", alice, alice_app, openai, "gpt-4o-mini"), 1000, 1000)
        assert res.estimate == 187  # int((500 + 1000 + 1000) x 0.075)
        assert ledger.settle(res, ledger.Usage(1000, 500)) == 225  # ceil((1000 + 500 x 4) x 0.075)
        # bob (group vip = 0.8 in GroupRatio): gpt-4o at the stored 1.25
        res = ledger.reserve(_ctx("fx-2", bob, bob_default, openai, "gpt-4o"), 1000, None)
        assert ledger.settle(res, ledger.Usage(1000, 100)) == 1400  # ceil((1000 + 100 x 4) x 1.25 x 0.8)
        ledger.refund(ledger.reserve(_ctx("fx-3", alice, alice_app, openai, "gpt-4o-mini"), 10, 10))

        _books_agree()
        assert User.get_by_id(alice.id).quota == alice_before - 225
        token = Token.get_by_id(4)
        assert (token.remain_quota, token.used_quota) == bob_token_before  # unlimited: untouched
        assert Token.get_by_id(6).accessed_time >= int(time.time()) - 5
        assert [r.model_name for r in Log.select().where(Log.request_id.in_(["fx-1", "fx-2", "fx-3"]))
                .order_by(Log.id)] == ["gpt-4o-mini", "gpt-4o"]
    finally:
        support.close_database()
