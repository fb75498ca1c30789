"""Offline token counting with tiktoken, following the original's counting rules.

Encodings come from ``data/tiktoken`` (see its README): before loading one we point
``TIKTOKEN_CACHE_DIR`` at the folder holding it - the single, deliberate write to the process
environment in this package - and we never let tiktoken download: a missing or damaged file
means the count falls back to an estimate.

Encoding is synchronous C (about 820k tokens/s) and blocks the gevent loop while it runs, so
texts longer than ``max_exact_chars`` (200k characters, ~60 ms) are counted exactly up to that
point and estimated beyond it (UTF-8 bytes / 4). These counts only size the pre-consumption and
stand in when a provider reports no usage, so an estimate for huge inputs is acceptable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import os
import struct
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Tuple

BUNDLED_DIR = Path(__file__).resolve().parent / "data" / "tiktoken"

# encoding -> (cache file name = sha1 of the download URL, sha256 tiktoken expects)
ENCODING_FILES = {
    "cl100k_base": ("9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    "o200k_base": ("fb374d419588a4632f3f557e76b4b70aebbca790",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
}

_O200K_PREFIXES = ("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4",
                   "gpt-image", "gpt-oss", "openai/gpt-oss", "codex", "computer-use")

DEFAULT_MAX_EXACT_CHARS = 200_000

_lock = threading.Lock()
_encoders: dict = {}
_settings = {"cache_dir": None, "max_exact_chars": DEFAULT_MAX_EXACT_CHARS}


def configure(cache_dir: Optional[str] = None, max_exact_chars: int = DEFAULT_MAX_EXACT_CHARS) -> None:
    """Set where encodings are read from (e.g. the ``TIKTOKEN_CACHE_DIR`` config value).

    Files missing from ``cache_dir`` are taken from the bundled folder. Already loaded
    encodings are kept only when the folder did not change.
    """
    with _lock:
        if cache_dir != _settings["cache_dir"]:
            _encoders.clear()
        _settings["cache_dir"] = cache_dir
        _settings["max_exact_chars"] = max(int(max_exact_chars), 0)


def preload(encodings: Iterable[str] = tuple(ENCODING_FILES)) -> None:
    """Load encodings now (about 0.5 s) so the first request of a worker does not pay for it."""
    for encoding in encodings:
        _encoder(encoding)


def encoding_name_for(model: str) -> str:
    """o200k_base for the GPT-4o / 4.1 / 5 and o-series families, cl100k_base otherwise."""
    name = (model or "").lower()
    return "o200k_base" if name.startswith(_O200K_PREFIXES) else "cl100k_base"


def _verified_dir(encoding: str) -> Optional[str]:
    file_name, sha256 = ENCODING_FILES[encoding]
    for folder in (_settings["cache_dir"], str(BUNDLED_DIR)):
        if not folder:
            continue
        path = os.path.join(folder, file_name)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        # tiktoken deletes a cache file whose hash is wrong and downloads it again: check first.
        if hashlib.sha256(data).hexdigest() == sha256:
            return folder
    return None


def _encoder(encoding: str):
    cached = _encoders.get(encoding, False)
    if cached is not False:
        return cached
    with _lock:
        if encoding in _encoders:
            return _encoders[encoding]
        folder = _verified_dir(encoding)
        loaded = None
        if folder is not None:
            if os.environ.get("TIKTOKEN_CACHE_DIR") != folder:
                os.environ["TIKTOKEN_CACHE_DIR"] = folder  # the one documented environment write
            import tiktoken

            loaded = tiktoken.get_encoding(encoding)
            _release_load_memory(loaded)
        _encoders[encoding] = loaded
        return loaded


def _release_load_memory(encoder) -> None:
    """The Rust core holds its own copy of the ranks: tiktoken keeps the Python dict (20-35 MB) only for
    pickling, which we never do. Dropping it, and handing the loader's garbage back to the OS, keeps a
    worker's RSS near its working set."""
    encoder._mergeable_ranks = None
    import gc
    gc.collect()
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def estimate_tokens(text: str) -> int:
    """A rough count: UTF-8 bytes / 4 (about right for English, generous for CJK)."""
    return int(math.ceil(len(text.encode("utf-8")) / 4)) if text else 0


def count_text(text: Optional[str], model: str = "", approximate: bool = False) -> int:
    """Tokens in ``text`` for ``model``'s encoding; special-token strings count as plain text.

    ``approximate`` is the original's ``ApproximateTokenEnabled`` option: bytes x 0.38.
    """
    if not text:
        return 0
    if approximate:
        return int(len(text.encode("utf-8")) * 0.38)
    encoder = _encoder(encoding_name_for(model))
    if encoder is None:
        return estimate_tokens(text)
    limit = _settings["max_exact_chars"]
    if len(text) <= limit:
        return len(encoder.encode_ordinary(text))
    return len(encoder.encode_ordinary(text[:limit])) + estimate_tokens(text[limit:])


# ---------------------------------------------------------------- images

LOW_DETAIL_TOKENS = 85
HIGH_DETAIL_TILE_TOKENS = 170
HIGH_DETAIL_BASE_TOKENS = 85
UNKNOWN_IMAGE_SIZE = (1024, 1024)  # remote images are not fetched; assume a common size


def image_tokens(detail: Optional[str] = None, width: Optional[int] = None, height: Optional[int] = None) -> int:
    """The original's image cost: low = 85; high/auto = 170 per 512px tile + 85 after scaling."""
    if detail == "low":
        return LOW_DETAIL_TOKENS
    if not width or not height:
        width, height = UNKNOWN_IMAGE_SIZE
    if width > 2048 or height > 2048:
        scale = 2048 / max(width, height)
        width, height = int(width * scale), int(height * scale)
    if width > 768 and height > 768:
        scale = 768 / min(width, height)
        width, height = int(width * scale), int(height * scale)
    tiles = math.ceil(width / 512) * math.ceil(height / 512)
    return tiles * HIGH_DETAIL_TILE_TOKENS + HIGH_DETAIL_BASE_TOKENS


def data_url_image_size(url: str) -> Optional[Tuple[int, int]]:
    """Width and height of a ``data:image/...;base64,`` URL from its header bytes, if recognisable."""
    if not url.startswith("data:") or "," not in url:
        return None
    payload = url.split(",", 1)[1][:65536]
    payload = payload[: len(payload) - len(payload) % 4]
    try:
        head = base64.b64decode(payload)
    except (binascii.Error, ValueError):
        return None
    return _sniff_size(head)


def _sniff_size(head: bytes) -> Optional[Tuple[int, int]]:
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return struct.unpack("<HH", head[6:10])
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return _webp_size(head)
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head)
    return None


def _webp_size(head: bytes) -> Optional[Tuple[int, int]]:
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8 " and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def _jpeg_size(head: bytes) -> Optional[Tuple[int, int]]:
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            i += 1
            continue
        marker = head[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", head[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def _image_part_tokens(image: Any, detail: Optional[str]) -> int:
    url = image.get("url", "") if isinstance(image, Mapping) else (image or "")
    if isinstance(image, Mapping):
        detail = image.get("detail") or detail
    if detail == "low":
        return LOW_DETAIL_TOKENS
    size = data_url_image_size(url) if isinstance(url, str) else None
    return image_tokens(detail, *(size or (None, None)))


# ---------------------------------------------------------------- chat prompts

_TEXT_PART_TYPES = ("text", "input_text", "output_text")
_IMAGE_PART_TYPES = ("image_url", "input_image")


def _content_tokens(content: Any, model: str, approximate: bool) -> int:
    if isinstance(content, str):
        return count_text(content, model, approximate)
    if not isinstance(content, list):
        return 0
    total = 0
    for part in content:
        if not isinstance(part, Mapping):
            continue
        kind = part.get("type")
        if kind in _TEXT_PART_TYPES:
            total += count_text(part.get("text") or "", model, approximate)
        elif kind in _IMAGE_PART_TYPES:
            total += _image_part_tokens(part.get("image_url"), part.get("detail"))
    return total


def count_chat_prompt(messages: Iterable[Mapping[str, Any]], model: str = "", approximate: bool = False) -> int:
    """Prompt tokens of a Chat Completions message list, the original's way.

    3 tokens per message (4 for gpt-3.5-turbo-0301) + content + role, +1 + name when a name
    is given (-1 for 0301), +3 for the reply priming. Images by detail: low 85, high/auto
    170 per tile + 85 (size read from data URLs; remote images are assumed 1024x1024).
    Beyond the original, assistant tool-call names and arguments are counted as text.
    """
    legacy = model == "gpt-3.5-turbo-0301"
    per_message, per_name = (4, -1) if legacy else (3, 1)
    total = 0
    for message in messages or ():
        if not isinstance(message, Mapping):
            continue
        total += per_message
        total += _content_tokens(message.get("content"), model, approximate)
        total += count_text(str(message.get("role") or ""), model, approximate)
        name = message.get("name")
        if name:
            total += per_name + count_text(str(name), model, approximate)
        for call in message.get("tool_calls") or ():
            function = call.get("function") if isinstance(call, Mapping) else None
            if isinstance(function, Mapping):
                total += count_text(str(function.get("name") or ""), model, approximate)
                total += count_text(str(function.get("arguments") or ""), model, approximate)
    return total + 3


TOOL_OVERHEAD_TOKENS = 8
TOOLS_BLOCK_OVERHEAD_TOKENS = 12


def count_tools(tools: Optional[Iterable[Mapping[str, Any]]], model: str = "", approximate: bool = False) -> int:
    """An estimate of the prompt tokens used by tool definitions (the original does not count them).

    Name, description and the compact JSON schema of each function are counted as text, plus a
    small fixed overhead per tool and per request. Accepts the Chat Completions shape
    ``{"type": "function", "function": {...}}`` and the flat Responses / Claude shape.
    """
    total = 0
    for tool in tools or ():
        if not isinstance(tool, Mapping):
            continue
        spec = tool.get("function") if isinstance(tool.get("function"), Mapping) else tool
        schema = spec.get("parameters", spec.get("input_schema"))
        text = " ".join(str(v) for v in (spec.get("name"), spec.get("description")) if v)
        if schema is not None:
            text += " " + json.dumps(schema, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        total += TOOL_OVERHEAD_TOKENS + count_text(text, model, approximate)
    return total + TOOLS_BLOCK_OVERHEAD_TOKENS if total else 0


# ---------------------------------------------------------------- other client formats

def _claude_block_tokens(block: Any, model: str, approximate: bool) -> int:
    if isinstance(block, str):
        return count_text(block, model, approximate)
    if not isinstance(block, Mapping):
        return 0
    kind = block.get("type")
    if kind == "text":
        return count_text(block.get("text") or "", model, approximate)
    if kind in ("thinking", "redacted_thinking"):
        return count_text(block.get("thinking") or "", model, approximate)
    if kind == "image":
        source = block.get("source") if isinstance(block.get("source"), Mapping) else {}
        if source.get("type") == "base64":
            url = "data:%s;base64,%s" % (source.get("media_type", "image/png"), source.get("data", ""))
            return image_tokens("high", *(data_url_image_size(url) or (None, None)))
        return image_tokens("high")
    if kind == "tool_use":
        arguments = json.dumps(block.get("input") or {}, ensure_ascii=False, separators=(",", ":"))
        return count_text(str(block.get("name") or ""), model, approximate) + count_text(arguments, model, approximate)
    if kind == "tool_result":
        content = block.get("content")
        blocks = content if isinstance(content, list) else [content]
        return sum(_claude_block_tokens(b, model, approximate) for b in blocks)
    return 0


def count_claude_prompt(body: Mapping[str, Any], model: str = "", approximate: bool = False) -> int:
    """Estimated prompt tokens of a Claude Messages request body, counted like a chat prompt.

    Claude's own tokenizer is not public: this uses ``model``'s tiktoken encoding, which is
    close enough to size the pre-consumption. The system prompt counts as a system message;
    tool definitions are included.
    """
    total = 0
    system = body.get("system")
    if system:
        blocks = system if isinstance(system, list) else [system]
        total += 3 + count_text("system", model, approximate)
        total += sum(_claude_block_tokens(b, model, approximate) for b in blocks)
    for message in body.get("messages") or ():
        if not isinstance(message, Mapping):
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        total += 3 + count_text(str(message.get("role") or ""), model, approximate)
        total += sum(_claude_block_tokens(b, model, approximate) for b in blocks)
    return total + 3 + count_tools(body.get("tools"), model, approximate)


def count_responses_input(body: Mapping[str, Any], model: str = "", approximate: bool = False) -> int:
    """Estimated prompt tokens of an OpenAI Responses request body (instructions, input, tools)."""
    messages = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body.get("input")
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
        items = ()
    extra = 0
    for item in items or ():
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            messages.append({"role": item.get("role") or "user", "content": item.get("content")})
        elif kind == "function_call":
            extra += count_text(str(item.get("name") or ""), model, approximate)
            extra += count_text(str(item.get("arguments") or ""), model, approximate)
        elif kind == "function_call_output":
            output = item.get("output")
            extra += count_text(output if isinstance(output, str) else json.dumps(output, ensure_ascii=False),
                                model, approximate)
    return count_chat_prompt(messages, model, approximate) + extra + count_tools(body.get("tools"), model, approximate)
