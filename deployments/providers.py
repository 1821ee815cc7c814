"""Metrics providers: where gate values come from. One small interface:

    provider.pulls                         False for push (values arrive on …/metrics/)
    provider.fetch(deployment=...) -> Metrics | None     None: no data at all

Prometheus: one PromQL query per value over the HTTP API (/api/v1/query). An empty result
or NaN is no data for that value, never a pass.
"""

import math
from string import Template

import requests

from .domain import Metrics

DEFAULT_QUERIES = {
    "error_rate": (
        'sum(rate(http_requests_total{service="${service}",version="${version}",code=~"5.."}[1m]))'
        ' / sum(rate(http_requests_total{service="${service}",version="${version}"}[1m]))'
    ),
    "p99_ms": (
        "histogram_quantile(0.99, sum by (le) (rate("
        'http_request_duration_seconds_bucket{service="${service}",version="${version}"}[1m]))) * 1000'
    ),
    "healthy": 'min(up{service="${service}"})',
}


class ProviderError(Exception):
    pass


class PushProvider:
    kind = "push"
    pulls = False

    def __init__(self, settings=None):
        self.settings = settings or {}

    def fetch(self, *, deployment):
        return None


def _first_value(data: dict) -> float | None:
    result_type, result = data.get("resultType"), data.get("result")
    if result_type == "scalar":
        raw = result[1]
    elif result_type == "vector":
        if not result:
            return None
        raw = result[0]["value"][1]
    else:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) or math.isinf(value) else value


class PrometheusProvider:
    kind = "prometheus"
    pulls = True

    def __init__(self, settings=None):
        self.settings = settings or {}
        self.queries = {**DEFAULT_QUERIES, **(self.settings.get("queries") or {})}

    def render(self, name: str, deployment) -> str:
        return Template(self.queries[name]).safe_substitute(
            service=deployment.service.slug, version=deployment.version, environment=deployment.environment
        )

    def query(self, promql: str) -> float | None:
        url = self.settings.get("url", "").rstrip("/")
        if not url:
            raise ProviderError("The Prometheus provider has no url configured.")
        try:
            response = requests.get(f"{url}/api/v1/query", params={"query": promql}, timeout=self.settings.get("timeout", 5))
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderError(f"Prometheus unreachable: {exc}") from exc
        if body.get("status") != "success":
            raise ProviderError(f"Prometheus error: {body.get('error', response.status_code)}")
        return _first_value(body.get("data") or {})

    def fetch(self, *, deployment):
        error_rate = self.query(self.render("error_rate", deployment))
        p99 = self.query(self.render("p99_ms", deployment))
        health = self.query(self.render("healthy", deployment))
        return Metrics(error_rate=error_rate, p99_ms=p99, healthy=None if health is None else health >= 1)


PROVIDERS = {"push": PushProvider, "prometheus": PrometheusProvider}


def get_provider(kind: str, settings=None):
    return PROVIDERS[kind](settings)
