"""The page caches of the insights app (delivery_portal.pagecache explains how they work).

- `dora`: DORA results for the DORA page and the dashboard tiles, `settings.DORA_CACHE_SECONDS`
  (default 300). A year of DORA over 200,000 deployments is about a second of PostgreSQL
  work; the figures change slowly and the tiles refresh every 5 minutes anyway. Any saved or
  deleted deployment, commit or incident drops it.
- `budgets`: the error budgets behind the dashboard's "budgets at risk",
  `settings.BUDGET_PANEL_CACHE_SECONDS` (default 60, the period of the beat recompute that
  decides freezes). Reading every service's impact windows of the month and doing the budget
  arithmetic for 500 services is about 40 ms per render; any saved or deleted impact window,
  maintenance window or service drops it. Which services are frozen is never cached.

Selectors and the API are never cached: `insights.selectors.dora.dora_*` and
`sla.selectors.services_budgets` always compute.
"""

from delivery_portal.pagecache import PageCache

dora = PageCache("insights:dora", "DORA_CACHE_SECONDS", 300)
budgets = PageCache("insights:budgets", "BUDGET_PANEL_CACHE_SECONDS", 60)


def _scope_key(scope) -> str:
    if scope is None:
        return "all:production"
    return f"{getattr(scope.service, 'pk', '')}:{getattr(scope.team, 'pk', '')}:{scope.environment}"


def cached(kind: str, scope, compute, *parts):
    """A DORA result: `compute()`, or its value from the cache for (kind, scope, parts)."""
    return dora.cached(f"{kind}:{_scope_key(scope)}:" + ":".join(str(p) for p in parts), compute)


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed

    from deployments.models import Deployment, DeploymentCommit
    from incidents.models import Incident
    from sla.models import ImpactWindow, MaintenanceWindow, Service

    dora.invalidate_on(Deployment, DeploymentCommit, Incident)
    m2m_changed.connect(dora.invalidate, sender=Incident.services.through, dispatch_uid="insights-dora-cache-incident-services",
                        weak=False)
    budgets.invalidate_on(ImpactWindow, MaintenanceWindow, Service)
