"""The four DORA metrics from what the database counted, and the same counting on plain records."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .levels import DEFAULT_THRESHOLDS, change_failure_level, frequency_level, lead_time_level, mttr_level


SUCCEEDED, FAILED, ROLLED_BACK, REFUSED = "succeeded", "failed", "rolled_back", "refused"
FAILURE_STATES = (FAILED, ROLLED_BACK)
# Deployments that count: refused ones never do, running ones once they have ended.
OUTCOME_STATES = (SUCCEEDED, FAILED, ROLLED_BACK)


def days_in_range(start: date, end: date) -> int:
    """Days from start to end, both included."""
    if end < start:
        raise ValueError("the range ends before it starts")
    return (end - start).days + 1


def deployment_frequency(successful: int, start: date, end: date) -> float:
    """Successful production deployments per day over the inclusive date range."""
    return successful / days_in_range(start, end)


def median_duration(durations: Iterable[timedelta]) -> timedelta | None:
    """Median of the non-negative durations (negative ones are dropped); None if none."""
    values = sorted(d for d in durations if d is not None and d >= timedelta(0))
    if not values:
        return None
    return timedelta(seconds=statistics.median(d.total_seconds() for d in values))


def mean_duration(durations: Iterable[timedelta]) -> timedelta | None:
    values = [d for d in durations if d is not None and d >= timedelta(0)]
    if not values:
        return None
    return timedelta(seconds=statistics.fmean(d.total_seconds() for d in values))


def lead_time_median(pairs: Iterable[tuple[datetime, datetime]]) -> timedelta | None:
    """Median of (deployment finished - commit authored) over (finished, authored) pairs."""
    return median_duration(finished - authored for finished, authored in pairs if finished and authored)


def change_failure_rate(failures: int, deployments: int) -> float | None:
    """Failed, rolled back or incident-causing deployments over all (non-refused) ones."""
    if deployments <= 0:
        return None
    return failures / deployments


def mttr(impacts: Iterable[tuple[datetime, datetime]]) -> tuple[timedelta | None, timedelta | None]:
    """(mean, median) of impact end - impact start over (started, ended) pairs."""
    durations = [ended - started for started, ended in impacts if started and ended]
    return mean_duration(durations), median_duration(durations)


def hours(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 3600


@dataclass(frozen=True)
class DoraCounts:
    """What the database measured for one scope and range (or one week of it)."""

    deployments: int = 0  # production deployments, refused ones excluded
    succeeded: int = 0
    failures: int = 0  # failed, rolled back or caused an incident
    commits: int = 0  # commits whose lead time was measured
    lead_time_median: timedelta | None = None
    incidents_resolved: int = 0
    mttr_mean: timedelta | None = None
    mttr_median: timedelta | None = None


@dataclass(frozen=True)
class DoraMetrics:
    start: date
    end: date
    counts: DoraCounts
    deployment_frequency_per_day: float
    lead_time_hours_median: float | None
    change_failure_rate: float | None
    mttr_hours: float | None
    mttr_hours_median: float | None
    levels: dict = field(default_factory=dict)  # metric -> one of LEVELS, always
    no_data: tuple[str, ...] = ()  # metrics (keys of levels) whose value is None: level low by default

    def has_data(self, metric: str) -> bool:
        return metric not in self.no_data

    def as_dict(self) -> dict:
        """The contract's shape of GET /api/v1/dora/, plus the range and the counts."""
        return {
            "deployment_frequency_per_day": rounded(self.deployment_frequency_per_day),
            "lead_time_hours_median": rounded(self.lead_time_hours_median),
            "change_failure_rate": rounded(self.change_failure_rate),
            "mttr_hours": rounded(self.mttr_hours),
            "mttr_hours_median": rounded(self.mttr_hours_median),
            "levels": dict(self.levels),
            "no_data": list(self.no_data),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": days_in_range(self.start, self.end),
            "counts": {
                "deployments": self.counts.deployments,
                "successful_deployments": self.counts.succeeded,
                "failed_deployments": self.counts.failures,
                "commits": self.counts.commits,
                "incidents_resolved": self.counts.incidents_resolved,
            },
        }


def rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def dora_metrics(counts: DoraCounts, start: date, end: date, thresholds: Mapping = DEFAULT_THRESHOLDS) -> DoraMetrics:
    """The four metrics and their levels from what was counted. A metric without data
    (no measured commit, no deployment, no resolved incident) is None, its level is low (it
    cannot be shown to be better) and its name is listed in `no_data`. Deployment frequency
    always has a value (0 deployments is 0 per day)."""
    frequency = deployment_frequency(counts.succeeded, start, end)
    lead = hours(counts.lead_time_median)
    cfr = change_failure_rate(counts.failures, counts.deployments)
    mean, median = hours(counts.mttr_mean), hours(counts.mttr_median)
    return DoraMetrics(
        start=start,
        end=end,
        counts=counts,
        deployment_frequency_per_day=frequency,
        lead_time_hours_median=lead,
        change_failure_rate=cfr,
        mttr_hours=mean,
        mttr_hours_median=median,
        levels={
            "deployment_frequency": frequency_level(frequency, thresholds),
            "lead_time": lead_time_level(lead, thresholds),
            "change_failure_rate": change_failure_level(cfr, thresholds),
            "mttr": mttr_level(mean, thresholds),
        },
        no_data=tuple(name for name, value in (("lead_time", lead), ("change_failure_rate", cfr), ("mttr", mean))
                      if value is None),
    )


@dataclass(frozen=True)
class DeploymentFact:
    state: str
    finished_at: datetime | None = None
    commits_authored_at: tuple[datetime, ...] = ()
    caused_incident: bool = False
    environment: str = "production"


@dataclass(frozen=True)
class IncidentFact:
    impact_started_at: datetime
    impact_ended_at: datetime | None
    resolved_at: datetime | None


def counts_from_facts(
    deployments: Iterable[DeploymentFact], incidents: Iterable[IncidentFact], *, start_at: datetime, end_at: datetime,
    environment: str = "production",
) -> DoraCounts:
    """Count hand-built records in [start_at, end_at) the way the selectors count rows."""
    in_range = [
        d for d in deployments
        if d.environment == environment and d.state in OUTCOME_STATES and d.finished_at and start_at <= d.finished_at < end_at
    ]
    succeeded = [d for d in in_range if d.state == SUCCEEDED]
    pairs = [(d.finished_at, authored) for d in succeeded for authored in d.commits_authored_at]
    measured = [p for p in pairs if p[0] >= p[1]]
    resolved = [
        (i.impact_started_at, i.impact_ended_at) for i in incidents
        if i.resolved_at and i.impact_ended_at and start_at <= i.resolved_at < end_at
    ]
    mean, median = mttr(resolved)
    return DoraCounts(
        deployments=len(in_range),
        succeeded=len(succeeded),
        failures=sum(1 for d in in_range if d.state in FAILURE_STATES or d.caused_incident),
        commits=len(measured),
        lead_time_median=lead_time_median(measured),
        incidents_resolved=len(resolved),
        mttr_mean=mean,
        mttr_median=median,
    )


def weeks_ending(end: date, weeks: int = 13) -> list[tuple[date, date]]:
    """The `weeks` Monday-to-Sunday weeks up to and including the one holding `end`."""
    last_monday = end - timedelta(days=end.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    return [(first + timedelta(weeks=i), first + timedelta(weeks=i, days=6)) for i in range(weeks)]
