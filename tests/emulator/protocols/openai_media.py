"""OpenAI-wire images (generations, edits) and audio (transcriptions, translations, speech)."""
import base64
import math

from werkzeug.wrappers import Response

from ..app import route
from ..errors import ApiError
from ..media import png, speech, wav_duration
from ..tokens import count_words
from ..wire import body_bytes, body_json, now, sse, stream_response
from .common import require

# ---- images ---------------------------------------------------------------------------------------


def _image_data(ctx, prompt, model, count, response_format):
    is_gpt_image = (model or "").startswith("gpt-image")
    if is_gpt_image and response_format is not None:  # as the real API: GPT Image always answers b64_json
        raise ApiError(400, "bad_request", "Unknown parameter: 'response_format'.", param="response_format",
                       code="unknown_parameter")
    fmt = "b64_json" if is_gpt_image else (response_format or "url")
    require(fmt in ("url", "b64_json"), f"Invalid value: '{fmt}'. Supported values are: 'url' and 'b64_json'.",
            "response_format")
    data = []
    for index in range(count):
        item = {"revised_prompt": f"{prompt} (image {index + 1})"} if model == "dall-e-3" else {}
        if fmt == "url":
            item["url"] = f"{ctx.base_url}/_emu/images/{index}.png"
        else:
            item["b64_json"] = base64.b64encode(png()).decode()
        data.append(item)
    result = {"created": now(), "data": data}
    if is_gpt_image:
        tokens = count_words(prompt)
        result["usage"] = {"input_tokens": tokens, "output_tokens": 272 * count, "total_tokens": tokens + 272 * count,
                           "input_tokens_details": {"text_tokens": tokens, "image_tokens": 0}}
    return result


@route("POST", r"/v1/images/generations", "openai")
def image_generations(ctx):
    return handle_image_generations(ctx, ctx.json)


def handle_image_generations(ctx, body):
    require(body.get("prompt"), "you must provide a prompt parameter", "prompt")
    result = _image_data(ctx, body["prompt"], body.get("model", "dall-e-2"), int(body.get("n") or 1),
                         body.get("response_format"))
    ctx.note_reply({"images": len(result["data"]), "usage": result.get("usage")})
    return body_json(ctx, result)


@route("POST", r"/v1/images/edits", "openai")
def image_edits(ctx):
    form, files = ctx.request.form, ctx.request.files
    images = files.getlist("image") + files.getlist("image[]")
    require(images, "Missing required parameter: 'image'.", "image")
    require(form.get("prompt"), "Missing required parameter: 'prompt'.", "prompt")
    for image in images:
        require(image.read(8) == b"\x89PNG\r\n\x1a\n" or image.mimetype != "image/png",
                "Invalid image file: the PNG is corrupt.", "image")
    result = _image_data(ctx, form["prompt"], form.get("model", "dall-e-2"), int(form.get("n") or 1),
                         form.get("response_format"))
    ctx.note_reply({"images": len(result["data"]), "edited": len(images), "usage": result.get("usage")})
    return body_json(ctx, result)


@route("GET", r"/_emu/images/(?P<name>[\w.-]+)", "emu")
def served_image(app, request, name):
    return Response(png(), mimetype="image/png")


# ---- audio ----------------------------------------------------------------------------------------


def _transcribe(ctx, task):
    form, files = ctx.request.form, ctx.request.files
    upload = files.get("file")
    require(upload is not None, "Missing required parameter: 'file'.", "file")
    require(form.get("model"), "Missing required parameter: 'model'.", "model")
    data = upload.read()
    duration = wav_duration(data)
    if duration is None:
        duration = len(data) / 16000  # about 128 kbit/s for compressed formats
    duration = round(duration, 2)
    text = f"emulated {task} of {upload.filename or 'audio'}"
    if form.get("prompt"):
        text += f" ({form['prompt']})"
    model = form["model"]
    if "whisper" in model:
        usage = {"type": "duration", "seconds": math.ceil(duration)}
    else:
        audio_tokens = max(1, math.ceil(duration * 10))
        usage = {"type": "tokens", "input_tokens": audio_tokens, "output_tokens": count_words(text),
                 "total_tokens": audio_tokens + count_words(text),
                 "input_token_details": {"audio_tokens": audio_tokens, "text_tokens": 0}}
    ctx.note_reply({"text": text, "duration": duration, "usage": usage})
    fmt = form.get("response_format", "json")
    if fmt == "text":
        return Response(text + "\n", mimetype="text/plain")
    if fmt in ("srt", "vtt"):
        return Response(_subtitles(text, duration, fmt), mimetype="text/plain")
    if fmt == "verbose_json":
        body = {"task": "transcribe" if task == "transcription" else "translate",
                "language": "english" if task == "translation" else form.get("language", "english"),
                "duration": duration, "text": text,
                "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": duration, "text": text,
                              "tokens": list(range(50364, 50364 + count_words(text))), "temperature": 0.0,
                              "avg_logprob": -0.2, "compression_ratio": 1.0, "no_speech_prob": 0.01}],
                "usage": {"type": "duration", "seconds": math.ceil(duration)}}
        if "word" in form.getlist("timestamp_granularities[]"):
            words = text.split()
            step = duration / max(1, len(words))
            body["words"] = [{"word": w, "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
                             for i, w in enumerate(words)]
        return body_json(ctx, body)
    if fmt != "json":
        raise ApiError(400, "bad_request", f"Invalid value: '{fmt}'.", param="response_format")
    return body_json(ctx, {"text": text, "usage": usage})


def _subtitles(text, duration, fmt):
    def stamp(seconds, sep):
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{int(hours):02d}:{int(minutes):02d}:{int(secs):02d}{sep}{int(round(secs % 1 * 1000)):03d}"
    if fmt == "srt":
        return f"1\n{stamp(0, ',')} --> {stamp(duration, ',')}\n{text}\n\n"
    return f"WEBVTT\n\n{stamp(0, '.')} --> {stamp(duration, '.')}\n{text}\n\n"


@route("POST", r"/v1/audio/transcriptions", "openai")
def transcriptions(ctx):
    return _transcribe(ctx, "transcription")


@route("POST", r"/v1/audio/translations", "openai")
def translations(ctx):
    return _transcribe(ctx, "translation")


@route("POST", r"/v1/audio/speech", "openai")
def audio_speech(ctx):
    return handle_speech(ctx, ctx.json)


def handle_speech(ctx, body):
    require(body.get("model"), "you must provide a model parameter", "model")
    require(body.get("input"), "Missing required parameter: 'input'.", "input")
    require(body.get("voice"), "Missing required parameter: 'voice'.", "voice")
    fmt = body.get("response_format", "mp3")
    require(fmt in ("mp3", "opus", "aac", "flac", "wav", "pcm"), f"Invalid value: '{fmt}'.", "response_format")
    seconds = max(0.2, 0.3 * count_words(body["input"]) / float(body.get("speed") or 1.0))
    audio, content_type = speech(seconds, fmt)
    ctx.note_reply({"characters": len(body["input"]), "seconds": round(seconds, 2), "bytes": len(audio)})
    if body.get("stream_format", "audio") == "sse":
        return _speech_events(ctx, body, audio)
    return body_bytes(ctx, audio, content_type)


def _speech_events(ctx, body, audio):
    """`stream_format: "sse"` (gpt-4o-mini-tts only): speech.audio.delta events, then speech.audio.done with the
    token usage, as the real API streams speech."""
    require(body["model"].startswith("gpt-4o-mini-tts"), "stream_format 'sse' is not supported for this model.",
            "stream_format")
    step = max(1, len(audio) // 4)
    events = [sse({"type": "speech.audio.delta", "audio": base64.b64encode(audio[i:i + step]).decode()})
              for i in range(0, len(audio), step)]
    input_tokens, output_tokens = count_words(body["input"]), math.ceil(len(audio) / 800)
    events.append(sse({"type": "speech.audio.done", "usage": {
        "input_tokens": input_tokens, "output_tokens": output_tokens, "total_tokens": input_tokens + output_tokens}}))
    return stream_response(ctx, events, keepalive=None)
