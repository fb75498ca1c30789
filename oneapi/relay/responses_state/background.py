"""``background: true`` for Responses served by the gateway: answer at once with a ``queued`` Response, run
the request on its own (green) thread through the ordinary relay, and store the outcome under the same id.

The run is billed as a background request (``RelayRequest.background``): its reservation holds at least
PRECONSUME_TOKEN_FOR_BACKGROUND_REQUEST output tokens (``billing.ledger``), and a reservation the user cannot
afford ends the response as ``failed``.

Cancelling marks the row; a run that finishes afterwards leaves a cancelled row as it is. (The upstream
call is not interrupted: a thread cannot be killed safely, and the provider bills it either way.)
"""
from __future__ import annotations

import copy
import logging
import threading
import time

import orjson
from flask import Response, copy_current_request_context, g

from oneapi.relay.formats import CODECS, ir
from oneapi.relay.responses_state import store

log = logging.getLogger(__name__)

_running: dict[str, threading.Thread] = {}


def wanted(rr) -> bool:
    return rr.client_format == "responses" and bool((rr.json or {}).get("background"))


def _queued_envelope(rr, response_id: str) -> dict:
    codec = CODECS["responses"]
    req = codec.decode_request(rr.json or {})
    body = codec.encode_response(ir.Response(id=response_id, model=rr.model, finish=None,
                                             created=int(time.time())), req)
    body.update(status="queued", output=[], usage=None, incomplete_details=None, background=True)
    return body


def start(caller, rr, relay) -> Response:
    """Queue ``rr`` (a Responses request with ``background: true``); ``relay(caller, rr)`` serves it later."""
    from oneapi.relay.responses_state.replay import normalize_input, previous_not_found
    body = rr.json or {}
    previous_id = body.get("previous_response_id")
    if previous_id and store.find_for_user(previous_id, caller.user.id) is None and not _is_foreign(previous_id):
        from oneapi.relay.errors import error_response
        return error_response(previous_not_found(previous_id))
    response_id = ir.new_id("resp_")
    queued = _queued_envelope(rr, response_id)
    store.save(response=queued, input_items=normalize_input(body.get("input")), user_id=caller.user.id,
               token_id=caller.token.id, model=rr.model, previous_response_id=previous_id, background=True)
    job = copy.copy(rr)
    # run synchronously upstream; the gateway keeps the answer itself (store=false: no second record)
    job.json = {k: v for k, v in body.items() if k != "background"}
    job.json.update(stream=False, store=False)
    job.raw = orjson.dumps(job.json)
    job.stream = False
    job.background = True  # reserved with the background pre-consume rule
    request_id = getattr(g, "request_id", "")

    @copy_current_request_context
    def run() -> None:
        g.caller, g.request_id, g.start_time = caller, request_id, time.time()
        try:
            _run(caller, job, response_id, queued, relay)
        finally:
            _running.pop(response_id, None)
            from oneapi.db import close_request_connections
            close_request_connections()

    thread = threading.Thread(target=run, name=f"response-{response_id}", daemon=True)
    _running[response_id] = thread
    thread.start()
    return Response(orjson.dumps(queued), status=200, mimetype="application/json")


def _is_foreign(previous_id: str) -> bool:
    """An id the store never saw may belong to OpenAI itself (native channels keep their own state)."""
    return store.find(previous_id) is None


def _run(caller, job, response_id: str, queued: dict, relay) -> None:
    row = store.find(response_id)
    if row is None or row.status == "cancelled":
        return
    store.update(row, status="in_progress", response={**queued, "status": "in_progress"})
    try:
        answer = relay(caller, job)
        data = answer.get_data()
        status_code = answer.status_code
    except Exception as exc:  # noqa: BLE001 - recorded as the response's failure
        log.exception("background response %s failed", response_id)
        data, status_code = orjson.dumps({"error": {"message": str(exc), "code": "server_error"}}), 500
    try:
        body = orjson.loads(data)
    except ValueError:
        body = {}
    if status_code == 200 and isinstance(body, dict) and body.get("object") == "response":
        final = {**body, "id": response_id, "background": True, "previous_response_id": queued.get(
            "previous_response_id")}
    else:
        error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
        final = {**queued, "status": "failed", "error": {"code": error.get("code") or "server_error",
                                                          "message": error.get("message") or "request failed"}}
    row = store.find(response_id)
    if row is None or row.status == "cancelled":
        return  # cancelled or deleted meanwhile: keep it that way
    store.update(row, status=final.get("status") or "completed", response=final)


def cancel(response_id: str) -> None:
    """Forget the local run (its outcome will not overwrite the cancelled row)."""
    _running.pop(response_id, None)


def wait(response_id: str, timeout: float = 10.0) -> None:
    """For tests and shutdown: wait for a local background run to finish."""
    thread = _running.get(response_id)
    if thread is not None:
        thread.join(timeout)
