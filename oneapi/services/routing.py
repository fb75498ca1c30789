"""Channel choice for a relay request: abilities by (group, model), enabled and not suspended.

The highest priority tier that still has an eligible channel wins; within it a channel is drawn at random
weighted by ``channels.weight`` (uniformly when all weights are 0). Channels that already failed in this
request are excluded, so retries walk down to other channels and lower tiers.

With MEMORY_CACHE_ENABLED or Redis the routing table is kept in memory and rebuilt every SYNC_FREQUENCY
seconds or at once after ``cache.invalidate_channels()``; otherwise every pick reads the abilities table.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from oneapi import config
from oneapi.models import Ability, Channel
from oneapi.models.constants import CHANNEL_ENABLED
from oneapi.services import cache, channel_health


@dataclass(frozen=True)
class Candidate:
    channel_id: int
    priority: int
    weight: int


class _Table:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Candidate]] = {}
        self.channels: dict[int, Channel] = {}
        self.built_at = 0.0
        self.generation: tuple | None = None


_table = _Table()
_build_lock = threading.Lock()


def _build() -> _Table:
    table = _Table()
    channels = {c.id: c for c in Channel.select().where(Channel.status == CHANNEL_ENABLED)}
    for ab in Ability.select().where(Ability.enabled == True):  # noqa: E712 - peewee expression
        ch = channels.get(ab.channel_id)
        if ch is None:
            continue
        table.routes.setdefault((ab.group, ab.model), []).append(
            Candidate(ch.id, int(ab.priority or 0), int(ch.weight or 0)))
    table.channels = channels
    table.built_at = time.monotonic()
    return table


def _current_table() -> _Table:
    global _table
    generation = cache.channels_generation()
    stale = time.monotonic() - _table.built_at > max(1, config.settings.sync_frequency or 600)
    if stale or _table.generation != generation:
        with _build_lock:
            still_stale = time.monotonic() - _table.built_at > max(1, config.settings.sync_frequency or 600)
            if still_stale or _table.generation != generation:
                fresh = _build()
                fresh.generation = generation
                _table = fresh
    return _table


def reset() -> None:
    global _table
    _table = _Table()


def _candidate_channels(group: str, model: str) -> list[tuple[Candidate, Channel]]:
    """Enabled abilities of (group, model) with their enabled channels, in one lookup."""
    if config.settings.cache_enabled:
        table = _current_table()
        return [(c, table.channels[c.channel_id]) for c in table.routes.get((group, model), [])
                if c.channel_id in table.channels]
    rows = (Channel.select(Channel, Ability.priority.alias("ability_priority"))
            .join(Ability, on=(Ability.channel_id == Channel.id))
            .where((Ability.group == group) & (Ability.model == model) & (Ability.enabled == True)  # noqa: E712
                   & (Channel.status == CHANNEL_ENABLED))
            .objects())
    return [(Candidate(ch.id, int(ch.ability_priority or 0), int(ch.weight or 0)), ch) for ch in rows]


def candidates(group: str, model: str) -> list[Candidate]:
    """Enabled abilities of (group, model) whose channel is enabled (suspension not applied)."""
    return [c for c, _ in _candidate_channels(group, model)]


def get_channel(channel_id: int) -> Channel | None:
    if config.settings.cache_enabled:
        ch = _current_table().channels.get(channel_id)
        if ch is not None:
            return ch
    return Channel.get_or_none(Channel.id == channel_id)


def _weighted_choice(tier: list[tuple[Candidate, Channel]]) -> tuple[Candidate, Channel]:
    weights = [max(0, c.weight) for c, _ in tier]
    if sum(weights) <= 0:
        return random.choice(tier)
    return random.choices(tier, weights=weights, k=1)[0]


def pick(group: str, model: str, exclude: set[int] | frozenset = frozenset(), token_key: str = "") -> Channel | None:
    """A channel for (group, model) or None when nothing is eligible."""
    eligible = [(c, ch) for c, ch in _candidate_channels(group, model)
                if c.channel_id not in exclude and not channel_health.is_suspended(group, model, c.channel_id)]
    while eligible:
        top = max(c.priority for c, _ in eligible)
        chosen, channel = _weighted_choice([item for item in eligible if item[0].priority == top])
        if channel_rate_ok(channel, token_key):
            return channel
        eligible = [item for item in eligible if item[0].channel_id != chosen.channel_id]
    return None


def models_for_group(group: str) -> list[str]:
    """Models with at least one enabled ability (and enabled channel) in ``group``, sorted."""
    if config.settings.cache_enabled:
        return sorted({m for (g, m) in _current_table().routes if g == group})
    rows = (Ability.select(Ability.model).distinct()
            .join(Channel, on=(Ability.channel_id == Channel.id))
            .where((Ability.group == group) & (Ability.enabled == True)  # noqa: E712
                   & (Channel.status == CHANNEL_ENABLED)))
    return sorted({r.model for r in rows})


# ---- per-channel rate limit (GLOBAL_CHANNEL_RATE_LIMIT with channels.ratelimit, per key per 180 s)

def channel_rate_ok(channel: Channel, token_key: str) -> bool:
    from oneapi.ops import ratelimit
    return ratelimit.channel_wait(token_key, channel.id, int(getattr(channel, "ratelimit", 0) or 0)) is None
