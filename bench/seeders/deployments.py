"""Seeder of the deployments app: deployments and their commits."""

from datetime import timedelta

from ..rows import insert, next_id
from .base import Ctx, lognormal_minutes, model, seeder


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
        finished = None if state in ("running", "refused") else started + timedelta(minutes=lognormal_minutes(rng, 20, 0.6, 600))
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
                                "authored_at": started - timedelta(minutes=lognormal_minutes(rng, 600, 1.0, 60 * 24 * 30))})
    insert(Deployment, rows)
    insert(Commit, commits)
    ctx.ids["deployments"] = [r["id"] for r in rows]
    ctx.count("deployments", len(rows))
    ctx.count("deployment commits", len(commits))
