"""Error-budget arithmetic and the sla app's rules. Pure Python: no ORM, no I/O, no clock
(every function takes `at`). The rules themselves are written out in `error_budget`.

- `error_budget`: statuses, burn rates, `compute_budget` (the exact account of one service
  for one period), the multi-window burn rates and the consumption curve;
- `periods`: calendar periods, the budget's size, minutes and rounding, `BudgetInputError`;
- `intervals`: `Window` and the span arithmetic (clip, union, subtract, counted spans);
- `team_rules`: team slugs (reserved, taken) and which fields an edit changes.
"""
