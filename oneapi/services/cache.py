"""Hot-path lookups (token by key, user quota/group/status, enabled abilities) cached in memory or Redis.

Control-plane code calls the ``invalidate_*`` functions after every change so that this process sees it at
once and other processes within SYNC_FREQUENCY seconds (or at once through Redis when configured).
The relay owns the implementation; these names are the contract.
"""
from __future__ import annotations


def invalidate_token(key: str) -> None:
    """A token row changed or was deleted (``key`` is the bare 48-char key)."""


def invalidate_user(user_id: int) -> None:
    """A user's status, role, group or quota changed."""


def invalidate_channels() -> None:
    """Channels or abilities changed: rebuild the routing table."""
