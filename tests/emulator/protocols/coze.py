"""Coze v3 chat (`POST /v3/chat`, streamed events or create + `/v3/chat/retrieve` + `/v3/chat/message/list`).

Like api.coze.com, errors are HTTP 200 with a non-zero `code` (4100 for a bad token), a chat is `in_progress`
when created and `completed` on the second retrieve. Scenario `jobfail`: the chat ends `failed`. A user message
may be an `object_string` (JSON list of text and image items with a `file_id` from `POST /v1/files/upload`, or a
web `file_url`); images are counted like other protocols' (`echo: ... [images: N]`). A bot whose id names
"reason" thinks: `reasoning_content` deltas before the answer's, and on the listed answer message.
"""
import json
import threading

from ..app import route
from ..behaviour import Prompt, decide
from ..wire import json_response, now, split_pieces, sse, stream_response
from .common import text_of

_CHATS = {}
_FILES = {}  # uploaded file id -> bytes
_LOCK = threading.Lock()


def _token_ok(ctx):
    value = ctx.request.headers.get("authorization", "")
    token = value[7:] if value.lower().startswith("bearer ") else ""
    return bool(token) and not token.lower().startswith(("bad", "invalid"))


def _error(code, msg):
    return json_response({"code": code, "msg": msg, "detail": {"logid": "emu"}})


def _chat_view(chat):
    return {k: v for k, v in chat.items() if not k.startswith("_")}


def _content(message):
    """(text, image count) of an additional message: `text`, or (user only) an `object_string` JSON list of
    text and image/file items referring to an uploaded `file_id` or a `file_url`."""
    kind = message.get("content_type")
    if kind == "text":
        return text_of(message.get("content")), 0
    if kind != "object_string" or message.get("role") != "user":
        raise ValueError(f"content_type {kind!r} is not allowed for role {message.get('role')!r}")
    items = json.loads(message.get("content") or "")
    texts, images = [], 0
    for item in items:
        if item.get("type") == "text":
            texts.append(item.get("text", ""))
        elif item.get("type") in ("image", "file"):
            if item.get("file_id") not in _FILES and not str(item.get("file_url", "")).startswith("http"):
                raise ValueError("file_id not found and no file_url")
            images += item["type"] == "image"
    return " ".join(texts), images


@route("POST", r"/v1/files/upload", "coze")
def upload(ctx):
    if not _token_ok(ctx):
        return _error(4100, "authentication is invalid")
    sent = ctx.request.files.get("file")
    if sent is None:
        return _error(4000, "The requested API parameter is invalid: file is required")
    data = sent.read()
    file_id = ctx.new_id("file", "").lstrip("_")
    with _LOCK:
        _FILES[file_id] = data
    ctx.note_reply({"file_id": file_id, "bytes": len(data)})
    return json_response({"code": 0, "msg": "", "data": {"id": file_id, "bytes": len(data), "created_at": now(),
                                                         "file_name": sent.filename}})


@route("POST", r"/v3/chat", "coze")
def create(ctx):
    if not _token_ok(ctx):
        return _error(4100, "authentication is invalid")
    body = ctx.json
    if not body.get("bot_id") or not body.get("user_id"):
        return _error(4000, "The requested API parameter is invalid: bot_id and user_id are required")
    messages = body.get("additional_messages") or []
    try:
        contents = [_content(m) for m in messages]
    except ValueError as exc:
        return _error(4000, f"The requested API parameter is invalid: {exc}")
    users = [text for m, (text, _) in zip(messages, contents) if m.get("role") == "user"]
    prompt = Prompt(model=body["bot_id"], texts=[text for text, _ in contents],
                    last_user_text=users[-1] if users else "", images=sum(n for _, n in contents))
    reply = decide(prompt, ctx.new_id)
    ctx.note_reply(reply)
    chat_id, conv_id = ctx.new_id("chat"), ctx.new_id("conv")
    usage = {"token_count": reply.input_tokens + reply.output_tokens, "output_count": reply.output_tokens,
             "input_count": reply.input_tokens}
    chat = {"id": chat_id, "conversation_id": conv_id, "bot_id": body["bot_id"], "created_at": now(),
            "status": "in_progress", "_usage": usage, "_text": reply.text or "", "_reasoning": reply.reasoning,
            "_polls": 0,
            "_fail": ctx.scenario.has("jobfail")}
    with _LOCK:
        _CHATS[chat_id] = chat
    if not body.get("stream"):
        return json_response({"code": 0, "msg": "", "data": _chat_view(chat)})
    base = {"conversation_id": conv_id, "bot_id": body["bot_id"], "chat_id": chat_id}
    events = [sse({**_chat_view(chat), "status": "created"}, "conversation.chat.created"),
              sse(_chat_view(chat), "conversation.chat.in_progress")]
    msg_id = ctx.new_id("msg")
    for piece in split_pieces(reply.reasoning or "", ctx.scenario.chunks):  # a reasoning model thinks first
        events.append(sse({**base, "id": msg_id, "role": "assistant", "type": "answer", "content": "",
                           "reasoning_content": piece, "content_type": "text"}, "conversation.message.delta"))
    for piece in split_pieces(reply.text or "", ctx.scenario.chunks):
        events.append(sse({**base, "id": msg_id, "role": "assistant", "type": "answer", "content": piece,
                           "content_type": "text"}, "conversation.message.delta"))
    events.append(sse({**base, "id": msg_id, "role": "assistant", "type": "answer", "content": reply.text,
                       "content_type": "text"}, "conversation.message.completed"))
    events.append(sse({**base, "id": ctx.new_id("msg"), "role": "assistant", "type": "verbose",
                       "content": '{"msg_type":"generate_answer_finish"}', "content_type": "text"},
                      "conversation.message.completed"))
    if chat["_fail"]:
        events.append(sse({**_chat_view(chat), "status": "failed",
                           "last_error": {"code": 5000, "msg": "emulated bot failure"}}, "conversation.chat.failed"))
    else:
        events.append(sse({**_chat_view(chat), "status": "completed", "usage": usage}, "conversation.chat.completed"))
    events.append(sse('"[DONE]"', "done"))
    return stream_response(ctx, events, keepalive=None)


@route("GET", r"/v3/chat/retrieve", "coze")
def retrieve(ctx):
    if not _token_ok(ctx):
        return _error(4100, "authentication is invalid")
    chat = _CHATS.get(ctx.request.args.get("chat_id", ""))
    if chat is None or chat["conversation_id"] != ctx.request.args.get("conversation_id"):
        return _error(4200, "chat not found")
    with _LOCK:
        chat["_polls"] += 1
        if chat["_polls"] >= 2 and chat["status"] == "in_progress":
            if chat["_fail"]:
                chat.update(status="failed", last_error={"code": 5000, "msg": "emulated bot failure"})
            else:
                chat.update(status="completed", usage=chat["_usage"], completed_at=now())
    return json_response({"code": 0, "msg": "", "data": _chat_view(chat)})


@route("GET", r"/v3/chat/message/list", "coze")
def message_list(ctx):
    if not _token_ok(ctx):
        return _error(4100, "authentication is invalid")
    chat = _CHATS.get(ctx.request.args.get("chat_id", ""))
    if chat is None or chat["status"] != "completed":
        return _error(4200, "chat not found or not completed")
    base = {"conversation_id": chat["conversation_id"], "bot_id": chat["bot_id"], "chat_id": chat["id"],
            "content_type": "text", "role": "assistant"}
    return json_response({"code": 0, "msg": "", "data": [
        {**base, "id": "m1", "type": "answer", "content": chat["_text"],
         **({"reasoning_content": chat["_reasoning"]} if chat["_reasoning"] else {})},
        {**base, "id": "m2", "type": "verbose", "content": '{"msg_type":"generate_answer_finish"}'},
        {**base, "id": "m3", "type": "follow_up", "content": "Anything else?"}]})


# ---- OAuth JWT apps ------------------------------------------------------------------------------------------

PUBLIC_KEYS = {}  # public key id -> PEM; a test registers its app's key here (the emulator runs in-process)
ISSUED = {}       # access token -> client id


def _b64url(part):
    import base64
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@route("POST", r"/api/permission/oauth2/token", "coze")
def oauth_token(ctx):
    import json
    import time

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    value = ctx.request.headers.get("authorization", "")
    parts = value[7:].split(".") if value.lower().startswith("bearer ") else []
    body = ctx.json
    if len(parts) != 3 or body.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
        return json_response({"error": "invalid_request", "error_message": "a JWT bearer grant is required"}, 400)
    header, claims = json.loads(_b64url(parts[0])), json.loads(_b64url(parts[1]))
    pem = PUBLIC_KEYS.get(header.get("kid"))
    if header.get("alg") != "RS256" or pem is None:
        return json_response({"error": "invalid_client", "error_message": "unknown public key id"}, 401)
    try:
        serialization.load_pem_public_key(pem.encode()).verify(
            _b64url(parts[2]), f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return json_response({"error": "invalid_client", "error_message": "JWT signature does not verify"}, 401)
    host = ctx.request.host.split(":")[0]
    if claims.get("aud") != host or claims.get("exp", 0) < time.time() or not claims.get("jti"):
        return json_response({"error": "invalid_client", "error_message": "bad JWT claims"}, 401)
    token = "czs_" + ctx.new_id("tok", "")
    ISSUED[token] = claims.get("iss")
    ctx.note_reply({"client_id": claims.get("iss"), "token": token})
    return json_response({"access_token": token, "expires_in": int(time.time()) + body.get("duration_seconds", 900),
                          "token_type": "Bearer"})
