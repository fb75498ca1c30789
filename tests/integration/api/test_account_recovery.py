"""E-mail verification on sign-up, password reset by e-mail, e-mail binding, and the OAuth entry points."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from tests.integration.api.conftest import call, failure, ok_data


@pytest.fixture
def outbox(monkeypatch):
    from oneapi.services import mailer
    sent = []
    monkeypatch.setattr(mailer, "send", lambda subject, to, html: sent.append((subject, to, html)))
    return sent


def test_sign_up_with_email_verification(sqlite_client, outbox):
    c = sqlite_client
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "EmailVerificationEnabled", "value": "true"})
    assert failure(c, "GET", "/api/verification?email=alice@example.com") == "邮箱地址已被占用"
    assert failure(c, "GET", "/api/verification?email=not-an-address") == "无效的参数"
    ok_data(c, "GET", "/api/verification?email=carol@example.com")
    subject, to, html = outbox[-1]
    assert to == "carol@example.com" and subject == "One API邮箱验证邮件"
    code = re.search(r"<strong>(\w+)</strong>", html).group(1)
    form = {"username": "carol", "password": "CarolPass123", "email": "carol@example.com"}
    assert failure(c, "POST", "/api/user/register", json=form) == "管理员开启了邮箱验证，请输入邮箱地址和验证码"
    assert failure(c, "POST", "/api/user/register", json={**form, "verification_code": "nope"}) == "验证码错误或已过期"
    ok_data(c, "POST", "/api/user/register", json={**form, "verification_code": code})
    me = ok_data(c, "POST", "/api/user/login", json={"username": "carol", "password": "CarolPass123"})
    assert ok_data(c, "GET", "/api/user/self")["email"] == "carol@example.com" and me["id"] == 5
    # the code is used up
    assert failure(c, "POST", "/api/user/register",
                   json={**form, "username": "carol2", "verification_code": code}) == "验证码错误或已过期"


def test_domain_whitelist(sqlite_client, outbox):
    c = sqlite_client
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "EmailDomainWhitelist", "value": "example.org"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "EmailDomainRestrictionEnabled", "value": "true"})
    assert "白名单" in failure(c, "GET", "/api/verification?email=x@gmail.com")
    ok_data(c, "GET", "/api/verification?email=x@example.org")
    assert len(outbox) == 1


def test_password_reset_by_email(sqlite_client, outbox):
    c = sqlite_client
    assert failure(c, "GET", "/api/reset_password?email=nobody@example.com") == "该邮箱地址未注册"
    ok_data(c, "GET", "/api/reset_password?email=alice@example.com")
    link = re.search(r"href='([^']+)'", outbox[-1][2]).group(1)
    query = parse_qs(urlparse(link).query)
    assert urlparse(link).path == "/user/reset" and query["email"] == ["alice@example.com"]
    assert failure(c, "POST", "/api/user/reset", json={"email": "alice@example.com", "token": "bad"}) \
        == "重置链接非法或已过期"
    password = ok_data(c, "POST", "/api/user/reset", json={"email": "alice@example.com", "token": query["token"][0]})
    assert len(password) == 12
    assert ok_data(c, "POST", "/api/user/login", json={"username": "alice", "password": password})["id"] == 3
    assert failure(c, "POST", "/api/user/reset", json={"email": "alice@example.com", "token": query["token"][0]})
    assert failure(c, "POST", "/api/user/reset", json={"email": 1})


def test_bind_email(sqlite_client, outbox):
    c = sqlite_client
    ok_data(c, "GET", "/api/verification?email=bob@example.net")
    code = re.search(r"<strong>(\w+)</strong>", outbox[-1][2]).group(1)
    assert failure(c, "GET", "/api/oauth/email/bind?email=bob@example.net&code=zzz", "bob") == "验证码错误或已过期"
    ok_data(c, "GET", f"/api/oauth/email/bind?email=bob@example.net&code={code}", "bob")
    assert ok_data(c, "GET", "/api/user/self", "bob")["email"] == "bob@example.net"


def test_unconfigured_smtp_and_oauth(sqlite_client):
    c = sqlite_client
    assert failure(c, "GET", "/api/verification?email=new@example.com") == "SMTP 服务器未配置"
    status, body = call(c, "GET", "/api/oauth/github?code=x")
    assert status == 403 and body == {"success": False, "message": "state is empty or not same"}
    state = ok_data(c, "GET", "/api/oauth/state")
    assert failure(c, "GET", f"/api/oauth/github?code=x&state={state}") == "管理员未开启通过 GitHub 登录以及注册"
    assert failure(c, "GET", "/api/oauth/wechat?code=x") == "管理员未开启通过微信登录以及注册"
    assert call(c, "GET", "/api/oauth/unknown")[0] == 404
    assert failure(c, "GET", f"/api/oauth/oidc?code=x&state={state}") == "管理员未开启通过 OIDC 登录以及注册"
    assert failure(c, "GET", f"/api/oauth/lark?code=x&state={state}") == "管理员未开启通过飞书登录以及注册"
    assert len(ok_data(c, "GET", "/api/oauth/state")) == 12


def test_turnstile_guards_sign_up_once_per_session(sqlite_client):
    import responses
    c = sqlite_client
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "TurnstileSiteKey", "value": "site"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "TurnstileSecretKey", "value": "secret"})
    ok_data(c, "PUT", "/api/option/", "root", json={"key": "TurnstileCheckEnabled", "value": "true"})
    form = {"username": "tina", "password": "TinaPass123"}
    assert failure(c, "POST", "/api/user/register", json=form) == "Turnstile token 为空"
    url = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
    with responses.RequestsMock() as cf:
        cf.post(url, json={"success": False})
        assert failure(c, "POST", "/api/user/register?turnstile=bad", json=form) == "Turnstile 校验失败，请刷新重试！"
    with responses.RequestsMock() as cf:
        cf.post(url, json={"success": True})
        ok_data(c, "POST", "/api/user/register?turnstile=good", json=form)
        assert "secret=secret" in cf.calls[0].request.body and "response=good" in cf.calls[0].request.body
    with responses.RequestsMock():  # the session remembers the passed check: no second call to Cloudflare
        ok_data(c, "POST", "/api/user/register", json={**form, "username": "tina2"})


def _github(mock, login, name="", email=""):
    mock.post("https://github.com/login/oauth/access_token", json={"access_token": "gho_x", "token_type": "bearer"})
    mock.get("https://api.github.com/user", json={"login": login, "name": name, "email": email})


def test_github_sign_in_sign_up_and_bind(sqlite_client):
    import responses
    c = sqlite_client
    for key, value in (("GitHubClientId", "cid"), ("GitHubClientSecret", "csecret"), ("GitHubOAuthEnabled", "true")):
        ok_data(c, "PUT", "/api/option/", "root", json={"key": key, "value": value})
    state = ok_data(c, "GET", "/api/oauth/state")
    with responses.RequestsMock() as gh:
        _github(gh, "alice-gh")
        assert ok_data(c, "GET", f"/api/oauth/github?code=abc&state={state}")["username"] == "alice"
        sent = gh.calls[0].request.body
        assert b'"code": "abc"' in sent and b'"client_secret": "csecret"' in sent
        assert gh.calls[1].request.headers["Authorization"] == "Bearer gho_x"
    assert ok_data(c, "GET", "/api/user/self")["id"] == 3
    # a signed-in user binds instead; a login already bound is refused
    with responses.RequestsMock() as gh:
        _github(gh, "alice-gh")
        assert failure(c, "GET", f"/api/oauth/github?code=abc&state={state}") == "该 GitHub 账户已被绑定"
    ok_data(c, "GET", "/api/user/logout")
    state = ok_data(c, "GET", "/api/oauth/state")
    with responses.RequestsMock() as gh:
        _github(gh, "newbie", "New Bie", "newbie@example.com")
        me = ok_data(c, "GET", f"/api/oauth/github?code=def&state={state}")
    assert (me["id"], me["username"], me["display_name"]) == (5, "github_5", "New Bie")
    assert [t["name"] for t in ok_data(c, "GET", "/api/token/")] == ["default"]
    assert failure(c, "POST", "/api/user/login", json={"username": "github_5", "password": "anything1"})
    ok_data(c, "POST", "/api/user/login", json={"username": "bob", "password": "BobPass12345"})
    state = ok_data(c, "GET", "/api/oauth/state")
    with responses.RequestsMock() as gh:
        _github(gh, "bob-gh")
        status, body = call(c, "GET", f"/api/oauth/github?code=ghi&state={state}")
    assert body == {"success": True, "message": "bind"}
    assert ok_data(c, "GET", "/api/user/self")["github_id"] == "bob-gh"
    ok_data(c, "GET", "/api/user/logout")
    ok_data(c, "POST", "/api/user/manage", "admin", json={"username": "bob", "action": "disable"})
    state = ok_data(c, "GET", "/api/oauth/state")
    with responses.RequestsMock() as gh:
        _github(gh, "bob-gh")
        assert failure(c, "GET", f"/api/oauth/github?code=jkl&state={state}") == "用户已被封禁"


def test_wechat_sign_in_and_bind(sqlite_client):
    import responses
    c = sqlite_client
    for key, value in (("WeChatServerAddress", "https://wechat.example"), ("WeChatServerToken", "wtoken"),
                       ("WeChatAuthEnabled", "true")):
        ok_data(c, "PUT", "/api/option/", "root", json={"key": key, "value": value})
    url = "https://wechat.example/api/wechat/user"
    with responses.RequestsMock() as wx:
        wx.get(url, json={"success": True, "message": "", "data": "openid-1"})
        me = ok_data(c, "GET", "/api/oauth/wechat?code=123456")
        assert wx.calls[0].request.headers["Authorization"] == "wtoken" and "code=123456" in wx.calls[0].request.url
    assert (me["username"], me["display_name"]) == ("wechat_5", "WeChat User")
    ok_data(c, "GET", "/api/user/logout")
    with responses.RequestsMock() as wx:
        wx.get(url, json={"success": True, "message": "", "data": "openid-1"})
        assert ok_data(c, "GET", "/api/oauth/wechat?code=654321")["id"] == 5  # the same account again
    ok_data(c, "GET", "/api/user/logout")
    with responses.RequestsMock() as wx:
        wx.get(url, json={"success": False, "message": "验证码错误"})
        assert failure(c, "GET", "/api/oauth/wechat?code=000000") == "验证码错误"
    with responses.RequestsMock() as wx:
        wx.get(url, json={"success": True, "message": "", "data": "openid-1"})
        assert failure(c, "GET", "/api/oauth/wechat/bind?code=1", "alice") == "该微信账号已被绑定"
    with responses.RequestsMock() as wx:
        wx.get(url, json={"success": True, "message": "", "data": "openid-alice"})
        ok_data(c, "GET", "/api/oauth/wechat/bind?code=2", "alice")
    assert ok_data(c, "GET", "/api/user/self", "alice")["wechat_id"] == "openid-alice"


def test_oidc_and_lark_sign_in(sqlite_client):
    import responses
    c = sqlite_client
    for key, value in (("OidcClientId", "oid"), ("OidcClientSecret", "osecret"),
                       ("ServerAddress", "https://gw.example"),
                       ("OidcTokenEndpoint", "https://idp.example/token"),
                       ("OidcUserinfoEndpoint", "https://idp.example/userinfo"), ("OidcEnabled", "true"),
                       ("LarkClientId", "lid"), ("LarkClientSecret", "lsecret")):
        ok_data(c, "PUT", "/api/option/", "root", json={"key": key, "value": value})
    state = ok_data(c, "GET", "/api/oauth/state")
    with responses.RequestsMock() as idp:
        idp.post("https://idp.example/token", json={"access_token": "at1", "token_type": "Bearer"})
        idp.get("https://idp.example/userinfo", json={"sub": "s-1", "email": "olga@example.com", "name": "Olga",
                                                      "preferred_username": "olga"})
        me = ok_data(c, "GET", f"/api/oauth/oidc?code=c1&state={state}")
        form = idp.calls[0].request.body
        assert "grant_type=authorization_code" in form
        assert "redirect_uri=https%3A%2F%2Fgw.example%2Foauth%2Foidc" in form
        assert idp.calls[1].request.headers["Authorization"] == "Bearer at1"
    assert (me["username"], me["display_name"]) == ("olga", "Olga")
    assert ok_data(c, "GET", "/api/user/self")["email"] == "olga@example.com"
    ok_data(c, "GET", "/api/user/logout")
    state = ok_data(c, "GET", "/api/oauth/state")
    with responses.RequestsMock() as lark:
        lark.post("https://passport.feishu.cn/suite/passport/oauth/token", json={"access_token": "lt"})
        lark.get("https://passport.feishu.cn/suite/passport/oauth/userinfo", json={"open_id": "ou_1", "name": ""})
        me = ok_data(c, "GET", f"/api/oauth/lark?code=c2&state={state}")
        assert lark.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert (me["username"], me["display_name"]) == ("lark_6", "Lark User")
    with responses.RequestsMock() as lark:  # signed in: binding the same Lark account again is refused
        lark.post("https://passport.feishu.cn/suite/passport/oauth/token", json={"access_token": "lt"})
        lark.get("https://passport.feishu.cn/suite/passport/oauth/userinfo", json={"open_id": "ou_1"})
        assert failure(c, "GET", f"/api/oauth/lark?code=c3&state={state}") == "该飞书账户已被绑定"
