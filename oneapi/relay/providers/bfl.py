"""Black Forest Labs' own API (FLUX image models), reached through a Replicate-type channel (46) whose base URL is a
BFL host (``api.bfl.ai``, ``api.us1.bfl.ai``, ``api.bfl.ml``, ...) or whose config says ``"api_format": "bfl"``:
the original has no channel type of its own for it, and Replicate is its image-job type.

``POST {base}/v1/{model}`` with ``x-key: <key>`` and ``{"prompt", "width", "height"}`` (``aspect_ratio`` for the
ultra and kontext models) submits a job and answers ``{"id", "polling_url"}``; ``GET polling_url`` gives
``status`` ``Pending`` ... ``Ready`` with ``result.sample`` (an image URL valid for minutes), or ``Error``,
``Content Moderated``, ``Request Moderated``. The answer is an OpenAI images response with the sample URLs.
A job makes one image: ``n`` > 1 is refused (400) rather than billed for images that would not come.
"""
from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import orjson

from oneapi.relay.providers import chat_bridge as bridge

MARKER = "bfl"
READY, PENDING = "Ready", ("Pending", "Queued", "Processing")
_HOST = re.compile(r"(^|\.)bfl\.(ai|ml)$")
_ASPECT_ONLY = re.compile(r"ultra|kontext|flux-2", re.I)


def is_bfl(channel, cfg: dict) -> bool:
    if str(cfg.get("api_format") or "").lower() == MARKER:
        return True
    host = urlsplit((channel.base_url or "").strip()).hostname or ""
    return bool(_HOST.search(host))


def target(base: str, model: str, key: str):
    from oneapi.relay.providers import Target
    base = re.sub(r"/v1/?$", "", base.rstrip("/"))
    return Target(f"{base}/v1/{model}#{MARKER}", {"x-key": key, "accept": "application/json"}, "native")


def job_body(body: dict, model: str) -> dict:
    """An OpenAI images body -> a BFL job."""
    from oneapi.relay.providers.replicate import aspect_ratio
    out: dict = {"prompt": body.get("prompt") or ""}
    match = re.fullmatch(r"(\d+)x(\d+)", body.get("size") or "")
    if match and not _ASPECT_ONLY.search(model):
        out["width"], out["height"] = (int(match[1]) // 32 * 32, int(match[2]) // 32 * 32)
    elif match:
        out["aspect_ratio"] = aspect_ratio(body["size"])
    if body.get("output_format") in ("png", "jpeg"):
        out["output_format"] = body["output_format"]
    return out


def prepare_body(body: dict, model: str) -> bytes:
    n = body.get("n")
    if isinstance(n, int) and n > 1:
        from oneapi.relay.errors import RelayError
        raise RelayError(400, "Black Forest Labs makes one image per request; ask for n=1", "invalid_request_error",
                         "invalid_n")
    return orjson.dumps(job_body(body, model))


def reframe(resp):
    return bridge.follow_job(resp, _follow, "BFL job")


def _follow(resp):
    job = bridge.job_json(resp)
    headers = bridge.forwarded_headers(resp, "x-key")
    url = job.get("polling_url") or f"{_api_base(resp.url)}/v1/get_result?id={job.get('id', '')}"
    status, result = bridge.poll(url, headers, lambda r: r.get("status") not in PENDING)
    if status != 200:
        return bridge.error_answer(status if status >= 400 else 502, "polling the BFL job failed", resp)
    if result.get("status") != READY:
        moderated = "Moderated" in str(result.get("status"))
        return bridge.error_answer(400 if moderated else 502, f"BFL job {result.get('status')}", resp,
                                   "content_filter" if moderated else "job_failed")
    sample = result.get("result") or {}
    item = {"url": sample.get("sample")}
    if sample.get("prompt"):
        item["revised_prompt"] = sample["prompt"]
    return bridge.synthetic_response(200, {"created": int(time.time()), "data": [item]}, like=resp)


def _api_base(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
