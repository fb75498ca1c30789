"""Replicate (channel type 46): language models and image models through the prediction API.

``POST {base}/v1/models/{owner}/{name}/predictions`` with ``{"input": {...}, "stream": bool}`` creates a
prediction. A streamed chat reads the prediction's ``urls.stream`` (SSE: ``output`` events with raw text,
then ``done`` or ``error``); otherwise the gateway asks with ``Prefer: wait`` and polls ``urls.get`` until the
prediction has succeeded, failed or been canceled. Chat answers become Chat completions (usage from
``metrics.input_token_count``/``output_token_count``); image outputs become an OpenAI images response
(``url``; ``b64_json`` when Replicate returned the file inline as a data URI, or when the client asked for
``response_format: "b64_json"``: the gateway then fetches each output under ``user_content``'s address rules).

A model named with its version (``owner/name:version_id``, community models) is run with
``POST {base}/v1/predictions`` and ``"version"`` in the body.

The channel's default base URL in the original is ``https://api.replicate.com/v1/models/``; any of
``/v1/models``, ``/v1`` at its end is ignored. A channel of this type pointed at Black Forest Labs (a ``bfl.ai`` /
``bfl.ml`` base URL, or config ``"api_format": "bfl"``) speaks BFL's own job API instead (``bfl.py``).
"""
from __future__ import annotations

import base64
import math
import re
import threading
import time

import orjson
import requests

from oneapi.relay.errors import RelayError
from oneapi.relay.formats import sse
from oneapi.relay.providers import chat_bridge as bridge

TYPES = (46,)
DEFAULT_BASE_URL = "https://api.replicate.com"
TERMINAL = ("succeeded", "failed", "canceled")
_TAIL = re.compile(r"(/v1)?(/models)?/*$")


# ---- chat -------------------------------------------------------------------------------------------------

# A language model on Replicate is a prompt in, text out: what it cannot do is refused, never faked
NO_TOOLS = "Replicate language models take no tools: a prediction is a prompt and its text, without function calls"
NO_SCHEMA = ("Replicate language models cannot be held to a JSON response_format: a prediction returns free "
             "text, so structured output cannot be guaranteed")
NO_IMAGES = ("{model} has no image input known to this gateway: Replicate models name theirs differently, so the "
             "channel config must name it (image_inputs)")


def _prompt(chat_body: dict) -> tuple[str, str]:
    """(system prompt, prompt): one user turn as it is; a longer conversation as labelled turns."""
    system, turns = [], []
    for msg in chat_body.get("messages") or []:
        role, text = msg.get("role"), bridge.content_text(msg.get("content"))
        if role in ("system", "developer"):
            system.append(text)
        elif role == "tool":
            turns.append(("tool", text))
        else:
            turns.append((role, text))
    if len(turns) == 1 and turns[0][0] == "user":
        return "\n".join(system), turns[0][1]
    lines = [f"{role.capitalize()}: {text}" for role, text in turns]
    return "\n".join(system), "\n".join(lines) + "\nAssistant:"


def chat_to_prediction(body: dict) -> dict:
    """The prediction for a Chat body; its images (URLs or data URLs) wait under ``images`` for ``prepare_body``,
    which knows the channel and so the model's image input."""
    bridge.refuse(body, tools=NO_TOOLS, response_format=NO_SCHEMA)
    system, prompt = _prompt(body)
    inp: dict = {"prompt": prompt}
    if system:
        inp["system_prompt"] = system
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if limit:
        inp["max_tokens"] = limit
        inp["max_new_tokens"] = limit  # older language models' name for it
    for name in ("temperature", "top_p", "top_k", "seed", "presence_penalty", "frequency_penalty"):
        if body.get(name) is not None:
            inp[name] = body[name]
    stop = body.get("stop")
    if stop:
        inp["stop_sequences"] = ",".join([stop] if isinstance(stop, str) else stop)
    out = {"input": inp, "stream": bool(body.get("stream"))}
    images = [(p.get("image_url") or {}).get("url", "") for m in body.get("messages") or []
              if m.get("role") == "user" and isinstance(m.get("content"), list)
              for p in m["content"] if isinstance(p, dict) and p.get("type") == "image_url"]
    if images:
        out["images"] = images
    return out


def image_input(channel, model: str, images: list[str]) -> dict:
    """The prediction input carrying ``images``, under the field the channel config's ``image_inputs`` names for
    the model: ``{"openai/gpt-4o-mini": ["image_input"]}`` (a list field: every image) or
    ``{"yorickvp/llava-13b": "image"}`` (one image). No field named: a 400, never the images dropped."""
    from oneapi.relay.providers import channel_config
    field = (channel_config(channel).get("image_inputs") or {}).get(model)
    if isinstance(field, list) and field and isinstance(field[0], str):
        return {field[0]: images}
    if isinstance(field, str) and field:
        if len(images) > 1:
            raise RelayError(400, f"{model} takes one image (input {field}); {len(images)} were sent",
                             "invalid_request_error", "unsupported_parameter", "messages")
        return {field: images[0]}
    raise RelayError(400, NO_IMAGES.format(model=model), "invalid_request_error", "unsupported_parameter",
                     "messages")


def _text(output) -> str:
    if isinstance(output, list):
        return "".join(str(o) for o in output)
    return "" if output is None else str(output)


def _usage(prediction: dict) -> dict | None:
    metrics = prediction.get("metrics") or {}
    if "input_token_count" not in metrics and "output_token_count" not in metrics:
        return None
    return bridge.usage(int(metrics.get("input_token_count") or 0), int(metrics.get("output_token_count") or 0))


def prediction_to_chat(prediction: dict) -> dict:
    if "error" in prediction and isinstance(prediction["error"], dict):  # an error answer made by reframe
        raise RelayError(502, prediction["error"].get("message", "prediction failed"), "upstream_error",
                         prediction["error"].get("code"))
    status = prediction.get("status")
    if status in ("failed", "canceled"):
        raise RelayError(502, f"Replicate prediction {status}: {prediction.get('error') or ''}".strip(),
                         "upstream_error", "prediction_" + status)
    return bridge.completion(prediction.get("id", ""), prediction.get("model", ""),
                             {"content": _text(prediction.get("output"))}, "stop", _usage(prediction))


class StreamTranslator:
    """Replicate's stream (``output`` events carry raw text) -> Chat chunks."""

    def __init__(self) -> None:
        self.started = False
        self.id = "replicate"

    def feed(self, event: str | None, data: str) -> list:
        out = []
        if not self.started:
            self.started = True
            out.append(bridge.chunk(self.id, "", {"role": "assistant", "content": ""}))
        if event == "output":
            out.append(bridge.chunk(self.id, "", {"content": data}))
        elif event == "done":
            try:
                info = orjson.loads(data or "{}")
            except ValueError:
                info = {}
            reason = info.get("reason") if isinstance(info, dict) else None
            if reason in ("canceled", "error"):
                return out + [orjson.dumps({"error": {"message": f"Replicate prediction {reason}"}}).decode()]
            out.append(bridge.chunk(self.id, "", {}, "stop"))
            if isinstance(info, dict) and isinstance(info.get("usage"), dict):
                out.append(bridge.chunk(self.id, "", usage=info["usage"]))
            out.append("[DONE]")
        elif event == "error":
            out.append(orjson.dumps({"error": {"message": f"Replicate: {data}", "type": "upstream_error"}}).decode())
        return out


CODEC_NAME = "replicate"
CODECS = {CODEC_NAME: bridge.BridgedCodec(CODEC_NAME, chat_to_prediction, prediction_to_chat, StreamTranslator)}


# ---- images -----------------------------------------------------------------------------------------------

def aspect_ratio(size: str | None) -> str | None:
    """OpenAI's ``WxH`` size -> Replicate's ``W:H`` aspect ratio (1024x1792 -> 4:7)."""
    match = re.fullmatch(r"(\d+)x(\d+)", size or "")
    if not match:
        return None
    w, h = int(match[1]), int(match[2])
    g = math.gcd(w, h) or 1
    return f"{w // g}:{h // g}"


def images_to_prediction(body: dict) -> dict:
    inp: dict = {"prompt": body.get("prompt", "")}
    ratio = aspect_ratio(body.get("size"))
    if ratio:
        inp["aspect_ratio"] = ratio
    if body.get("output_format"):
        inp["output_format"] = body["output_format"]
    n = body.get("n")
    if isinstance(n, int) and n > 1:  # image models that make several take num_outputs
        inp["num_outputs"] = n
    return {"input": inp}


def prediction_to_images(prediction: dict, inline: bool = False) -> dict:
    """The outputs as an OpenAI images response: ``url`` entries, or ``b64_json`` when Replicate gave a data URI
    or ``inline`` (the client asked for ``b64_json``): each file is then fetched under the address rules of
    ``user_content`` (a provider's URL is vetted like a user's) and inlined."""
    from oneapi.relay import user_content
    output = prediction.get("output")
    items = output if isinstance(output, list) else [output] if output else []
    data = []
    for item in items:
        parsed = bridge_data_url(str(item))
        if parsed is None and inline:
            parsed = base64.b64encode(user_content.fetch(str(item))[0]).decode("ascii")
        data.append({"b64_json": parsed} if parsed is not None else {"url": str(item)})
    return {"created": int(time.time()), "data": data}


def bridge_data_url(value: str) -> str | None:
    if value.startswith("data:") and ";base64," in value:
        return value.split(";base64,", 1)[1]
    return None


# ---- adaptor hooks ----------------------------------------------------------------------------------------

def body_format(model: str, mode: str) -> str | None:
    if mode in ("chat", "responses", "claude"):
        return CODEC_NAME
    if mode == "images":
        return "raw"
    return None


def base_of(channel) -> str:
    base = (channel.base_url or "").strip() or DEFAULT_BASE_URL
    return _TAIL.sub("", base.rstrip("/"))


def _bfl(channel) -> bool:
    from oneapi.relay.providers import bfl, channel_config
    return bfl.is_bfl(channel, channel_config(channel))


def target(channel, path: str, model: str, stream: bool):
    from oneapi.relay.providers import Target
    images = path.split("?")[0].endswith("/images/generations")
    if _bfl(channel):  # a Replicate-type channel pointed at Black Forest Labs' own API
        from oneapi.relay.providers import bfl
        if not images:
            raise RelayError(400, "Black Forest Labs serves image generations only", "invalid_request_error",
                             "unsupported_endpoint")
        return bfl.target(channel.base_url or "", model, channel.key or "")
    headers = {"Authorization": f"Bearer {channel.key or ''}"}
    if not stream:
        headers["Prefer"] = "wait"
    marker = "images" if images else ("stream" if stream else "chat")
    if ":" in model:  # a community model's version (owner/name:version_id): named in the body, not the path
        return Target(f"{base_of(channel)}/v1/predictions#{marker}", headers, "native")
    return Target(f"{base_of(channel)}/v1/models/{model}/predictions#{marker}", headers, "native")


# What an images request asked that Replicate's API cannot carry, from prepare_body to reframe of the same
# request (one greenlet under gevent): whether the outputs are wanted inline (response_format b64_json).
_asked = threading.local()


def prepare_body(channel, body: dict, model: str, stream: bool) -> bytes:
    if "input" in body:  # a chat body already encoded by the codec
        prediction = body
        images = prediction.pop("images", None)
        if images:
            prediction["input"].update(image_input(channel, model, images))
    elif _bfl(channel):
        from oneapi.relay.providers import bfl
        return bfl.prepare_body(body, model)
    else:
        _asked.inline = body.get("response_format") == "b64_json"
        prediction = images_to_prediction(body)
    if ":" in model:
        prediction["version"] = model
    return orjson.dumps(prediction)


def reframe(resp):
    """Follow the prediction to its answer: the stream URL, or polling until it is finished. A prediction that
    failed comes back as an error answer (so the relay refunds and may try another channel)."""
    from oneapi.relay.providers import bfl
    if bridge.fragment(resp.url) == bfl.MARKER:
        return bfl.reframe(resp)
    return bridge.follow_job(resp, _follow, "Replicate prediction")


def _follow(resp):
    marker = bridge.fragment(resp.url)
    prediction = bridge.job_json(resp)
    auth = bridge.forwarded_headers(resp, "Authorization")
    if marker == "stream":
        stream_url = (prediction.get("urls") or {}).get("stream")
        if not stream_url:
            return bridge.error_answer(502, "Replicate gave no stream URL", resp)
        streamed = bridge.fetch("GET", stream_url, {**auth, "Accept": "text/event-stream",
                                                    "Cache-Control": "no-store"}, stream=True)
        if streamed.status_code == 200:
            streamed.raw = _UsageOnDone(streamed.raw, (prediction.get("urls") or {}).get("get"), auth)
        return streamed
    if prediction.get("status") not in TERMINAL:
        get_url = (prediction.get("urls") or {}).get("get")
        status, prediction = bridge.poll(get_url, auth, lambda p: p.get("status") in TERMINAL)
        if status != 200:
            return bridge.error_answer(status if status >= 400 else 502,
                                       f"polling the Replicate prediction failed ({status})", resp)
    if prediction.get("status") != "succeeded":
        return bridge.error_answer(502, f"Replicate prediction {prediction.get('status')}: "
                                        f"{prediction.get('error') or ''}".strip(), resp)
    if marker == "images":
        inline, _asked.inline = getattr(_asked, "inline", False), False
        try:
            images = prediction_to_images(prediction, inline)
        except RelayError as refused:
            return bridge.error_answer(502, f"fetching Replicate's output failed: {refused.message}", resp)
        return bridge.synthetic_response(200, images, like=resp)
    return bridge.synthetic_response(200, prediction, like=resp)


class _UsageOnDone:
    """A stream URL's body, except that its ``done`` event carries the prediction's token counts as ``usage``.

    Replicate's stream gives no counts, so when ``done`` arrives the finished prediction is read once
    (``urls.get``) for its ``metrics``; if that fails the event goes on as it came. Everything else (close,
    the connection) is the wrapped urllib3 response's."""

    def __init__(self, raw, get_url: str | None, auth: dict) -> None:
        self._raw, self._get_url, self._auth = raw, get_url, auth
        self._pending = b""

    def read1(self, amt: int = 65536, decode_content: bool = True) -> bytes:
        reader = getattr(self._raw, "read1", None) or self._raw.read
        while True:
            chunk = reader(amt, decode_content=decode_content)
            if not chunk:
                rest, self._pending = self._pending, b""
                return rest
            self._pending = (self._pending + chunk).replace(b"\r\n", b"\n")
            events, sep, rest = self._pending.rpartition(b"\n\n")
            if sep:  # whole events go on; a partial one waits for the rest
                self._pending = rest
                return b"".join(self._with_usage(block) + b"\n\n" for block in events.split(b"\n\n"))

    read = read1

    def _with_usage(self, block: bytes) -> bytes:
        event, data = sse.event_fields(block.decode("utf-8", "replace").split("\n"))
        if event != "done" or not self._get_url:
            return block
        try:
            info = orjson.loads("\n".join(data) or "{}")
            used = _usage(bridge.fetch("GET", self._get_url, self._auth).json())
        except (ValueError, requests.RequestException):
            return block
        if not isinstance(info, dict) or used is None:
            return block
        return b"event: done\ndata: " + orjson.dumps({**info, "usage": used})

    def __getattr__(self, name):
        return getattr(self._raw, name)
