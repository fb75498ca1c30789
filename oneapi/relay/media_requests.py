"""Checks of image, audio and rerank requests, made before a channel is picked, so a request the provider would
refuse is answered 400 in OpenAI's error shape without being sent or charged (the fork's ``validateImageRequest``,
its audio and its rerank checks). Field types of JSON bodies are body_types' concern; this adds what must be
present and the per-model limits, for JSON and multipart bodies alike (form values arrive as strings).
"""
from __future__ import annotations

from oneapi.billing.quota import LEGACY_IMAGE_SIZE_RATIOS
from oneapi.relay.errors import RelayError

_GPT_IMAGE_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
# model -> (most images per request, accepted sizes); other models are the provider's business
IMAGE_LIMITS = {
    "dall-e-2": (10, tuple(LEGACY_IMAGE_SIZE_RATIOS["dall-e-2"])),
    "dall-e-3": (1, tuple(LEGACY_IMAGE_SIZE_RATIOS["dall-e-3"])),
    "gpt-image-1": (10, _GPT_IMAGE_SIZES),
    "gpt-image-1-mini": (10, _GPT_IMAGE_SIZES),
}
DALL_E_3_QUALITIES = ("standard", "hd")
MAX_SPEECH_INPUT = 4096  # characters, as OpenAI and the fork
_EDIT_FILES = ("image", "image[]")


def _invalid(message: str, param: str, code: str = "invalid_value") -> RelayError:
    return RelayError(400, message, "invalid_request_error", code, param)


def _count(value) -> int | None:
    """``n`` as an integer (JSON numbers, or the digits of a form field), None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():  # 2.0 is an integer to body_types (and to Go's decoder)
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _check_image(rr, fields: dict) -> None:
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise _invalid("prompt is required", "prompt", "prompt_missing")
    max_images, sizes = IMAGE_LIMITS.get(rr.model, (None, None))
    if fields.get("n") is not None:
        n = _count(fields["n"])
        if n is None or n < 1 or (max_images is not None and n > max_images):
            limit = f"between 1 and {max_images}" if max_images else "at least 1"
            raise _invalid(f"invalid value of n: {fields['n']!r} (must be {limit} for {rr.model})", "n",
                           "n_not_within_range")
    size = fields.get("size")
    if sizes is not None and size not in (None, "") and size not in sizes:
        raise _invalid(f"size {size!r} is not supported by {rr.model} (supported: {', '.join(sizes)})", "size",
                       "size_not_supported")
    quality = fields.get("quality")
    if rr.model == "dall-e-3" and quality not in (None, "") and quality not in DALL_E_3_QUALITIES:
        raise _invalid(f"Invalid value: '{quality}'. Supported values are: 'standard' and 'hd'.", "quality")
    if rr.mode == "images_edits":
        has_image = (any(name in _EDIT_FILES for name, *_ in rr.files) if rr.is_multipart
                     else bool(fields.get("images")))
        if not has_image:
            raise _invalid("an image to edit is required (multipart file 'image', or 'images' in a JSON body)",
                           "image", "image_missing")


def _check_transcription(rr) -> None:
    if not rr.is_multipart:
        raise _invalid("the audio must be sent as multipart/form-data", "file", "invalid_content_type")
    if not any(name == "file" for name, *_ in rr.files):
        raise _invalid("file is required", "file", "file_missing")


def _check_speech(fields: dict) -> None:
    text = fields.get("input")
    if not isinstance(text, str) or not text:
        raise _invalid("input is required", "input", "input_missing")
    if len(text) > MAX_SPEECH_INPUT:
        raise _invalid(f"input is too long (over {MAX_SPEECH_INPUT} characters)", "input", "text_too_long")


def _check_rerank(fields: dict) -> None:
    query = fields.get("query")
    if not isinstance(query, str) or not query.strip():
        raise _invalid("query is required", "query", "query_missing")
    documents = fields.get("documents")
    if not isinstance(documents, list) or not documents:
        raise _invalid("documents must be a non-empty array", "documents", "documents_missing")


def check(rr) -> None:
    """Raise a 400 RelayError for an image, audio or rerank request that cannot be served as sent."""
    fields = rr.json if rr.json is not None else rr.form
    if rr.mode in ("images", "images_edits"):
        _check_image(rr, fields)
    elif rr.mode in ("audio_transcription", "audio_translation"):
        _check_transcription(rr)
    elif rr.mode == "audio_speech":
        _check_speech(fields)
    elif rr.mode == "rerank":
        _check_rerank(fields or {})
