"""The table of stored Responses (``oneapi_responses``): save, look up by id for one user, walk a conversation
back through ``previous_response_id``, delete, and purge what has expired."""
from __future__ import annotations

import logging
import time

import orjson

from oneapi.models import StoredResponse

log = logging.getLogger(__name__)

RETENTION_SECONDS = 30 * 24 * 3600  # OpenAI keeps stored responses for 30 days
MAX_CHAIN = 1000  # turns replayed at most (a guard against a corrupted chain)
_PURGE_EVERY_SECONDS = 600
_last_purge = 0.0


def find(response_id: str) -> StoredResponse | None:
    if not response_id:
        return None
    return StoredResponse.get_or_none(StoredResponse.response_id == response_id)


def find_for_user(response_id: str, user_id: int) -> StoredResponse | None:
    row = find(response_id)
    if row is None or row.user_id != user_id or is_expired(row):
        return None
    return row


def is_expired(row: StoredResponse) -> bool:
    return bool(row.expires_at) and row.expires_at < int(time.time())


def save(*, response: dict, input_items: list, user_id: int, token_id: int, model: str,
         previous_response_id: str | None, background: bool = False) -> None:
    """Insert or replace the row of ``response['id']``."""
    now = int(time.time())
    fields = dict(user_id=user_id, token_id=token_id, model=model, created_time=response.get("created_at") or now,
                  status=response.get("status") or "completed", previous_response_id=previous_response_id or "",
                  background=background, input=orjson.dumps(input_items).decode(),
                  response=orjson.dumps(response).decode(), expires_at=now + RETENTION_SECONDS)
    updated = StoredResponse.update(**fields).where(StoredResponse.response_id == response["id"]).execute()
    if not updated:
        StoredResponse.create(response_id=response["id"], **fields)
    _purge_now_and_then(now)


def update(row: StoredResponse, **fields) -> None:
    if "response" in fields and isinstance(fields["response"], dict):
        fields["response"] = orjson.dumps(fields["response"]).decode()
    StoredResponse.update(**fields).where(StoredResponse.id == row.id).execute()


def delete(row: StoredResponse) -> None:
    StoredResponse.delete().where(StoredResponse.id == row.id).execute()


def response_of(row: StoredResponse) -> dict:
    return orjson.loads(row.response or "{}")


def input_of(row: StoredResponse) -> list:
    return orjson.loads(row.input or "[]")


def chain(response_id: str, user_id: int) -> list[StoredResponse] | None:
    """The stored turns ending with ``response_id``, oldest first; None when it is not this user's."""
    rows: list[StoredResponse] = []
    current = response_id
    while current and len(rows) < MAX_CHAIN:
        row = find_for_user(current, user_id)
        if row is None:
            if not rows:
                return None
            break  # an older turn was deleted or expired: replay what is left, as far back as it goes
        rows.append(row)
        current = row.previous_response_id
    rows.reverse()
    return rows


def _purge_now_and_then(now: int) -> None:
    global _last_purge
    if now - _last_purge < _PURGE_EVERY_SECONDS:
        return
    _last_purge = now
    try:
        StoredResponse.delete().where((StoredResponse.expires_at > 0) & (StoredResponse.expires_at < now)).execute()
    except Exception:  # housekeeping must never fail a request
        log.warning("purging expired stored responses failed", exc_info=True)
