"""Coze (channel type 34): bots through the v3 chat API, with a personal access token or, when the channel key is
an OAuth app's JSON credentials, an access token obtained with a signed JWT (``coze_oauth``).

The model name is the bot: ``bot-<bot_id>`` (as the original) or the bare id; the channel config's ``user_id``
identifies the conversation's user (default ``"oneapi"``). ``POST {base}/v3/chat`` with ``additional_messages``
(user/assistant text; system text goes in front of the first user message, since a bot keeps its own prompt).

Streams are Coze's events (``conversation.message.delta`` with ``type: "answer"`` carries text, or a reasoning
model's ``reasoning_content``,
``conversation.chat.completed`` carries ``usage``, ``conversation.chat.failed`` / ``error`` end it badly,
``done``). A non-streamed chat is created, then ``/v3/chat/retrieve`` is polled until it is completed and
``/v3/chat/message/list`` gives its answer. Coze reports most errors as HTTP 200 with ``code`` != 0; they become
error answers (4100/4101 -> 401).
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import orjson
import requests

from oneapi.relay.providers import chat_bridge as bridge

TYPES = (34,)
DEFAULT_BASE_URL = "https://api.coze.com"
_DONE_STATUSES = ("completed", "failed", "requires_action", "canceled")
_AUTH_CODES = (4100, 4101)


# A bot is configured on Coze (its prompt, plugins, workflows, reply format): a request cannot change that
NO_TOOLS = ("a Coze bot calls only the plugins and workflows configured for it on Coze; tools sent in the request "
            "cannot be offered to it")
NO_SCHEMA = "a Coze bot answers in the format configured for it on Coze; a JSON response_format cannot be imposed"


def bot_id(model: str) -> str:
    return model[4:] if model.startswith("bot-") else model


def _user_message(text: str, content) -> dict:
    """A user turn: plain text, or Coze's ``object_string`` (a JSON list of text and image items) when it has
    images. An image is a ``file_url``; ``prepare_body`` uploads data URLs and sends their ``file_id`` instead."""
    images = [(p.get("image_url") or {}).get("url", "") for p in content if isinstance(p, dict)
              and p.get("type") == "image_url"] if isinstance(content, list) else []
    if not images:
        return {"role": "user", "content": text, "content_type": "text"}
    items = ([{"type": "text", "text": text}] if text else []) + [{"type": "image", "file_url": u} for u in images]
    return {"role": "user", "content": orjson.dumps(items).decode(), "content_type": "object_string"}


def chat_to_coze(body: dict) -> dict:
    bridge.refuse(body, tools=NO_TOOLS, response_format=NO_SCHEMA)
    system = "\n".join(bridge.content_text(m.get("content")) for m in body.get("messages") or []
                       if m.get("role") in ("system", "developer"))
    messages = []
    for msg in body.get("messages") or []:
        role = msg.get("role")
        if role not in ("user", "assistant", "tool"):
            continue
        text = bridge.content_text(msg.get("content"))
        if role == "user" and system and not any(m["role"] == "user" for m in messages):
            text = f"{system}\n\n{text}"
        if role == "assistant":
            messages.append({"role": "assistant", "content": text, "content_type": "text", "type": "answer"})
        else:
            messages.append(_user_message(text, msg.get("content") if role == "user" else None))
    return {"bot_id": bot_id(body.get("model", "")), "user_id": "oneapi", "stream": bool(body.get("stream")),
            "auto_save_history": not body.get("stream"), "additional_messages": messages}


def _usage(chat: dict) -> dict | None:
    used = chat.get("usage") or {}
    if not used:
        return None
    prompt = int(used.get("input_count") or 0)
    completion = int(used.get("output_count") or max(0, int(used.get("token_count") or 0) - prompt))
    return bridge.usage(prompt, completion)


def coze_to_chat(body: dict) -> dict:
    """``{"chat": retrieved chat, "messages": message list}`` (made by ``reframe``) -> a Chat completion."""
    chat = body.get("chat") or body.get("data") or {}
    answers = [m for m in body.get("messages") or [] if m.get("role") == "assistant" and m.get("type") == "answer"]
    message = {"content": "".join(m.get("content", "") for m in answers)}
    thought = "".join(m.get("reasoning_content") or "" for m in answers)
    if thought:
        message["reasoning_content"] = thought
    return bridge.completion(chat.get("id", ""), "", message, "stop", _usage(chat))


class StreamTranslator:
    def __init__(self) -> None:
        self.id = ""
        self.started = False

    def feed(self, event: str | None, data: str) -> list:
        try:
            ev = orjson.loads(data)
        except ValueError:
            ev = data
        out = []
        if not self.started and event != "error":
            self.started = True
            out.append(bridge.chunk(self.id, "", {"role": "assistant", "content": ""}))
        if not isinstance(ev, dict):
            return out  # done's "[DONE]", keep-alives
        if event == "conversation.chat.created":
            self.id = ev.get("id", "")
        elif event == "conversation.message.delta" and ev.get("type") == "answer":
            delta = {"content": ev.get("content", "")}
            if ev.get("reasoning_content"):  # a reasoning model's thoughts, before the answer's text
                delta = {"reasoning_content": ev["reasoning_content"]}
            out.append(bridge.chunk(self.id, "", delta))
        elif event == "conversation.chat.completed":
            out.append(bridge.chunk(self.id, "", {}, "stop"))
            used = _usage(ev)
            if used:
                out.append(bridge.chunk(self.id, "", usage=used))
            out.append("[DONE]")
        elif event in ("conversation.chat.failed", "error"):
            err = ev.get("last_error") or ev
            out.append(orjson.dumps({"error": {"message": f"Coze: {err.get('msg') or 'chat failed'}",
                                               "type": "upstream_error", "code": str(err.get("code", ""))}}).decode())
        return out


CODEC_NAME = "coze"
CODECS = {CODEC_NAME: bridge.BridgedCodec(CODEC_NAME, chat_to_coze, coze_to_chat, StreamTranslator)}


def body_format(model: str, mode: str) -> str | None:
    return CODEC_NAME if mode in ("chat", "responses", "claude") else None


def _base(channel) -> str:
    return ((channel.base_url or "").strip() or DEFAULT_BASE_URL).rstrip("/")


def _token(channel) -> str:
    from oneapi.relay.providers import coze_oauth
    key = (channel.key or "").strip()
    return coze_oauth.access_token(key, _base(channel)) if coze_oauth.is_app_credentials(key) else key


def target(channel, path: str, model: str, stream: bool):
    from oneapi.relay.providers import Target
    return Target(f"{_base(channel)}/v3/chat", {"Authorization": f"Bearer {_token(channel)}"}, "native")


def prepare_body(channel, body: dict, model: str, stream: bool) -> bytes:
    from oneapi.relay.providers import channel_config
    user = str(channel_config(channel).get("user_id") or "").strip()
    if user:
        body["user_id"] = user
    for msg in body.get("additional_messages") or []:
        if msg.get("content_type") == "object_string":
            msg["content"] = _uploaded(channel, msg["content"])
    return orjson.dumps(body)


def _uploaded(channel, content: str) -> str:
    """An ``object_string`` whose data-URL images are uploaded to Coze (``/v1/files/upload``) and referred to by
    ``file_id``: Coze fetches ``file_url`` itself, but only from the web."""
    from oneapi.relay import user_content
    items = orjson.loads(content)
    for item in items:
        url = item.get("file_url") or ""
        if item.get("type") == "image" and url.startswith("data:"):
            data, media_type = user_content.fetch(url)  # decodes and checks that it is an image; no network
            del item["file_url"]
            item["file_id"] = _upload(channel, data, media_type)
    return orjson.dumps(items).decode()


def _upload(channel, data: bytes, media_type: str) -> str:
    from urllib3 import encode_multipart_formdata

    from oneapi.relay import upstream
    from oneapi.relay.errors import RelayError
    form, content_type = encode_multipart_formdata({"file": ("image." + media_type.rsplit("/", 1)[-1], data,
                                                             media_type)})
    try:
        resp = upstream.send("POST", f"{_base(channel)}/v1/files/upload", data=form,
                             headers={"Authorization": f"Bearer {_token(channel)}", "Content-Type": content_type})
        answer = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise RelayError(502, f"uploading an image to Coze failed: {type(exc).__name__}", "upstream_error",
                         "upload_failed") from None
    answer = answer if isinstance(answer, dict) else {}
    file_id = (answer.get("data") or {}).get("id")
    if resp.status_code != 200 or not file_id:
        raise RelayError(401 if answer.get("code") in _AUTH_CODES else 502,
                         f"uploading an image to Coze failed: {answer.get('msg') or resp.status_code}",
                         "upstream_error", "upload_failed")
    return file_id


def _coze_error(body: dict, like) -> requests.Response:
    code = body.get("code")
    status = 401 if code in _AUTH_CODES else 400
    return bridge.error_answer(status, f"Coze error {code}: {body.get('msg') or ''}".strip(), like, str(code))


def reframe(resp):
    if resp.headers.get("Content-Type", "").startswith("text/event-stream"):
        return resp
    return bridge.follow_job(resp, _finish_chat, "Coze chat")


def _finish_chat(resp):
    created = bridge.job_json(resp)
    if created.get("code"):
        return _coze_error(created, resp)
    chat = created.get("data") or {}
    parts = urlsplit(resp.url)
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/v3/chat', 1)[0]}"
    query = urlencode({"conversation_id": chat.get("conversation_id", ""), "chat_id": chat.get("id", "")})
    auth = bridge.forwarded_headers(resp, "Authorization")
    if chat.get("status") not in _DONE_STATUSES:
        status, body = bridge.poll(f"{base}/v3/chat/retrieve?{query}", auth,
                                   lambda b: b.get("code") or (b.get("data") or {}).get("status") in _DONE_STATUSES)
        if status != 200:
            return bridge.error_answer(status if status >= 400 else 502, "polling the Coze chat failed", resp)
        if body.get("code"):
            return _coze_error(body, resp)
        chat = body.get("data") or {}
    if chat.get("status") != "completed":
        err = chat.get("last_error") or {}
        return bridge.error_answer(502, f"Coze chat {chat.get('status')}: {err.get('msg') or ''}".strip(), resp)
    listed = bridge.fetch("GET", f"{base}/v3/chat/message/list?{query}", auth)
    if listed.status_code // 100 != 2:
        return listed
    messages = listed.json()
    if messages.get("code"):
        return _coze_error(messages, resp)
    return bridge.synthetic_response(200, {"chat": chat, "messages": messages.get("data") or []}, like=resp)
