"""A small dictionary-based i18n: English strings are the keys, Chinese comes from ``i18n_zh.ZH``.

The language is the ``lang`` cookie when set (the switch in the header), else the browser's preference.
"""
from __future__ import annotations

from flask import g, request

from oneapi.web.i18n_zh import ZH

LANGUAGES = {"en": "English", "zh": "中文"}
COOKIE = "lang"
_TABLES = {"zh": ZH}


def current_language() -> str:
    lang = getattr(g, "lang", None)
    if lang:
        return lang
    lang = request.cookies.get(COOKIE, "")
    if lang not in LANGUAGES:
        lang = request.accept_languages.best_match(["en", "zh", "zh-CN", "zh-TW"], default="en") or "en"
        lang = "zh" if lang.startswith("zh") else "en"
    g.lang = lang
    return lang


def translate(text: str, **values) -> str:
    """``text`` in the current language, with ``{name}`` placeholders filled from ``values``."""
    table = _TABLES.get(current_language())
    out = table.get(text, text) if table else text
    return out.format(**values) if values else out
