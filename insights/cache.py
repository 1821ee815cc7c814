"""A short-lived cache of DORA results for the pages (the DORA page and the dashboard tiles).

A year of DORA over 200,000 deployments takes about a second of PostgreSQL work (medians of
hundreds of thousands of commit lead times); the figures change slowly and the tiles refresh
every 5 minutes anyway. Pages therefore keep a result for `settings.DORA_CACHE_SECONDS`
(default 300; 0 turns caching off). Any saved or deleted deployment, commit or incident bumps
a generation number that is part of every key, so a change made through the portal shows at
once (in the same process; with a shared cache such as Redis, in every process).
Selectors and the API are never cached: `insights.selectors.dora_*` always compute.
"""

from django.conf import settings
from django.core.cache import cache

GENERATION_KEY = "insights:dora:generation"


def seconds() -> int:
    return int(getattr(settings, "DORA_CACHE_SECONDS", 300))


def generation() -> int:
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, 1, None)
        value = cache.get(GENERATION_KEY, 1)
    return value


def invalidate(**kwargs) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)


def _scope_key(scope) -> str:
    if scope is None:
        return "all:production"
    return f"{getattr(scope.service, 'pk', '')}:{getattr(scope.team, 'pk', '')}:{scope.environment}"


def cached(kind: str, scope, compute, *parts):
    """`compute()`, or its result from the cache for (kind, scope, parts) while fresh."""
    ttl = seconds()
    if ttl <= 0:
        return compute()
    key = f"insights:dora:{generation()}:{kind}:{_scope_key(scope)}:" + ":".join(str(p) for p in parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ttl)
    return value


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from deployments.models import Deployment, DeploymentCommit
    from incidents.models import Incident

    for model in (Deployment, DeploymentCommit, Incident):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"insights-dora-cache-save-{model.__name__}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"insights-dora-cache-delete-{model.__name__}")
    m2m_changed.connect(invalidate, sender=Incident.services.through, dispatch_uid="insights-dora-cache-incident-services")
