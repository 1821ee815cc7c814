"""Reads for insights, one topic per module:

- `dora`: DORA metrics of a scope over a date range or by week, as aggregate queries.
- `dashboard`: the panels of the home dashboard.
- `maturity`: what the portal's data says about a team's delivery, for its maturity.
- `risk`: the pre-mortem risk of a release.

DORA never loads deployments row by row: counts are aggregates, and medians are computed
by PostgreSQL (`percentile_cont`); only on SQLite, which has no percentile, are the
durations fetched (two timestamps per commit or incident, nothing else). A range costs
three queries and the weekly trend three more, whatever the number of deployments.
"""
