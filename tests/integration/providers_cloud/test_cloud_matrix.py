"""The conversion matrix (every variant of ``oneapi.tools.matrix_judge``: Chat, Responses and Claude clients,
stream or not, tools, structured output, vision...) on the cloud columns: Bedrock Claude (InvokeModel), Bedrock
Converse (Amazon Nova), Vertex Gemini and Claude on Vertex. Every cell must pass the strict judge."""
from __future__ import annotations

import pytest

from oneapi.tools.matrix_judge import VARIANTS
from tests.support.matrix_columns import run_columns

COLUMNS = {  # model -> how to make its channel
    "claude-haiku-4-5-20251001": lambda world, model: world.bedrock_channel(model),
    "nova-pro": lambda world, model: world.bedrock_channel(model),
    "gemini-2.5-flash": lambda world, model: world.vertex_channel(model),
    "claude-haiku-4-5@20251001": lambda world, model: world.vertex_channel(model),
}


@pytest.fixture(scope="module")
def cells(world):
    return run_columns(world.url, {model: make(world, model) for model, make in COLUMNS.items()}, limit=60)


@pytest.mark.parametrize("model", list(COLUMNS))
def test_every_variant_passes(cells, model):
    failed = {key: f"{r.status}: {r.reason}" for (m, key), r in cells.items() if m == model
              and r.status not in ("PASS", "PASS*")}
    assert not failed, failed
    assert sum(1 for m, _ in cells if m == model) == len(VARIANTS)
