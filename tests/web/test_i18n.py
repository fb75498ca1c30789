"""Every English text the pages translate has a Chinese entry (so the language switch never shows a mix)."""
from __future__ import annotations

import re

from tests.support.dbs import REPO

_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _texts() -> set[str]:
    texts = set()
    files = list((REPO / "templates").rglob("*.html")) + list((REPO / "oneapi" / "web").glob("*.py"))
    for path in files:
        for match in _CALL.finditer(path.read_text(encoding="utf-8")):
            texts.add(match.group(1) or match.group(2))
    # labels kept in tables and translated where they are shown
    from oneapi.web import channel_form, context, formatting, settings, users
    texts.update(label for _e, label, _r, _i in context.NAVIGATION)
    texts.update(label for _k, label, _h, _t in channel_form.CONFIG_FIELDS)
    texts.update(h for _k, _l, h, _t in channel_form.CONFIG_FIELDS if h)
    for title, fields in settings.SECTIONS.values():
        texts.add(title)
        texts.update(label for _k, _kind, label, _h in fields)
        texts.update(h for _k, _kind, _l, h in fields if h)
    for table in (formatting.USER_STATUS, formatting.TOKEN_STATUS, formatting.CHANNEL_STATUS,
                  formatting.REDEMPTION_STATUS, formatting.LOG_TYPES):
        texts.update(name for name, _colour in table.values())
    texts.update(formatting.ROLE_NAMES.values())
    texts.update(users.ACTIONS.values())
    return texts


def test_every_page_text_has_a_chinese_translation():
    from oneapi.web.i18n_zh import ZH
    texts = _texts()
    assert len(texts) > 250
    missing = sorted(t for t in texts if t not in ZH)
    assert not missing, f"missing Chinese for: {missing}"


def test_placeholders_survive_translation():
    from oneapi.web.i18n_zh import ZH
    for english, chinese in ZH.items():
        assert set(re.findall(r"{[^}]*}", english)) == set(re.findall(r"{[^}]*}", chinese)), english
