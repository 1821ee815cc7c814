"""Every state change of the sla app: keyword-only, atomic, audited.

One module per topic; import from the module (`from sla.services import freezes`, then
`freezes.freeze_impose(...)`). Public (other apps call these; names and signatures are stable):

- `impact`: `impact_window_sync(*, source_ref, title, services, started_at, ended_at,
  counts_against_sla)`, called by the incidents app whenever impact facts change;
- `catalogue`: `service_create(*, by, **fields) -> Service`,
  `service_update(*, service, by, **fields) -> Service`,
  `maintenance_window_add(*, service, starts_at, ends_at, reason, by=None) -> MaintenanceWindow`,
  `maintenance_window_remove(*, window, reason, by=None)`;
- `teams`: `team_create(*, by, members=(), **fields) -> Team`,
  `team_update(*, team, by, expected_version=None, **fields) -> Team` (delivery managers);
- `freezes`: `freeze_impose(*, service, by, reason, at=None) -> Freeze`,
  `freeze_lift(*, service, by, reason, at=None) -> Freeze`;
- `recompute`: `budget_recompute(*, at=None, service_ids=None, snapshots=True) -> RecomputeResult`,
  `snapshots_backfill(*, service, start, at, step)`;
- `common`: the delivery manager check the modules above share.
"""
