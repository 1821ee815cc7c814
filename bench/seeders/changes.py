"""Seeders of the changes app: change requests and their CAB approvals."""

from datetime import timedelta

from ..rows import insert, next_id
from .base import Ctx, model, seeder, services_for


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
        for sid in services_for(ctx, 2):
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
