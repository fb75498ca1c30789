"""Audio through the gateway against the emulator: transcriptions and translations (multipart, every
response_format with the provider's content type, billed by the audio's duration as the fork bills whisper),
speech (billed by input characters, the audio streamed back with the provider's content type) and gpt-4o audio
in chat (input_audio parts and audio output passed to OpenAI channels intact)."""
from __future__ import annotations

import base64
import math

import pytest

from tests.emulator.media import wav

OPENAI = 1
WHISPER_PER_SECOND = 0.0001 * 500000  # $0.006 per minute = 50 quota per second


@pytest.fixture(scope="module")
def openai(world):
    return world.create_channel(OPENAI, "whisper-1,tts-1,tts-1-hd,gpt-4o-transcribe,gpt-4o-audio-preview")


def _transcribe(world, channel, path="/v1/audio/transcriptions", seconds=6, **fields):
    return world.multipart(channel, path, {"model": "whisper-1", **fields},
                           {"file": ("talk.wav", wav(seconds), "audio/wav")})


@pytest.mark.parametrize("path, task", [("/v1/audio/transcriptions", "transcription"),
                                        ("/v1/audio/translations", "translation")])
def test_verbose_json_is_relayed_and_billed_by_duration(world, emu, openai, path, task):
    before = world.used_quota()
    resp = _transcribe(world, openai, path, response_format="verbose_json", language="en")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    answer = resp.json()
    assert answer["text"] == f"emulated {task} of talk.wav" and answer["duration"] == 6.0
    sent = emu.last_request(path)
    assert sent["form"]["model"] == "whisper-1" and sent["form"]["response_format"] == "verbose_json"
    assert sent["files"]["file"]["filename"] == "talk.wav"
    assert world.charged(resp)[0] == 6 * WHISPER_PER_SECOND
    assert world.used_quota() - before == 6 * WHISPER_PER_SECOND


@pytest.mark.parametrize("fmt, content_type, body", [
    ("json", "application/json", '"text":"emulated transcription of talk.wav"'),
    ("text", "text/plain", "emulated transcription of talk.wav\n"),
    ("srt", "text/plain", "1\n00:00:00,000 --> 00:00:06,000\nemulated transcription of talk.wav\n"),
    ("vtt", "text/plain", "WEBVTT\n\n00:00:00.000 --> 00:00:06.000\nemulated transcription of talk.wav\n"),
])
def test_every_response_format_keeps_its_body_and_content_type(world, emu, openai, fmt, content_type, body):
    resp = _transcribe(world, openai, response_format=fmt)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith(content_type)
    assert body in resp.text


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt"])
def test_other_formats_are_billed_by_duration_too(world, emu, openai, fmt):
    resp = _transcribe(world, openai, response_format=fmt)
    assert resp.status_code == 200, resp.text
    assert world.charged(resp)[0] == 6 * WHISPER_PER_SECOND


def test_gpt_4o_transcribe_is_billed_by_the_tokens_it_reports(world, emu, openai):
    resp = _transcribe(world, openai, model="gpt-4o-transcribe")
    assert resp.status_code == 200, resp.text
    assert resp.json()["usage"]["input_token_details"]["audio_tokens"] == 60
    # 60 audio tokens at $6 / 1M + 4 output tokens at $10 / 1M
    assert world.charged(resp)[0] == 180 + 20


def test_mapped_model_is_sent_in_the_multipart_body(world, emu):
    import json
    cid = world.create_channel(OPENAI, "stt", model_mapping=json.dumps({"stt": "whisper-1"}))
    resp = world.multipart(cid, "/v1/audio/transcriptions", {"model": "stt", "response_format": "verbose_json"},
                           {"file": ("a.wav", wav(2), "audio/wav")})
    assert resp.status_code == 200, resp.text
    sent = emu.last_request("/v1/audio/transcriptions")
    assert sent["form"]["model"] == "whisper-1" and sent["files"]["file"]["filename"] == "a.wav"
    assert world.charged(resp)[0] == 2 * WHISPER_PER_SECOND


@pytest.mark.parametrize("fields, files, param", [
    ({"model": "whisper-1"}, {}, "file"),
    ({"model": "whisper-1"}, {"audio": ("talk.wav", wav(1), "audio/wav")}, "file"),
])
def test_transcription_without_a_file_is_refused_and_not_charged(world, emu, openai, fields, files, param):
    before = world.used_quota()
    resp = world.multipart(openai, "/v1/audio/transcriptions", fields, files)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["param"] == param and resp.json()["error"]["type"] == "invalid_request_error"
    assert not emu.requests() and world.used_quota() == before


def test_transcription_sent_as_json_is_refused(world, emu, openai):
    resp = world.post(openai, "/v1/audio/transcriptions", {"model": "whisper-1", "file": "talk.wav"})
    assert resp.status_code == 400 and resp.json()["error"]["param"] == "file"
    assert not emu.requests()


def test_provider_error_is_relayed_and_refunded(world, emu):
    cid = world.create_channel(OPENAI, "whisper-1", base_url=world.emu.scenario_url("fail500"))
    before = world.used_quota()
    resp = _transcribe(world, cid)
    assert resp.status_code == 500 and "error" in resp.json()
    assert world.cost(resp)["quota"] == 0 and world.used_quota() == before


# ---- speech ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, content_type, magic", [("mp3", "audio/mpeg", b"ID3"), ("opus", "audio/ogg", b"OggS"),
                                                      ("wav", "audio/wav", b"RIFF"), ("flac", "audio/flac", b"fLaC")])
def test_speech_streams_the_audio_with_the_provider_content_type(world, emu, openai, fmt, content_type, magic):
    text = "hello from the speech endpoint"
    with world.post(openai, "/v1/audio/speech", {"model": "tts-1", "input": text, "voice": "alloy",
                                                 "response_format": fmt}, stream=True) as resp:
        assert resp.status_code == 200, resp.text
        assert resp.headers["Content-Type"] == content_type
        audio = b"".join(resp.iter_content(4096))
    assert audio.startswith(magic) and len(audio) == emu.last_request("/v1/audio/speech")["reply"]["bytes"]
    quota, *_ = world.charged(resp)
    assert quota == int(len(text) * 7.5)  # tts-1: $15 per 1M characters


def test_speech_streamed_as_events(world, emu):
    """gpt-4o-mini-tts with stream_format "sse": the events reach the client, the price stays per character."""
    from tests.support.gateway_world import sse_data
    import json
    cid = world.create_channel(OPENAI, "gpt-4o-mini-tts")
    text = "streamed speech please"
    with world.post(cid, "/v1/audio/speech", {"model": "gpt-4o-mini-tts", "input": text, "voice": "alloy",
                                              "stream_format": "sse"}, stream=True) as resp:
        assert resp.status_code == 200, resp.text
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        events = [json.loads(d) for d in sse_data(resp)]
    audio = b"".join(base64.b64decode(e["audio"]) for e in events if e["type"] == "speech.audio.delta")
    assert audio.startswith(b"ID3") and events[-1]["type"] == "speech.audio.done"
    assert world.charged(resp)[0] == int(len(text) * 7.5)  # $15 per 1M characters


def test_speech_hd_costs_double(world, emu, openai):
    resp = world.post(openai, "/v1/audio/speech", {"model": "tts-1-hd", "input": "a" * 1000, "voice": "alloy"})
    assert resp.status_code == 200
    assert world.charged(resp)[0] == 15000  # $30 per 1M characters


@pytest.mark.parametrize("body, param", [
    ({"model": "tts-1", "voice": "alloy"}, "input"),
    ({"model": "tts-1", "voice": "alloy", "input": ""}, "input"),
    ({"model": "tts-1", "voice": "alloy", "input": "x" * 4097}, "input"),
    ({"model": "tts-1", "voice": "alloy", "input": ["a"]}, "input"),
])
def test_bad_speech_requests_are_refused_and_not_charged(world, emu, openai, body, param):
    before = world.used_quota()
    resp = world.post(openai, "/v1/audio/speech", body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["param"] == param
    assert not emu.requests() and world.used_quota() == before


# ---- gpt-4o audio in chat ----------------------------------------------------------------------------------

def test_audio_input_and_output_in_chat_reach_openai_intact(world, emu, openai):
    clip = base64.b64encode(wav(3)).decode()
    body = {"model": "gpt-4o-audio-preview", "modalities": ["text", "audio"],
            "audio": {"voice": "alloy", "format": "wav"},
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": "what is said here"},
                {"type": "input_audio", "input_audio": {"data": clip, "format": "wav"}}]}]}
    resp = world.post(openai, "/v1/chat/completions", body)
    assert resp.status_code == 200, resp.text
    sent = emu.last_request("/v1/chat/completions")["json"]
    assert sent == body
    message = resp.json()["choices"][0]["message"]
    assert base64.b64decode(message["audio"]["data"]).startswith(b"RIFF")
    assert message["audio"]["transcript"] == "echo: what is said here"
    usage = resp.json()["usage"]
    assert usage["prompt_tokens_details"]["audio_tokens"] == 30  # 3 s at 10 tokens per second
    assert usage["completion_tokens_details"]["audio_tokens"] > 0
    quota, prompt, completion = world.charged(resp)
    assert (prompt, completion) == (usage["prompt_tokens"], usage["completion_tokens"])
    # gpt-4o-audio-preview at its text prices ($2.5 / $10 per 1M): ratio 1.25, completion ratio 4
    assert quota == math.ceil((prompt + completion * 4) * 1.25)



def test_streamed_audio_answer_is_passed_through(world, emu, openai):
    from tests.support.gateway_world import sse_data
    import json
    body = {"model": "gpt-4o-audio-preview", "modalities": ["text", "audio"], "stream": True,
            "stream_options": {"include_usage": True}, "audio": {"voice": "alloy", "format": "pcm16"},
            "messages": [{"role": "user", "content": "say something short"}]}
    with world.post(openai, "/v1/chat/completions", body, stream=True) as resp:
        assert resp.status_code == 200
        data = sse_data(resp)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    audio = [c["choices"][0]["delta"]["audio"] for c in chunks if c["choices"] and "audio" in c["choices"][0]["delta"]]
    assert "".join(a.get("transcript", "") for a in audio) == "echo: say something short"
    pcm = b"".join(base64.b64decode(a["data"]) for a in audio if "data" in a)
    assert len(pcm) > 1000 and audio[-1].get("expires_at")
    usage = chunks[-1]["usage"]
    assert usage["completion_tokens_details"]["audio_tokens"] > 0
    assert world.charged(resp)[1:] == (usage["prompt_tokens"], usage["completion_tokens"])


# ---- Azure deployments -------------------------------------------------------------------------------------

def test_azure_deployments_serve_transcription_and_speech(world, emu):
    import json
    cid = world.create_channel(3, "whisper-1,tts-1", key="azkey", config=json.dumps({"api_version": "2024-10-21"}))
    resp = _transcribe(world, cid, response_format="verbose_json")
    assert resp.status_code == 200, resp.text
    sent = emu.last_request()
    assert sent["api_path"] == "/openai/deployments/whisper-1/audio/transcriptions"
    assert sent["query"].get("api-version") == "2024-10-21" and sent["headers"]["api-key"] == "azkey"
    assert sent["files"]["file"]["filename"] == "talk.wav"
    assert world.charged(resp)[0] == 6 * WHISPER_PER_SECOND
    speech = world.post(cid, "/v1/audio/speech", {"model": "tts-1", "input": "hello", "voice": "alloy"})
    assert speech.status_code == 200 and speech.headers["Content-Type"] == "audio/mpeg"
    assert emu.last_request()["api_path"] == "/openai/deployments/tts-1/audio/speech"
