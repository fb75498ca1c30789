"""/api/token/...: a user's own API keys (never anyone else's)."""
from __future__ import annotations

from flask import g, request

from oneapi.api import bp
from oneapi.api._helpers import flag, json_body, ok, page_args, service_errors
from oneapi.auth import user_required
from oneapi.services import tokens
from oneapi.services.tokens import token_to_dict


@bp.get("/token/")
@user_required
def list_tokens():
    offset, limit = page_args()
    rows, total = tokens.list_tokens(g.user.id, offset, limit, request.args.get("order", ""))
    return ok([token_to_dict(t) for t in rows], total=total)


@bp.get("/token/search")
@user_required
def search_tokens():
    return ok([token_to_dict(t) for t in tokens.search_tokens(g.user.id, request.args.get("keyword", ""))])


@bp.get("/token/<token_id>")
@user_required
@service_errors
def get_token(token_id):
    return ok(token_to_dict(tokens.get_token(g.user.id, token_id)))


@bp.post("/token/")
@user_required
@service_errors
def create_token():
    return ok(token_to_dict(tokens.create_token(g.user.id, json_body())))


@bp.put("/token/")
@user_required
@service_errors
def update_token():
    token = tokens.update_token(g.user.id, json_body(), status_only=flag("status_only"))
    return ok(token_to_dict(token))


@bp.delete("/token/<token_id>")
@user_required
@service_errors
def delete_token(token_id):
    tokens.delete_token(g.user.id, token_id)
    return ok()
