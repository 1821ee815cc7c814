"""Seeders of the incidents app: incidents with their impact windows, reference counters, timelines."""

from datetime import timedelta

from ..rows import insert, next_id
from .base import Ctx, has_field, lognormal_minutes, model, seeder, services_for


SEVERITIES = [("SEV-1", 5), ("SEV-2", 15), ("SEV-3", 40), ("SEV-4", 40)]


@seeder("incidents", "incidents.Incident", "sla.ImpactWindow")
def seed_incidents(ctx: Ctx) -> None:
    Incident, Impact = model("incidents.Incident"), model("sla.ImpactWindow")
    rng, s = ctx.rng, ctx.scale
    sevs = [k for k, w in SEVERITIES for _ in range(w)]
    moments = sorted(ctx.when() for _ in range(s.incidents))
    open_from = len(moments) - max(3, s.incidents // 5_000)  # the newest few are still open
    deployments, changes = ctx.ids.get("deployments", []), ctx.ids.get("changes", [])
    i0 = next_id(Incident)
    through = Incident.services.through
    l0, w0 = next_id(through), next_id(Impact)
    rows, links, windows, per_year = [], [], [], {}
    for i, impact_start in enumerate(moments):
        sev = rng.choice(sevs)
        duration = timedelta(minutes=lognormal_minutes(rng, {"SEV-1": 90, "SEV-2": 60}.get(sev, 40), 0.9, 60 * 24 * 3))
        detected = impact_start + timedelta(minutes=rng.randint(0, 15))
        still_open = i >= open_from
        if still_open:
            state = rng.choice(["detect", "triage", "respond"])
            impact_end, resolved, acknowledged = None, None, (None if state == "detect" else detected + timedelta(minutes=5))
        else:
            impact_end = impact_start + duration
            acknowledged = detected + timedelta(minutes=rng.randint(1, 30))
            resolved = impact_end + timedelta(minutes=rng.randint(0, 60))
            state = "review" if ctx.anchor - resolved < timedelta(days=10) and sev in ("SEV-1", "SEV-2") else "closed"
        year = detected.year
        per_year[year] = per_year.get(year, 0) + 1
        reference = f"INC-{year}-{per_year[year]:04d}"
        counts = sev in ("SEV-1", "SEV-2")
        iid = i0 + i
        title = f"{sev} {rng.choice(['Elevated errors', 'Latency spike', 'Partial outage', 'Login failures', 'Queue backlog'])} #{i}"
        rows.append({"id": iid, "reference": reference, "title": title, "summary": "Customers saw errors; see timeline.",
                     "severity": sev, "state": state, "commander_id": None if state == "detect" else rng.choice(ctx.ids["users"]),
                     "counts_against_sla": counts, "impact_started_at": impact_start, "impact_ended_at": impact_end,
                     "detected_at": detected, "acknowledged_at": acknowledged, "resolved_at": resolved,
                     "caused_by_deployment_id": rng.choice(deployments) if deployments and rng.random() < 0.1 else None,
                     "caused_by_change_id": rng.choice(changes) if changes and rng.random() < 0.05 else None,
                     "created_by_id": ctx.ids["bench_user"], "created_at": detected, "updated_at": resolved or detected})
        for sid in services_for(ctx, 3):
            links.append({"id": l0 + len(links), "incident_id": iid, "service_id": sid})
            windows.append({"id": w0 + len(windows), "service_id": sid, "source_ref": reference, "title": title,
                            "started_at": impact_start, "ended_at": impact_end, "counts_against_sla": counts})
    insert(Incident, rows)
    insert(through, links)
    insert(Impact, windows)
    # The incident page of the benchmark: a SEV-1 from the last year, given the long timeline.
    year_ago = ctx.anchor - timedelta(days=365)
    big = next((r for r in rows if r["severity"] == "SEV-1" and r["impact_started_at"] > year_ago and r["state"] == "closed"), rows[-1])
    ctx.info["incident"] = big["reference"]
    ctx.ids["incident_rows"] = rows
    ctx.ids["big_incident"] = big["id"]
    ctx.ids["incident_years"] = per_year
    ctx.count("incidents", len(rows))
    ctx.count("incident-service links", len(links))
    ctx.count("impact windows", len(windows))


@seeder("references", "delivery_portal.ReferenceCounter")
def seed_reference_counters(ctx: Ctx) -> None:
    """The shared INC/CHG counter (delivery_portal.references, on main after the merge), so the
    next reference allocated on a bench database does not walk past every seeded number."""
    Counter = model("delivery_portal.ReferenceCounter")
    if not has_field(Counter, "prefix"):
        return
    rows = [{"prefix": prefix, "year": year, "last": last}
            for prefix, years in (("INC", ctx.ids.get("incident_years", {})), ("CHG", ctx.ids.get("change_years", {})))
            for year, last in sorted(years.items())]
    start = next_id(Counter)
    insert(Counter, [{"id": start + n, **row} for n, row in enumerate(rows)])


TIMELINE_TEXTS = [
    ("status_update", "Investigating elevated error rates; next update in 30 minutes."),
    ("action", "Rolled back the latest deployment."),
    ("note", "Error rate back under 0.5% on the canary pool."),
    ("decision", "Keep the feature flag off until the fix ships."),
]


@seeder("incidents.timeline", "incidents.TimelineEntry")
def seed_timeline(ctx: Ctx) -> None:
    """About `timeline_per_incident` entries per incident, and `big_timeline` on the benchmark's incident."""
    Entry = model("incidents.TimelineEntry")
    rng, s = ctx.rng, ctx.scale
    next_entry = next_id(Entry)
    rows, total = [], 0
    users = ctx.ids["users"]
    for inc in ctx.ids.get("incident_rows", []):
        n = s.big_timeline if inc["id"] == ctx.ids.get("big_incident") else rng.randint(max(1, s.timeline_per_incident // 2), s.timeline_per_incident * 3 // 2)
        begin = inc["detected_at"]
        end = inc["resolved_at"] or (begin + timedelta(hours=2))
        step = (end - begin) / max(n, 1)
        for k in range(n):
            kind, text = TIMELINE_TEXTS[(k + inc["id"]) % len(TIMELINE_TEXTS)]
            at = begin + step * k
            rows.append({"id": next_entry, "incident_id": inc["id"], "at": at, "kind": kind, "text": text,
                         "author_id": rng.choice(users), "created_at": at, "edited_at": None})
            next_entry += 1
        if len(rows) >= 100_000:  # a million rows at large: insert as we go
            total += insert(Entry, rows)
            rows = []
    total += insert(Entry, rows)
    ctx.count("timeline entries", total)
