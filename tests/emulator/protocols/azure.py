"""Azure OpenAI: deployment URLs (`api-key` header, `api-version` query), the v1 API under /openai/v1,
content-filter annotations, plus a few vendor path aliases that speak the same protocols."""
from ..app import route
from . import anthropic, openai_chat, openai_media, openai_misc, openai_responses

DEPLOYMENT = r"/openai/deployments/(?P<deployment>[^/]+)"

SAFE = {"filtered": False, "severity": "safe"}
FILTER_RESULTS = {"hate": SAFE, "self_harm": SAFE, "sexual": SAFE, "violence": SAFE}
PROMPT_FILTER = [{"prompt_index": 0, "content_filter_results": FILTER_RESULTS}]


def _with_model(ctx, deployment):
    body = dict(ctx.json)
    body.setdefault("model", deployment)
    return body


@route("POST", DEPLOYMENT + r"/chat/completions", "azure")
def azure_chat(ctx, deployment):
    return openai_chat.handle_chat(ctx, _with_model(ctx, deployment), extras={
        "prompt_filter_results": PROMPT_FILTER, "choice": {"content_filter_results": FILTER_RESULTS}})


@route("POST", DEPLOYMENT + r"/completions", "azure")
def azure_completions(ctx, deployment):
    return openai_chat.handle_completions(ctx, _with_model(ctx, deployment))


@route("POST", DEPLOYMENT + r"/embeddings", "azure")
def azure_embeddings(ctx, deployment):
    return openai_misc.handle_embeddings(ctx, _with_model(ctx, deployment))


@route("POST", DEPLOYMENT + r"/images/generations", "azure")
def azure_images(ctx, deployment):
    return openai_media.handle_image_generations(ctx, _with_model(ctx, deployment))


@route("POST", DEPLOYMENT + r"/images/edits", "azure")
def azure_image_edits(ctx, deployment):
    return openai_media.image_edits(ctx)


@route("POST", DEPLOYMENT + r"/audio/transcriptions", "azure")
def azure_transcriptions(ctx, deployment):
    return openai_media.transcriptions(ctx)


@route("POST", DEPLOYMENT + r"/audio/translations", "azure")
def azure_translations(ctx, deployment):
    return openai_media.translations(ctx)


@route("POST", DEPLOYMENT + r"/audio/speech", "azure")
def azure_speech(ctx, deployment):
    return openai_media.handle_speech(ctx, _with_model(ctx, deployment))


# The v1 API (no api-version needed) and the preview Responses path.
@route("POST", r"/openai(?:/v1)?/responses", "azure")
def azure_responses(ctx):
    return openai_responses.handle_create(ctx, ctx.json)


@route("GET", r"/openai(?:/v1)?/responses/(?P<response_id>[^/]+)", "azure")
def azure_get_response(ctx, response_id):
    return openai_responses.get_response(ctx, response_id)


@route("DELETE", r"/openai(?:/v1)?/responses/(?P<response_id>[^/]+)", "azure")
def azure_delete_response(ctx, response_id):
    return openai_responses.delete_response(ctx, response_id)


@route("POST", r"/openai/v1/chat/completions", "azure")
def azure_v1_chat(ctx):
    return openai_chat.handle_chat(ctx, ctx.json, extras={
        "prompt_filter_results": PROMPT_FILTER, "choice": {"content_filter_results": FILTER_RESULTS}})


@route("POST", r"/openai/v1/embeddings", "azure")
def azure_v1_embeddings(ctx):
    return openai_misc.handle_embeddings(ctx, ctx.json)


# ---- vendor aliases -------------------------------------------------------------------------------

@route("POST", r"/v1beta/openai/chat/completions", "openai")   # Gemini's OpenAI-compatible endpoint
def gemini_openai_chat(ctx):
    return openai_chat.handle_chat(ctx, ctx.json)


@route("POST", r"/v1/openai/chat/completions", "openai")       # DeepInfra
def deepinfra_chat(ctx):
    return openai_chat.handle_chat(ctx, ctx.json)


@route("POST", r"/anthropic/v1/messages", "anthropic")          # Azure AI Foundry, DeepInfra
def foundry_messages(ctx):
    return anthropic.create_message(ctx)
