import base64
import json
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

from oneapi.billing import tokenizer
from oneapi.billing.tokenizer import (
    count_chat_prompt, count_text, count_tools, data_url_image_size, encoding_name_for, image_tokens,
)

REPO = Path(__file__).resolve().parents[3]


def test_encoding_choice_by_model():
    for model in ("gpt-4o", "gpt-4o-mini", "chatgpt-4o-latest", "gpt-4.1-nano", "gpt-5", "o1", "o3-mini", "o4-mini"):
        assert encoding_name_for(model) == "o200k_base", model
    for model in ("gpt-3.5-turbo", "gpt-4", "gpt-4-turbo", "claude-sonnet-4-5", "", "text-embedding-3-small"):
        assert encoding_name_for(model) == "cl100k_base", model


def test_counts_with_the_bundled_encodings():
    assert count_text("tiktoken is great!", "gpt-3.5-turbo") == 6
    assert tokenizer._encoder("cl100k_base").encode_ordinary("hello world") == [15339, 1917]
    assert tokenizer._encoder("o200k_base").name == "o200k_base"
    assert count_text("", "gpt-4o") == 0
    # special-token text in user content is counted as text, never rejected
    assert count_text("<|endoftext|>", "gpt-4") > 1


def test_approximate_option_uses_the_originals_formula():
    assert count_text("abcdefghij" * 10, "gpt-4", approximate=True) == 38
    assert count_text("你好", "gpt-4", approximate=True) == 2  # 6 bytes * 0.38


def test_chat_prompt_overheads():
    messages = [{"role": "system", "content": "You are a helpful assistant."},
                {"role": "user", "content": "Hello!", "name": "bob"}]
    c = lambda s: count_text(s, "gpt-3.5-turbo")  # noqa: E731
    expected = (3 + c("You are a helpful assistant.") + c("system")
                + 3 + c("Hello!") + c("user") + 1 + c("bob") + 3)
    assert count_chat_prompt(messages, "gpt-3.5-turbo") == expected == 21
    # gpt-3.5-turbo-0301: 4 per message, name replaces role (-1)
    assert count_chat_prompt(messages, "gpt-3.5-turbo-0301") == expected + 2 - 2


def test_chat_prompt_with_parts_images_and_tool_calls():
    messages = [
        {"role": "user", "content": [
            {"type": "text", "text": "What is in this image?"},
            {"type": "image_url", "image_url": {"url": "https://example.invalid/a.png", "detail": "low"}},
            {"type": "image_url", "image_url": {"url": "https://example.invalid/b.png"}},
        ]},
        {"role": "assistant", "content": None,
         "tool_calls": [{"type": "function", "function": {"name": "lookup", "arguments": '{"q":"cat"}'}}]},
    ]
    c = lambda s: count_text(s, "gpt-4o")  # noqa: E731
    expected = (3 + c("What is in this image?") + 85 + 765 + c("user")
                + 3 + c("assistant") + c("lookup") + c('{"q":"cat"}') + 3)
    assert count_chat_prompt(messages, "gpt-4o") == expected


def test_image_tokens_by_detail_and_size():
    assert image_tokens("low", 4000, 4000) == 85
    assert image_tokens("high", 1024, 1024) == 765  # 768x768 -> 4 tiles
    assert image_tokens("high", 2048, 4096) == 1105  # -> 1024x2048 -> 768x1536 -> 6 tiles
    assert image_tokens("auto", 512, 512) == 255
    assert image_tokens(None) == 765  # unknown size: assumed 1024x1024


def _data_url(raw: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def test_image_size_from_data_urls():
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 300, 200) + b"\x08\x02\x00\x00\x00"
    assert data_url_image_size(_data_url(png, "image/png")) == (300, 200)
    gif = b"GIF89a" + struct.pack("<HH", 640, 480) + b"\x00" * 6
    assert data_url_image_size(_data_url(gif, "image/gif")) == (640, 480)
    jpeg = (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
            + b"\xff\xc0" + struct.pack(">HBHH", 17, 8, 1500, 2000) + b"\x00" * 12)
    assert data_url_image_size(_data_url(jpeg, "image/jpeg")) == (2000, 1500)
    assert data_url_image_size("https://example.invalid/x.png") is None
    part = [{"type": "image_url", "image_url": {"url": _data_url(png, "image/png")}}]
    assert count_chat_prompt([{"role": "user", "content": part}], "gpt-4o") == 3 + 255 + count_text("user", "gpt-4o") + 3


def test_tools_estimate():
    tool = {"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                                             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
    schema = json.dumps(tool["function"]["parameters"], separators=(",", ":"), sort_keys=True)
    expected = 8 + count_text("get_weather Weather for a city " + schema, "gpt-4o") + 12
    assert count_tools([tool], "gpt-4o") == expected
    flat = {"type": "function", "name": "get_weather", "description": "Weather for a city",
            "parameters": tool["function"]["parameters"]}
    assert count_tools([flat], "gpt-4o") == expected
    assert count_tools([], "gpt-4o") == 0


def test_huge_text_is_estimated_past_the_cap(monkeypatch):
    monkeypatch.setitem(tokenizer._settings, "max_exact_chars", 1000)
    text = "hello world " * 1000  # 12000 chars
    exact_head = count_text(text[:1000], "gpt-4")
    assert count_text(text, "gpt-4") == exact_head + (len(text) - 1000 + 3) // 4


def test_missing_encoding_files_fall_back_to_estimate(monkeypatch, tmp_path):
    monkeypatch.setattr(tokenizer, "BUNDLED_DIR", tmp_path)
    monkeypatch.setattr(tokenizer, "_encoders", {})
    monkeypatch.setitem(tokenizer._settings, "cache_dir", None)
    import tiktoken

    def refuse(*_args, **_kwargs):
        raise AssertionError("tiktoken must not be asked for an encoding it would download")

    monkeypatch.setattr(tiktoken, "get_encoding", refuse)
    assert count_text("abcdefgh", "gpt-4") == 2


def test_damaged_file_is_not_used(monkeypatch, tmp_path):
    name, _ = tokenizer.ENCODING_FILES["cl100k_base"]
    (tmp_path / name).write_bytes(b"garbage")
    monkeypatch.setattr(tokenizer, "BUNDLED_DIR", tmp_path)
    monkeypatch.setattr(tokenizer, "_encoders", {})
    assert tokenizer._verified_dir("cl100k_base") is None
    assert (tmp_path / name).exists()


OFFLINE_SCRIPT = textwrap.dedent("""
    import socket
    import tiktoken.load

    def no_network(*args, **kwargs):
        raise RuntimeError("network access attempted")

    socket.socket.connect = no_network
    socket.create_connection = no_network
    original_read_file = tiktoken.load.read_file

    def local_only(blobpath):
        if "://" in blobpath:
            raise RuntimeError("download attempted: " + blobpath)
        return original_read_file(blobpath)

    tiktoken.load.read_file = local_only
    from oneapi.billing.tokenizer import count_text
    print(count_text("tiktoken is great!", "gpt-3.5-turbo"), count_text("hello world", "gpt-4o"))
""")


def test_offline_without_tiktoken_cache_dir():
    env = {k: v for k, v in os.environ.items() if k not in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR")}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-c", OFFLINE_SCRIPT], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["6", "2"]


def test_claude_messages_body():
    from oneapi.billing.tokenizer import count_claude_prompt

    c = lambda s: count_text(s, "claude-sonnet-4-5")  # noqa: E731
    body = {"system": "Be brief.", "messages": [
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": [{"type": "tool_use", "name": "calc", "input": {"x": 1}}]},
        {"role": "user", "content": [{"type": "tool_result", "content": [{"type": "text", "text": "2"}]},
                                     {"type": "image", "source": {"type": "url", "url": "https://x.invalid/i.png"}}]},
    ]}
    expected = (3 + c("system") + c("Be brief.") + 3 + c("user") + c("Hi there")
                + 3 + c("assistant") + c("calc") + c('{"x":1}') + 3 + c("user") + c("2") + 765 + 3)
    assert count_claude_prompt(body, "claude-sonnet-4-5") == expected


def test_responses_body():
    from oneapi.billing.tokenizer import count_responses_input

    c = lambda s: count_text(s, "gpt-5")  # noqa: E731
    body = {"instructions": "Be brief.", "input": [
        {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
        {"type": "function_call", "name": "weather", "arguments": '{"city":"Paris"}'},
        {"type": "function_call_output", "output": "sunny"},
    ]}
    expected = (3 + c("Be brief.") + c("system") + 3 + c("Weather?") + c("user") + 3
                + c("weather") + c('{"city":"Paris"}') + c("sunny"))
    assert count_responses_input(body, "gpt-5") == expected
    assert count_responses_input({"input": "Hello"}, "gpt-5") == 3 + c("Hello") + c("user") + 3


def test_configure_and_preload(tmp_path):
    try:
        tokenizer.configure(cache_dir=str(tmp_path))  # empty folder: the bundled files are used
        tokenizer.preload()
        assert tokenizer._encoders["o200k_base"].name == "o200k_base"
        assert os.environ["TIKTOKEN_CACHE_DIR"] == str(tokenizer.BUNDLED_DIR)
        assert list(tmp_path.iterdir()) == []
    finally:
        tokenizer.configure()
