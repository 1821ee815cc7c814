"""Insights: the arithmetic of DORA metrics, delivery maturity and pre-mortem risk.

Pure Python: no ORM, no I/O, no clock. Selectors count and measure in the database and
hand the numbers to these functions; tests call them on hand-built data.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

ELITE, HIGH, MEDIUM, LOW = "elite", "high", "medium", "low"
LEVELS = (ELITE, HIGH, MEDIUM, LOW)

SUCCEEDED, FAILED, ROLLED_BACK, REFUSED = "succeeded", "failed", "rolled_back", "refused"
FAILURE_STATES = (FAILED, ROLLED_BACK)
# Deployments that count: refused ones never do, running ones once they have ended.
OUTCOME_STATES = (SUCCEEDED, FAILED, ROLLED_BACK)

# The same values as settings.DORA_THRESHOLDS; callers pass the settings in.
DEFAULT_THRESHOLDS = {
    "deployment_frequency_per_day": {ELITE: 1.0, HIGH: 1 / 7, MEDIUM: 1 / 30},
    "lead_time_hours": {ELITE: 1.0, HIGH: 24.0 * 7, MEDIUM: 24.0 * 30},
    "change_failure_rate": {ELITE: 0.05, HIGH: 0.10, MEDIUM: 0.15},
    "mttr_hours": {ELITE: 1.0, HIGH: 24.0, MEDIUM: 24.0 * 7},
}


# --- The four metrics --------------------------------------------------------------------
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


# --- Levels ----------------------------------------------------------------------------
def frequency_level(per_day: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite above 1 per day, high at least weekly, medium at least monthly, low below."""
    t = thresholds["deployment_frequency_per_day"]
    per_day = per_day or 0.0
    if per_day > t[ELITE]:
        return ELITE
    if per_day >= t[HIGH]:
        return HIGH
    if per_day >= t[MEDIUM]:
        return MEDIUM
    return LOW


def _under_level(value: float | None, bounds: Mapping) -> str:
    """Lower is better, each level strictly under its bound (lead time, MTTR). No value
    cannot be shown to be better than low, so it is low (DoraMetrics.no_data says why)."""
    if value is None:
        return LOW
    for level in (ELITE, HIGH, MEDIUM):
        if value < bounds[level]:
            return level
    return LOW


def lead_time_level(lead_time_hours: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite under 1 hour, high under 1 week, medium under 1 month, low above."""
    return _under_level(lead_time_hours, thresholds["lead_time_hours"])


def mttr_level(mttr_hours: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite under 1 hour, high under 1 day, medium under 1 week, low above."""
    return _under_level(mttr_hours, thresholds["mttr_hours"])


def change_failure_level(rate: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite under 5%, high up to 10%, medium up to 15%, low above; low without a rate."""
    if rate is None:
        return LOW
    t = thresholds["change_failure_rate"]
    if rate < t[ELITE]:
        return ELITE
    if rate <= t[HIGH]:
        return HIGH
    if rate <= t[MEDIUM]:
        return MEDIUM
    return LOW


# --- The result --------------------------------------------------------------------------
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
            "deployment_frequency_per_day": _round(self.deployment_frequency_per_day),
            "lead_time_hours_median": _round(self.lead_time_hours_median),
            "change_failure_rate": _round(self.change_failure_rate),
            "mttr_hours": _round(self.mttr_hours),
            "mttr_hours_median": _round(self.mttr_hours_median),
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


def _round(value: float | None, places: int = 4) -> float | None:
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


# --- DORA from plain records (the reference the selectors are checked against) ---------------
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


# --- Delivery maturity ---------------------------------------------------------------------
@dataclass(frozen=True)
class Characteristic:
    key: str
    label: str
    question: str
    recommendation: str


@dataclass(frozen=True)
class MaturityLevel:
    number: int
    name: str
    characteristics: tuple[Characteristic, ...]


def _c(key, label, question, recommendation):
    return Characteristic(key, label, question, recommendation)


MATURITY_LEVELS: tuple[MaturityLevel, ...] = (
    MaturityLevel(1, "Manual Delivery", (
        _c("manual_builds", "Manual builds", "Can the team build a releasable version, even by hand?",
           "Write down the build steps so anyone on the team can produce a release."),
        _c("manual_testing", "Manual testing", "Is every change tested before release, even by hand?",
           "Keep a test checklist and run it before every release."),
        _c("manual_deploys", "Manual deploys", "Does the team deploy its own releases, even by hand?",
           "Write a deploy runbook so a release does not depend on one person."),
        _c("reactive_monitoring", "Reactive monitoring", "Are failures noticed and acted on (incidents raised)?",
           "Raise an incident in the portal for every customer-facing failure."),
    )),
    MaturityLevel(2, "Automated Build/Test", (
        _c("ci_pipeline", "CI pipeline", "Does every commit build in a CI pipeline?",
           "Set up a CI pipeline that builds every commit and reports deployments to the portal."),
        _c("automated_unit_tests", "Automated unit tests", "Do automated unit tests run on every commit?",
           "Add automated unit tests and make the CI pipeline fail when they fail."),
        # The key keeps its old name (stored answers use it). The "manual deploys" of
        # level 2 means deploys are not yet automated, not that they must stay manual: a team
        # that deploys automatically meets it too, or it could never reach a higher level.
        _c("ci_manual_deploys", "Repeatable deploys (by hand or automated)",
           "Are deploys started from the CI build's artefact with a repeatable procedure (by hand or automatically)?",
           "Deploy only artefacts built by CI, with a written, repeatable procedure, never from a workstation."),
        _c("basic_monitoring", "Basic monitoring", "Are uptime and error rates monitored with alerts?",
           "Alert on availability and error rate, routed to the on-call engineer."),
    )),
    MaturityLevel(3, "Continuous Delivery", (
        _c("full_ci_cd", "Full CI/CD", "Does the pipeline take every change to a deployable release automatically?",
           "Extend the pipeline through to a deployable release and let it record deployments in the portal."),
        _c("automated_testing", "Automated testing", "Do integration and acceptance tests run automatically?",
           "Automate integration and acceptance tests in the pipeline."),
        _c("push_button_deploys", "Push-button deploys", "Can anyone on the team deploy with one action?",
           "Start production deployments from the portal (or one pipeline button) instead of by hand."),
        _c("comprehensive_monitoring", "Comprehensive monitoring", "Are latency, errors, saturation and traffic monitored?",
           "Monitor the four golden signals for every service and gate deployments on them."),
    )),
    MaturityLevel(4, "Continuous Deployment", (
        _c("automated_deploys", "Automated deploys", "Does every change that passes the pipeline deploy by itself?",
           "Deploy automatically on every green build; aim for more than one production deploy a day."),
        _c("feature_flags", "Feature flags", "Are unfinished features hidden behind flags?",
           "Introduce feature flags so that deploying and releasing are separate decisions."),
        _c("canary_releases", "Canary releases", "Are releases validated on a slice of traffic first?",
           "Use the canary strategy for production deployments."),
        _c("self_healing", "Self-healing systems", "Do failed instances restart or get replaced automatically?",
           "Add health checks and let the platform replace unhealthy instances."),
    )),
    MaturityLevel(5, "DevOps Excellence", (
        _c("zero_downtime_deploys", "Zero-downtime deploys", "Do deployments run without any downtime?",
           "Use blue-green or canary deployments with connection draining for zero downtime."),
        _c("automated_rollbacks", "Automated rollbacks", "Do bad deployments roll back by themselves on a metric breach?",
           "Let metric gates roll deployments back automatically."),
        _c("chaos_engineering", "Chaos engineering", "Does the team inject failures on purpose to test resilience?",
           "Run regular game days and automated fault injection."),
        _c("full_observability", "Full observability", "Can any production question be answered from traces, logs and metrics?",
           "Add distributed tracing and structured logs correlated with metrics."),
    )),
)
LEVEL_NAMES = {0: "Not yet assessed as level 1", **{lvl.number: lvl.name for lvl in MATURITY_LEVELS}}
CHARACTERISTICS = {c.key: c for lvl in MATURITY_LEVELS for c in lvl.characteristics}
TOP_LEVEL = MATURITY_LEVELS[-1].number


@dataclass(frozen=True)
class MaturityResult:
    level: int
    level_name: str
    target: int
    target_name: str
    missing: tuple[Characteristic, ...]  # what the target level still needs
    met: frozenset[str]

    @property
    def recommendations(self) -> list[str]:
        return [c.recommendation for c in self.missing]


def assess_maturity(answers: Mapping[str, bool]) -> MaturityResult:
    """The team's level is the highest whose characteristics, and all below, are met; the
    target is one level up (focus on one level at a time) and `missing` is what it needs."""
    met = frozenset(key for key, value in answers.items() if value and key in CHARACTERISTICS)
    level = 0
    for lvl in MATURITY_LEVELS:
        if all(c.key in met for c in lvl.characteristics):
            level = lvl.number
        else:
            break
    target = min(level + 1, TOP_LEVEL)
    target_level = MATURITY_LEVELS[target - 1]
    missing = tuple(c for c in target_level.characteristics if c.key not in met)
    return MaturityResult(level, LEVEL_NAMES[level], target, LEVEL_NAMES[target], missing, met)


@dataclass(frozen=True)
class TeamDeliveryFacts:
    """What the portal's own data says about a team's services (last `days` days)."""

    days: int = 90
    deployments: int = 0
    pipeline_deployments: int = 0  # recorded by a pipeline (status given)
    portal_deployments: int = 0  # coordinated rollouts started from the portal
    # Only what the portal saw itself, in production: rollouts it ran (not ones pipelines
    # reported) that succeeded with that strategy, and rollbacks made by its metric gates.
    canary_deployments: int = 0
    automatic_rollbacks: int = 0
    progressive_without_incident: int = 0  # blue-green/canary succeeded, caused no incident
    progressive_with_incident: int = 0
    incidents: int = 0
    deploys_per_day: float = 0.0


def maturity_evidence(facts: TeamDeliveryFacts, thresholds: Mapping = DEFAULT_THRESHOLDS) -> dict[str, str]:
    """Characteristics the data proves, each with the evidence in words."""
    d = facts.days
    evidence = {}
    if facts.deployments:
        evidence["manual_deploys"] = f"{facts.deployments} deployments recorded in the last {d} days."
    if facts.incidents:
        evidence["reactive_monitoring"] = f"{facts.incidents} incidents raised in the last {d} days."
    if facts.pipeline_deployments:
        text = f"{facts.pipeline_deployments} deployments reported by CI/CD pipelines in the last {d} days."
        evidence["ci_pipeline"] = text
        evidence["full_ci_cd"] = text
    if facts.portal_deployments:
        evidence["push_button_deploys"] = f"{facts.portal_deployments} deployments started from the portal in the last {d} days."
    if facts.deploys_per_day > thresholds["deployment_frequency_per_day"][ELITE]:
        evidence["automated_deploys"] = f"{facts.deploys_per_day:.2f} successful production deploys per day (DORA)."
    if facts.canary_deployments:
        evidence["canary_releases"] = (
            f"{facts.canary_deployments} canary rollouts run by the portal in production succeeded in the last {d} days."
        )
    if facts.automatic_rollbacks:
        evidence["automated_rollbacks"] = (
            f"{facts.automatic_rollbacks} automatic rollbacks in production (a metric gate breached) in the last {d} days."
        )
    if facts.progressive_without_incident and not facts.progressive_with_incident:
        evidence["zero_downtime_deploys"] = (
            f"{facts.progressive_without_incident} blue-green or canary rollouts run by the portal in production "
            f"in the last {d} days, none caused an incident."
        )
    return evidence


# --- Pre-mortem risk of a release -----------------------------------------------------------
RISK_ORDER = {"low": 0, "low-medium": 1, "medium": 2, "high": 3}
CHANGE_TYPE_RISK = {"standard": "low", "normal": "low-medium", "expedited": "medium", "emergency": "high"}


@dataclass(frozen=True)
class ServiceHistory:
    slug: str
    name: str
    freeze_active: bool
    failed_deployments: int = 0
    rolled_back_deployments: int = 0
    incidents: int = 0
    burn_rate: float | None = None  # error-budget burn rate this month (sla)
    budget_status: str = ""  # on_track, at_risk, frozen, exhausted


@dataclass(frozen=True)
class Risk:
    area: str  # strategy, change, service
    subject: str
    level: str  # low, low-medium, medium, high
    detail: str


def failure_history_risk(history: ServiceHistory) -> str:
    failures = history.failed_deployments + history.rolled_back_deployments + history.incidents
    if failures >= 3:
        return "high"
    if failures:
        return "medium"
    return "low"


# An error budget burning faster than it refills makes a failed release costlier.
BUDGET_STATUS_RISK = {"at_risk": "medium", "frozen": "high", "exhausted": "high"}


def premortem_risks(
    *, strategy_label: str, strategy_risk: str, strategy_reasons: Iterable[str],
    change_types: Mapping[str, list[str]], services: Iterable[ServiceHistory], days: int = 90,
) -> list[Risk]:
    """What could make this release fail, riskiest first. `change_types` maps a change type
    to the references of the linked changes of that type."""
    risks = [Risk("strategy", strategy_label, strategy_risk.lower(), " ".join(strategy_reasons))]
    for change_type, refs in sorted(change_types.items()):
        level = CHANGE_TYPE_RISK.get(change_type, "medium")
        risks.append(Risk("change", change_type, level, f"{len(refs)} {change_type} change(s): {', '.join(sorted(refs))}."))
    for s in services:
        if s.freeze_active:
            risks.append(Risk("service", s.slug, "high", f"{s.name} is under a deploy freeze: only critical deployments pass."))
        if s.burn_rate is not None and s.budget_status in BUDGET_STATUS_RISK:
            risks.append(Risk(
                "service", s.slug, BUDGET_STATUS_RISK[s.budget_status],
                f"{s.name} burns its error budget at {s.burn_rate:.1f}x ({s.budget_status.replace('_', ' ')}).",
            ))
        risks.append(Risk(
            "service", s.slug, failure_history_risk(s),
            f"Last {days} days: {s.failed_deployments} failed and {s.rolled_back_deployments} rolled-back deployments, "
            f"{s.incidents} incidents.",
        ))
    return sorted(risks, key=lambda r: -RISK_ORDER.get(r.level, 2))


def overall_risk(risks: Iterable[Risk]) -> str:
    levels = [r.level for r in risks]
    return max(levels, key=lambda level: RISK_ORDER.get(level, 2)) if levels else "low"
