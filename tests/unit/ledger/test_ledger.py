"""Every ledger path with hand-computed quotas, on SQLite, MySQL and PostgreSQL.

Prices (tests/unit/ledger/support.py): ratio 2, completion ratio 3, cached read 0.5, cache write 2.5 (5m) and
4 (1h), group "default" = 1, PreConsumedQuota 500. So a request with prompt 100 and max_tokens 400 is
estimated at (500 + 100 + 400) x 2 = 2000, and the trusted-user threshold is 100 x 2000 = 200000.
"""
from __future__ import annotations

import json

import pytest

from oneapi.billing import ledger
from oneapi.models import Log, Token, User
from oneapi.models.constants import LOG_CONSUME
from oneapi.services.options import options
from tests.unit.ledger import support
from tests.unit.ledger.support import accounts, context, cost_of, logs_of


def _set_user_quota(ids, quota):
    User.update(quota=quota).where(User.id == ids["user"]).execute()


def _set_token_remain(ids, remain):
    Token.update(remain_quota=remain).where(Token.id == ids["limited"]).execute()


def test_estimate_is_the_original_formula(ledger_db):
    ctx = context(ledger_db, "r-est")
    assert ledger.estimate(ctx, 100, 400) == 2000  # (500 + 100 + 400) x 2
    assert ledger.estimate(ctx, 100, None) == 1200  # (500 + 100) x 2


def test_background_request_reserves_the_fork_floor(ledger_db):
    ctx = context(ledger_db, "r-bg", background=True)
    # 15000 output tokens x (2 x 3) = 90000 > (500 + 100) x 2
    assert ledger.estimate(ctx, 100, None) == 90000


def test_trusted_user_with_unlimited_token_reserves_nothing_then_pays_exactly(ledger_db):
    before = accounts(ledger_db)
    res = ledger.reserve(context(ledger_db, "r-trusted", limited=False), 100, 400)
    assert (res.reserved, res.estimate) == (0, 2000)
    assert accounts(ledger_db) == before
    assert cost_of("r-trusted") == 2000  # provisional cost row holds the estimate

    final = ledger.settle(res, ledger.Usage(100, 50))
    assert final == 500  # ceil((100 + 50 x 3) x 2)
    after = accounts(ledger_db)
    assert after["user_quota"] == before["user_quota"] - 500
    assert after["user_used"] == 500 and after["requests"] == 1 and after["channel_used"] == 500
    # unlimited tokens are never written
    assert (after["unlimited_remain"], after["unlimited_used"]) == (before["unlimited_remain"], 0)
    assert cost_of("r-trusted") == 500
    [row] = logs_of("r-trusted")
    assert (row.type, row.quota, row.prompt_tokens, row.completion_tokens) == (LOG_CONSUME, 500, 100, 50)
    assert (row.user_id, row.username, row.token_name, row.model_name) == (
        ledger_db["user"], "ledger-user", "unlimited", support.MODEL)
    assert row.channel_id == ledger_db["channel"] and row.content == "倍率：2.00 × 1.00 × 3.00"
    assert row.metadata is None and not row.is_stream and not row.system_prompt_reset


def test_rich_user_with_small_limited_token_is_not_trusted(ledger_db):
    _set_token_remain(ledger_db, 100_000)  # < 100 x 2000
    res = ledger.reserve(context(ledger_db, "r-small-token"), 100, 400)
    assert res.reserved == 2000
    now = accounts(ledger_db)
    assert (now["token_remain"], now["token_used"]) == (98_000, 2000)
    assert now["user_quota"] == 10_000_000 - 2000


def test_reserve_then_settle_applies_the_difference(ledger_db):
    _set_user_quota(ledger_db, 150_000)  # < 100 x 2000: the estimate is held
    res = ledger.reserve(context(ledger_db, "r-held", is_stream=True), 100, 400)
    assert res.reserved == 2000
    held = accounts(ledger_db)
    assert (held["user_quota"], held["token_remain"], held["token_used"]) == (148_000, 998_000, 2000)

    assert ledger.settle(res, ledger.Usage(100, 50), system_prompt_reset=True) == 500
    done = accounts(ledger_db)
    assert (done["user_quota"], done["user_used"], done["requests"]) == (149_500, 500, 1)
    assert (done["token_remain"], done["token_used"], done["channel_used"]) == (999_500, 500, 500)
    [row] = logs_of("r-held")
    assert row.is_stream and row.system_prompt_reset and row.quota == 500


def test_settle_above_the_reservation_takes_the_rest(ledger_db):
    _set_user_quota(ledger_db, 100_000)  # < 100 x 1020
    res = ledger.reserve(context(ledger_db, "r-over"), 10, 0)  # (500 + 10) x 2 = 1020
    assert res.reserved == 1020
    assert ledger.settle(res, ledger.Usage(1000, 1000)) == 8000  # (1000 + 3000) x 2
    done = accounts(ledger_db)
    assert (done["user_quota"], done["token_remain"], done["token_used"]) == (92_000, 992_000, 8000)


def test_refund_returns_everything_and_writes_no_log(ledger_db):
    _set_user_quota(ledger_db, 150_000)
    before = accounts(ledger_db)
    res = ledger.reserve(context(ledger_db, "r-refund"), 100, 400)
    ledger.refund(res)
    assert accounts(ledger_db) == before
    assert logs_of("r-refund") == []
    assert cost_of("r-refund") == 0


def test_insufficient_user_quota_is_refused_with_the_original_answer(ledger_db):
    _set_user_quota(ledger_db, 1999)
    with pytest.raises(ledger.QuotaError) as err:
        ledger.reserve(context(ledger_db, "r-poor"), 100, 400)
    assert (err.value.status, err.value.code, err.value.message) == (
        403, "insufficient_user_quota", "user quota is not enough")
    assert accounts(ledger_db)["user_quota"] == 1999
    assert cost_of("r-poor") is None


def test_token_without_enough_quota_is_refused_and_nothing_is_taken(ledger_db):
    _set_user_quota(ledger_db, 150_000)
    _set_token_remain(ledger_db, 1999)
    before = accounts(ledger_db)
    with pytest.raises(ledger.QuotaError) as err:
        ledger.reserve(context(ledger_db, "r-token-poor"), 100, 400)
    assert (err.value.status, err.value.code, err.value.message) == (
        403, "pre_consume_token_quota_failed", "令牌额度不足")
    assert accounts(ledger_db) == before


def test_cached_prompt_tokens_bill_at_the_cached_price(ledger_db):
    res = ledger.reserve(context(ledger_db, "r-cached", limited=False), 1000, None)
    # non-cached 400 and completion 100: (400 + 300) x 2 = 1400; cached 600 x 0.5 = 300
    assert ledger.settle(res, ledger.Usage(1000, 100, cached_tokens=600)) == 1700
    [row] = logs_of("r-cached")
    assert (row.quota, row.prompt_tokens, row.cached_prompt_tokens) == (1700, 1000, 600)
    assert "cached_prompt 600" in row.content


def test_cache_writes_are_billed_and_recorded_in_metadata(ledger_db):
    res = ledger.reserve(context(ledger_db, "r-writes", limited=False), 1000, None)
    usage = ledger.Usage(1000, 0, cached_tokens=200, cache_write_5m=300, cache_write_1h=100, reasoning_tokens=7)
    # non-cached 400 x 2 = 800, cached 200 x 0.5 = 100, 300 x 2.5 = 750, 100 x 4 = 400
    assert ledger.settle(res, usage) == 2050
    [row] = logs_of("r-writes")
    assert json.loads(row.metadata) == {"cache_write_tokens": {"ephemeral_5m": 300, "ephemeral_1h": 100},
                                        "reasoning_tokens": 7}


def test_locally_counted_usage_is_marked_estimated(ledger_db):
    res = ledger.reserve(context(ledger_db, "r-estimated", is_stream=True), 100, None)
    assert ledger.settle(res, ledger.Usage(100, 20, estimated=True)) == 320  # (100 + 60) x 2
    [row] = logs_of("r-estimated")
    assert json.loads(row.metadata) == {"estimated": True}


def test_group_ratio_comes_from_the_users_group(ledger_db):
    options.update("GroupRatio", json.dumps({"default": 1, "vip": 0.5}))
    res = ledger.reserve(context(ledger_db, "r-vip", user_group="vip"), 100, 400)
    assert res.estimate == 1000  # (500 + 100 + 400) x 2 x 0.5
    assert ledger.settle(res, ledger.Usage(100, 50)) == 250
    assert logs_of("r-vip")[0].content == "倍率：2.00 × 0.50 × 3.00"


def test_no_tokens_used_charges_nothing_but_counts_the_request(ledger_db):
    _set_user_quota(ledger_db, 150_000)
    res = ledger.reserve(context(ledger_db, "r-empty"), 100, 400)
    assert ledger.settle(res, ledger.Usage(0, 0)) == 0
    done = accounts(ledger_db)
    assert (done["user_quota"], done["requests"], done["token_remain"]) == (150_000, 1, 1_000_000)
    assert logs_of("r-empty")[0].quota == 0


def test_consume_log_can_be_switched_off(ledger_db):
    options.update("LogConsumeEnabled", "false")
    res = ledger.reserve(context(ledger_db, "r-nolog"), 100, None)
    assert ledger.settle(res, ledger.Usage(100, 50)) == 500
    assert logs_of("r-nolog") == []
    assert accounts(ledger_db)["user_used"] == 500


def test_media_quota_known_up_front(ledger_db):
    _set_user_quota(ledger_db, 150_000)
    res = ledger.reserve(context(ledger_db, "r-image"), 0, None, quota=20_000)
    assert res.reserved == 20_000
    assert ledger.settle_quota(res, 20_000) == 20_000
    done = accounts(ledger_db)
    assert (done["user_quota"], done["token_remain"], done["user_used"], done["channel_used"]) == (
        130_000, 980_000, 20_000, 20_000)
    [row] = logs_of("r-image")
    assert (row.quota, row.prompt_tokens, row.completion_tokens) == (20_000, 0, 0)
    assert row.content == "模型倍率 2.00，分组倍率 1.00"


def test_a_reservation_closes_once(ledger_db):
    _set_user_quota(ledger_db, 150_000)
    res = ledger.reserve(context(ledger_db, "r-once"), 100, 400)
    assert ledger.settle(res, ledger.Usage(100, 50)) == 500
    assert ledger.settle(res, ledger.Usage(100, 50)) == 500
    ledger.refund(res)
    done = accounts(ledger_db)
    assert (done["user_quota"], done["requests"]) == (149_500, 1)
    assert len(logs_of("r-once")) == 1 and cost_of("r-once") == 500


def test_log_records_elapsed_time_and_request_id(ledger_db):
    import time
    ctx = context(ledger_db, "r-elapsed", started_at=time.time() - 1.5, trace_id="t-1")
    ledger.settle(ledger.reserve(ctx, 1, None), ledger.Usage(1, 1))
    [row] = logs_of("r-elapsed")
    assert 1500 <= row.elapsed_time < 5000
    assert row.trace_id == "t-1" and row.created_at > 0
    assert Log.select().count() == 1


def test_an_approximate_prompt_count_is_refined_only_when_the_user_is_not_trusted(ledger_db):
    """The quick count sizes the reservation for a user with a wide margin; the exact count is asked for
    when the reservation is real (and only then would a worker load tiktoken's encodings)."""
    asked = []

    def exact():
        asked.append(1)
        return 100

    res = ledger.reserve(context(ledger_db, "r-approx", limited=False), 150, 400, exact_prompt=exact)
    assert asked == [] and (res.reserved, res.estimate) == (0, 2100)  # (500 + 150 + 400) x 2, trusted
    ledger.refund(res)
    _set_user_quota(ledger_db, 150_000)  # < 100 x 2100: not trusted, so the reservation uses the exact count
    res = ledger.reserve(context(ledger_db, "r-exact", limited=False), 150, 400, exact_prompt=exact)
    assert asked == [1] and (res.reserved, res.estimate) == (2000, 2000)
    ledger.refund(res)
