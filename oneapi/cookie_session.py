"""Flask's signed cookie session without its per-request cost for callers that send no session cookie.

Relay clients never do, yet Flask's interface builds a signing serializer and parses the Cookie header on every
request and runs its cookie settings on every response. Here a request without the cookie gets an empty
session at once, and an empty, unchanged session is saved by doing only what Flask would do for it (``Vary:
Cookie`` when it was read); everything else is Flask's own code.
"""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if app.secret_key and self.get_cookie_name(app) not in request.environ.get("HTTP_COOKIE", ""):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response) -> None:
        if not session and not session.modified:  # no cookie to set or delete
            if session.accessed:
                _vary_cookie(response)
            return
        super().save_session(app, session, response)


def _vary_cookie(response) -> None:
    """``response.vary.add("Cookie")``, without parsing a Vary header when there is none (most responses)."""
    if any(key.lower() == "vary" for key, _ in response.headers):
        response.vary.add("Cookie")
    else:
        response.headers.add("Vary", "Cookie")
