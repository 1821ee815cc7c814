import pytest

from deployments.models import StagePlanOverride
from sla.tests.factories import ServiceFactory


@pytest.fixture
def service(db):
    return ServiceFactory(slug="checkout", p99_threshold_ms=400)


@pytest.fixture
def fast_canary(service):
    """5% then 50% for a minute each, then 100%."""
    StagePlanOverride.objects.create(
        service=service, environment="production", strategy="canary",
        stages=[{"traffic_percent": 5, "monitor_minutes": 1}, {"traffic_percent": 50, "monitor_minutes": 1},
                {"traffic_percent": 100, "monitor_minutes": 0}],
    )
    return service
