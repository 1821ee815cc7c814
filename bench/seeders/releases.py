"""Seeder of the releases app: releases, their scope, evidence, comms and rollout plans."""

from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

from ..rows import insert, next_id
from .base import Ctx, model, seeder, services_for

# The rows each release gets, in the order they are inserted.
SCOPE = ("Feature", "BugFix", "Dependency", "Evidence", "CommsItem", "RolloutPlan")
# Evidence that meets every exit criterion.
PAYLOADS = {"bugs": {"open_p1": 0, "open_p2": 0}, "performance": {"p99_ms": 320, "target_ms": 500},
            "security_scan": {"critical": 0, "high": 0}, "load_test": {"peak_multiple": 2.0},
            "uat_signoff": {"signed_off_by": "QA", "signed_off_at": "2026-01-01T00:00:00+00:00"},
            "documentation": {"pending_pages": 0}, "runbook": {"reviewed": True, "reviewed_at": "2026-01-01T00:00:00+00:00"}}
COMMS_DAYS = (("t_minus_7", -9), ("t_minus_1", -1), ("t_0", 0), ("t_plus_1", 1))


@seeder("releases", "releases.Release", "releases.Feature", "releases.BugFix", "releases.Dependency",
        "releases.Evidence", "releases.CommsItem", "releases.RolloutPlan")
def seed_releases(ctx: Ctx) -> None:
    M = {name: model(f"releases.{name}") for name in ("Release", *SCOPE)}
    releases, soon = _releases(ctx, M["Release"])
    _release_services(ctx, M["Release"], releases)
    rows = {name: [] for name in SCOPE}
    ids = {name: next_id(M[name]) for name in SCOPE}
    for rel in releases:
        _release_scope(ctx, rel, rows, ids)
    for name in SCOPE:
        insert(M[name], rows[name])
        ctx.count(f"release {name.lower()} rows", len(rows[name]))
    ctx.info["release"] = next(r for r in releases if r["target_date"] == soon)["version"]
    ctx.ids["releases"] = [r["id"] for r in releases]
    ctx.count("releases", len(releases))


def _releases(ctx: Ctx, Release) -> tuple[list[dict], object]:
    """The releases of every product, spread over the history and two months ahead; and the
    date a week ahead that one of them is moved to."""
    rng, s = ctx.rng, ctx.scale
    products = max(1, s.releases // 100)
    per_product = s.releases // products
    first_day = ctx.start.date()
    last_day = (ctx.anchor + timedelta(days=60)).date()
    span_days = (last_day - first_day).days
    r0 = next_id(Release)
    releases = []
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
    insert(Release, releases)
    return releases, soon


def _release_services(ctx: Ctx, Release, releases: list[dict]) -> None:
    through = Release.services.through
    l0 = next_id(through)
    links = []
    for rel in releases:
        for sid in services_for(ctx, 3):
            links.append({"id": l0 + len(links), "release_id": rel["id"], "service_id": sid})
    insert(through, links)


def _release_scope(ctx: Ctx, rel: dict, rows: dict[str, list], ids: dict[str, int]) -> None:
    """Append one release's features, bug fixes, dependencies, evidence, comms and plan to `rows`
    (ids continue from `ids`): a release in the past has everything done."""
    rng, bench_user = ctx.rng, ctx.ids["bench_user"]
    today = ctx.anchor.date()
    rid, target, past = rel["id"], rel["target_date"], rel["target_date"] < today

    def add(name, **row):
        rows[name].append({"id": ids[name] + len(rows[name]), "release_id": rid, **row})

    for i in range(rng.randint(3, 8)):
        add("Feature", title=f"Feature {i} of {rel['version']}", ticket=f"FEAT-{rid}-{i}",
            status="done" if past else rng.choice(["planned", "in_progress", "done"]), late=False)
    for i in range(rng.randint(1, 4)):
        add("BugFix", title=f"Bug {i} of {rel['version']}", ticket=f"BUG-{rid}-{i}", priority=rng.choice(["P1", "P2", "P3", "P4"]),
            status="resolved" if past else rng.choice(["open", "resolved"]), late=False)
    for i in range(rng.randint(0, 2)):
        add("Dependency", kind=rng.choice(["db_migration", "api_version", "sdk_update"]), description=f"Dependency {i}", late=False)
    recorded = datetime.combine(target - timedelta(days=3), time(12), dt_timezone.utc)
    for criterion, payload in PAYLOADS.items():
        add("Evidence", criterion=criterion, payload=payload, recorded_by_id=bench_user, recorded_at=recorded)
    for kind, days in COMMS_DAYS:
        due = target + timedelta(days=days)
        done = due < today
        add("CommsItem", kind=kind, due_date=due, owner_id=bench_user, done=done,
            done_at=datetime.combine(due, time(10), dt_timezone.utc) if done else None,
            done_by_id=bench_user if done else None, reminded_at=None)
    add("RolloutPlan", strategy="", rollback_plan="", monitoring_hours=24)
