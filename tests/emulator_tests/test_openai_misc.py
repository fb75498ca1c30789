"""Embeddings, moderations, images, audio, rerank and models through the OpenAI SDK."""
import base64
import io
import struct

import openai
import pytest
import requests

from tests.emulator.media import png, wav, wav_duration

from .conftest import openai_client


def test_embeddings_float_and_base64_agree(oai, emu):
    as_float = oai.embeddings.create(model="text-embedding-3-small", input=["hello world", "bye"],
                                     encoding_format="float", dimensions=12)
    assert [d.index for d in as_float.data] == [0, 1] and len(as_float.data[0].embedding) == 12
    assert as_float.usage.prompt_tokens == 3 and as_float.usage.total_tokens == 3
    default = oai.embeddings.create(model="text-embedding-3-small", input="hello world", dimensions=12)
    assert default.data[0].embedding == pytest.approx(as_float.data[0].embedding, abs=1e-6)  # SDK asks base64
    raw = requests.post(emu.url + "/v1/embeddings", headers={"Authorization": "Bearer k"}, json={
        "model": "m", "input": "hello world", "encoding_format": "base64", "dimensions": 12}).json()
    decoded = struct.unpack("<12f", base64.b64decode(raw["data"][0]["embedding"]))
    assert list(decoded) == pytest.approx(as_float.data[0].embedding, abs=1e-6)
    tokens = oai.embeddings.create(model="m", input=[[1, 2, 3], [4, 5]], encoding_format="float")
    assert tokens.usage.prompt_tokens == 5
    with pytest.raises(openai.BadRequestError):
        oai.embeddings.create(model="m", input="")


def test_moderations(oai):
    result = oai.moderations.create(model="omni-moderation-latest", input=["I will kill it", "nice day"])
    flagged, clean = result.results
    assert flagged.flagged and flagged.categories.violence and not flagged.categories.hate
    assert not clean.flagged and clean.category_scores.violence < 0.01


def test_image_generation_url_and_b64(oai, emu):
    dalle = oai.images.generate(model="dall-e-3", prompt="a red square", n=1)
    assert dalle.data[0].url.startswith(emu.url) and dalle.data[0].revised_prompt
    assert requests.get(dalle.data[0].url).content == png()
    gpt_image = oai.images.generate(model="gpt-image-1", prompt="a red square", n=2)
    assert len(gpt_image.data) == 2 and base64.b64decode(gpt_image.data[0].b64_json) == png()
    assert gpt_image.usage.input_tokens == 3 and gpt_image.usage.output_tokens == 544


def test_image_edit_multipart(oai, fresh):
    result = oai.images.edit(model="gpt-image-1", image=("in.png", png(), "image/png"), prompt="make it blue")
    assert base64.b64decode(result.data[0].b64_json).startswith(b"\x89PNG")
    recorded = fresh.last_request("/v1/images/edits")
    assert recorded["form"]["prompt"] == "make it blue" and recorded["form"]["model"] == "gpt-image-1"
    assert recorded["files"]["image"]["filename"] == "in.png" and recorded["files"]["image"]["size"] > 0


def test_transcription_formats(oai, fresh):
    audio = wav(2.5)
    assert wav_duration(audio) == 2.5
    plain = oai.audio.transcriptions.create(model="whisper-1", file=("talk.wav", audio))
    assert plain.text == "emulated transcription of talk.wav"
    text = oai.audio.transcriptions.create(model="whisper-1", file=("talk.wav", audio), response_format="text")
    assert text.strip() == "emulated transcription of talk.wav"
    verbose = oai.audio.transcriptions.create(model="whisper-1", file=("talk.wav", audio),
                                              response_format="verbose_json", timestamp_granularities=["word"])
    assert verbose.duration == 2.5 and verbose.segments[0].end == 2.5 and len(verbose.words) == 4
    tokens = oai.audio.transcriptions.create(model="gpt-4o-transcribe", file=("talk.wav", audio))
    assert tokens.usage.type == "tokens" and tokens.usage.input_tokens == 25
    srt = oai.audio.transcriptions.create(model="whisper-1", file=("talk.wav", audio), response_format="srt")
    assert "00:00:00,000 --> 00:00:02,500" in srt
    assert fresh.last_request()["files"]["file"]["filename"] == "talk.wav"


def test_translation(oai):
    result = oai.audio.translations.create(model="whisper-1", file=("fr.wav", wav(1.0)),
                                           response_format="verbose_json")
    assert result.text == "emulated translation of fr.wav" and result.language == "english"


def test_speech_returns_audio_bytes(oai):
    mp3 = oai.audio.speech.create(model="tts-1", voice="alloy", input="hello there world")
    assert mp3.response.headers["content-type"] == "audio/mpeg" and mp3.content.startswith(b"ID3")
    wav_audio = oai.audio.speech.create(model="tts-1", voice="alloy", input="hello there world",
                                        response_format="wav")
    assert wav_duration(wav_audio.content) == pytest.approx(0.9, abs=0.01)
    with pytest.raises(openai.BadRequestError):
        oai.audio.speech.create(model="tts-1", voice="alloy", input="")


def test_rerank_jina_and_cohere_styles(emu):
    payload = {"model": "rerank-1", "query": "red apple",
               "documents": ["green pear", "a red apple pie", {"text": "red car"}], "top_n": 2}
    jina = requests.post(emu.url + "/v1/rerank", headers={"Authorization": "Bearer k"}, json=payload).json()
    assert [r["index"] for r in jina["results"]] == [1, 2]
    assert jina["results"][0]["document"] == {"text": "a red apple pie"}
    assert jina["results"][0]["relevance_score"] > jina["results"][1]["relevance_score"]
    assert jina["usage"]["total_tokens"] == 2 + 2 + 4 + 2
    cohere = requests.post(emu.url + "/v2/rerank", headers={"Authorization": "Bearer k"}, json=payload).json()
    assert "document" not in cohere["results"][0] and cohere["meta"]["billed_units"]["search_units"] == 1


def test_models_list_per_protocol(oai, emu):
    ids = [m.id for m in oai.models.list()]
    assert "gpt-4o" in ids
    assert oai.models.retrieve("gpt-4o").id == "gpt-4o"
    anthropic_list = requests.get(emu.url + "/v1/models", headers={"x-api-key": "k",
                                                                   "anthropic-version": "2023-06-01"}).json()
    assert anthropic_list["data"][0]["type"] == "model" and anthropic_list["has_more"] is False
    gemini_list = requests.get(emu.url + "/v1/models?key=k").json()
    assert gemini_list["models"][0]["name"].startswith("models/")


def test_speech_cut_drops_connection(emu):
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.post(emu.url + "/s/cut/v1/audio/speech", headers={"Authorization": "Bearer k"},
                      json={"model": "tts-1", "voice": "alloy", "input": "some words here"})


def test_errors_apply_to_every_endpoint(emu):
    client = openai_client(emu.scenario_url("fail503"))
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model="m", input="x")
    with pytest.raises(openai.InternalServerError):
        client.audio.transcriptions.create(model="whisper-1", file=("a.wav", io.BytesIO(wav(0.1))))
