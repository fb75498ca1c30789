"""Channel health: suspensions after failures, automatic disabling on fatal errors, channel tests, re-enabling.

* A failed attempt suspends that (group, model, channel) without touching the channel's status (shared through
  Redis when configured), as the fork: 429 for CHANNEL_SUSPEND_SECONDS_FOR_429, 5xx for
  CHANNEL_SUSPEND_SECONDS_FOR_5XX, 401/403 and other credential errors for CHANNEL_SUSPEND_SECONDS_FOR_AUTH
  (before automatic disabling is considered). 400, 408, 413, a client's cancellation (499) and failures
  without an upstream answer (connection errors, the gateway's own errors) never suspend.
* With the option AutomaticDisableChannelEnabled, the original's fatal errors (401, quota/credit/auth-like
  errors) set the channel to status 3 (auto-disabled), disable its abilities and write a system log with why.
* ``test_channel`` sends a small chat request; with AutomaticEnableChannelEnabled a passing auto-disabled
  channel is enabled again. CHANNEL_TEST_FREQUENCY (minutes) tests every channel periodically.
"""
from __future__ import annotations

import logging
import threading
import time

from oneapi import config
from oneapi.models.constants import CHANNEL_AUTO_DISABLED, CHANNEL_ENABLED, LOG_SYSTEM
from oneapi.services import cache
from oneapi.services.options import options

log = logging.getLogger(__name__)

# ---- suspension ------------------------------------------------------------------------------------------

_suspended: dict[tuple[str, str, int], float] = {}
_lock = threading.Lock()


def _redis_key(group: str, model: str, channel_id: int) -> str:
    return f"oneapi:suspend:{group}:{model}:{channel_id}"


def suspend(group: str, model: str, channel_id: int, seconds: float) -> None:
    if seconds <= 0:
        return
    with _lock:
        _suspended[(group, model, channel_id)] = time.time() + seconds
    client = cache.redis_client()
    if client is not None:
        try:
            client.set(_redis_key(group, model, channel_id), "1", px=int(seconds * 1000))
        except Exception:
            log.warning("could not share a suspension through Redis", exc_info=True)


def is_suspended(group: str, model: str, channel_id: int) -> bool:
    until = _suspended.get((group, model, channel_id))
    if until is not None:
        if until > time.time():
            return True
        _suspended.pop((group, model, channel_id), None)
    client = cache.redis_client()
    if client is not None:
        try:
            return bool(client.exists(_redis_key(group, model, channel_id)))
        except Exception:
            return False
    return False


def clear_suspensions() -> None:
    _suspended.clear()


_NEVER_SUSPEND = {400, 408, 413, 499}  # the request's own fault, or the client went away
_AUTH_TYPES = {"authentication_error", "permission_error", "forbidden", "insufficient_quota"}
_AUTH_CODES = {"invalid_api_key", "account_deactivated"}


def suspension_seconds(status: int | None, err_type: str | None = None, code: str | None = None) -> int:
    """How long a failed attempt with this upstream answer takes the channel out of rotation (0 = not)."""
    if status is None or status in _NEVER_SUSPEND:
        return 0
    cfg = config.settings
    if status in (401, 403) or (err_type or "") in _AUTH_TYPES or (code or "") in _AUTH_CODES:
        return cfg.channel_suspend_seconds_for_auth
    if status == 429:
        return cfg.channel_suspend_seconds_for_429
    if status >= 500:
        return cfg.channel_suspend_seconds_for_5xx
    return 0


# ---- automatic disabling ----------------------------------------------------------------------------------

_FATAL_TYPES = {"insufficient_quota", "authentication_error", "permission_error", "forbidden"}
_FATAL_CODES = {"invalid_api_key", "account_deactivated"}
_FATAL_PHRASES = ("your access was terminated", "violation of our policies", "your credit balance is too low",
                  "organization has been disabled", "credit", "balance", "permission denied",
                  "organization has been restricted", "api key not valid", "api key expired", "已欠费",
                  "insufficient balance")


def is_fatal(status: int | None, err_type: str | None, code: str | None, message: str | None) -> bool:
    """The original's rule for errors that mean the channel itself is unusable."""
    if status == 401:
        return True
    if (err_type or "") in _FATAL_TYPES or (code or "") in _FATAL_CODES:
        return True
    lowered = (message or "").lower()
    return any(phrase in lowered for phrase in _FATAL_PHRASES)


def _set_status(channel_id: int, status: int) -> bool:
    from oneapi.models import Ability, Channel
    changed = Channel.update(status=status).where(Channel.id == channel_id).execute()
    Ability.update(enabled=(status == CHANNEL_ENABLED)).where(Ability.channel_id == channel_id).execute()
    cache.invalidate_channels()
    return bool(changed)


def _system_log(text: str) -> None:
    from oneapi.models import Log
    try:
        Log.create(user_id=0, created_at=int(time.time()), type=LOG_SYSTEM, content=text, username="",
                   token_name="", model_name="", quota=0, prompt_tokens=0, completion_tokens=0, channel_id=0,
                   request_id="", elapsed_time=0, is_stream=False, system_prompt_reset=False)
    except Exception:
        log.warning("could not write a system log", exc_info=True)


def disable_channel(channel_id: int, name: str, reason: str) -> None:
    """Status 3 (auto-disabled) and abilities off; the reason goes to the log and a system log row."""
    from oneapi.models import Channel
    row = Channel.get_or_none(Channel.id == channel_id)
    if row is None or row.status != CHANNEL_ENABLED:
        return
    _set_status(channel_id, CHANNEL_AUTO_DISABLED)
    text = f"渠道「{name}」（#{channel_id}）已被禁用，原因：{reason}"
    log.warning(text)
    _system_log(text)


def enable_channel(channel_id: int, name: str) -> None:
    _set_status(channel_id, CHANNEL_ENABLED)
    text = f"渠道「{name}」（#{channel_id}）已被启用"
    log.info(text)
    _system_log(text)


# ---- success-rate monitor (ENABLE_METRIC) -------------------------------------------------------------------

_results: dict[int, list[bool]] = {}


def _record(channel, ok: bool) -> None:
    """The original's monitor: over the last METRIC_QUEUE_SIZE attempts of a channel, a success rate below
    METRIC_SUCCESS_RATE_THRESHOLD disables it (status 3)."""
    cfg = config.settings
    if not cfg.enable_metric or cfg.metric_queue_size <= 0:
        return
    with _lock:
        window = _results.setdefault(channel.id, [])
        window.append(ok)
        if len(window) < cfg.metric_queue_size:
            return
        rate = sum(window) / len(window)
        _results[channel.id] = []
    if rate < cfg.metric_success_rate_threshold:
        disable_channel(channel.id, channel.name or "",
                        f"成功率 {rate * 100:.2f}% 低于阈值 {cfg.metric_success_rate_threshold * 100:.2f}%")


def on_upstream_success(channel) -> None:
    """Called by the relay when a channel answered 2xx."""
    _record(channel, True)


def on_upstream_error(channel, group: str, model: str, status: int | None, err_type: str | None = None,
                      code: str | None = None, message: str | None = None) -> None:
    """Called by the relay for every failed attempt."""
    _record(channel, False)
    suspend(group, model, channel.id, suspension_seconds(status, err_type, code))
    if options.get_bool("AutomaticDisableChannelEnabled") and is_fatal(status, err_type, code, message):
        disable_channel(channel.id, channel.name or "", f"status {status}: {message or err_type or code}")


# ---- channel tests -----------------------------------------------------------------------------------------

def _test_model(channel, model: str | None) -> str:
    if model:
        return model
    testing = (getattr(channel, "testing_model", None) or "").strip()
    if testing:
        return testing
    first = next((m.strip() for m in (channel.models or "").split(",") if m.strip()), "")
    return first or "gpt-3.5-turbo"


def test_channel(channel, model: str | None = None) -> tuple[bool, str, float]:
    """Send a small chat request to ``channel``: (ok, reply text or error message, seconds taken).

    Records response_time/test_time; auto-disables on fatal errors and re-enables a passing auto-disabled
    channel when the corresponding options are on.
    """
    import orjson

    from oneapi.models import Channel
    from oneapi.relay import prepare as prep
    from oneapi.relay import providers, upstream
    from oneapi.relay.errors import RelayError
    from oneapi.relay.formats import CODECS
    from oneapi.relay.formats.errors import decode_any
    from oneapi.relay.request import RelayRequest

    requested = _test_model(channel, model)
    body = {"model": requested, "messages": [{"role": "user", "content": config.settings.test_prompt}]}
    raw = orjson.dumps(body)
    rr = RelayRequest(mode="chat", path="/v1/chat/completions", method="POST", raw=raw,
                      content_type="application/json", json=body, model=requested, stream=False)
    started = time.time()
    status: int | None = None
    err_type = code = None
    try:
        prepared = prep.prepare(rr, channel, prep.mapped_model(channel, requested))
        resp = upstream.send("POST", prepared.url, headers=prepared.headers, data=prepared.data)
        resp = providers.reframe(channel, resp)  # jobs that answer later (Replicate, Coze) followed to the end
        status = resp.status_code
        content = resp.content
        elapsed = time.time() - started
        if status // 100 != 2:
            err = decode_any(status, content)
            ok, message, err_type, code = False, err.message, err.type, err.code
        else:
            fmt = prepared.provider_format if prepared.provider_format != "raw" else "chat"
            reply = CODECS[fmt].decode_response(orjson.loads(content))
            ok, message = True, reply.text
    except RelayError as exc:
        ok, message, elapsed = False, exc.message, time.time() - started
    except Exception as exc:  # connection refused, timeout, undecodable answer
        ok, message, elapsed = False, f"{type(exc).__name__}: {exc}", time.time() - started
    Channel.update(test_time=int(time.time()), response_time=int(elapsed * 1000)).where(
        Channel.id == channel.id).execute()
    if ok and channel.status == CHANNEL_AUTO_DISABLED and options.get_bool("AutomaticEnableChannelEnabled"):
        enable_channel(channel.id, channel.name or "")
    if not ok and options.get_bool("AutomaticDisableChannelEnabled") and is_fatal(status, err_type, code, message):
        disable_channel(channel.id, channel.name or "", message)
    return ok, message, elapsed


def test_all_channels(scope: str = "all") -> list[tuple[int, bool, str, float]]:
    """Test every channel (``scope="disabled"``: only disabled ones). Slow channels are disabled as well."""
    from oneapi.models import Channel
    query = Channel.select()
    if scope == "disabled":
        query = query.where(Channel.status != CHANNEL_ENABLED)
    results = []
    threshold = options.get_float("ChannelDisableThreshold", 5.0)
    for channel in list(query):
        ok, message, seconds = test_channel(channel)
        if (ok and threshold > 0 and seconds > threshold and channel.status == CHANNEL_ENABLED
                and options.get_bool("AutomaticDisableChannelEnabled")):
            disable_channel(channel.id, channel.name or "", f"响应时间 {seconds:.2f}s 超过阈值 {threshold:.2f}s")
        results.append((channel.id, ok, message, seconds))
    return results


def start_jobs(cfg) -> None:
    if cfg.channel_test_frequency > 0 and cfg.is_master:
        from oneapi.services import scheduler
        scheduler.every(cfg.channel_test_frequency * 60, test_all_channels, "channel-test")


def test_model_for(channel, model: str | None = None) -> str:
    """The model a channel test uses: ``model``, else the channel's testing_model, else its first model."""
    return _test_model(channel, model)
