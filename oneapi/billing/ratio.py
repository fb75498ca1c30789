"""Which price applies to a request: model ratio, completion ratio, cache prices, group ratio.

Precedence, highest first:

1. the channel's ``model_configs[model]`` (the fork's per-channel pricing); a field left out
   or 0 falls through to the next layers, as in the fork;
2. the channel's legacy ``model_ratio`` / ``completion_ratio`` JSON maps, only when
   ``model_configs`` has no entry for the model;
3. the ``ModelRatio`` / ``CompletionRatio`` options (the operator's runtime overrides).
   We deliberately follow the *original* here: the maintained fork ignores these options,
   but a deployment migrating from the original relies on them, so they keep working;
4. the bundled table (:mod:`.prices`);
5. the original's fallback: ratio 30 for an unknown model, name rules for the completion
   ratio.

Layers 3-5 use the original's lookup order: ``"<model>(<channel type>)"`` in the option, then
in the defaults, then ``"<model>"`` in the option, then in the defaults.

Cache prices (cached-read, cache-write 5m/1h) come from the channel entry when it sets them;
otherwise from the bundled list price, but only when the input price being billed equals the
list price they were quoted against (an operator who overrides the ratio gets no stale
discount; cached tokens then bill at the input price, as in the original).

The group ratio follows the original too: the ``GroupRatio`` option looked up by the *user's*
group, unknown group -> 1 (the fork uses the cheapest group of the channel instead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Callable, Mapping, Optional, Union

from . import legacy_table
from .prices import CURRENT_PRICES, AudioPrice, ImagePrice, bundled_price

DEFAULT_GROUP_RATIO_JSON = '{"default":1,"vip":1,"svip":1}'
UNKNOWN_MODEL_RATIO = legacy_table.LEGACY_UNKNOWN_MODEL_RATIO

_EMPTY: Mapping[str, Any] = MappingProxyType({})

JsonText = Union[str, bytes, None]
JsonMapping = Union[Mapping[str, Any], JsonText]


@dataclass(frozen=True)
class Pricing:
    """The resolved price of one model on one channel (group ratio not applied)."""

    model: str
    ratio: float
    completion_ratio: float
    cached_input_ratio: float = 0.0
    cache_write_5m_ratio: float = 0.0
    cache_write_1h_ratio: float = 0.0
    image: Optional[ImagePrice] = None
    audio: Optional[AudioPrice] = None
    ratio_source: str = "bundled"  # channel | channel_legacy | option | bundled | fallback
    completion_source: str = "bundled"  # same, plus "rule"

    @property
    def known(self) -> bool:
        """False when the model fell back to the unknown-model ratio (the original logs an error)."""
        return self.ratio_source != "fallback"


# ---------------------------------------------------------------- JSON parsing (cached per text)

def _to_float(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _freeze_ratios(data: Any) -> Mapping[str, float]:
    if not isinstance(data, dict):
        return _EMPTY
    return MappingProxyType({str(k): f for k, v in data.items() if (f := _to_float(v)) is not None})


def _freeze_configs(data: Any) -> Mapping[str, Mapping[str, Any]]:
    if not isinstance(data, dict):
        return _EMPTY
    return MappingProxyType({str(k): MappingProxyType(dict(v)) for k, v in data.items() if isinstance(v, dict)})


@lru_cache(maxsize=256)
def _parse_text(text: str, freeze: Callable[[Any], Mapping]) -> Mapping:
    try:
        data = json.loads(text)
    except ValueError:
        return _EMPTY
    return freeze(data)


def _parse_json_value(value: JsonMapping, freeze: Callable[[Any], Mapping]) -> Mapping:
    """JSON text (bytes or str; empty, NULL or invalid gives an empty mapping) or an already-decoded dict."""
    if value is None:
        return _EMPTY
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return _parse_text(value, freeze) if value.strip() else _EMPTY
    return freeze(value)


def parse_ratio_map(value: JsonMapping) -> Mapping[str, float]:
    """A ``{"name": number}`` JSON text (option value or legacy channel column) as a mapping.

    Empty, NULL or invalid JSON gives an empty mapping; non-numeric entries are skipped.
    Parsing is cached per distinct text, so calling this per request is cheap.
    """
    return _parse_json_value(value, _freeze_ratios)


def parse_model_configs(value: JsonMapping) -> Mapping[str, Mapping[str, Any]]:
    """``channels.model_configs`` (JSON text, NULL, '' or an already-decoded dict)."""
    return _parse_json_value(value, _freeze_configs)


# ---------------------------------------------------------------- group ratio

def group_ratio(group: Optional[str], options: Optional[Mapping[str, str]] = None) -> float:
    """The ``GroupRatio`` option value for the user's group; unknown group -> 1 (as the original)."""
    text = (options or {}).get("GroupRatio")
    table = parse_ratio_map(text if text is not None else DEFAULT_GROUP_RATIO_JSON)
    return table.get(group or "", 1.0)


# ---------------------------------------------------------------- channel entry helpers

def _number_or_zero(entry: Mapping[str, Any], key: str) -> float:
    number = _to_float(entry.get(key))
    return number if number is not None else 0.0


def _image_from_config(block: Any) -> Optional[ImagePrice]:
    """The fork's ``image{price_per_image_usd, size/quality multipliers, defaults}`` block."""
    if not isinstance(block, dict):
        return None
    base = _to_float(block.get("price_per_image_usd")) or 0.0
    if base <= 0:
        return None
    table = {}
    for quality, by_size in (block.get("quality_size_multipliers") or {}).items():
        if isinstance(by_size, dict):
            table[quality] = {size: base * m for size, m in by_size.items() if _to_float(m) is not None}
    return ImagePrice(
        usd=MappingProxyType(table),
        base_usd=base,
        size_multipliers=MappingProxyType(dict(block.get("size_multipliers") or {})),
        quality_multipliers=MappingProxyType(dict(block.get("quality_multipliers") or {})),
        default_size=str(block.get("default_size") or "1024x1024"),
        default_quality=str(block.get("default_quality") or "default"),
    )


def _audio_from_config(block: Any) -> Optional[AudioPrice]:
    """The fork's ``audio{usd_per_second, ...}`` block (token-per-second fields are not used)."""
    if not isinstance(block, dict):
        return None
    per_second = _to_float(block.get("usd_per_second")) or 0.0
    per_million_chars = _to_float(block.get("usd_per_million_chars")) or 0.0
    if per_second <= 0 and per_million_chars <= 0:
        return None
    return AudioPrice(usd_per_second=per_second, usd_per_million_chars=per_million_chars)


# ---------------------------------------------------------------- resolution

def _option_then_default_ratio(name: str, channel_type: int, option_map: Mapping[str, float],
                               prefer_current: bool):
    keyed = f"{name}({channel_type})"
    if keyed in option_map:
        return option_map[keyed], "option", bundled_price(name, prefer_current)
    keyed_default = bundled_price(keyed, prefer_current)
    if keyed_default is not None:
        return keyed_default.ratio, "bundled", keyed_default
    if name in option_map:
        return option_map[name], "option", bundled_price(name, prefer_current)
    default = bundled_price(name, prefer_current)
    if default is not None:
        return default.ratio, "bundled", default
    return UNKNOWN_MODEL_RATIO, "fallback", None


def _option_then_default_completion(name: str, channel_type: int, option_map: Mapping[str, float],
                                    prefer_current: bool):
    keyed = f"{name}({channel_type})"
    if keyed in option_map:
        return option_map[keyed], "option"
    keyed_default = legacy_table.LEGACY_COMPLETION_RATIO.get(keyed)
    if keyed_default is not None:
        return keyed_default, "bundled"
    if name in option_map:
        return option_map[name], "option"
    default = bundled_price(name, prefer_current)
    if default is not None:
        return default.completion_ratio, "bundled"
    return legacy_table.legacy_completion_rule(name), "rule"


def resolve_pricing(
    model: str,
    channel_type: int = 0,
    model_configs: JsonMapping = None,
    options: Optional[Mapping[str, str]] = None,
    channel_model_ratio: JsonMapping = None,
    channel_completion_ratio: JsonMapping = None,
    prefer_current: bool = False,
) -> Pricing:
    """Resolve the price of ``model`` (the *mapped* name sent upstream) on a channel.

    ``model_configs``, ``channel_model_ratio`` and ``channel_completion_ratio`` are the raw
    channel columns (JSON text, NULL or '') or decoded dicts; ``options`` is the options table
    as ``{key: value}`` strings. ``prefer_current`` makes today's list prices win over the
    original's built-in numbers for models the original knew (see :mod:`.prices`).
    """
    options = options or {}
    entry = parse_model_configs(model_configs).get(model)
    no_channel_entry = entry is None

    ratio_name = legacy_table.normalize_for_ratio(model)
    ratio, ratio_source, default_price = _option_then_default_ratio(
        ratio_name, channel_type, parse_ratio_map(options.get("ModelRatio")), prefer_current)
    completion_name = legacy_table.normalize_for_completion(model)
    completion, completion_source = _option_then_default_completion(
        completion_name, channel_type, parse_ratio_map(options.get("CompletionRatio")), prefer_current)

    if no_channel_entry:
        channel_ratio = parse_ratio_map(channel_model_ratio).get(model)
        if channel_ratio is not None:
            ratio, ratio_source = channel_ratio, "channel_legacy"
        channel_completion = parse_ratio_map(channel_completion_ratio).get(model)
        if channel_completion is not None:
            completion, completion_source = channel_completion, "channel_legacy"
    else:
        if _number_or_zero(entry, "ratio"):
            ratio, ratio_source = _number_or_zero(entry, "ratio"), "channel"
        if _number_or_zero(entry, "completion_ratio"):
            completion, completion_source = _number_or_zero(entry, "completion_ratio"), "channel"

    cache = _list_price_cache(model, ratio, default_price)
    image = default_price.image if default_price is not None else None
    audio = default_price.audio if default_price is not None else None
    if entry is not None:
        cache = tuple(_number_or_zero(entry, key) or inherited for key, inherited in zip(
            ("cached_input_ratio", "cache_write_5m_ratio", "cache_write_1h_ratio"), cache))
        image = _image_from_config(entry.get("image")) or image
        audio = _audio_from_config(entry.get("audio")) or audio

    return Pricing(model=model, ratio=ratio, completion_ratio=completion,
                   cached_input_ratio=cache[0], cache_write_5m_ratio=cache[1], cache_write_1h_ratio=cache[2],
                   image=image, audio=audio, ratio_source=ratio_source, completion_source=completion_source)


def _list_price_cache(model: str, ratio: float, default_price) -> tuple:
    """Bundled cache prices, when the billed input price equals the list price behind them."""
    for candidate in (default_price, CURRENT_PRICES.get(model)):
        if candidate is not None and candidate.has_cache_prices() and abs(candidate.ratio - ratio) < 1e-12:
            return candidate.cached_input_ratio, candidate.cache_write_5m_ratio, candidate.cache_write_1h_ratio
    return 0.0, 0.0, 0.0
