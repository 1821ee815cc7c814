"""The seeders of the benchmark data set, one module per app (bench/seed.py runs them).

- `base`         the context (`Ctx`), the `@seeder` registry, `model()` lookup, random helpers.
- `people`       users and their role groups.
- `sla`          teams, services, maintenance windows.
- `releases`     releases with features, bug fixes, dependencies, evidence, comms, rollout plans.
- `changes`      change requests and CAB approvals.
- `deployments`  deployments and their commits.
- `incidents`    incidents and impact windows, the INC/CHG reference counters, timelines.
"""
