"""GitHub Copilot: the token exchange (`GET /copilot_internal/v2/token` with `Authorization: token <github>`)
and Chat/embeddings at `/chat/completions` and `/embeddings`, which want an exchanged token and the editor
headers (`Editor-Version`, `Copilot-Integration-Id`), as api.githubcopilot.com does."""
import time

from ..app import route
from ..errors import ApiError
from ..wire import json_response
from .openai_chat import handle_chat
from .openai_misc import embeddings

ISSUED = set()


@route("GET", r"/copilot_internal/v2/token", "github")
def token(ctx):
    value = ctx.request.headers.get("authorization", "")
    github = value[6:].strip() if value.lower().startswith("token ") else ""
    if not github or github.lower().startswith(("bad", "invalid")):
        return json_response({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
                             401)
    expires = int(time.time()) + 1500
    issued = f"tid={ctx.new_id('cp', '')};exp={expires};sku=emu"
    ISSUED.add(issued)
    ctx.note_reply({"token": issued})
    return json_response({"token": issued, "expires_at": expires, "refresh_in": 1500,
                          "endpoints": {"api": ctx.base_url}})


def _check(ctx):
    value = ctx.request.headers.get("authorization", "")
    if value[7:] not in ISSUED:
        raise ApiError(401, "auth", "unauthorized: token expired or not issued")
    if not ctx.request.headers.get("editor-version") or not ctx.request.headers.get("copilot-integration-id"):
        raise ApiError(400, "bad_request", "missing Editor-Version or Copilot-Integration-Id header")


@route("POST", r"/chat/completions", "openai")
def chat(ctx):
    _check(ctx)
    return handle_chat(ctx, ctx.json)


@route("POST", r"/embeddings", "openai")
def copilot_embeddings(ctx):
    _check(ctx)
    return embeddings(ctx)
