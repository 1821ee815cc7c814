from datetime import UTC, date, datetime

import pytest

from releases import services
from sla.tests.factories import ServiceFactory

GOOD_EVIDENCE = {
    "bugs": {"open_p1": 0, "open_p2": 0},
    "performance": {"p99_ms": 320, "target_ms": 500},
    "security_scan": {"critical": 0, "high": 0},
    "load_test": {"peak_multiple": 2.0},
    "uat_signoff": {"signed_off_by": "Dana Product", "signed_off_at": "2024-01-23T10:00:00+00:00"},
    "documentation": {"pending_pages": 2},
    "runbook": {"reviewed": True, "reviewed_at": "2024-01-22T15:00:00+00:00"},
}
EARLY = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def portal_service(db):
    return ServiceFactory(slug="portal", name="Portal")


@pytest.fixture
def sample_release(users, portal_service):
    """v2.5.0 after v2.4.0, due Thursday 25 January 2024, evidence as in the issue's sample (CONDITIONAL GO)."""
    manager = users["manager"]
    services.release_create(version="v2.4.0", target_date=date(2024, 1, 4), services=[portal_service], by=manager)
    release = services.release_create(
        version="v2.5.0", target_date=date(2024, 1, 25), services=[portal_service], by=manager
    )
    services.scope_item_add(release=release, kind="feature", data={"title": "Dark mode", "ticket": "PORT-101", "status": "done"},
                            by=manager, at=EARLY)
    services.scope_item_add(release=release, kind="bug_fix",
                            data={"title": "Login loop", "ticket": "PORT-88", "priority": "P2", "status": "resolved"},
                            by=manager, at=EARLY)
    services.scope_item_add(release=release, kind="dependency",
                            data={"kind": "api_version", "description": "Payments API v3"}, by=manager, at=EARLY)
    for criterion, payload in GOOD_EVIDENCE.items():
        services.evidence_record(release=release, criterion=criterion, payload=payload, by=manager, at=EARLY)
    return release
