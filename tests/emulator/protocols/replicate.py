"""Replicate's prediction API: create, poll, and the SSE stream URL, as api.replicate.com answers.

`POST /v1/models/{owner}/{name}/predictions` (or `POST /v1/predictions` with `version`, e.g.
`owner/name:version_id`) -> a prediction (201 `starting`). Language models (any name without
flux/sdxl/diffusion/image) answer `echo: <prompt>` as a list of tokens with `metrics.input_token_count` and
`output_token_count` (images given as file inputs, HTTP or data URLs, are counted: `[images: N]`); image models
output image URLs after two polls of `urls.get`. With `Prefer: wait` a language model's prediction comes back
finished. `urls.stream` sends `output` events (raw text), then `done`.
Scenario `jobfail`: the prediction ends `failed` with an error.
"""
import re
import threading

from ..app import route
from ..errors import ApiError
from ..behaviour import Prompt, decide
from ..wire import json_response, now, split_pieces, stream_response
from .common import require

_PREDICTIONS = {}
_LOCK = threading.Lock()
_IMAGE_MODEL = re.compile(r"flux|sdxl|diffusion|image", re.I)


def _images(inp):
    """File inputs (an HTTP or data URL, or a list of them) of a language model: its images, whatever the
    model calls the field (image, image_input, images...)."""
    values = [v for value in inp.values() for v in (value if isinstance(value, list) else [value])]
    return sum(1 for v in values if isinstance(v, str) and v.startswith(("http://", "https://", "data:")))


def _public(pred):
    return {k: v for k, v in pred.items() if not k.startswith("_")}


def _finish(pred):
    if pred["_fail"]:
        pred.update(status="failed", error="emulated model failure", output=None)
        return
    pred["status"] = "succeeded"
    pred["output"] = pred["_output"]
    pred["completed_at"] = now()
    if not pred["_image"]:
        pred["metrics"] = {"input_token_count": pred["_usage"][0], "output_token_count": pred["_usage"][1],
                           "predict_time": 0.01}


@route("POST", r"/v1/models/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+)/predictions", "openai")
def create(ctx, owner, name):
    return _create(ctx, f"{owner}/{name}")


@route("POST", r"/v1/predictions", "openai")
def create_version(ctx):
    version = ctx.json.get("version")
    require(isinstance(version, str) and re.fullmatch(r"[\w.-]+/[\w.-]+(:\w+)?|\w{64}", version),
            "version must be owner/name, owner/name:version_id or a version id", "version")
    return _create(ctx, version.split(":")[0])


def _create(ctx, model):
    body = ctx.json
    inp = body.get("input")
    require(isinstance(inp, dict), "input is required", "input")
    require(isinstance(inp.get("prompt"), str) and inp["prompt"], "input.prompt is required", "input.prompt")
    pred_id = ctx.new_id("rep", "").replace("_", "")
    base = ctx.base_url + (f"/s/{ctx.scenario.spec}" if ctx.scenario.spec else "")
    pred = {"id": pred_id, "model": model, "version": "emu-version", "input": inp, "logs": "", "output": None,
            "error": None, "status": "starting", "created_at": now(),
            "urls": {"get": f"{base}/v1/predictions/{pred_id}", "cancel": f"{base}/v1/predictions/{pred_id}/cancel",
                     "stream": f"{base}/v1/_replicate_stream/{pred_id}"},
            "_fail": ctx.scenario.has("jobfail"), "_polls": 0}
    if _IMAGE_MODEL.search(model):
        pred["_image"] = True
        count = int(inp.get("num_outputs") or 1)
        pred["_output"] = [f"{ctx.base_url}/_emu/images/{pred_id}-{i}.png" for i in range(count)]
        ctx.note_reply({"images": count, "aspect_ratio": inp.get("aspect_ratio")})
    else:
        prompt = Prompt(model=model, system=inp.get("system_prompt") or "", texts=[inp["prompt"]],
                        last_user_text=inp["prompt"].rsplit("User: ", 1)[-1].removesuffix("\nAssistant:"),
                        max_tokens=inp.get("max_tokens"), images=_images(inp))
        reply = decide(prompt, ctx.new_id)
        ctx.note_reply(reply)
        pred["_image"] = False
        pred["_output"] = [p for p in split_pieces(reply.text or "", ctx.scenario.chunks)]
        pred["_usage"] = (reply.input_tokens, reply.output_tokens)
        pred["metrics"] = {}
        if ctx.request.headers.get("Prefer", "").startswith("wait") and not body.get("stream"):
            _finish(pred)
    with _LOCK:
        _PREDICTIONS[pred_id] = pred
    return json_response(_public(pred), status=201 if pred["status"] == "starting" else 200)


@route("GET", r"/v1/predictions/(?P<pred_id>[\w-]+)", "openai")
def get(ctx, pred_id):
    pred = _PREDICTIONS.get(pred_id)
    if pred is None:
        raise ApiError(404, "not_found", "Prediction not found")
    with _LOCK:
        pred["_polls"] += 1
        if pred["status"] == "starting":
            pred["status"] = "processing"
        elif pred["status"] == "processing" and pred["_polls"] >= 2:
            _finish(pred)
    ctx.note_reply({"poll": pred["_polls"], "status": pred["status"]})
    return json_response(_public(pred))


@route("GET", r"/v1/_replicate_stream/(?P<pred_id>[\w-]+)", "openai")
def stream(ctx, pred_id):
    pred = _PREDICTIONS.get(pred_id)
    if pred is None:
        raise ApiError(404, "not_found", "Prediction not found")
    require(ctx.request.headers.get("Accept") == "text/event-stream", "Accept: text/event-stream is required")
    events = [f"event: output\nid: {pred_id}:{i}\ndata: {piece}\n\n".encode()
              for i, piece in enumerate(pred["_output"])]
    if pred["_fail"]:
        events.append(b"event: error\ndata: emulated model failure\n\n")
    else:
        events.append(b"event: done\ndata: {}\n\n")
    with _LOCK:
        _finish(pred)
    return stream_response(ctx, events, keepalive=None)
