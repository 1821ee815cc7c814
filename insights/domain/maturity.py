"""Delivery maturity: five levels of characteristics, a team's level, and what the data proves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .levels import DEFAULT_THRESHOLDS, ELITE


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
