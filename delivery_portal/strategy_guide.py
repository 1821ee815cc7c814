"""The deployment strategy guide: pure domain knowledge shared by releases and deployments.

| Strategy   | When to use                                   | Rollback speed            | Risk        |
| Blue-green | Need instant rollback, have 2x infrastructure | Instant (switch traffic)  | Low         |
| Canary     | Validate with a subset of users first         | Fast (stop traffic shift) | Low-Medium  |
| Rolling    | Cost-constrained, can tolerate mixed versions | Moderate (re-deploy old)  | Medium      |
| Big bang   | Small app, low traffic, maintenance window OK | Slow (full redeploy)      | High        |
"""

from dataclasses import dataclass, field

from django.db.models import TextChoices


class Strategy(TextChoices):
    """How a rollout moves traffic to a new version: the one spelling of the strategy names
    and labels, for deployments, release rollout plans, the guide and scripts/deploy.py."""

    BLUE_GREEN = "blue_green", "Blue-green"
    CANARY = "canary", "Canary"
    ROLLING = "rolling", "Rolling"
    BIG_BANG = "big_bang", "Big bang"


@dataclass(frozen=True)
class StrategyInfo:
    key: str
    label: str
    when_to_use: str
    rollback_speed: str
    risk: str
    rollback_plan: str
    # The guide's questions that must all be answered yes for this strategy to fit.
    needs: tuple[str, ...]


QUESTIONS = {
    "instant_rollback": "Do you need instant rollback?",
    "double_infrastructure": "Can you run two full copies of the infrastructure (2x)?",
    "subset_validation": "Do you want to validate with a subset of users first?",
    "cost_constrained": "Are you cost-constrained?",
    "mixed_versions_ok": "Can the service run old and new versions side by side?",
    "small_low_traffic": "Is it a small app with low traffic?",
    "maintenance_window_ok": "Is a maintenance window with downtime acceptable?",
}


def _info(strategy: Strategy, when_to_use, rollback_speed, risk, rollback_plan, needs) -> StrategyInfo:
    return StrategyInfo(strategy.value, strategy.label, when_to_use, rollback_speed, risk, rollback_plan, needs)


# In order of preference: lower risk first.
STRATEGIES = {info.key: info for info in (
    _info(
        Strategy.BLUE_GREEN, "Need instant rollback, have 2x infrastructure", "Instant (switch traffic)", "Low",
        "Instant switch to blue environment", ("instant_rollback", "double_infrastructure"),
    ),
    _info(
        Strategy.CANARY, "Validate with a subset of users first", "Fast (stop traffic shift)", "Low-Medium",
        "Stop the traffic shift and send all traffic back to the stable version", ("subset_validation",),
    ),
    _info(
        Strategy.ROLLING, "Cost-constrained, can tolerate mixed versions", "Moderate (re-deploy old)", "Medium",
        "Re-deploy the previous version batch by batch", ("cost_constrained", "mixed_versions_ok"),
    ),
    _info(
        Strategy.BIG_BANG, "Small app, low traffic, maintenance window OK", "Slow (full redeploy)", "High",
        "Full redeploy of the previous version inside the maintenance window",
        ("small_low_traffic", "maintenance_window_ok"),
    ),
)}


@dataclass
class Recommendation:
    strategy: str
    label: str
    reasons: list[str] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)

    @property
    def info(self) -> StrategyInfo:
        return STRATEGIES[self.strategy]


def recommend(answers: dict[str, bool]) -> Recommendation:
    """Recommend a strategy from yes/no answers to QUESTIONS (missing answers count as no).

    The lowest-risk strategy whose every condition holds wins. If none fits fully, the one
    meeting most of its conditions does; if nothing is known, canary (the safe default).
    """
    yes = {key for key, value in answers.items() if value}
    fitting = [info for info in STRATEGIES.values() if set(info.needs) <= yes]
    if fitting:
        best = fitting[0]
        reasons = [f"{QUESTIONS[need].rstrip('?')}: yes." for need in best.needs]
        reasons.append(f"Rollback is {best.rollback_speed.lower()}; risk {best.risk.lower()}.")
        if "instant_rollback" in yes and best.key != Strategy.BLUE_GREEN:
            reasons.append("Instant rollback was asked for, but blue-green needs 2x infrastructure.")
        return Recommendation(best.key, best.label, reasons, [info.key for info in fitting[1:]])
    scored = sorted(STRATEGIES.values(), key=lambda info: -len(set(info.needs) & yes))
    if not yes or not set(scored[0].needs) & yes:
        info = STRATEGIES[Strategy.CANARY]
        return Recommendation(
            info.key, info.label, ["No strong constraint given: canary limits the blast radius and rolls back fast."]
        )
    best = scored[0]
    missing = [QUESTIONS[need].rstrip("?") for need in best.needs if need not in yes]
    reasons = [f"Closest fit; not met: {'; '.join(missing)}.", f"Rollback is {best.rollback_speed.lower()}."]
    return Recommendation(best.key, best.label, reasons)


def recommend_for_release(*, release_type: str, has_db_migrations: bool = False, critical: bool = False) -> Recommendation:
    """The strategy for a release's size and risk.

    Major and minor releases ship features and schema changes: blue-green keeps the old
    environment for instant rollback. A patch is small: canary validates it on a slice of
    traffic, unless it migrates the database or touches a critical service, where
    instant rollback wins again.
    """
    if release_type in ("major", "minor") or has_db_migrations or critical:
        info = STRATEGIES[Strategy.BLUE_GREEN]
        why = {
            "major": "A major release changes a lot at once: keep the old environment for an instant switch back.",
            "minor": "New features: keep the old environment for an instant switch back.",
        }.get(release_type, "Database migrations or a critical service: keep the old environment for instant rollback.")
        return Recommendation(info.key, info.label, [why, "Recommended for this release size."])
    info = STRATEGIES[Strategy.CANARY]
    return Recommendation(info.key, info.label, ["A small patch: validate it with a subset of users first."])


def recommend_for_service(
    *, service: str, critical: bool, release: str | None = None, release_type: str | None = None,
    has_db_migrations: bool = False,
) -> Recommendation:
    """The strategy for deploying one service (the start-deployment page), optionally as part
    of a release: the release's rule (recommend_for_release) when one is named, with the
    service's criticality; otherwise by the service's tier alone. A critical service keeps
    the old environment for instant rollback; a standard one is validated on a slice of
    traffic first."""
    if release_type:
        recommendation = recommend_for_release(
            release_type=release_type, has_db_migrations=has_db_migrations, critical=critical
        )
        recommendation.reasons.insert(0, f"{service} as part of {release or 'the release'} ({release_type}).")
        return recommendation
    if critical:
        info = STRATEGIES[Strategy.BLUE_GREEN]
        reasons = [f"{service} is a critical service: keep the old environment for an instant switch back.",
                   "Needs 2x infrastructure while both colours run; otherwise use canary."]
        return Recommendation(info.key, info.label, reasons, [Strategy.CANARY.value])
    info = STRATEGIES[Strategy.CANARY]
    reasons = [f"{service} is a standard-tier service and no release is named: validate the version on a subset "
               "of users first; stopping the traffic shift rolls back fast."]
    return Recommendation(info.key, info.label, reasons)
