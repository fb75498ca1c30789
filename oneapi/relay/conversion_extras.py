"""The relay's hooks for the ingress extras of the conversion hub, in the order a request meets them:

1. ``read``: a body in another client format than its endpoint's is served as what it is
   (``format_detect``), and a literal ``extra_body`` is lifted to the top level (``provider_extras``);
2. ``adjust_upstream``: the provider's body gets the ``?thinking=true`` reasoning settings (``url_flags``),
   the client's provider-native fields when converted (``provider_extras``) and provider-safe tool names
   (``tool_names``);
3. ``answer_body`` / ``wrap_stream``: the client sees its own tool names, its ``?reasoning_format`` field and
   ``<think>`` prefixes as reasoning.

Every step is skipped at the cost of a dict lookup or two when the request does not use it.
"""
from __future__ import annotations

import orjson
from flask import Response

from oneapi.relay import format_detect, provider_extras, tool_names, url_flags
from oneapi.relay.request import RelayRequest
from oneapi.relay.request import read as read_request

_CONVERTIBLE = ("chat", "responses", "claude", "gemini")


# ---- 1. ingress -------------------------------------------------------------------------------------------

def read(mode: str, path_model: str | None = None) -> RelayRequest | Response:
    serving = format_detect.serving_mode(mode)
    if isinstance(serving, Response):
        return serving
    rr = read_request(serving, path_model)
    if serving != mode:
        format_detect.align_path(rr)
    if rr.client_format is not None:
        provider_extras.lift_extra_body(rr)
    return rr


# ---- 2. the provider's body -------------------------------------------------------------------------------

def adjust_upstream(rr: RelayRequest, channel, model: str, prepared) -> None:
    if prepared.provider_format not in _CONVERTIBLE or rr.client_format is None or not prepared.data:
        return
    flags = url_flags.parse(rr.path)
    renames = tool_names.renames(rr.json)
    extras = prepared.converted and provider_extras.has_native_fields(rr.json, prepared.provider_format)
    if not (flags.thinking or renames or extras):
        return
    try:
        body = orjson.loads(prepared.data)
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    changed = False
    if extras:
        changed |= provider_extras.add_native_fields(rr.json, rr.client_format, prepared.provider_format, body)
    if flags.thinking:
        changed |= url_flags.enable_thinking(body, prepared.provider_format, model, channel.type)
    if renames:
        tool_names.rename_in(body, renames)
        changed = True
    if changed:
        prepared.data = orjson.dumps(body)


# ---- 3. the answer ----------------------------------------------------------------------------------------

def decoder_options(rr: RelayRequest, prepared) -> dict:
    """Options of the provider-side decoder of a converted answer: a Chat provider's ``<think>`` prefix is
    read as reasoning under ``?thinking=true`` (for Chat clients of Chat providers see ``_AnswerRewrite``)."""
    if prepared.provider_format == "chat" and url_flags.parse(rr.path).thinking:
        return {"think_tags": True}
    return {}


class _AnswerRewrite:
    """What the client's answer needs: tool names given back, the reasoning field renamed, <think> split."""

    def __init__(self, rr: RelayRequest) -> None:
        self.restores = tool_names.restores(rr.json)
        flags = url_flags.parse(rr.path)
        chat = rr.client_format == "chat"
        self.think = flags.thinking and chat
        self.reasoning_field = flags.reasoning_format if chat else None
        self.target_field = self.reasoning_field or "reasoning_content"
        self._tags: dict = {}

    @property
    def active(self) -> bool:
        return bool(self.restores or self.think or self.reasoning_field)

    def _message(self, index, message: dict, *, streamed: bool, finished: bool) -> None:
        if self.think:
            self._split_think(index, message, streamed, finished)
        if self.reasoning_field:
            url_flags.rename_reasoning(message, self.reasoning_field)

    def _split_think(self, index, message: dict, streamed: bool, finished: bool) -> None:
        from oneapi.relay.formats.chat import ThinkTags
        content = message.get("content")
        tags = self._tags.setdefault(index, ThinkTags()) if streamed else ThinkTags()
        pieces = tags.feed(content) if isinstance(content, str) else []
        if finished or not streamed:
            pieces += tags.flush()
        if not pieces and not isinstance(content, str):
            return
        thought = "".join(text for kind, text in pieces if kind == "thinking")
        text = "".join(text for kind, text in pieces if kind != "thinking")
        if thought:
            existing = next((message[f] for f in url_flags.REASONING_FIELDS if isinstance(message.get(f), str)), "")
            for name in url_flags.REASONING_FIELDS:
                message.pop(name, None)
            message[self.target_field] = existing + thought
        if isinstance(content, str) or text:
            message["content"] = text if (text or streamed) else None

    def rewrite(self, body, *, streamed: bool):
        if not isinstance(body, dict):
            return body
        tool_names.rename_in(body, self.restores)
        if self.think or self.reasoning_field:
            for choice in body.get("choices") or []:
                if not isinstance(choice, dict):
                    continue
                message = choice.get("delta" if streamed else "message")
                if isinstance(message, dict):
                    self._message(choice.get("index", 0), message, streamed=streamed,
                                  finished=choice.get("finish_reason") is not None)
        return body

    def frames(self, data: bytes) -> bytes:
        if not data:
            return data
        out = []
        for line in data.split(b"\n"):
            stripped = line.rstrip(b"\r")
            if stripped.startswith(b"data:") and stripped[5:].lstrip().startswith(b"{"):
                try:
                    body = orjson.loads(stripped[5:])
                except ValueError:
                    out.append(line)
                    continue
                cr = b"\r" if line.endswith(b"\r") else b""
                line = b"data: " + orjson.dumps(self.rewrite(body, streamed=True)) + cr
            out.append(line)
        return b"\n".join(out)


def answer_body(rr: RelayRequest, response: Response) -> Response:
    if rr.client_format is None or response.status_code // 100 != 2 or \
            not (response.content_type or "").startswith("application/json"):
        return response
    rewrite = _AnswerRewrite(rr)
    if not rewrite.active:
        return response
    try:
        body = orjson.loads(response.get_data())
    except ValueError:
        return response
    response.set_data(orjson.dumps(rewrite.rewrite(body, streamed=False)))
    return response


class _RewritingProcessor:
    def __init__(self, inner, rewrite: _AnswerRewrite) -> None:
        self._inner = inner
        self._rewrite = rewrite

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def on_event(self, raw: bytes) -> bytes:
        return self._rewrite.frames(self._inner.on_event(raw))

    def on_end(self) -> bytes:
        return self._rewrite.frames(self._inner.on_end())

    def on_error(self, message: str) -> bytes:
        return self._rewrite.frames(self._inner.on_error(message))


def wrap_stream(rr: RelayRequest, processor):
    if rr.client_format is None:
        return processor
    rewrite = _AnswerRewrite(rr)
    return _RewritingProcessor(processor, rewrite) if rewrite.active else processor
