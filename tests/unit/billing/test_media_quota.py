"""Media prices: what a GPT Image answer's usage adds to the per-image price; Gemini and Imagen per-image prices."""
from oneapi.billing.quota import image_input_quota, image_quota
from oneapi.billing.ratio import resolve_pricing


def test_gpt_image_usage_adds_its_input_tokens_only():
    p = resolve_pricing("gpt-image-1", 1)
    usage = {"input_tokens": 304, "output_tokens": 4160,
             "input_tokens_details": {"text_tokens": 40, "image_tokens": 264}}
    # 40 text tokens at $5 / 1M (ratio 2.5) + 264 image tokens at $10 / 1M (ratio 5); the output is the render
    assert image_input_quota(usage, p, 1.0) == 100 + 1320
    assert image_input_quota(usage, p, 0.5) == 710
    assert image_input_quota({"input_tokens": 3}, p, 1.0) == 8  # no details: all text, ceil(7.5)
    assert image_input_quota(None, p, 1.0) == 0
    mini = resolve_pricing("gpt-image-1-mini", 1)
    assert image_input_quota(usage, mini, 1.0) == 40 + 330  # $2 text, $2.5 image input per 1M


def test_per_image_only_models_take_nothing_from_usage():
    usage = {"input_tokens": 9, "output_tokens": 1290}
    for model in ("dall-e-3", "gemini-2.5-flash-image", "imagen-3.0-generate-002"):
        assert image_input_quota(usage, resolve_pricing(model, 1), 1.0) == 0


def test_gemini_and_imagen_per_image_prices():
    assert image_quota(resolve_pricing("gemini-2.5-flash-image", 24), 1.0, n=2) == 39000  # $0.039 each
    assert image_quota(resolve_pricing("imagen-3.0-generate-002", 42), 1.0, n=3) == 60000  # $0.04 each
    assert image_quota(resolve_pricing("imagen-4.0-fast-generate-001", 42), 0.5) == 5000
    assert image_quota(resolve_pricing("imagen-4.0-ultra-generate-001", 42), 1.0) == 30000


def test_transcription_seconds_from_every_answer_format():
    from oneapi.billing.quota import transcription_seconds
    assert transcription_seconds({"text": "hi", "duration": 6.5}) == 6.5  # verbose_json
    assert transcription_seconds({"text": "hi", "usage": {"type": "duration", "seconds": 7}}) == 7.0  # json
    assert transcription_seconds({"text": "hi"}) == 0.0
    srt = "1\n00:00:00,000 --> 00:00:04,500\nhello\n\n2\n00:00:04,500 --> 00:01:02,250\nworld\n\n"
    assert transcription_seconds(srt) == 62.25
    assert transcription_seconds("WEBVTT\n\n01:00:00.000 --> 01:00:03.000\nhi\n") == 3603.0
    assert transcription_seconds("WEBVTT\n\n00:02.000 --> 00:05.500\nshort cue stamps\n") == 5.5
    assert transcription_seconds("just the text\n") == 0.0


def test_transcription_charge_by_duration_or_by_tokens():
    from oneapi.billing.quota import transcription_charge
    whisper = resolve_pricing("whisper-1", 1)
    assert transcription_charge({"text": "x", "usage": {"type": "duration", "seconds": 60}}, whisper, 1.0) == 3000
    assert transcription_charge("1\n00:00:00,000 --> 00:00:06,000\nx\n", whisper, 0.5) == 150
    assert transcription_charge("plain text, no duration", whisper, 1.0) == 0
    assert transcription_charge("plain text, no duration", whisper, 1.0, upload_seconds=6.0) == 300
    assert transcription_charge({"text": "x", "duration": 2}, whisper, 1.0, upload_seconds=6.0) == 100
    gpt4o = resolve_pricing("gpt-4o-transcribe", 1)
    usage = {"type": "tokens", "input_tokens": 70, "output_tokens": 12, "total_tokens": 82,
             "input_token_details": {"audio_tokens": 60, "text_tokens": 10}}
    # 60 audio tokens at $6 / 1M (ratio 3) + 10 text tokens at $2.5 / 1M + 12 output tokens at $10 / 1M
    assert transcription_charge({"text": "x", "usage": usage}, gpt4o, 1.0) == 180 + 73
    assert transcription_charge({"text": "x", "duration": 60}, gpt4o, 1.0) == 3000  # no token usage: per second
