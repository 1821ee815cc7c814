"""Seeders of the benchmark data set, one per app (or per model added later), in order.

Each seeder is `fn(ctx)`; it reads what earlier seeders made from `ctx.ids` and records what
the pages need (a service slug, the incident with the long timeline, ...) in `ctx.info`, which
is stored in the marker. A seeder names the models it needs; when one is not installed yet
(`apps.get_model` fails) the seeder is skipped and the output says so, so that the same
command fills the models of the other apps once they are merged.

Random numbers come from one `random.Random(SEED)` and times from a fixed anchor (midnight UTC
of the seeding day, stored in the marker): the same scale gives the same rows.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from .rows import insert, marker_write, next_id
from .scales import SCALES, Scale

SEED = 20260909
# Bump when a seeder changes what it writes: a marker of another version is seeded again.
SEED_VERSION = 3
BENCH_USER = "bench"


@dataclass
class Ctx:
    scale: Scale
    rng: random.Random
    anchor: datetime
    start: datetime
    ids: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)
    log: callable = print

    def when(self) -> datetime:
        """A random moment in the history window (start .. anchor)."""
        span = (self.anchor - self.start).total_seconds()
        return self.start + timedelta(seconds=self.rng.random() * span)

    def count(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n


def model(label: str):
    """The model `app_label.ModelName`, or None when that app or model does not exist (yet)."""
    app_label, name = label.split(".")
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def has_field(model_cls, name: str) -> bool:
    try:
        model_cls._meta.get_field(name)
        return True
    except Exception:
        return False


SEEDERS: list[tuple[str, tuple[str, ...], callable]] = []


def seeder(name: str, *needs: str):
    """Register a seeder that runs only if every model in `needs` exists."""

    def register(fn):
        SEEDERS.append((name, needs, fn))
        return fn

    return register


def _lognormal_minutes(rng, median: float, sigma: float, cap: float) -> float:
    return min(cap, max(1.0, rng.lognormvariate(math.log(median), sigma)))


# --- users ------------------------------------------------------------------------------------
@seeder("users", "auth.User", "auth.Group")
def seed_users(ctx: Ctx) -> None:
    from django.contrib.auth.models import Group, User

    from delivery_portal import roles

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in roles.ALL_ROLES}
    password = make_password("bench")
    bench, _ = User.objects.get_or_create(
        username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.com", "password": password}
    )
    bench.groups.add(groups[roles.DELIVERY_MANAGER])
    role_cycle = [roles.ON_CALL, roles.CAB_MEMBER, roles.DELIVERY_MANAGER, roles.ON_CALL, roles.CAB_MEMBER]
    users, by_role = [], {name: [] for name in roles.ALL_ROLES}
    first = next_id(User)
    for i in range(ctx.scale.users):
        users.append({"id": first + i, "username": f"bench-{i:03d}", "password": password, "email": f"bench-{i:03d}@example.com",
                      "first_name": "Bench", "last_name": f"User {i}", "is_active": True, "date_joined": ctx.start})
        by_role[role_cycle[i % len(role_cycle)]].append(first + i)
    insert(User, users)
    through = User.groups.through
    start = next_id(through)
    memberships = [{"id": start + n, "user_id": uid, "group_id": groups[role].pk}
                   for n, (role, uid) in enumerate((r, u) for r, uids in by_role.items() for u in uids)]
    insert(through, memberships)
    ctx.ids["users"] = [u["id"] for u in users]
    ctx.ids["users_by_role"] = by_role
    ctx.ids["bench_user"] = bench.pk
    ctx.count("users", len(users) + 1)


# --- sla ----------------------------------------------------------------------------------------
@seeder("sla", "sla.Team", "sla.Service", "sla.MaintenanceWindow")
def seed_sla(ctx: Ctx) -> None:
    Team, Service, Window = model("sla.Team"), model("sla.Service"), model("sla.MaintenanceWindow")
    rng, s = ctx.rng, ctx.scale
    t0 = next_id(Team)
    teams = [{"id": t0 + i, "slug": f"team-{i:03d}", "name": f"Team {i:03d}", "email": f"team-{i:03d}@example.com", "webhook_url": ""}
             for i in range(s.teams)]
    insert(Team, teams)
    s0 = next_id(Service)
    targets = [Decimal("99.0"), Decimal("99.5"), Decimal("99.9"), Decimal("99.95")]
    services = [
        {"id": s0 + i, "slug": f"svc-{i:04d}", "name": f"Service {i:04d}",
         "tier": "critical" if rng.random() < 0.2 else "standard", "sla_target": rng.choice(targets),
         "team_id": teams[i % len(teams)]["id"], "p99_threshold_ms": 500, "freeze_active": False, "created_at": ctx.start}
        for i in range(s.services)
    ]
    insert(Service, services)
    w0 = next_id(Window)
    windows = []
    for svc in services:
        for _ in range(2 * s.years):  # twice a year
            starts = ctx.when().replace(minute=0, second=0, microsecond=0)
            windows.append({"id": w0 + len(windows), "service_id": svc["id"], "starts_at": starts,
                            "ends_at": starts + timedelta(hours=rng.choice([1, 2, 4])), "reason": "Planned maintenance"})
    insert(Window, windows)
    ctx.ids["teams"] = [t["id"] for t in teams]
    ctx.ids["services"] = [svc["id"] for svc in services]
    ctx.info["service"] = services[0]["slug"]
    ctx.info["team"] = teams[0]["slug"]
    ctx.count("teams", len(teams))
    ctx.count("services", len(services))
    ctx.count("maintenance windows", len(windows))


def _services_for(ctx: Ctx, most: int) -> list[int]:
    """1..most distinct services, the first few services more often (some are busier)."""
    services = ctx.ids["services"]
    k = ctx.rng.randint(1, min(most, len(services)))
    picked = set()
    while len(picked) < k:
        i = int(len(services) * (ctx.rng.random() ** 1.6))  # skewed towards low indexes
        picked.add(services[min(i, len(services) - 1)])
    return sorted(picked)


# --- releases -----------------------------------------------------------------------------------
@seeder("releases", "releases.Release", "releases.Feature", "releases.BugFix", "releases.Dependency",
        "releases.Evidence", "releases.CommsItem", "releases.RolloutPlan")
def seed_releases(ctx: Ctx) -> None:
    M = {name: model(f"releases.{name}") for name in ("Release", "Feature", "BugFix", "Dependency", "Evidence", "CommsItem", "RolloutPlan")}
    rng, s = ctx.rng, ctx.scale
    products = max(1, s.releases // 100)
    per_product = s.releases // products
    first_day = ctx.start.date()
    last_day = (ctx.anchor + timedelta(days=60)).date()
    span_days = (last_day - first_day).days
    r0 = next_id(M["Release"])
    releases, links = [], []
    for p in range(products):
        for n in range(per_product):
            target = first_day + timedelta(days=int(span_days * (n + rng.random() * 0.5) / per_product))
            kind = "major" if n == 0 else ("minor" if n % 10 == 0 else "patch")
            releases.append({"id": r0 + len(releases), "version": f"v{p + 1}.{n // 10}.{n % 10}", "product": f"product-{p:02d}",
                             "release_type": kind, "target_date": target, "created_by_id": ctx.ids["bench_user"],
                             "created_at": datetime.combine(target - timedelta(days=30), time(9), dt_timezone.utc)})
    # One release a week ahead at every scale, so the dashboard's "next 14 days" panel and the
    # release page show the same things (and make the same queries) at small and large scale.
    soon = ctx.anchor.date() + timedelta(days=7)
    min(releases, key=lambda r: abs((r["target_date"] - soon).days))["target_date"] = soon
    insert(M["Release"], releases)
    through = M["Release"].services.through
    l0 = next_id(through)
    for rel in releases:
        for sid in _services_for(ctx, 3):
            links.append({"id": l0 + len(links), "release_id": rel["id"], "service_id": sid})
    insert(through, links)
    features, bugs, deps, evidence, comms, plans = [], [], [], [], [], []
    ids = {name: next_id(M[name]) for name in ("Feature", "BugFix", "Dependency", "Evidence", "CommsItem", "RolloutPlan")}
    payloads = {"bugs": {"open_p1": 0, "open_p2": 0}, "performance": {"p99_ms": 320, "target_ms": 500},
                "security_scan": {"critical": 0, "high": 0}, "load_test": {"peak_multiple": 2.0},
                "uat_signoff": {"signed_off_by": "QA", "signed_off_at": "2026-01-01T00:00:00+00:00"},
                "documentation": {"pending_pages": 0}, "runbook": {"reviewed": True, "reviewed_at": "2026-01-01T00:00:00+00:00"}}
    today = ctx.anchor.date()
    for rel in releases:
        rid, target, past = rel["id"], rel["target_date"], rel["target_date"] < today
        for i in range(rng.randint(3, 8)):
            features.append({"id": ids["Feature"] + len(features), "release_id": rid, "title": f"Feature {i} of {rel['version']}",
                             "ticket": f"FEAT-{rid}-{i}", "status": "done" if past else rng.choice(["planned", "in_progress", "done"]), "late": False})
        for i in range(rng.randint(1, 4)):
            bugs.append({"id": ids["BugFix"] + len(bugs), "release_id": rid, "title": f"Bug {i} of {rel['version']}", "ticket": f"BUG-{rid}-{i}",
                         "priority": rng.choice(["P1", "P2", "P3", "P4"]), "status": "resolved" if past else rng.choice(["open", "resolved"]), "late": False})
        for i in range(rng.randint(0, 2)):
            deps.append({"id": ids["Dependency"] + len(deps), "release_id": rid, "kind": rng.choice(["db_migration", "api_version", "sdk_update"]),
                         "description": f"Dependency {i}", "late": False})
        recorded = datetime.combine(target - timedelta(days=3), time(12), dt_timezone.utc)
        for criterion, payload in payloads.items():
            evidence.append({"id": ids["Evidence"] + len(evidence), "release_id": rid, "criterion": criterion, "payload": payload,
                             "recorded_by_id": ctx.ids["bench_user"], "recorded_at": recorded})
        for kind, days in (("t_minus_7", -9), ("t_minus_1", -1), ("t_0", 0), ("t_plus_1", 1)):
            due = target + timedelta(days=days)
            done = due < today
            comms.append({"id": ids["CommsItem"] + len(comms), "release_id": rid, "kind": kind, "due_date": due,
                          "owner_id": ctx.ids["bench_user"], "done": done,
                          "done_at": datetime.combine(due, time(10), dt_timezone.utc) if done else None,
                          "done_by_id": ctx.ids["bench_user"] if done else None, "reminded_at": None})
        plans.append({"id": ids["RolloutPlan"] + len(plans), "release_id": rid, "strategy": "", "rollback_plan": "", "monitoring_hours": 24})
    for name, rows in (("Feature", features), ("BugFix", bugs), ("Dependency", deps), ("Evidence", evidence), ("CommsItem", comms), ("RolloutPlan", plans)):
        insert(M[name], rows)
        ctx.count(f"release {name.lower()} rows", len(rows))
    ctx.info["release"] = next(r for r in releases if r["target_date"] == soon)["version"]
    ctx.ids["releases"] = [r["id"] for r in releases]
    ctx.count("releases", len(releases))


# --- changes ------------------------------------------------------------------------------------
CHANGE_TYPES = [("standard", 30), ("normal", 50), ("expedited", 15), ("emergency", 5)]


@seeder("changes", "changes.ChangeRequest")
def seed_changes(ctx: Ctx) -> None:
    Change = model("changes.ChangeRequest")
    rng, s = ctx.rng, ctx.scale
    kinds = [k for k, w in CHANGE_TYPES for _ in range(w)]
    # Created over the history; windows 0-10 days later, so the last weeks reach into the future.
    moments = sorted(ctx.when() for _ in range(s.changes))
    per_year, rows, links = {}, [], []
    c0 = next_id(Change)
    through = Change.services.through
    l0 = next_id(through)
    upcoming_open = 0
    for i, created in enumerate(moments):
        kind = rng.choice(kinds)
        lead = {"normal": 6, "expedited": 2, "standard": 1, "emergency": 0}[kind]
        window_start = (created + timedelta(days=lead + rng.random() * 4)).replace(minute=0, second=0, microsecond=0)
        window_end = window_start + timedelta(hours=rng.choice([1, 2, 3, 4]))
        if window_start > ctx.anchor:
            state = rng.choice(["submitted", "submitted", "approved", "scheduled", "draft"])
            upcoming_open += state == "submitted"
        else:
            state = rng.choices(["closed", "completed", "reviewed", "rejected", "cancelled", "failed"], [60, 15, 10, 6, 6, 3])[0]
            # The review backlog is recent: nineteen in twenty changes done over a month ago
            # have had their post-implementation review and are closed.
            if state in ("completed", "failed") and window_end < ctx.anchor - timedelta(days=30) and rng.random() < 0.95:
                state = "closed"
        implemented = state in ("implementing", "completed", "failed", "reviewed", "closed")
        reviewed = state in ("reviewed", "closed")
        year = created.year
        per_year[year] = per_year.get(year, 0) + 1
        rows.append({"id": c0 + i, "reference": f"CHG-{year}-{per_year[year]:04d}", "title": f"Change {i}: update configuration",
                     "change_type": kind, "state": state, "requester_id": rng.choice(ctx.ids["users"]),
                     "description": "Rotate settings and roll out the new build.", "justification": "Routine.",
                     "impact_systems": "", "impact_users": "", "impact_downtime_minutes": rng.choice([None, 0, 5, 15]),
                     "implementation_plan": "1. Deploy\n2. Verify", "rollback_plan": "Redeploy the previous build.",
                     "testing_plan": "Smoke tests.", "window_start": window_start, "window_end": window_end,
                     "submitted_at": None if state == "draft" else created + timedelta(hours=1),
                     "implementation_started_at": window_start if implemented else None,
                     "implementation_ended_at": window_end if implemented and state != "implementing" else None,
                     "reviewed_at": window_end + timedelta(days=rng.randint(1, 4)) if reviewed else None,
                     "created_at": created, "updated_at": created})
        for sid in _services_for(ctx, 2):
            links.append({"id": l0 + len(links), "changerequest_id": c0 + i, "service_id": sid})
    insert(Change, rows)
    insert(through, links)
    ctx.ids["changes"] = [r["id"] for r in rows]
    ctx.ids["change_rows"] = rows
    ctx.ids["change_years"] = per_year
    ctx.info["change_month"] = ctx.anchor.strftime("%Y-%m")
    ctx.count("change requests", len(rows))
    ctx.count("change-service links", len(links))
    ctx.count("changes awaiting CAB (future windows)", upcoming_open)


@seeder("changes.approvals", "changes.Approval")
def seed_approvals(ctx: Ctx) -> None:
    Approval = model("changes.Approval")
    rng = ctx.rng
    cab = ctx.ids["users_by_role"]["cab_member"]
    managers = ctx.ids["users_by_role"]["delivery_manager"] or cab
    on_call = ctx.ids["users_by_role"]["on_call"] or cab
    decided = {"approved", "scheduled", "implementing", "completed", "failed", "reviewed", "closed"}
    rows, a0 = [], next_id(Approval)
    for change in ctx.ids.get("change_rows", []):
        if change["state"] not in decided and change["state"] != "rejected":
            continue
        at = (change["submitted_at"] or change["created_at"]) + timedelta(hours=rng.randint(2, 48))
        kind = change["change_type"]
        voters = rng.sample(cab, 2) if kind == "normal" and len(cab) >= 2 else [rng.choice(managers if kind == "expedited" else on_call)] if kind != "standard" else []
        for by in voters:
            if by == change["requester_id"]:
                continue
            rejected = change["state"] == "rejected"
            rows.append({"id": a0 + len(rows), "change_id": change["id"], "by_id": by, "decision": "reject" if rejected else "approve",
                         "at": at, "comment": "Too risky in this window." if rejected else ""})
    insert(Approval, rows)
    ctx.count("change approvals", len(rows))


# --- deployments --------------------------------------------------------------------------------
@seeder("deployments", "deployments.Deployment", "deployments.DeploymentCommit")
def seed_deployments(ctx: Ctx) -> None:
    Deployment, Commit = model("deployments.Deployment"), model("deployments.DeploymentCommit")
    rng, s = ctx.rng, ctx.scale
    moments = sorted(ctx.when() for _ in range(s.deployments))
    d0, k0 = next_id(Deployment), next_id(Commit)
    rows, commits = [], []
    strategies = ["canary", "canary", "blue_green", "rolling", "big_bang"]
    changes, releases = ctx.ids.get("changes", []), ctx.ids.get("releases", [])
    running_from = len(moments) - max(2, s.deployments // 20_000)
    for i, started in enumerate(moments):
        state = rng.choices(["succeeded", "failed", "rolled_back", "refused"], [88, 5, 5, 2])[0]
        if i >= running_from:
            state = "running"
        finished = None if state in ("running", "refused") else started + timedelta(minutes=_lognormal_minutes(rng, 20, 0.6, 600))
        did = d0 + i
        rows.append({"id": did, "service_id": rng.choice(ctx.ids["services"]),
                     "environment": "production" if rng.random() < 0.7 else "staging",
                     "version": f"1.{i // 1000}.{i % 1000}", "strategy": rng.choice(strategies), "state": state,
                     "traffic_percent": 100 if state == "succeeded" else (25 if state == "running" else 0),
                     "change_id": rng.choice(changes) if changes and rng.random() < 0.2 else None,
                     "release_id": rng.choice(releases) if releases and rng.random() < 0.1 else None,
                     "critical": False, "reason": "", "recorded": state != "running",
                     "requested_by_id": rng.choice(ctx.ids["users"]), "started_at": started, "finished_at": finished,
                     "created_at": started})
        if state != "refused":
            for _ in range(rng.randint(1, 5)):
                commits.append({"id": k0 + len(commits), "deployment_id": did, "sha": f"{rng.getrandbits(160):040x}",
                                "authored_at": started - timedelta(minutes=_lognormal_minutes(rng, 600, 1.0, 60 * 24 * 30))})
    insert(Deployment, rows)
    insert(Commit, commits)
    ctx.ids["deployments"] = [r["id"] for r in rows]
    ctx.count("deployments", len(rows))
    ctx.count("deployment commits", len(commits))


# --- incidents ----------------------------------------------------------------------------------
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
        duration = timedelta(minutes=_lognormal_minutes(rng, {"SEV-1": 90, "SEV-2": 60}.get(sev, 40), 0.9, 60 * 24 * 3))
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
        for sid in _services_for(ctx, 3):
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


# --- running them ---------------------------------------------------------------------------------
def skipped_seeders() -> list[str]:
    """The seeders whose models are not installed (yet)."""
    return [name for name, needs, _ in SEEDERS if any(model(label) is None for label in needs)]


def anchor_for(at: datetime | None = None) -> datetime:
    at = at or timezone.now()
    return datetime.combine(at.astimezone(dt_timezone.utc).date(), time(0), dt_timezone.utc)


def seed(scale: str, *, log=print, anchor: datetime | None = None, write_marker: bool = True) -> Ctx:
    """Seed `scale` into the current (empty) database in one transaction; return the context."""
    sc = SCALES[scale]
    anchor = anchor or anchor_for()
    ctx = Ctx(scale=sc, rng=random.Random(f"{SEED}-{scale}"), anchor=anchor,
              start=anchor - timedelta(days=365 * sc.years), log=log)
    with transaction.atomic():
        for name, needs, fn in SEEDERS:
            missing = [label for label in needs if model(label) is None]
            if missing:
                ctx.skipped.append(name)
                log(f"  skipped {name}: {', '.join(missing)} not installed yet")
                continue
            started = timezone.now()
            fn(ctx)
            log(f"  seeded {name} in {(timezone.now() - started).total_seconds():.1f} s")
        info = {**ctx.info, "anchor": anchor.isoformat(), "counts": ctx.counts, "skipped": ctx.skipped, "seed": SEED,
                "version": SEED_VERSION}
        if write_marker:
            marker_write(scale, info)
    ctx.info = info
    return ctx
