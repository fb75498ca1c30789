"""Every environment variable the gateway reads, typed, with its default, in one place.

Nothing else in the package reads ``os.environ``. Names and defaults follow the original One API and its
maintained fork (including the spellings the fork really reads, e.g. ``SHUTDOWN_TIMEOUT`` next to the README's
``SHUTDOWN_TIMEOUT_SEC`` and ``TRACE_RENTATION_DAYS`` next to ``TRACE_RETENTION_DAYS``).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from typing import Mapping

_TRUE = {"1", "true", "yes", "on", "t", "y"}


def _str(env: Mapping[str, str], name: str, default: str = "") -> str:
    value = env.get(name)
    return default if value is None else value.strip()


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in _TRUE


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(float(value.strip()))
    except ValueError:
        return default


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value.strip())
    except ValueError:
        return default


def _first(env: Mapping[str, str], *names: str) -> str | None:
    """The value of the first of ``names`` that is set (several spellings of one variable)."""
    for name in names:
        if env.get(name, "").strip() != "":
            return env[name].strip()
    return None


@dataclass(frozen=True)
class Config:
    # --- server
    port: int = 3000
    gin_mode: str = ""
    debug: bool = False
    debug_sql: bool = False
    shutdown_timeout: int = 360
    workers: int = 1
    node_type: str = "master"
    frontend_base_url: str = ""
    log_dir: str = "./logs"
    theme: str = "default"
    # --- sessions
    session_secret: str = ""
    session_secret_is_random: bool = True
    enable_cookie_secure: bool = False
    cookie_maxage_hours: int = 168
    # --- database
    sql_dsn: str = ""
    log_sql_dsn: str = ""
    sqlite_path: str = "one-api.db"
    sqlite_busy_timeout: int = 3000
    sql_max_idle_conns: int = 200
    sql_max_open_conns: int = 2000
    sql_max_lifetime: int = 300
    # --- cache
    redis_conn_string: str = ""
    redis_password: str = ""
    redis_master_name: str = ""
    sync_frequency: int = 600
    memory_cache_enabled: bool = False
    # --- bootstrap
    initial_root_token: str = ""
    initial_root_access_token: str = ""
    # --- relay
    relay_proxy: str = ""
    relay_timeout: int = 0
    # STREAM_IDLE_TIMEOUT: seconds a streamed answer may go without a byte from the upstream before the relay
    # ends it with an error event (independent of RELAY_TIMEOUT; generous, reasoning models think for minutes)
    stream_idle_timeout: int = 600
    user_content_request_proxy: str = ""
    user_content_request_timeout: int = 30
    max_inline_image_size_mb: int = 30
    enforce_include_usage: bool = True
    default_max_token: int = 2048
    default_use_min_max_tokens_model: bool = False
    openrouter_provider_sort: str = ""
    gemini_safety_setting: str = "BLOCK_NONE"
    # Empty by default: the Gemini URL then uses v1beta, where systemInstruction, tools, responseSchema and
    # thinkingConfig live (the original's "v1" default rejects them). GEMINI_VERSION or a channel's
    # config api_version still choose another version.
    gemini_version: str = ""
    auto_detect_api_format: bool = True
    auto_detect_api_format_action: str = "transparent"
    token_key_prefix: str = "sk-"
    idle_timeout: int = 30
    max_request_body_mb: int = 64
    # --- reliability
    channel_suspend_seconds_for_429: int = 60
    channel_suspend_seconds_for_5xx: int = 30
    channel_suspend_seconds_for_auth: int = 60
    channel_test_frequency: int = 0  # minutes, 0 = off
    test_prompt: str = "Output only your specific model name with no additional text."
    test_max_tokens: int = 1024
    enable_metric: bool = False
    metric_queue_size: int = 10
    metric_success_rate_threshold: float = 0.8
    polling_interval: int = 0
    # --- billing
    batch_update_enabled: bool = False
    batch_update_interval: int = 5
    # write-behind ledger (oneapi.billing.batch): holds in memory, settlements, consume logs and cost rows
    # group-committed by a background flusher (at most one flush per LEDGER_FLUSH_INTERVAL_MS)
    ledger_write_behind: bool = True
    ledger_flush_interval_ms: int = 0
    preconsume_token_for_background_request: int = 15000
    streaming_billing_interval: int = 3
    billing_timeout: int = 300
    external_billing_default_timeout: int = 600
    external_billing_max_timeout: int = 3600
    # --- rate limits
    global_api_rate_limit: int = 480
    global_web_rate_limit: int = 240
    global_relay_rate_limit: int = 480
    global_channel_rate_limit: bool = False
    critical_rate_limit: int = 20
    rate_limit_disabled: bool = False
    # --- operations
    enable_prometheus_metrics: bool = True
    metrics_token: str = ""
    log_retention_days: int = 0
    trace_retention_days: int = 30
    log_push_api: str = ""
    log_push_type: str = ""
    log_push_token: str = ""
    max_items_per_page: int = 100
    tiktoken_cache_dir: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def is_master(self) -> bool:
        return self.node_type != "slave"

    @property
    def redis_enabled(self) -> bool:
        return bool(self.redis_conn_string) and self.sync_frequency != 0

    @property
    def cache_enabled(self) -> bool:
        return self.memory_cache_enabled or self.redis_enabled

    @property
    def rate_limits_disabled(self) -> bool:
        # As the original and its 2025 fork: DEBUG turns every limiter off.
        return self.rate_limit_disabled or self.debug

    def safe_repr(self) -> dict:
        """The configuration without secrets, for start-up logging."""
        hidden = {"session_secret", "sql_dsn", "log_sql_dsn", "redis_conn_string", "redis_password",
                  "initial_root_token", "initial_root_access_token", "log_push_token", "metrics_token",
                  "relay_proxy", "user_content_request_proxy"}
        return {f.name: ("***" if f.name in hidden and getattr(self, f.name) else getattr(self, f.name))
                for f in fields(self) if f.name != "extra"}


def load(env: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from ``env`` (the process environment by default)."""
    env = os.environ if env is None else env
    secret = _str(env, "SESSION_SECRET")
    random_secret = secret in ("", "random_string")
    shutdown = _first(env, "SHUTDOWN_TIMEOUT", "SHUTDOWN_TIMEOUT_SEC")
    trace_days = _first(env, "TRACE_RETENTION_DAYS", "TRACE_RENTATION_DAYS")
    return Config(
        port=_int(env, "PORT", 3000),
        gin_mode=_str(env, "GIN_MODE"),
        debug=_bool(env, "DEBUG", False),
        debug_sql=_bool(env, "DEBUG_SQL", False),
        shutdown_timeout=int(float(shutdown)) if shutdown else 360,
        workers=max(1, _int(env, "WORKERS", _int(env, "WEB_CONCURRENCY", 1))),
        node_type=_str(env, "NODE_TYPE", "master") or "master",
        frontend_base_url=_str(env, "FRONTEND_BASE_URL").rstrip("/"),
        log_dir=_str(env, "LOG_DIR", "./logs"),
        theme=_str(env, "THEME", "default") or "default",
        session_secret=secrets.token_hex(32) if random_secret else secret,
        session_secret_is_random=random_secret,
        enable_cookie_secure=_bool(env, "ENABLE_COOKIE_SECURE", False),
        cookie_maxage_hours=_int(env, "COOKIE_MAXAGE_HOURS", 168),
        sql_dsn=_str(env, "SQL_DSN"),
        log_sql_dsn=_str(env, "LOG_SQL_DSN"),
        sqlite_path=_str(env, "SQLITE_PATH", "one-api.db") or "one-api.db",
        sqlite_busy_timeout=_int(env, "SQLITE_BUSY_TIMEOUT", 3000),
        sql_max_idle_conns=_int(env, "SQL_MAX_IDLE_CONNS", 200),
        sql_max_open_conns=_int(env, "SQL_MAX_OPEN_CONNS", 2000),
        sql_max_lifetime=_int(env, "SQL_MAX_LIFETIME", 300),
        redis_conn_string=_str(env, "REDIS_CONN_STRING"),
        redis_password=_str(env, "REDIS_PASSWORD"),
        redis_master_name=_str(env, "REDIS_MASTER_NAME"),
        sync_frequency=_int(env, "SYNC_FREQUENCY", 600),
        memory_cache_enabled=_bool(env, "MEMORY_CACHE_ENABLED", False),
        initial_root_token=_str(env, "INITIAL_ROOT_TOKEN"),
        initial_root_access_token=_str(env, "INITIAL_ROOT_ACCESS_TOKEN"),
        relay_proxy=_str(env, "RELAY_PROXY"),
        relay_timeout=_int(env, "RELAY_TIMEOUT", 0),
        stream_idle_timeout=_int(env, "STREAM_IDLE_TIMEOUT", 600),
        user_content_request_proxy=_str(env, "USER_CONTENT_REQUEST_PROXY"),
        user_content_request_timeout=_int(env, "USER_CONTENT_REQUEST_TIMEOUT", 30),
        max_inline_image_size_mb=_int(env, "MAX_INLINE_IMAGE_SIZE_MB", 30),
        enforce_include_usage=_bool(env, "ENFORCE_INCLUDE_USAGE", True),
        default_max_token=_int(env, "DEFAULT_MAX_TOKEN", 2048),
        default_use_min_max_tokens_model=_bool(env, "DEFAULT_USE_MIN_MAX_TOKENS_MODEL", False),
        openrouter_provider_sort=_str(env, "OPENROUTER_PROVIDER_SORT"),
        gemini_safety_setting=_str(env, "GEMINI_SAFETY_SETTING", "BLOCK_NONE") or "BLOCK_NONE",
        gemini_version=_str(env, "GEMINI_VERSION"),
        auto_detect_api_format=_bool(env, "AUTO_DETECT_API_FORMAT", True),
        auto_detect_api_format_action=_str(env, "AUTO_DETECT_API_FORMAT_ACTION", "transparent") or "transparent",
        token_key_prefix=_str(env, "TOKEN_KEY_PREFIX", "sk-") or "sk-",
        idle_timeout=_int(env, "IDLE_TIMEOUT", 30),
        max_request_body_mb=_int(env, "MAX_REQUEST_BODY_MB", 64),
        channel_suspend_seconds_for_429=_int(env, "CHANNEL_SUSPEND_SECONDS_FOR_429", 60),
        channel_suspend_seconds_for_5xx=_int(env, "CHANNEL_SUSPEND_SECONDS_FOR_5XX", 30),
        channel_suspend_seconds_for_auth=_int(env, "CHANNEL_SUSPEND_SECONDS_FOR_AUTH", 60),
        channel_test_frequency=_int(env, "CHANNEL_TEST_FREQUENCY", 0),
        test_prompt=_str(env, "TEST_PROMPT") or Config.test_prompt,
        test_max_tokens=_int(env, "TEST_MAX_TOKENS", 1024),
        enable_metric=_bool(env, "ENABLE_METRIC", False),
        metric_queue_size=_int(env, "METRIC_QUEUE_SIZE", 10),
        metric_success_rate_threshold=_float(env, "METRIC_SUCCESS_RATE_THRESHOLD", 0.8),
        polling_interval=_int(env, "POLLING_INTERVAL", 0),
        batch_update_enabled=_bool(env, "BATCH_UPDATE_ENABLED", False),
        batch_update_interval=_int(env, "BATCH_UPDATE_INTERVAL", 5),
        ledger_write_behind=_bool(env, "LEDGER_WRITE_BEHIND", True),
        ledger_flush_interval_ms=_int(env, "LEDGER_FLUSH_INTERVAL_MS", 0),
        preconsume_token_for_background_request=_int(env, "PRECONSUME_TOKEN_FOR_BACKGROUND_REQUEST", 15000),
        streaming_billing_interval=_int(env, "STREAMING_BILLING_INTERVAL", 3),
        billing_timeout=_int(env, "BILLING_TIMEOUT", 300),
        external_billing_default_timeout=_int(env, "EXTERNAL_BILLING_DEFAULT_TIMEOUT", 600),
        external_billing_max_timeout=_int(env, "EXTERNAL_BILLING_MAX_TIMEOUT", 3600),
        global_api_rate_limit=_int(env, "GLOBAL_API_RATE_LIMIT", 480),
        global_web_rate_limit=_int(env, "GLOBAL_WEB_RATE_LIMIT", 240),
        global_relay_rate_limit=_int(env, "GLOBAL_RELAY_RATE_LIMIT", 480),
        global_channel_rate_limit=_bool(env, "GLOBAL_CHANNEL_RATE_LIMIT", False),
        critical_rate_limit=_int(env, "CRITICAL_RATE_LIMIT", 20),
        rate_limit_disabled=_bool(env, "RATE_LIMIT_DISABLED", False),
        enable_prometheus_metrics=_bool(env, "ENABLE_PROMETHEUS_METRICS", True),
        metrics_token=_str(env, "METRICS_TOKEN"),
        log_retention_days=_int(env, "LOG_RETENTION_DAYS", 0),
        trace_retention_days=int(float(trace_days)) if trace_days else 30,
        log_push_api=_str(env, "LOG_PUSH_API"),
        log_push_type=_str(env, "LOG_PUSH_TYPE"),
        log_push_token=_str(env, "LOG_PUSH_TOKEN"),
        max_items_per_page=max(1, _int(env, "MAX_ITEMS_PER_PAGE", 100)),
        tiktoken_cache_dir=_str(env, "TIKTOKEN_CACHE_DIR"),
    )


settings: Config = load()


def reload(env: Mapping[str, str] | None = None) -> Config:
    """Re-read the environment (tests, and the app factory when given overrides)."""
    global settings
    settings = load(env)
    return settings
