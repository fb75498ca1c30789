"""OpenAI Chat under the paths vendors put it (`/api/paas/v4`, `/compatible-mode/v1`, `/api/v3`, `/v2`,
`/inference/v1`, `/client/v4/accounts/{id}/ai/v1`, MiniMax's `/v1/text/chatcompletion_v2`, ...), and embeddings
under such prefixes (Cohere's `/compatibility/v1`).

Registered last, so only paths no other route knows end up here; the recorded `api_path` shows which one it was.
"""
from ..app import route
from .openai_chat import handle_chat
from .openai_misc import handle_embeddings


@route("POST", r"/v1/text/chatcompletion_v2", "openai")
def minimax_chat(ctx):
    return handle_chat(ctx, ctx.json)


@route("POST", r"/(?P<prefix>[\w./@-]+)/chat/completions", "openai")
def prefixed_chat(ctx, prefix):
    return handle_chat(ctx, ctx.json)



@route("POST", r"/(?P<prefix>[\w./@-]+)/embeddings", "openai")
def prefixed_embeddings(ctx, prefix):  # Cohere's /compatibility/v1/embeddings and the like
    return handle_embeddings(ctx, ctx.json)
