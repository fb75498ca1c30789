"""gpt-4o audio in Chat Completions, as the audio models answer: `input_audio` parts are heard (10 audio tokens
per second, counted into the prompt) and, with `modalities` holding "audio", the answer is spoken: the message's
`content` is null and `audio` carries the bytes (base64, in `audio.format`) and their transcript, with the audio
tokens in `completion_tokens_details`; streamed, `delta.audio` carries transcript pieces, then pcm16 data, then
the expiry. Non-audio models refuse both, as the real API does."""
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


def _speech_seconds(transcript):
    return max(0.2, 0.3 * count_words(transcript))


def account(body, usage, transcript):
    """Add the audio tokens heard (input_audio parts) and, for a spoken answer, said to the usage."""
    heard = input_audio_tokens(body)
    usage["prompt_tokens"] += heard
    usage["total_tokens"] += heard
    usage["prompt_tokens_details"]["audio_tokens"] = heard
    if wants_audio(body):
        spoken = math.ceil(_speech_seconds(transcript or "") * TOKENS_PER_SECOND)
        usage["completion_tokens"] += spoken
        usage["total_tokens"] += spoken
        usage["completion_tokens_details"]["audio_tokens"] = spoken


def speak(ctx, body, message):
    """A spoken answer: the text becomes the audio's transcript, `content` is null."""
    if not wants_audio(body):
        return
    transcript = message["content"] or ""
    fmt = body["audio"]["format"]
    data, _ = speech(_speech_seconds(transcript), "wav" if fmt == "pcm16" else fmt)
    message["content"] = None
    message["audio"] = {"id": ctx.new_id("audio"), "expires_at": now() + 3600,
                        "data": base64.b64encode(data).decode(), "transcript": transcript}


def stream_deltas(ctx, body, transcript, pieces):
    """The deltas of a spoken streamed answer (transcript pieces, then the pcm16 audio in pieces, then its
    expiry), or None when the answer is not spoken. Streams only carry pcm16, as the real API."""
    if not wants_audio(body):
        return None
    require(body["audio"]["format"] == "pcm16", "Audio output in streaming mode only supports 'pcm16'.",
            "audio.format")
    audio_id = ctx.new_id("audio")
    pcm = speech(_speech_seconds(transcript), "wav")[0][44:]
    step = max(1, len(pcm) // 3)
    deltas = [{"audio": {"id": audio_id, "transcript": piece}} for piece in pieces]
    deltas += [{"audio": {"id": audio_id, "data": base64.b64encode(pcm[i:i + step]).decode()}}
               for i in range(0, len(pcm), step)]
    return deltas + [{"audio": {"id": audio_id, "expires_at": now() + 3600}}]
