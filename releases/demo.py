"""Demo releases for `make run`: v2.4.0 (shipped) and v2.5.0 (CONDITIONAL GO), as in the issue.

v2.5.0 keeps the issue's dates (target Thursday 25 January 2024) so that
`scripts/release_checker.py --version v2.5.0` prints exactly the issue's sample report.
Idempotent: an existing release is left alone.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sla.models import Service

from . import services
from .models import Release


GOOD_V240 = {
    "bugs": {"open_p1": 0, "open_p2": 0},
    "performance": {"p99_ms": 340, "target_ms": 500},
    "security_scan": {"critical": 0, "high": 0},
    "load_test": {"peak_multiple": 2.2},
    "uat_signoff": {"signed_off_by": "Dana (Product)", "signed_off_at": "2024-01-03T09:00:00+00:00"},
    "documentation": {"pending_pages": 0},
    "runbook": {"reviewed": True, "reviewed_at": "2024-01-02T11:00:00+00:00"},
}


def _at(day, hour=10):
    return datetime(2024, 1, day, hour, 0, tzinfo=UTC)


def load(users):
    manager = users.get("manager")
    portal, _ = Service.objects.get_or_create(
        slug="portal", defaults={"name": "Portal", "tier": Service.Tier.CRITICAL, "sla_target": Decimal("99.9")}
    )
    if not Release.objects.filter(version="v2.4.0").exists():
        previous = services.release_create(version="v2.4.0", target_date=date(2024, 1, 4), services=[portal], by=manager)
        services.scope_item_add(release=previous, kind="feature", by=manager, at=_at(2, 9),
                                data={"title": "Saved searches", "ticket": "PORT-61", "status": "done"})
        for criterion, payload in GOOD_V240.items():
            services.evidence_record(release=previous, criterion=criterion, payload=payload, by=manager, at=_at(3))
        for item in previous.comms_items.all():
            services.comms_item_set_done(item=item, done=True, by=manager, at=datetime.combine(item.due_date, datetime.min.time(), tzinfo=UTC))
    _load_v250(portal, manager)
    _load_upcoming(portal, manager)


def _load_v250(portal, manager):
    if Release.objects.filter(version="v2.5.0").exists():
        return
    release = services.release_create(version="v2.5.0", target_date=date(2024, 1, 25), services=[portal], by=manager)
    scope = [
        ("feature", {"title": "Dark mode", "ticket": "PORT-101", "status": "done"}),
        ("feature", {"title": "Bulk export to CSV", "ticket": "PORT-104", "status": "done"}),
        ("bug_fix", {"title": "Login loop after password reset", "ticket": "PORT-88", "priority": "P2", "status": "resolved"}),
        ("bug_fix", {"title": "Typo on the settings page", "ticket": "PORT-93", "priority": "P4", "status": "open"}),
        ("dependency", {"kind": "api_version", "description": "Payments API v3"}),
        ("dependency", {"kind": "sdk_update", "description": "Mobile SDK 5.2"}),
    ]
    for kind, data in scope:
        services.scope_item_add(release=release, kind=kind, data=data, by=manager, at=_at(10))
    evidence = [
        ("bugs", {"open_p1": 0, "open_p2": 0}, 22),
        ("performance", {"p99_ms": 320, "target_ms": 500}, 22),
        ("security_scan", {"critical": 0, "high": 0}, 22),
        ("load_test", {"peak_multiple": 2.0}, 22),
        ("uat_signoff", {"signed_off_by": "Dana (Product)", "signed_off_at": "2024-01-23T15:00:00+00:00"}, 23),
        ("documentation", {"pending_pages": 2}, 23),
        ("runbook", {"reviewed": True, "reviewed_at": "2024-01-22T11:00:00+00:00"}, 22),
    ]
    for criterion, payload, day in evidence:
        services.evidence_record(release=release, criterion=criterion, payload=payload, by=manager, at=_at(day))
    # It shipped in January 2024: its whole communication plan was done on time.
    for item in release.comms_items.all():
        services.comms_item_set_done(
            item=item, done=True, by=manager, at=datetime.combine(item.due_date, datetime.min.time(), tzinfo=UTC)
        )


def _load_upcoming(portal, manager):
    """v2.6.0, due in ten days: scope planned, some evidence in, so NO-GO for now."""
    if Release.objects.filter(version="v2.6.0").exists():
        return
    from datetime import timedelta

    from django.utils import timezone

    release = services.release_create(
        version="v2.6.0", target_date=timezone.localdate() + timedelta(days=10), services=[portal], by=manager
    )
    for kind, data in [
        ("feature", {"title": "Team dashboards", "ticket": "PORT-140", "status": "in_progress"}),
        ("bug_fix", {"title": "Export times out for large teams", "ticket": "PORT-133", "priority": "P2", "status": "open"}),
        ("dependency", {"kind": "db_migration", "description": "Add team_id index to events"}),
    ]:
        services.scope_item_add(release=release, kind=kind, data=data, by=manager)
    services.evidence_record(
        release=release, criterion="performance", payload={"p99_ms": 410, "target_ms": 500}, by=manager
    )
    services.evidence_record(release=release, criterion="security_scan", payload={"critical": 0, "high": 1}, by=manager)
