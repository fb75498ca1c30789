"""State-changing page requests need this session's CSRF token."""
from __future__ import annotations

from tests.web.conftest import PageClient


def test_post_without_token_is_refused_and_changes_nothing(root, web_app):
    from oneapi.models import Token
    response = root.post("/token/new", {"name": "no-csrf", "unlimited": "1"}, token=False)
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    with web_app.app_context():
        assert not Token.select().where(Token.name == "no-csrf").exists()


def test_token_of_another_session_is_refused(root, web_app):
    other = PageClient(web_app)
    foreign = other.csrf()
    response = root.client.post("/token/new", data={"name": "x", "unlimited": "1", "csrf_token": foreign})
    assert response.status_code == 400


def test_login_form_needs_the_token_too(web_app):
    response = web_app.test_client().post("/login", data={"username": "root", "password": "123456"})
    assert response.status_code == 400


def test_sign_out_is_a_protected_post(root):
    assert root.get("/logout").status_code == 405
    assert root.post("/logout", token=False).status_code == 400
    assert root.get("/dashboard").status_code == 200
    assert root.post("/logout").status_code == 302
    assert root.get("/dashboard").status_code == 302


def test_the_token_changes_at_sign_in(web_app):
    client = PageClient(web_app)
    before = client.csrf()
    client.login("root", "123456")
    assert client.csrf("/dashboard") != before
