"""OpenAI-wire embeddings, moderations, rerank (Cohere/Jina style) and the model list."""
import base64
import struct

from ..app import route
from ..tokens import count_words
from ..vectors import embedding_for
from ..wire import body_json, json_response, now
from .common import require

# ---- embeddings -----------------------------------------------------------------------------------


def _embedding_inputs(value):
    """[(text used for the vector, token count)] for every accepted input shape."""
    if isinstance(value, str):
        return [(value, count_words(value))]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return [(" ".join(map(str, value)), len(value))]
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, list):
                items.append((" ".join(map(str, item)), len(item)))
            else:
                items.append((str(item), count_words(str(item))))
        return items
    return []


@route("POST", r"/v1/embeddings", "openai")
def embeddings(ctx):
    return handle_embeddings(ctx, ctx.json)


def handle_embeddings(ctx, body):
    require(body.get("model"), "you must provide a model parameter", "model")
    inputs = _embedding_inputs(body.get("input"))
    require(inputs and all(text for text, _ in inputs), "'$.input' is invalid. Please check the API reference: "
                                                        "https://platform.openai.com/docs/api-reference.", "input")
    encoding = body.get("encoding_format", "float")
    require(encoding in ("float", "base64"), f"Invalid value for encoding_format: {encoding}", "encoding_format")
    data = []
    for index, (text, _) in enumerate(inputs):
        vector = embedding_for(text, body.get("dimensions"))
        if encoding == "base64":
            vector = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = max(1, sum(count for _, count in inputs))
    ctx.note_reply({"input_tokens": tokens, "output_tokens": 0})
    return body_json(ctx, {"object": "list", "data": data, "model": body["model"],
                           "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


# ---- moderations ----------------------------------------------------------------------------------

CATEGORIES = ["harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
              "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors", "violence",
              "violence/graphic"]
FLAG_WORDS = {"kill": "violence", "hate": "hate", "attack": "violence"}


def _moderation_texts(value):
    if isinstance(value, str):
        return [(value, False)]
    items = []
    for item in value or []:
        if isinstance(item, str):
            items.append((item, False))
        elif isinstance(item, dict) and item.get("type") == "text":
            items.append((item.get("text", ""), False))
        elif isinstance(item, dict) and item.get("type") == "image_url":
            items.append(("", True))
    return items


@route("POST", r"/v1/moderations", "openai")
def moderations(ctx):
    body = ctx.json
    require(body.get("input") is not None, "you must provide an input parameter", "input")
    results = []
    for text, is_image in _moderation_texts(body["input"]):
        hits = {FLAG_WORDS[w] for w in FLAG_WORDS if w in text.lower()}
        kind = ["image"] if is_image else ["text"]
        results.append({
            "flagged": bool(hits),
            "categories": {c: c in hits for c in CATEGORIES},
            "category_scores": {c: (0.9 if c in hits else 0.0001) for c in CATEGORIES},
            "category_applied_input_types": {c: kind for c in CATEGORIES},
        })
    return body_json(ctx, {"id": ctx.new_id("modr", "-"), "model": body.get("model", "omni-moderation-latest"),
                           "results": results})


# ---- rerank ---------------------------------------------------------------------------------------

def _rerank(ctx, default_return_documents):
    body = ctx.json
    query = body.get("query")
    documents = body.get("documents")
    require(isinstance(query, str) and query, "query is required", "query")
    require(isinstance(documents, list) and documents, "documents is required", "documents")
    texts = [d if isinstance(d, str) else (d.get("text") or "") for d in documents]
    query_words = set(query.lower().split())
    scored = []
    for index, text in enumerate(texts):
        words = set(text.lower().split())
        overlap = len(query_words & words) / max(1, len(query_words))
        scored.append((round(overlap - index * 1e-4, 6), index))
    scored.sort(key=lambda item: (-item[0], item[1]))
    top_n = body.get("top_n") or len(scored)
    return_documents = body.get("return_documents", default_return_documents)
    results = []
    for score, index in scored[:top_n]:
        result = {"index": index, "relevance_score": max(score, 0.0)}
        if return_documents:
            result["document"] = {"text": texts[index]}
        results.append(result)
    tokens = count_words(query) + sum(count_words(t) for t in texts)
    ctx.note_reply({"input_tokens": tokens, "output_tokens": 0})
    return body_json(ctx, {"id": ctx.new_id("rerank", "-"), "model": body.get("model"), "results": results,
                           "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                           "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}}})


@route("POST", r"/v1/rerank", "openai")
def rerank_jina(ctx):
    return _rerank(ctx, True)


@route("POST", r"/(?:v2/)?rerank", "openai")
def rerank_cohere(ctx):
    return _rerank(ctx, False)


# ---- models ---------------------------------------------------------------------------------------

OPENAI_MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o4-mini", "text-embedding-3-small", "whisper-1", "tts-1",
                 "dall-e-3", "gpt-image-1", "omni-moderation-latest"]
ANTHROPIC_MODELS = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"]


def models_family(request):
    if request.headers.get("anthropic-version"):
        return "anthropic"
    if request.headers.get("x-goog-api-key") or request.args.get("key"):
        return "gemini"
    return "openai"


@route("GET", r"/v1/models", models_family)
def list_models(ctx):
    if ctx.family == "anthropic":
        data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"}
                for m in ANTHROPIC_MODELS]
        return json_response({"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]})
    if ctx.family == "gemini":
        from .gemini import GEMINI_MODELS, _model_info
        return json_response({"models": [_model_info(m) for m in GEMINI_MODELS]})
    return json_response({"object": "list", "data": [
        {"id": m, "object": "model", "created": 1700000000, "owned_by": "emulator"} for m in OPENAI_MODELS]})


@route("GET", r"/v1/models/(?P<model>[^/]+)", models_family)
def get_model(ctx, model):
    if ctx.family == "anthropic":
        return json_response({"type": "model", "id": model, "display_name": model,
                              "created_at": "2025-01-01T00:00:00Z"})
    return json_response({"id": model, "object": "model", "created": now(), "owned_by": "emulator"})
