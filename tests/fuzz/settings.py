"""Hypothesis settings for the fuzz suite: deterministic, no deadline, and a bounded example count.

``ONEAPI_FUZZ_EXAMPLES`` scales every fuzz test (default 1 = the CI budget; e.g. 20 for a long local run).
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = max(1, int(os.environ.get("ONEAPI_FUZZ_EXAMPLES", "1") or 1))


def fuzz_settings(examples: int):
    """``examples`` per test in CI, times ONEAPI_FUZZ_EXAMPLES locally."""
    return settings(max_examples=examples * SCALE, derandomize=True, deadline=None, database=None,
                    print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                           HealthCheck.large_base_example])
