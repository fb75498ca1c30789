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


# The services answer in the original's Chinese; English pages show these instead (others pass through).
_SERVICE_EN = {
    "用户名或密码错误，或用户已被封禁": "Wrong username or password, or the account is disabled.",
    "管理员关闭了密码登录": "Signing in with a password is turned off.",
    "管理员关闭了新用户注册": "New registrations are closed.",
    "用户名已存在": "This username is taken.",
    "用户不存在": "No such user.",
    "兑换失败，无效的兑换码": "This redemption code is not valid.",
    "兑换失败，该兑换码已被使用": "This redemption code has already been used.",
    "令牌名称过长": "The token name is too long.",
    "令牌不存在": "No such token.",
    "渠道不存在": "No such channel.",
    "渠道密钥不能为空": "The channel key is required.",
    "无效的渠道类型": "Unknown channel type.",
    "无权更新同权限等级或更高权限等级的用户信息": "You cannot change a user whose role is equal to or above yours.",
    "无权获取同级或更高等级用户的信息": "You cannot view a user whose role is equal to or above yours.",
    "无权将其他用户权限等级提升到大于等于自己的权限等级": "You cannot give a role equal to or above your own.",
    "无权删除同权限等级或更高权限等级的用户": "You cannot delete a user whose role is equal to or above yours.",
    "无法创建权限大于等于自己的用户": "You cannot create a user with a role equal to or above yours.",
    "无法禁用超级管理员用户": "The root user cannot be disabled.",
    "无法删除超级管理员用户": "The root user cannot be deleted.",
    "无法降级超级管理员用户": "The root user cannot be demoted.",
    "普通管理员用户无法提升其他用户为管理员": "Only root can promote users to admin.",
    "该用户已经是管理员": "This user is already an admin.",
    "该用户已经是普通用户": "This user is already a common user.",
    "不能删除超级管理员账户": "The root account cannot be deleted.",
    "令牌已过期，无法启用，请先修改令牌过期时间，或者设置为永不过期":
        "The token has expired: change its expiry time (or make it never expire) before enabling it.",
    "令牌可用额度已用尽，无法启用，请先修改令牌剩余额度，或者设置为无限额度":
        "The token's quota is used up: raise it (or make it unlimited) before enabling it.",
    "兑换码名称长度必须在1-20之间": "The name must have 1 to 20 characters.",
    "兑换码个数必须大于0": "Create at least one code.",
    "一次兑换码批量生成的个数不能大于 100": "Create at most 100 codes at a time.",
    "兑换码不存在": "No such redemption code.",
}
_SERVICE_EN_PREFIXES = {"无效的网段：": "Invalid subnet: ", "无效的参数": "Invalid value"}


def service_message(message: str) -> str:
    """A service's error message in the page's language."""
    if current_language() != "en" or not message:
        return message
    if message in _SERVICE_EN:
        return _SERVICE_EN[message]
    for prefix, english in _SERVICE_EN_PREFIXES.items():
        if message.startswith(prefix):
            return english + message[len(prefix):]
    return message
