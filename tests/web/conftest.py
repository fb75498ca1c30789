"""Page tests with Flask's test client on a throw-away SQLite database (the pages are dialect-neutral; the
services they call are tested on every dialect by their own tests)."""
from __future__ import annotations

import re

import pytest

from tests.support import dbs
from tests.support.app import make_app

CSRF_RE = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


@pytest.fixture
def web_app(tmp_path):
    tdb = dbs.create("sqlite", tmp_path)
    return make_app(tdb)


class PageClient:
    """A test client that signs in through the form and sends the CSRF token like a browser."""

    def __init__(self, app):
        self.client = app.test_client()

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, username: str, password: str):
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.csrf()})

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, *, token: bool = True, **kw):
        data = dict(data or {})
        if token:
            data["csrf_token"] = self.csrf("/pricing")
        return self.client.post(path, data=data, **kw)


@pytest.fixture
def root(web_app) -> PageClient:
    client = PageClient(web_app)
    assert client.login("root", "123456").status_code == 302
    return client


def make_user(web_app, username: str, password: str = "password123", role: int = 1):
    from oneapi.models import User
    from oneapi.services import users
    with web_app.app_context():
        user = users.create_user(username, password)
        if role != 1:
            User.update(role=role).where(User.id == user.id).execute()
        return User.get_by_id(user.id)


@pytest.fixture
def common(web_app) -> PageClient:
    make_user(web_app, "alice")
    client = PageClient(web_app)
    assert client.login("alice", "password123").status_code == 302
    return client
