"""Image generation on Bedrock (``/v1/images/generations``, InvokeModel), answered as an OpenAI images response.

- Amazon Titan Image Generator v2 and Nova Canvas: ``{"taskType": "TEXT_IMAGE", "textToImageParams": {"text"},
  "imageGenerationConfig": {"numberOfImages", "width", "height", "quality"}}`` -> ``{"images": [base64...]}``.
  OpenAI's ``size`` is fitted to what the model takes: Titan has a fixed list of resolutions (the closest aspect
  ratio wins), Nova Canvas takes sides of 320-4096 px in steps of 16; ``quality`` hd/high -> premium.
- Stability AI (Stable Image Core/Ultra, SD3.5 Large): ``{"prompt", "aspect_ratio", "output_format"}`` ->
  ``{"images", "finish_reasons"}``, one image per call (``n`` > 1 is refused rather than billed for images that
  would not come); a filtered prompt or image is a 400 ``content_filter``.

Bedrock returns image bytes, never a link: the answer is ``b64_json``, and a client asking for
``response_format: "url"`` gets a ``data:`` URL in ``url`` (usable wherever an image URL is, with nothing stored).
Billing is the relay's per-image price, fixed before the call from ``n``.
"""
from __future__ import annotations

import re
import time

import orjson

from oneapi.relay.errors import RelayError
from oneapi.relay.providers import chat_bridge as bridge

MARKER = "images"
_TITAN_SIZES = ((1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
                (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896), (576, 448),
                (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704), (1408, 640), (704, 320),
                (1152, 640), (1173, 640))
_NOVA_MIN, _NOVA_MAX, _NOVA_PIXELS = 320, 4096, 4_194_304
_STABILITY_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
_MEDIA_TYPES = (("iVBOR", "image/png"), ("/9j/", "image/jpeg"), ("UklGR", "image/webp"))


def is_image_model(model: str) -> bool:
    name = (model or "").lower()
    return any(key in name for key in ("titan-image", "nova-canvas", "stability.", "stable-image", "sd3"))


def is_stability(model: str) -> bool:
    name = model.lower()
    return "stability." in name or "stable-image" in name or "sd3" in name


def _size(body: dict) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", str(body.get("size") or ""))
    return (int(match[1]), int(match[2])) if match else (1024, 1024)


def _titan_size(width: int, height: int) -> tuple[int, int]:
    ratio = width / height
    return min(_TITAN_SIZES, key=lambda s: (abs(s[0] / s[1] - ratio), abs(s[0] * s[1] - width * height)))


def _nova_size(width: int, height: int) -> tuple[int, int]:
    ratio = min(max(width / height, 0.25), 4.0)  # Nova Canvas takes 1:4 to 4:1
    scale = min(1.0, (_NOVA_PIXELS / (width * height)) ** 0.5)
    w = min(_NOVA_MAX, max(_NOVA_MIN, int(width * scale) // 16 * 16))
    h = min(_NOVA_MAX, max(_NOVA_MIN, int(w / ratio) // 16 * 16))
    return w, h


def _stability_ratio(width: int, height: int) -> str:
    return min(_STABILITY_RATIOS, key=lambda r: abs(int(r.split(":")[0]) / int(r.split(":")[1]) - width / height))


def request_body(body: dict, model: str) -> dict:
    """An OpenAI images body -> the model's InvokeModel body."""
    prompt = body.get("prompt") or ""
    n = body.get("n") or 1
    width, height = _size(body)
    if is_stability(model):
        if n != 1:
            raise RelayError(400, "Stability AI models on Bedrock make one image per request; ask for n=1",
                             "invalid_request_error", "invalid_n")
        fmt = body.get("output_format") if body.get("output_format") in ("png", "jpeg") else "png"
        return {"prompt": prompt, "aspect_ratio": _stability_ratio(width, height), "output_format": fmt}
    width, height = _nova_size(width, height) if "nova" in model.lower() else _titan_size(width, height)
    config: dict = {"numberOfImages": int(n), "width": width, "height": height}
    if body.get("quality"):
        config["quality"] = "premium" if body["quality"] in ("hd", "high", "premium") else "standard"
    return {"taskType": "TEXT_IMAGE", "textToImageParams": {"text": prompt}, "imageGenerationConfig": config}


def _media_type(b64: str) -> str:
    return next((media for prefix, media in _MEDIA_TYPES if b64.startswith(prefix)), "image/png")


def answer(resp, response_format: str | None):
    """The model's answer -> an OpenAI images response (or an error answer when no image came)."""
    try:
        body = orjson.loads(resp.content)
    except ValueError:
        return bridge.error_answer(502, "Bedrock answered the image request with something other than JSON", resp)
    images = [i for i in body.get("images") or [] if isinstance(i, str) and i]
    filtered = [r for r in body.get("finish_reasons") or [] if r]
    if filtered and not images:
        return bridge.error_answer(400, f"Bedrock filtered the image ({filtered[0]})", resp, "content_filter")
    if not images:
        return bridge.error_answer(502, f"Bedrock returned no image ({body.get('error') or 'empty answer'})", resp,
                                   "no_image")
    if response_format == "url":
        data = [{"url": f"data:{_media_type(i)};base64,{i}"} for i in images]
    else:
        data = [{"b64_json": i} for i in images]
    return bridge.synthetic_response(200, {"created": int(time.time()), "data": data}, like=resp)
