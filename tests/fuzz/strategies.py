"""Hypothesis strategies for hostile request bodies: wrong types and shapes, deep nesting, huge strings and
numbers, NaN/Infinity, invalid UTF-8, truncated JSON, top-level non-objects, and valid shapes whose fields
hold any of these."""
from __future__ import annotations

import json

from hypothesis import strategies as st

# A value planted in the password and key fields of admin bodies: an error answer must never repeat it.
SECRET_SENTINEL = "Zq9SecretSentinel7Kx"

HOSTILE_TEXT = [
    "", " ", "\x00", "a\x00b", "\ud800", "\udfff\ud800", "\u202e\u200b", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "' OR 1=1 --", "\"; DROP TABLE users; --",
    "<script>alert(1)</script>", "../../../etc/passwd", "%s%s%n", "{{7*7}}", "${jndi:x}", "NaN", "Infinity", "1e999",
    "-1", "9" * 40, "null", "true", "{", "[]", "\r\n\r\nX-Injected: 1", "x" * 70_000, "é" * 40_000,
    "gpt-4o-mini", "claude-3-5-haiku-20241022", "gemini-1.5-flash", "user", "assistant", "system", "tool",
    "data:image/png;base64,AAAA", "http://127.0.0.1:1/x", "http://169.254.169.254/latest/meta-data/",
]
HOSTILE_NUMBERS = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 2 ** 63, -(2 ** 63) - 1, 2 ** 64, 10 ** 40,
                   -(10 ** 40), 1.5, -0.0, 1e308, -1e308, 5e-324, float("nan"), float("inf"), float("-inf")]

FIELD_NAMES = [
    "model", "messages", "role", "content", "stream", "max_tokens", "max_completion_tokens", "max_output_tokens",
    "temperature", "top_p", "n", "tools", "tool_choice", "functions", "response_format", "stream_options", "input",
    "prompt", "size", "quality", "voice", "documents", "query", "top_n", "system", "thinking", "contents", "parts",
    "text", "generationConfig", "safetySettings", "instructions", "previous_response_id", "background", "store",
    "id", "name", "key", "password", "username", "quota", "remain_quota", "unlimited_quota", "expired_time", "models",
    "subnet", "status", "type", "group", "priority", "weight", "base_url", "model_mapping", "config", "count",
    "user_id", "action", "value", "remark", "display_name", "email", "role", "amount", "transaction_id",
]


def scalars() -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.booleans(),
        st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
        st.sampled_from(HOSTILE_NUMBERS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
        st.sampled_from(HOSTILE_TEXT),
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy:
    keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12))
    return st.recursive(scalars(), lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)), max_leaves=max_leaves)


def encode(value, ascii_only: bool = True) -> bytes:
    """JSON text as a sloppy client writes it: NaN/Infinity literals, and lone surrogates as raw bytes
    (invalid UTF-8) when not ASCII-escaped."""
    return json.dumps(value, allow_nan=True, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


@st.composite
def mutated(draw, template: dict) -> dict:
    """``template`` with one to three fields (at any depth) replaced, deleted, or added, by hostile values."""
    body = json.loads(json.dumps(template))
    for _ in range(draw(st.integers(1, 3))):
        container, key = _pick_slot(draw, body)
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete" and isinstance(container, dict) and key in container:
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[draw(st.sampled_from(FIELD_NAMES))] = draw(json_values(6))
        elif isinstance(container, dict) or (isinstance(container, list) and key < len(container)):
            container[key] = draw(json_values(6))
    return body


def _pick_slot(draw, body):
    """A (container, key) somewhere inside ``body``, walking down a few random levels."""
    container, key = body, None
    for _ in range(4):
        if isinstance(container, dict) and container:
            key = draw(st.sampled_from(sorted(container)))
        elif isinstance(container, list) and container:
            key = draw(st.integers(0, len(container) - 1))
        else:
            break
        inner = container[key]
        if not isinstance(inner, (dict, list)) or not inner or draw(st.booleans()):
            break
        container = inner
    if key is None:
        key = draw(st.sampled_from(FIELD_NAMES)) if isinstance(container, dict) else 0
    return container, key


@st.composite
def hostile_numbers(draw, template: dict) -> dict:
    """``template`` with every number (and every boolean) swapped for an extreme one: NaN, ±Infinity, 1e308,
    integers beyond 64 bits, negatives, fractions."""
    def swap(value):
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, (bool, int, float)):
            return draw(st.sampled_from(HOSTILE_NUMBERS))
        return value
    return swap(template)


def deep_nesting() -> st.SearchStrategy:
    def build(depth: int, kind: str) -> bytes:
        if kind == "array":
            return b"[" * depth + b"]" * depth
        if kind == "object":
            return b'{"model":' + b'{"a":' * depth + b"1" + b"}" * (depth + 1)
        return b'{"model": "gpt-4o-mini", "messages": ' + b"[" * depth + b"]" * depth + b"}"
    return st.builds(build, st.sampled_from([50, 1000, 5000, 100_000]), st.sampled_from(["array", "object", "field"]))


def raw_bodies(template: dict) -> st.SearchStrategy:
    """Any hostile body for a route whose valid body looks like ``template``."""
    valid = encode(template)
    return st.one_of(
        st.builds(encode, mutated(template)),
        st.builds(encode, mutated(template), st.just(False)),
        st.builds(encode, hostile_numbers(template)),
        st.builds(encode, json_values()),
        st.builds(lambda cut: valid[:cut], st.integers(0, max(0, len(valid) - 1))),  # truncated JSON
        deep_nesting(),
        st.binary(max_size=64),
        st.sampled_from([b"", b"null", b"[]", b"[{}]", b'"text"', b"12", b"true", b"\xff\xfe\x00", b"{\"model\": NaN}",
                         b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "\xc3\x28"}]}',
                         b'\xef\xbb\xbf{"model": "gpt-4o-mini"}', b'{"a": 1}{"b": 2}', b"{'model': 'x'}",
                         b'{"model": 1e999999}', b'{"max_tokens": 99999999999999999999999999999999999999}']),
    )


CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "",
                 "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=zz",
                 "application/json; charset=latin-1", "*/*", "application/octet-stream", "text/event-stream"]


def content_types() -> st.SearchStrategy:
    return st.one_of(st.just("application/json"), st.sampled_from(CONTENT_TYPES))


@st.composite
def multipart_bodies(draw, fields: dict) -> tuple[bytes, str]:
    """A multipart/form-data body (valid framing, hostile parts) or broken framing; returns (body, type)."""
    boundary = "fuzzBoundary7"
    if draw(st.integers(0, 4)) == 0:  # broken framing
        raw = draw(st.sampled_from([b"--fuzzBoundary7\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
                                    b"garbage", b"", b"--fuzzBoundary7--", b"--other\r\n\r\n"]))
        return raw, draw(st.sampled_from([f"multipart/form-data; boundary={boundary}", "multipart/form-data",
                                          "multipart/form-data; boundary="]))
    parts = []
    names = dict(fields)
    for name in draw(st.lists(st.sampled_from(sorted(names) + ["file", "image", "mask", "junk"]), max_size=5)):
        value = draw(st.one_of(st.sampled_from(HOSTILE_TEXT[:20]), st.text(max_size=20)))
        names[name] = value
    for name, value in names.items():
        text = value if isinstance(value, str) else json.dumps(value)
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + text.encode("utf-8", "surrogatepass") + b"\r\n")
    if draw(st.booleans()):
        payload = draw(st.binary(max_size=256))
        field = draw(st.sampled_from(["file", "image", "mask"]))
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="a.wav"\r\n'
                     f"Content-Type: {draw(st.sampled_from(['audio/wav', 'image/png', '']))}\r\n\r\n".encode()
                     + payload + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
