"""Every state change of a deployment, one topic per module.

Rules come from deployments/domain.py; the reads these services need (plans, start gates,
what is due) are in deployments/selectors.py. A service reads the facts, applies the
decision atomically, writes an event row for who did what, and enqueues the timed work
through the outbox.

- `starting`: deployment_request (a gated start) and deployment_record (a pipeline's
  deployment, for DORA).
- `stages`: entering a stage (the traffic shift), its gates, its end (next stage, hold,
  halt and rollback), and the notifications of these.
- `traffic`: a router's or a person's answer to a requested traffic shift
  (traffic_shift_apply, traffic_shift_failed, traffic_shift_confirm).
- `engine`: the engine's step (rollout_tick) and pushed metrics (metrics_push).
- `controls`: a delivery manager's pause, resume, promote and rollback.
- `events`: what every change writes (the event row, the state move, the manager check).
"""
