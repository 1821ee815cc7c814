"""What the run writes to, made through the contract API before the users start."""

import random
import sys
from datetime import UTC, datetime, timedelta

from .client import Api
from .config import CHANGES


def api_tokens():
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    return {u: Token.objects.get_or_create(user=User.objects.get(username=u))[0].key
            for u in ("manager", "cab1", "cab2", "oncall", "viewer")}


def seed(base, tokens, marker):
    """Through the contract API: service, incident, submitted changes. Returns what is usable."""
    skipped, now = {}, datetime.now(UTC)
    manager, oncall = Api(base, tokens["manager"]), Api(base, tokens["oncall"])
    slug = "loadtest"
    if manager.get(f"/api/v1/services/{slug}/").status_code == 404:
        r = manager.post("/api/v1/services/", {"slug": slug, "name": "Load test", "tier": "standard", "sla_target": "99.9"})
        if r.status_code != 201:
            sys.exit(f"loadtest: could not create the service: {r.status_code} {r.text[:300]}")
    r = oncall.post("/api/v1/incidents/", {
        "title": f"Load test {marker}", "severity": "SEV-3", "services": [slug],
        "impact_started_at": (now - timedelta(minutes=10)).isoformat(), "detected_at": (now - timedelta(minutes=5)).isoformat(),
        "summary": "Incident for the load test's timeline entries.",
    })
    if r.status_code != 201:
        sys.exit(f"loadtest: could not open the incident: {r.status_code} {r.text[:300]}")
    incident = r.json()["reference"]
    approvals = []
    start = now + timedelta(days=10)
    impacts = [{"systems": "none", "services": [slug], "users": "none", "downtime_minutes": 0},
               {"systems": "none", "services": slug, "users": "none", "downtime_minutes": 0}]
    for i in range(CHANGES):
        for impact in impacts:  # the contract leaves the type of impact.services open: a list, else text
            r = oncall.post("/api/v1/changes/", {
                "title": f"Load test change {i} {marker}", "change_type": "normal", "description": "Load test.",
                "justification": "Load test.", "impact": impact,
                "implementation_plan": "Nothing.", "rollback_plan": "Nothing.", "testing_plan": "Nothing.",
                "window_start": (start + timedelta(hours=3 * i)).isoformat(),
                "window_end": (start + timedelta(hours=3 * i + 1)).isoformat(),
            })
            if r.status_code != 400:
                impacts = [impact]
                break
        if r.status_code != 201:
            sys.exit(f"loadtest: could not request a change: {r.status_code} {r.text[:300]}")
        reference = r.json()["reference"]
        s = oncall.post(f"/api/v1/changes/{reference}/submit/", {})
        if s.status_code not in (200, 201):
            sys.exit(f"loadtest: could not submit {reference}: {s.status_code} {s.text[:300]}")
        approvals += [(reference, "cab1"), (reference, "cab2")]
    random.shuffle(approvals)
    return {"incident": incident, "approvals": approvals, "skipped": skipped}
