"""Seeder of the releases app: releases, their scope, evidence, comms and rollout plans."""

from datetime import datetime, time, timedelta
from datetime import timezone as dt_timezone

from ..rows import insert, next_id
from .base import Ctx, model, seeder, services_for


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
        for sid in services_for(ctx, 3):
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
