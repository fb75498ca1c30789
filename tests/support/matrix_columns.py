"""The conversion matrix over columns pinned to channels: every variant of ``oneapi.tools.matrix_judge`` for each
model, sent with the key ``sk-<root key>-<channel id>`` so the model's own channel serves it."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from oneapi.tools.matrix import Result, Runner
from oneapi.tools.matrix_judge import VARIANTS
from tests.support.gateway_world import ROOT_KEY


def run_columns(url: str, channels: dict[str, int], limit: float) -> dict[tuple[str, str], Result]:
    """(model, variant key) -> result; the columns run side by side and must all finish within ``limit`` s."""
    results = {}

    def one_column(model):
        runner = Runner(url, f"sk-{ROOT_KEY}-{channels[model]}", timeout=30, no_vision=())
        for variant in VARIANTS:
            results[(model, variant.key)] = runner.run_cell(model, variant)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(channels)) as pool:
        list(pool.map(one_column, channels))
    assert time.monotonic() - started < limit, "the matrix took too long"
    return results
