"""Seeder of the sla app: teams, services, maintenance windows."""

from datetime import timedelta
from decimal import Decimal

from ..rows import insert, next_id
from .base import Ctx, model, seeder


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
