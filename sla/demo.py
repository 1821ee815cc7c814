"""Demo data for `make run`: teams, services (portal at 99.9%), impact and maintenance.

Idempotent: rows are looked up by their natural keys and never duplicated; the snapshot
history is drawn once, for services that have none yet.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from . import selectors
from .domain import periods
from .services import recompute
from .models import BudgetSnapshot, ImpactWindow, MaintenanceWindow, Service, Team

TEAMS = [
    ("web", "Web Platform", "web-team@example.com"),
    ("payments", "Payments", "payments-team@example.com"),
    ("data", "Data", "data-team@example.com"),
]
SERVICES = [
    # slug, name, tier, target, team, p99
    ("portal", "Customer Portal", "critical", "99.9", "web", 500),
    ("checkout", "Checkout API", "critical", "99.95", "payments", 300),
    ("search", "Search", "standard", "99.5", "web", 800),
    ("reports", "Reporting", "standard", "99.0", "data", 2000),
]
# service, ref, title, hours before now it started, minutes it lasted (None: still going on)
IMPACTS = [
    ("portal", "DEMO-0001", "Login errors after a config push", 30, 15),
    ("portal", "DEMO-0002", "Slow page loads (CDN)", 8, 5),
    ("checkout", "DEMO-0003", "Payment provider timeouts", 20, 18),
    ("checkout", "DEMO-0004", "Card declines spike", 3, 6),
    ("search", "DEMO-0005", "Index lag", 50, 40),
]


def load(users):
    now = timezone.now()
    month_start, _ = periods.period_bounds("month", now, selectors.portal_tz())
    teams = {}
    for slug, name, email in TEAMS:
        teams[slug], _ = Team.objects.get_or_create(slug=slug, defaults={"name": name, "email": email})
    manager = users.get("manager")
    if manager is not None and not teams["web"].members.filter(pk=manager.pk).exists():
        # Membership is audited (every add is a history record): add only once.
        teams["web"].members.add(manager)
    by_slug = {}
    for slug, name, tier, target, team, p99 in SERVICES:
        by_slug[slug], _ = Service.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "tier": tier, "sla_target": Decimal(target), "team": teams[team], "p99_threshold_ms": p99},
        )
    for slug, ref, title, hours_ago, lasted in IMPACTS:
        # Inside this month where possible, so the pages show consumption.
        started = max(now - timedelta(hours=hours_ago), month_start + timedelta(minutes=5))
        ImpactWindow.objects.get_or_create(
            service=by_slug[slug],
            source_ref=ref,
            defaults={"title": title, "started_at": started, "ended_at": min(started + timedelta(minutes=lasted), now)},
        )
    portal = by_slug["portal"]
    if not MaintenanceWindow.objects.filter(service=portal, reason="Database upgrade (demo)").exists():
        start = (now + timedelta(days=2)).replace(hour=2, minute=0, second=0, microsecond=0)
        MaintenanceWindow.objects.create(service=portal, starts_at=start, ends_at=start + timedelta(hours=2),
                                         reason="Database upgrade (demo)", created_by=manager)
    search = by_slug["search"]
    if not MaintenanceWindow.objects.filter(service=search, reason="Cluster resize (demo)").exists():
        window = ImpactWindow.objects.get(service=search, source_ref="DEMO-0005")
        MaintenanceWindow.objects.create(service=search, starts_at=window.started_at, ends_at=window.started_at + timedelta(minutes=30),
                                         reason="Cluster resize (demo)", created_by=manager)
    # History for the burn-rate chart: every six hours since the month began, once.
    for service in by_slug.values():
        if not BudgetSnapshot.objects.filter(service=service).exists():
            recompute.snapshots_backfill(service=service, start=month_start + timedelta(hours=6), at=now, step=timedelta(hours=6))
    # Freezes as the beat task would set them (the exhausted checkout API is frozen). No
    # snapshot here, so that loading twice in two different hours adds nothing.
    recompute.budget_recompute(at=now, service_ids=[s.pk for s in by_slug.values()], snapshots=False)


def finish(users):
    """Once every app's demo data is in: freeze what the budgets say must be frozen."""
    recompute.budget_recompute(snapshots=False)
