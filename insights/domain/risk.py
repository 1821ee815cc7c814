"""Pre-mortem risk of a release: what could make it fail, riskiest first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


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


def strategy_basis(used: Sequence, recommended, recommendation_reasons: Iterable[str]) -> tuple[str, str, list[str]]:
    """(label, risk, reasons) of the strategy a release's risk is judged on: the riskiest of the
    strategies its deployments `used` (each with .label and .risk, as strategy_guide's), or
    without any, the `recommended` one."""
    if used:
        worst = max(used, key=lambda info: RISK_ORDER.get(info.risk.lower(), 2))
        return worst.label, worst.risk, [f"Deployments of this release use: {', '.join(info.label for info in used)}."]
    reasons = ["No deployment with a known strategy yet; the recommended strategy is assumed.", *recommendation_reasons]
    return recommended.label, recommended.risk, reasons


def overall_risk(risks: Iterable[Risk]) -> str:
    levels = [r.level for r in risks]
    return max(levels, key=lambda level: RISK_ORDER.get(level, 2)) if levels else "low"
