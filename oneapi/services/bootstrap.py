"""First start on an empty database: the root account (and optional initial tokens), as the original."""
from __future__ import annotations

import logging
import time

from oneapi.config import Config
from oneapi.db import dialect_of
from oneapi.models import Token, User
from oneapi.models.constants import ROLE_ROOT, ROOT_INITIAL_QUOTA, TOKEN_ENABLED, USER_ENABLED
from oneapi.security import hash_password, new_access_token

log = logging.getLogger(__name__)


def ensure_root_user(cfg: Config) -> bool:
    """Create root/123456 only when the users table has no row at all. Returns True when created."""
    if User.select().exists():
        return False
    root = User.create(
        username="root", password=hash_password("123456"), display_name="Root User", role=ROLE_ROOT,
        status=USER_ENABLED, quota=ROOT_INITIAL_QUOTA,
        access_token=cfg.initial_root_access_token or new_access_token(), aff_code="",
        email="", github_id="", wechat_id="", lark_id="", oidc_id="", group="default", inviter_id=0,
    )
    log.warning("created the root account root/123456: change its password now")
    if cfg.initial_root_token:
        now = int(time.time())
        key = cfg.initial_root_token
        for prefix in (cfg.token_key_prefix, "sk-"):
            if key.startswith(prefix):
                key = key[len(prefix):]
        Token.insert(id=1, user_id=root.id, key=key, status=TOKEN_ENABLED, name="Initial Root Token",
                     created_time=now, accessed_time=now, expired_time=-1, remain_quota=ROOT_INITIAL_QUOTA,
                     unlimited_quota=True, used_quota=0, models=None, subnet="").execute()
        if dialect_of(Token._meta.database) == "postgres":  # an explicit id does not move the sequence
            Token._meta.database.execute_sql(
                "SELECT setval(pg_get_serial_sequence('tokens', 'id'), (SELECT MAX(id) FROM tokens))")
        log.info("created the initial root token")
    return True
