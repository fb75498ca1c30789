"""The regression matrix in the suite: 26 variants x 8 provider columns through the real gunicorn gateway,
against the provider emulator. Each cell must PASS the strict judge of ``oneapi.tools.matrix`` (vision is skipped
on the two text-only columns), and the emulator's log must show that the provider got its own protocol (path,
credentials, model) with every field of the client's request mapped, and that what the client got back is what
the provider answered.

Cells of one column run one after another (so the emulator's log can be cut per cell); columns run in parallel.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from oneapi.tools import matrix as matrix_command
from oneapi.tools.matrix import Runner
from oneapi.tools.matrix_judge import VARIANTS
from tests.emulator import start_emulator
from tests.matrix import deployment, native
from tests.matrix.deployment import COLUMNS

CHAT_OR_RESPONSES = {"chat", "responses"}
# Which upstream protocols are right for each column, by client family.
EXPECTED_PROTOCOLS = {
    "gpt-4o-mini": {"chat": CHAT_OR_RESPONSES, "response": {"responses"}, "claude": CHAT_OR_RESPONSES},
    "gpt-5-mini": {"chat": {"responses"}, "response": {"responses"}, "claude": {"responses"}},
    "claude-haiku-4-5": {f: {"anthropic"} for f in ("chat", "response", "claude")},
    "gemini-2.5-flash": {f: {"gemini"} for f in ("chat", "response", "claude")},
    "openai/gpt-oss-20b": {f: {"chat"} for f in ("chat", "response", "claude")},
    "deepseek-chat": {f: {"chat"} for f in ("chat", "response", "claude")},
    "grok-4-1-fast-non-reasoning": {f: CHAT_OR_RESPONSES for f in ("chat", "response", "claude")},
    "azure-gpt-5-nano": {f: CHAT_OR_RESPONSES for f in ("chat", "response", "claude")},
}
AZURE_PATHS = ("/openai/deployments/gpt-5-nano/chat/completions", "/openai/v1/responses", "/openai/responses")


def emulator_cannot_judge(column, variant, result) -> bool:
    """DeepSeek takes JSON mode but no schema, so the gateway sends json_object plus an instruction that carries
    the schema. A real model follows it; the emulator answers JSON mode with {"echo": ...}. Such a cell is judged
    on what can be: the downgrade (body checks below) and that the client got the provider's JSON unchanged."""
    return (column.channel_type == 36 and variant.kind == "structured" and result.status == "FAIL"
            and result.reason.startswith("schema:") and result.answer is not None)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    emu = start_emulator()
    dep = deployment.start(tmp_path_factory.mktemp("matrix"), emu)
    yield dep
    dep.server.stop()
    emu.stop()


@pytest.fixture(scope="module")
def matrix(gateway):
    emu = gateway.emulator
    runner = Runner(gateway.url, gateway.key, timeout=30, no_vision=tuple(c.model for c in COLUMNS if not c.vision))
    cells: dict = {}

    def one_column(column):
        # The emulator logs a request before answering it, so every upstream call of a cell is in the log by
        # the time the cell's answer is back; cells of one column never overlap.
        for variant in VARIANTS:
            before = len(emu.requests())
            result = runner.run_cell(column.model, variant)
            mine = [r for r in emu.requests()[before:] if column_of(r) == column.model]
            cells[(column.model, variant.key)] = (result, mine)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(COLUMNS)) as pool:
        list(pool.map(one_column, COLUMNS))
    assert time.monotonic() - started < 60, "the matrix took too long"
    return cells


def column_of(record: dict) -> str | None:
    """The matrix column an upstream request belongs to (by the model it names)."""
    body_model = (record.get("json") or {}).get("model")
    path = record["api_path"]
    for column in COLUMNS:
        upstream = column.upstream_model or column.model
        if body_model in (column.model, upstream) or native.gemini_model(record) == upstream or \
                f"/deployments/{upstream}/" in path:
            return column.model
    return None


def _answer_matches_reply(answer, reply: dict) -> str | None:
    """What the client received equals what the provider said (text, tool names and arguments)."""
    calls = [(c.name, json.loads(c.arguments)) for c in answer.tool_calls]
    sent = [(c["name"], c["arguments"]) for c in reply.get("tool_calls") or []]
    text = reply.get("text") or ""
    if calls == sent and answer.text == text:
        return None
    # Claude structured via a forced tool upstream may come back as JSON text (and the other way round).
    if len(sent) == 1 and not calls and answer.text and json.loads(answer.text) == sent[0][1]:
        return None
    if len(calls) == 1 and not sent and text and json.loads(text) == calls[0][1]:
        return None
    return f"client got text={answer.text!r} calls={calls}, provider sent text={text!r} calls={sent}"


def cell_problems(column, variant, result, records) -> list[str]:
    if result.status != "PASS" and not emulator_cannot_judge(column, variant, result):
        return [f"{result.status}: {result.reason}"]
    if len(records) != 1:
        return [f"expected one upstream call, saw {len(records)}"]
    record = records[0]
    seen = native.summarize(record)
    problems = []
    allowed = EXPECTED_PROTOCOLS[column.model][variant.family]
    if seen.protocol not in allowed:
        problems.append(f"provider got {seen.protocol} at {record['api_path']}, expected {sorted(allowed)}")
    credentials = native.credentials_problem(record, seen.protocol, column.channel_type,
                                             f"emu-key-{column.channel_type}")
    if credentials:
        problems.append(credentials)
    if column.channel_type == 3 and not record["api_path"].startswith(AZURE_PATHS):
        problems.append(f"Azure path {record['api_path']}")
    if column.channel_type == 3 and not record["query"].get("api-version"):
        problems.append("Azure call without api-version")
    if seen.protocol == "gemini" and native.gemini_model(record) != column.model:
        problems.append(f"Gemini path {record['api_path']}")
    if seen.protocol == "gemini" and seen.stream and record["query"].get("alt") != "sse":
        problems.append("Gemini stream without alt=sse")
    if seen.protocol != "gemini" and "/deployments/" not in record["api_path"]:
        model = (record.get("json") or {}).get("model")
        if model != (column.upstream_model or column.model):
            problems.append(f"upstream model {model}")
    if variant.kind == "vision" and not native.image_is_base64(seen):
        problems.append("image not sent as inline base64")
    client_body = variant.attempts(column.model)[0]
    problems += native.body_problems(seen, variant, client_body, json_object_only=column.channel_type == 36)
    reply = record.get("reply") or {}
    mismatch = _answer_matches_reply(result.answer, reply)
    if mismatch:
        problems.append(mismatch)
    provider_usage = (reply.get("input_tokens"), reply.get("output_tokens"))
    if result.answer.usage is not None and result.answer.usage != provider_usage:
        problems.append(f"client told usage {result.answer.usage}, provider reported {provider_usage}")
    return problems


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.key for v in VARIANTS])
@pytest.mark.parametrize("column", COLUMNS, ids=[c.model for c in COLUMNS])
def test_cell(matrix, column, variant):
    result, records = matrix[(column.model, variant.key)]
    if variant.kind == "vision" and not column.vision:
        assert result.status == "SKIP" and not records  # skipped before sending, as the reference does
        return
    problems = cell_problems(column, variant, result, records)
    assert not problems, "; ".join(problems)


def test_command_prints_the_reference_table(gateway, capsys):
    code = matrix_command.main(["--base-url", gateway.url, "--token", gateway.key, "--models",
                                "gemini-2.5-flash,deepseek-chat", "--variants", "claude_tools,response_vision"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("=== One-API Compatibility Matrix ") and out[2].split() == [
        "Variant", "gemini-2.5-flash", "deepseek-chat"]
    rows = {line.split("  ")[0]: line for line in out[3:7]}
    assert set(rows) == {"Response Vision (stream=false)", "Response Vision (stream=true)",
                         "Claude Tools (stream=false)", "Claude Tools (stream=true)"}
    assert rows["Response Vision (stream=true)"].split()[-1] == "SKIP"  # deepseek-chat has no vision
    assert all(line.split()[3] == "PASS" for line in out[3:7] if line.startswith("Claude"))
    assert "        | 8        | 6      | 0      | 2" in out
    bad = matrix_command.main(["--base-url", gateway.url, "--token", "sk-wrong", "--models", "gemini-2.5-flash",
                               "--variants", "chat_stream_false"])
    assert bad == 1 and "status 401" in capsys.readouterr().out
