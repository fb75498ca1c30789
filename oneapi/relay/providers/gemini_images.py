"""Image generation with Gemini's image models (gemini-2.5-flash-image, ...) behind OpenAI's
``/v1/images/generations`` on Gemini channels (type 24).

The request becomes a ``generateContent`` call asking for image output (``responseModalities`` TEXT+IMAGE, the
size as ``imageConfig.aspectRatio``, ``n`` as ``candidateCount``); the answer's ``inlineData`` parts become
``b64_json`` entries of an OpenAI images response (a URL cannot be offered: Gemini returns the bytes), with the
model's text as ``revised_prompt``. Billing is the relay's per-image price, fixed before the call.
"""
from __future__ import annotations

import time

import orjson

from oneapi.relay.providers.chat_bridge import error_answer, synthetic_response
from oneapi.relay.providers.replicate import aspect_ratio

MARKER = "images"  # the relay mode: gemini.reframe finds this module by it
_RATIOS = {"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"}
_SIZE_RATIOS = {"1792:1024": "16:9", "1024:1792": "9:16", "1536:1024": "3:2", "1024:1536": "2:3"}


def request_body(body: dict) -> dict:
    """An OpenAI images body -> a Gemini generateContent body asking for images."""
    config: dict = {"responseModalities": ["TEXT", "IMAGE"]}
    n = body.get("n")
    if isinstance(n, int) and n > 1:
        config["candidateCount"] = n
    ratio = aspect_ratio(body.get("size"))
    size = body.get("size") or ""
    ratio = _SIZE_RATIOS.get(size.replace("x", ":"), ratio)
    if ratio in _RATIOS:
        config["imageConfig"] = {"aspectRatio": ratio}
    return {"contents": [{"role": "user", "parts": [{"text": body.get("prompt") or ""}]}],
            "generationConfig": config}


def images_response(answer: dict) -> dict:
    """A Gemini answer -> an OpenAI images response (one entry per inline image)."""
    data = []
    for candidate in answer.get("candidates") or []:
        parts = (candidate.get("content") or {}).get("parts") or []
        text = "".join(p.get("text", "") for p in parts if isinstance(p.get("text"), str) and not p.get("thought"))
        for part in parts:
            inline = part.get("inlineData") or part.get("inline_data")
            if isinstance(inline, dict) and inline.get("data"):
                item = {"b64_json": inline["data"]}
                if text:
                    item["revised_prompt"] = text
                data.append(item)
    out: dict = {"created": int(time.time()), "data": data}
    usage = answer.get("usageMetadata")
    if isinstance(usage, dict):
        out["usage"] = {"input_tokens": usage.get("promptTokenCount", 0),
                        "output_tokens": usage.get("candidatesTokenCount", 0),
                        "total_tokens": usage.get("totalTokenCount", 0)}
    return out


def answer(gemini_answer: dict, params: str, resp):
    """The generateContent answer of an images request as an images response (a 502 when it holds no image)."""
    out = images_response(gemini_answer)
    if not out["data"]:
        reason = ((gemini_answer.get("promptFeedback") or {}).get("blockReason")
                  or next((c.get("finishReason") for c in gemini_answer.get("candidates") or []), None) or "no image")
        return error_answer(502, f"Gemini returned no image ({reason})", resp, "no_image")
    return synthetic_response(200, out, like=resp)


def prepare(url: str, data: bytes, model: str) -> tuple[str, bytes]:
    """The generateContent target and the client's images body (bytes, as prepared) -> the call, marked."""
    return f"{url}#{MARKER}", orjson.dumps(request_body(orjson.loads(data or b"{}")))
