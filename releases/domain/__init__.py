"""Pure rules of release planning, one topic per module.

No ORM, no I/O, no clock: callers pass plain values and `at`.

- `versions`: one spelling per version, semantic-version order, the release type from the
  previous final release of the product (and the retyping of later ones).
- `schedule`: the T-7/T-1/T-0/T+1 dates in business days, overdue checklist items, late
  scope changes.
- `payloads`: the exit criteria's names and evidence payloads (validation, a payload in words).
- `criteria`: each criterion's PASS/WARN/FAIL and the go/no-go recommendation.
- `report`: release_checker.py's report for people and its exit statuses.
"""
