"""What the suite must let go of between tests.

FastAPI classifies every endpoint and dependency function it calls (generator? coroutine?)
and keeps the answers in module-level LRU caches of 4,096 entries each, keyed by the function.
Route functions are closures over their app (FastAPI's own request handlers, our OpenAPI and
docs routes), so each entry keeps a whole app alive: the suite builds an app per test, and the
test process grew by ~7.5 MB a test, to 10.9 GB at 85 % of the suite (2026-12-03). A server
process builds one app, so only the suite needs this.
"""

from __future__ import annotations

import fastapi.dependencies.models as _models

CACHES = ("_is_gen_callable_cached", "_is_async_gen_callable_cached",
          "_is_coroutine_callable_cached")


def forget_apps() -> int:
    """Empty FastAPI's callable caches; how many of them there were to empty (a FastAPI that
    renamed them gives 0, and tests/unit/test_suite_memory.py then fails)."""
    cleared = 0
    for name in CACHES:
        cache = getattr(_models, name, None)
        if cache is not None:
            cache.cache_clear()
            cleared += 1
    return cleared
