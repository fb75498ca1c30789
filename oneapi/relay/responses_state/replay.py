"""Conversation state for Responses clients served by conversion.

Providers other than OpenAI's Responses API keep no conversation, so the gateway does: every converted answer
to a ``store``d request is saved with the turn's input items, and a later ``previous_response_id`` is
answered by prepending the stored turns (input items, then output items, oldest first) to the new input
before the request is decoded into the IR. Channels that speak Responses natively never reach this code:
their bodies pass through untouched and OpenAI keeps the state.
"""
from __future__ import annotations

import logging

import orjson
from flask import g

from oneapi.relay.errors import RelayError
from oneapi.relay.formats import ir
from oneapi.relay.responses_state import store
from oneapi.relay.streaming import parse_event

log = logging.getLogger(__name__)

TERMINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")
_ID_PREFIX = {"message": "msg_", "function_call": "fc_", "function_call_output": "fco_", "reasoning": "rs_"}


def normalize_input(value) -> list[dict]:
    """The ``input`` of a request as typed items with ids, the way input_items lists them."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [{"role": "user", "content": value}]
    items = []
    for raw in value if isinstance(value, list) else []:
        if not isinstance(raw, dict):
            continue
        item = dict(raw)
        if "type" not in item and "role" in item:
            item["type"] = "message"
        if item.get("type") == "message":
            if isinstance(item.get("content"), str):
                kind = "output_text" if item.get("role") == "assistant" else "input_text"
                item["content"] = [{"type": kind, "text": item["content"]}]
            item.setdefault("status", "completed")
        item.setdefault("id", ir.new_id(_ID_PREFIX.get(item.get("type"), "item_")))
        items.append(item)
    return items


def _caller(caller=None):
    return caller if caller is not None else getattr(g, "caller", None)


def previous_not_found(previous_id: str) -> RelayError:
    return RelayError(400, f"Previous response with id '{previous_id}' not found.", "invalid_request_error",
                      "previous_response_not_found", "previous_response_id")


def replay_history(rr, caller=None) -> dict:
    """The client's body for the codec: with the stored conversation prepended when it names a previous
    response (Responses clients only; any other body is returned as it is)."""
    body = rr.json or {}
    previous_id = body.get("previous_response_id")
    if rr.client_format != "responses" or not previous_id or not isinstance(previous_id, str):
        return body
    caller = _caller(caller)
    turns = store.chain(previous_id, caller.user.id) if caller is not None else None
    if turns is None:
        raise previous_not_found(previous_id)
    history: list = []
    for row in turns:
        history += store.input_of(row)
        history += [item for item in store.response_of(row).get("output") or [] if isinstance(item, dict)]
    return {**body, "input": history + normalize_input(body.get("input"))}


def for_native(rr, caller=None):
    """The request as a native Responses channel should get it: untouched, unless it continues a response
    only the gateway's store knows (made on another channel), whose conversation is then sent in full."""
    body = rr.json or {}
    previous_id = body.get("previous_response_id")
    caller = _caller(caller)
    if rr.client_format != "responses" or not isinstance(previous_id, str) or caller is None:
        return rr
    if store.find_for_user(previous_id, caller.user.id) is None:
        return rr
    import copy
    expanded = {k: v for k, v in replay_history(rr, caller).items() if k != "previous_response_id"}
    expanded["input"] = [_for_openai(item) for item in expanded["input"] if _readable_by_openai(item)]
    native = copy.copy(rr)
    native.json, native.raw = expanded, orjson.dumps(expanded)
    return native


def _readable_by_openai(item: dict) -> bool:
    """Reasoning made by another provider cannot be decrypted by OpenAI: it stays behind."""
    if item.get("type") != "reasoning":
        return True
    enc = item.get("encrypted_content")
    return bool(enc) and ir.untag_signature(enc, "openai")[0] == "openai"


def _for_openai(item: dict) -> dict:
    """Ids the gateway made up mean nothing to OpenAI; reasoning items keep theirs (they pair with calls)."""
    if item.get("type") == "reasoning":
        return item
    return {k: v for k, v in item.items() if k != "id"}


def _wants_store(rr) -> bool:
    body = rr.json or {}
    return rr.client_format == "responses" and body.get("store", True) is not False


def save_answer(rr, response: dict, caller=None) -> None:
    """Keep a converted Responses answer (no-op for other formats and for ``store: false``)."""
    caller = _caller(caller)
    if not _wants_store(rr) or caller is None or not isinstance(response, dict) or not response.get("id"):
        return
    body = rr.json or {}
    try:
        store.save(response=response, input_items=normalize_input(body.get("input")), user_id=caller.user.id,
                   token_id=caller.token.id, model=rr.model, previous_response_id=body.get("previous_response_id"),
                   background=bool(body.get("background")))
    except Exception:  # the client already has its answer; a lost record only costs the follow-up turn
        log.warning("could not store response %s", response.get("id"), exc_info=True)


def remember(rr, prepared, encoded: dict) -> None:
    """Pipeline hook for a converted non-stream answer, ``encoded`` in the client's format."""
    if getattr(prepared, "converted", False) and prepared.client_format == "responses":
        save_answer(rr, encoded)


class _StreamWatch:
    """Wraps a stream processor and saves the Response carried by the terminal event it writes."""

    def __init__(self, inner, rr) -> None:
        self._inner = inner
        self._rr = rr
        self._saved = False

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _look(self, out: bytes) -> bytes:
        if out and not self._saved and b"event: response." in out:
            for frame in out.split(b"\n\n"):
                event, data = parse_event(frame)
                if event in TERMINAL_EVENTS and data:
                    try:
                        response = orjson.loads(data).get("response")
                    except ValueError:
                        continue
                    self._saved = True
                    save_answer(self._rr, response)
        return out

    def on_event(self, raw: bytes) -> bytes:
        return self._look(self._inner.on_event(raw))

    def on_end(self) -> bytes:
        return self._look(self._inner.on_end())

    def on_error(self, message: str) -> bytes:
        return self._look(self._inner.on_error(message))


def watch_stream(rr, prepared, processor):
    """Pipeline hook for a stream: the processor itself, or a wrapper that stores the converted Response."""
    if getattr(prepared, "converted", False) and prepared.client_format == "responses" and _wants_store(rr):
        return _StreamWatch(processor, rr)
    return processor
