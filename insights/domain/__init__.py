"""Insights: the arithmetic of DORA metrics, delivery maturity and pre-mortem risk.

Pure Python: no ORM, no I/O, no clock. Selectors count and measure in the database and
hand the numbers to these functions; tests call them on hand-built data.

One topic per module:

- `levels`: elite, high, medium or low for each DORA metric, and the default thresholds.
- `dora`: the four metrics from what was counted (`dora_metrics`), and the same counting
  on hand-built records (`counts_from_facts`), the reference the selectors are checked against.
- `maturity`: the five maturity levels, a team's level from its answers, and what the
  portal's own data proves.
- `risk`: the pre-mortem risks of a release, riskiest first.
"""
