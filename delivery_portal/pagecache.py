"""Short-lived caches of expensive page results, dropped as soon as the data under them changes.

A `PageCache` keeps a computed value for `settings.<setting>` seconds (0 turns it off) under a
key that includes a generation number. Saving or deleting a model the value is computed from
bumps the generation (connect the signals with `invalidate_on`), so a change made through the
portal shows at once: in the same process with the default local-memory cache, in every process
with a shared cache (CACHE_URL=redis://...). Values are therefore only ever stale by the time
that passes, never by a write.

A cache that is down (Redis stopped) never fails a page: the value is computed as if caching
were off, and a write that cannot drop the cached values is logged.

Used for the DORA tiles and page (insights.cache.dora) and the dashboard's budgets at risk
(insights.cache.budgets).
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

log = logging.getLogger(__name__)


class PageCache:
    def __init__(self, name: str, setting: str, default_seconds: int):
        self.name, self.setting, self.default_seconds = name, setting, default_seconds
        self.generation_key = f"{name}:generation"

    def seconds(self) -> int:
        return int(getattr(settings, self.setting, self.default_seconds))

    def generation(self) -> int:
        value = cache.get(self.generation_key)
        if value is None:
            cache.add(self.generation_key, 1, None)
            value = cache.get(self.generation_key, 1)
        return value

    def invalidate(self, **kwargs) -> None:
        """Drop every cached value (a signal receiver: takes the signal's keyword arguments)."""
        try:
            try:
                cache.incr(self.generation_key)
            except ValueError:  # no generation yet (or the cache was cleared)
                cache.set(self.generation_key, 2, None)
        except Exception:  # noqa: BLE001 - the write itself must not fail because the cache is down
            log.warning("%s: cache unavailable, cached values not dropped", self.name, exc_info=True)

    def cached(self, key: str, compute):
        """`compute()`, or its value from the cache for `key` while fresh."""
        ttl = self.seconds()
        if ttl <= 0:
            return compute()
        try:
            full_key = f"{self.name}:{self.generation()}:{key}"
            value = cache.get(full_key)
        except Exception:  # noqa: BLE001 - a cache outage costs speed, never the page
            log.warning("%s: cache unavailable, computing", self.name, exc_info=True)
            return compute()
        if value is None:
            value = compute()
            try:
                cache.set(full_key, value, ttl)
            except Exception:  # noqa: BLE001
                log.warning("%s: cache unavailable, value not kept", self.name, exc_info=True)
        return value

    def invalidate_on(self, *models) -> None:
        """Bump the generation whenever a row of one of `models` is saved or deleted."""
        for model in models:
            label = f"{self.name}-{model._meta.label_lower}"
            post_save.connect(self.invalidate, sender=model, dispatch_uid=f"{label}-save", weak=False)
            post_delete.connect(self.invalidate, sender=model, dispatch_uid=f"{label}-delete", weak=False)
