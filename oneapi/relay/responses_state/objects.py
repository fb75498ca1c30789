"""GET / DELETE /v1/responses/{id}, POST .../cancel and GET .../input_items for responses in the store.

Ids the store does not know are left to the caller (passed through to an OpenAI channel); an id that
belongs to another user is answered 404 exactly as an unknown one, without leaving the gateway.
"""
from __future__ import annotations

import orjson
from flask import Response, request

from oneapi.relay.errors import RelayError, error_response
from oneapi.relay.responses_state import background, store

_CANCELLABLE = ("queued", "in_progress")


def _json(body: dict, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def not_found(response_id: str) -> Response:
    return error_response(RelayError(404, f"Response with id '{response_id}' not found.", "invalid_request_error",
                                     None))


def answer(caller, response_id: str) -> Response | None:
    """The answer for a stored response, or None when the store does not know ``response_id``."""
    row = store.find(response_id)
    if row is None:
        return None
    if row.user_id != caller.user.id or store.is_expired(row):
        return not_found(response_id)
    if request.path.endswith("/input_items"):
        return _input_items(row)
    if request.path.endswith("/cancel"):
        return _cancel(row)
    if request.method == "DELETE":
        background.cancel(row.response_id)
        store.delete(row)
        return _json({"id": response_id, "object": "response", "deleted": True})
    return _json(store.response_of(row))


def _cancel(row) -> Response:
    response = store.response_of(row)
    if not row.background:
        return error_response(RelayError(400, "Only responses created with background=true can be cancelled.",
                                         "invalid_request_error", None))
    if row.status in _CANCELLABLE:
        background.cancel(row.response_id)
        response.update(status="cancelled", output=[], usage=None)
        store.update(row, status="cancelled", response=response)
    return _json(response)


def _input_items(row) -> Response:
    items = store.input_of(row)
    if request.args.get("order", "desc") != "asc":
        items.reverse()
    after = request.args.get("after")
    if after:
        ids = [item.get("id") for item in items]
        items = items[ids.index(after) + 1:] if after in ids else []
    try:
        limit = min(100, max(1, int(request.args.get("limit", 20))))
    except ValueError:
        limit = 20
    page = items[:limit]
    return _json({"object": "list", "data": page, "first_id": page[0].get("id") if page else None,
                  "last_id": page[-1].get("id") if page else None, "has_more": len(items) > limit})
