"""Demo deployments for `make run`: recorded production deployments with commits over the
last weeks, and one canary in progress. Idempotent (keyed on service + version)."""

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from .models import Deployment, EnvironmentConfig
from .services import engine, starting, traffic


def load(users):
    from sla.models import Service

    manager = users.get("manager")
    now = timezone.now()
    portal, _ = Service.objects.get_or_create(
        slug="portal", defaults={"name": "Portal", "sla_target": Decimal("99.9"), "p99_threshold_ms": 500}
    )
    payments, _ = Service.objects.get_or_create(
        slug="payments", defaults={"name": "Payments", "sla_target": Decimal("99.95"), "tier": "critical", "p99_threshold_ms": 300}
    )
    EnvironmentConfig.objects.get_or_create(environment="production", defaults={"router_kind": "manual", "metrics_provider": "push"})
    history = [
        (portal, "2.3.0", 27, "succeeded", 20), (payments, "5.1.0", 24, "succeeded", 30),
        (portal, "2.3.1", 20, "failed", 6), (portal, "2.3.2", 19, "succeeded", 9), (payments, "5.1.1", 13, "rolled_back", 40),
        (payments, "5.1.2", 12, "succeeded", 15), (portal, "2.4.0", 8, "succeeded", 50), (portal, "2.4.1", 3, "succeeded", 12),
    ]
    for service, version, days_ago, status, lead_hours in history:
        if Deployment.objects.filter(service=service, version=version).exists():
            continue
        finished = now - timedelta(days=days_ago, hours=-2)
        commits = [
            {"sha": hashlib.sha1(f"{service.slug}{version}{n}".encode()).hexdigest(), "authored_at": finished - timedelta(hours=lead_hours + n * 3)}
            for n in range(3)
        ]
        starting.deployment_record(
            service=service, version=version, strategy="canary", status=status, commits=commits,
            started_at=finished - timedelta(minutes=45), finished_at=finished, by=manager,
        )
    # One canary in progress (if the portal's budget is frozen, that shows as a refusal and
    # the canary runs on payments instead).
    for service, version in ((portal, "2.5.0"), (payments, "5.2.0")):
        existing = Deployment.objects.filter(service=service, version=version).first()
        if existing is not None:
            if existing.state != "refused":
                break
            continue
        deployment = starting.deployment_request(
            service=service, version=version, strategy="canary", by=manager,
            commits=[{"sha": hashlib.sha1(version.encode()).hexdigest(), "authored_at": now - timedelta(hours=20)}],
        )
        if deployment.state == "running":
            traffic.traffic_shift_confirm(deployment=deployment, by=manager)
            engine.metrics_push(deployment=deployment, error_rate=0.002, p99_ms=180, healthy=True, by=manager)
            break
