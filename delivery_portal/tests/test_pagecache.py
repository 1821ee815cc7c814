"""The page caches: remembered while fresh, dropped by a write, and never a failure of their own."""

import pytest
from django.core.cache import cache

from delivery_portal.pagecache import PageCache


@pytest.fixture
def page_cache(settings):
    settings.TEST_PAGE_CACHE_SECONDS = 60
    cache.clear()
    return PageCache("test:page", "TEST_PAGE_CACHE_SECONDS", 60)


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute, calls


def test_a_value_is_computed_once_while_fresh_and_again_after_invalidate(page_cache):
    compute, calls = counter()
    assert page_cache.cached("k", compute) == 1 and page_cache.cached("k", compute) == 1
    page_cache.invalidate()
    assert page_cache.cached("k", compute) == 2 and len(calls) == 2


def test_zero_seconds_turns_caching_off(page_cache, settings):
    settings.TEST_PAGE_CACHE_SECONDS = 0
    compute, calls = counter()
    page_cache.cached("k", compute), page_cache.cached("k", compute)
    assert len(calls) == 2


def test_a_cache_that_is_down_costs_speed_not_the_page(page_cache, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    for method in ("get", "set", "add", "incr"):
        monkeypatch.setattr(cache, method, down)
    compute, calls = counter()
    assert page_cache.cached("k", compute) == 1 and page_cache.cached("k", compute) == 2
    page_cache.invalidate()  # a save must not fail because the cache is down
