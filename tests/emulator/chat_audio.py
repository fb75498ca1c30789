"""gpt-4o audio in Chat Completions, as the audio models answer: `input_audio` parts are heard (10 audio tokens
per second, counted into the prompt) and, with `modalities` holding "audio", the answer is spoken: the message's
`content` is null and `audio` carries the bytes (base64, in `audio.format`) and their transcript, with the audio
tokens in `completion_tokens_details`. Non-audio models refuse both, as the real API does."""
import base64
import binascii
import math

from .media import speech, wav_duration
from .protocols.common import require
from .tokens import count_words
from .wire import now

TOKENS_PER_SECOND = 10
INPUT_FORMATS = ("wav", "mp3")
OUTPUT_FORMATS = ("wav", "mp3", "flac", "opus", "pcm16")


def _input_clips(messages):
    for message in messages:
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and part.get("type") == "input_audio":
                yield part.get("input_audio") or {}


def input_audio_tokens(body):
    """Audio tokens of the prompt's `input_audio` parts (a 400 for a clip the real API could not decode)."""
    tokens = 0
    for clip in _input_clips(body.get("messages") or []):
        require(clip.get("format") in INPUT_FORMATS, f"Invalid value: '{clip.get('format')}'. Supported values "
                                                     "are: 'wav' and 'mp3'.", "input_audio.format")
        try:
            data = base64.b64decode(clip.get("data") or "", validate=True)
        except (binascii.Error, ValueError):
            data = b""
        require(data, "Invalid 'input_audio.data': expected base64-encoded audio.", "input_audio.data")
        seconds = wav_duration(data) if clip["format"] == "wav" else len(data) / 16000
        tokens += max(1, math.ceil((seconds or 0) * TOKENS_PER_SECOND))
    return tokens


def wants_audio(body):
    return "audio" in (body.get("modalities") or [])


def check(body):
    """The audio models' request rules."""
    is_audio_model = "audio" in body.get("model", "")
    if not is_audio_model:
        require(not wants_audio(body) and not any(True for _ in _input_clips(body.get("messages") or [])),
                "This model does not support audio input or output.", "modalities")
        return
    if wants_audio(body):
        audio = body.get("audio") or {}
        require(audio.get("voice"), "Missing required parameter: 'audio.voice'.", "audio.voice")
        require(audio.get("format") in OUTPUT_FORMATS, f"Invalid value: '{audio.get('format')}'.", "audio.format")


def speak(ctx, body, message, usage):
    """Turn the text answer into spoken audio and count the audio tokens on both sides."""
    heard = input_audio_tokens(body)
    usage["prompt_tokens"] += heard
    usage["total_tokens"] += heard
    usage["prompt_tokens_details"]["audio_tokens"] = heard
    if not wants_audio(body):
        return
    transcript = message["content"] or ""
    seconds = max(0.2, 0.3 * count_words(transcript))
    fmt = body["audio"]["format"]
    data, _ = speech(seconds, "wav" if fmt == "pcm16" else fmt)
    spoken = math.ceil(seconds * TOKENS_PER_SECOND)
    message["content"] = None
    message["audio"] = {"id": ctx.new_id("audio"), "expires_at": now() + 3600,
                        "data": base64.b64encode(data).decode(), "transcript": transcript}
    usage["completion_tokens"] += spoken
    usage["total_tokens"] += spoken
    usage["completion_tokens_details"]["audio_tokens"] = spoken
