"""The conversion matrix (every variant of ``oneapi.tools.matrix_judge``: Chat, Responses and Claude clients,
stream or not, tools, structured output, vision...) on the cloud columns: Bedrock Claude (InvokeModel), Bedrock
Converse (Amazon Nova), Vertex Gemini and Claude on Vertex. Every cell must pass the strict judge."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from oneapi.tools.matrix import Runner
from oneapi.tools.matrix_judge import VARIANTS
from tests.integration.providers_cloud.conftest import ROOT_KEY

COLUMNS = {  # model -> how to make its channel
    "claude-haiku-4-5-20251001": lambda world, model: world.bedrock_channel(model),
    "nova-pro": lambda world, model: world.bedrock_channel(model),
    "gemini-2.5-flash": lambda world, model: world.vertex_channel(model),
    "claude-haiku-4-5@20251001": lambda world, model: world.vertex_channel(model),
}


@pytest.fixture(scope="module")
def cells(world):
    channels = {model: make(world, model) for model, make in COLUMNS.items()}
    results = {}

    def one_column(model):
        runner = Runner(world.url, f"sk-{ROOT_KEY}-{channels[model]}", timeout=30, no_vision=())
        for variant in VARIANTS:
            results[(model, variant.key)] = runner.run_cell(model, variant)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(COLUMNS)) as pool:
        list(pool.map(one_column, COLUMNS))
    assert time.monotonic() - started < 60, "the cloud matrix took too long"
    return results


@pytest.mark.parametrize("model", list(COLUMNS))
def test_every_variant_passes(cells, model):
    failed = {key: f"{r.status}: {r.reason}" for (m, key), r in cells.items() if m == model
              and r.status not in ("PASS", "PASS*")}
    assert not failed, failed
    assert sum(1 for m, _ in cells if m == model) == len(VARIANTS)
