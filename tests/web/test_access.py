"""Every page checks the role on the server; anonymous visitors are sent to sign in."""
from __future__ import annotations

import pytest

from tests.web.conftest import PageClient, make_user

USER_PAGES = ["/dashboard", "/token", "/token/new", "/log", "/report", "/topup", "/account"]
ADMIN_PAGES = ["/channel", "/channel/new", "/user", "/user/new", "/redemption"]
ROOT_PAGES = ["/setting"]


@pytest.mark.parametrize("path", USER_PAGES + ADMIN_PAGES + ROOT_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(web_app, path):
    response = web_app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_common_user_reaches_own_pages_but_not_admin_pages(common):
    for path in USER_PAGES:
        assert common.get(path).status_code == 200, path
    for path in ADMIN_PAGES + ROOT_PAGES:
        response = common.get(path)
        assert response.status_code == 403, path
        assert "permission" in response.get_data(as_text=True)
    nav = common.get("/dashboard").get_data(as_text=True)
    assert 'href="/channel"' not in nav and 'href="/setting"' not in nav


def test_common_user_cannot_act_on_admin_endpoints(common, web_app):
    from oneapi.models import Channel, User
    assert common.post("/channel/delete-disabled").status_code == 403
    bob = make_user(web_app, "bob")
    assert common.post(f"/user/{bob.id}/manage", {"action": "disable"}).status_code == 403
    assert common.post("/setting/system", {"SystemName": "pwned"}).status_code == 403
    with web_app.app_context():
        assert User.get_by_id(bob.id).status == 1
        assert Channel.select().count() == 0
    assert "pwned" not in common.get("/pricing").get_data(as_text=True)


def test_admin_reaches_admin_pages_but_not_root_settings(web_app):
    make_user(web_app, "admin1", role=10)
    admin = PageClient(web_app)
    admin.login("admin1", "password123")
    for path in ADMIN_PAGES:
        assert admin.get(path).status_code == 200, path
    assert admin.get("/setting").status_code == 403


def test_root_reaches_every_page(root):
    for path in USER_PAGES + ADMIN_PAGES + ROOT_PAGES + ["/pricing"]:
        assert root.get(path).status_code == 200, path


def test_disabled_user_loses_access_at_once(common, web_app):
    from oneapi.models import User
    with web_app.app_context():
        User.update(status=2).where(User.username == "alice").execute()
    response = common.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_pricing_is_public_and_unknown_pages_are_404(web_app):
    client = web_app.test_client()
    assert client.get("/pricing").status_code == 200
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_default_password_hint_only_while_root_uses_it(root):
    assert "default password" in root.get("/dashboard").get_data(as_text=True)
    response = root.post("/account", {"display_name": "Root", "password": "a-better-pass", "password2": "a-better-pass"})
    assert response.status_code == 302
    assert "default password" not in root.get("/dashboard").get_data(as_text=True)


def test_visitors_see_only_public_pages_in_the_menu(web_app):
    page = web_app.test_client().get("/pricing").get_data(as_text=True)
    assert 'href="/pricing"' in page and 'href="/dashboard"' not in page and 'href="/login"' in page


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_redirects_stay_on_this_site(web_app, target):
    client = PageClient(web_app)
    response = client.client.post(f"/login?next={target}", data={"username": "root", "password": "123456",
                                                                 "csrf_token": client.csrf()})
    assert response.headers["Location"] == "/dashboard"
    assert web_app.test_client().get(f"/lang/zh?next={target}").headers["Location"] == "/dashboard"
