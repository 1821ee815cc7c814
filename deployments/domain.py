"""Rollout rules, pure: plans per strategy, the state machine, metric gates, start gates.

No ORM and no I/O here; whatever depends on "now" takes `at`. The services feed these
functions with facts read from the database and applies what they decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from delivery_portal.strategy_guide import Strategy

# --- Plans ------------------------------------------------------------------------------
ALL_GATES = ("error_rate", "p99", "health")
HEALTH_ONLY = ("health",)
MAX_ERROR_RATE = 0.01  # error rate must stay below 1%

# Defaults; each can be replaced per service and environment (StagePlanOverride).
CANARY_DEFAULT = ((5, 30), (25, 60), (50, 120), (100, 0))
BLUE_GREEN_HEALTH_MINUTES = 5
BLUE_GREEN_MONITOR_MINUTES = 60  # the old colour is kept this long for an instant switch back
ROLLING_DEFAULT = ((25, 10), (50, 10), (75, 10), (100, 10))
BIG_BANG_MONITOR_MINUTES = 30


@dataclass(frozen=True)
class StageSpec:
    name: str
    traffic_percent: int
    monitor_minutes: float
    gates: tuple[str, ...] = ALL_GATES

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.monitor_minutes)


def validate_stage_list(stages) -> list[str]:
    """Problems with a configured stage list (empty: fine)."""
    problems = []
    if not isinstance(stages, list) or not stages:
        return ["Give at least one stage: [{\"traffic_percent\": 5, \"monitor_minutes\": 30}, ...]."]
    previous = -1
    for number, stage in enumerate(stages, 1):
        if not isinstance(stage, dict):
            problems.append(f"Stage {number} must be an object.")
            continue
        percent, minutes = stage.get("traffic_percent"), stage.get("monitor_minutes", 0)
        if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
            problems.append(f"Stage {number}: traffic_percent must be a whole number from 0 to 100.")
            continue
        if not isinstance(minutes, (int, float)) or isinstance(minutes, bool) or minutes < 0:
            problems.append(f"Stage {number}: monitor_minutes must be a number, 0 or more.")
        if percent < previous:
            problems.append(f"Stage {number}: traffic must not go down ({previous}% then {percent}%).")
        previous = percent
    if not problems and stages[-1]["traffic_percent"] != 100:
        problems.append("The last stage must send 100% of the traffic to the new version.")
    return problems


def build_plan(strategy: str, overrides: list[dict] | None = None) -> list[StageSpec]:
    """The stages of a rollout. `overrides` (validated stage dicts) replace the defaults."""
    if strategy == Strategy.CANARY:
        pairs = [(s["traffic_percent"], s.get("monitor_minutes", 0)) for s in overrides] if overrides else CANARY_DEFAULT
        return [
            StageSpec(f"Canary {pct}%" if pct < 100 else "Full rollout", pct, float(minutes), ALL_GATES)
            for pct, minutes in pairs
        ]
    if strategy == Strategy.BLUE_GREEN:
        health, monitor = BLUE_GREEN_HEALTH_MINUTES, BLUE_GREEN_MONITOR_MINUTES
        if overrides:  # [{"traffic_percent": 0, ...health}, {"traffic_percent": 100, ...monitor}]
            health = overrides[0].get("monitor_minutes", health) if len(overrides) > 1 else health
            monitor = overrides[-1].get("monitor_minutes", monitor)
        return [
            StageSpec("Deploy idle colour, health check", 0, float(health), HEALTH_ONLY),
            StageSpec("Switch all traffic; old colour kept", 100, float(monitor), ALL_GATES),
        ]
    if strategy == Strategy.ROLLING:
        pairs = [(s["traffic_percent"], s.get("monitor_minutes", 0)) for s in overrides] if overrides else ROLLING_DEFAULT
        count = len(pairs)
        return [
            StageSpec(f"Batch {number} of {count}", pct, float(minutes), HEALTH_ONLY)
            for number, (pct, minutes) in enumerate(pairs, 1)
        ]
    if strategy == Strategy.BIG_BANG:
        monitor = overrides[-1].get("monitor_minutes", BIG_BANG_MONITOR_MINUTES) if overrides else BIG_BANG_MONITOR_MINUTES
        return [StageSpec("All at once (maintenance window)", 100, float(monitor), ALL_GATES)]
    raise ValueError(f"unknown strategy {strategy!r}")


def plan_duration(plan: list[StageSpec]) -> timedelta:
    return sum((stage.duration for stage in plan), timedelta())


def format_minutes(minutes: float) -> str:
    if minutes == 0:
        return "no wait"
    if minutes < 1:
        return f"{round(minutes * 60)} s"
    if minutes < 60 or minutes % 60:
        return f"{minutes:g} min"
    return f"{minutes / 60:g} h"


# --- State machine --------------------------------------------------------------------
RUNNING, PAUSED, HOLDING = "running", "paused", "holding"
SUCCEEDED, FAILED, ROLLED_BACK, REFUSED = "succeeded", "failed", "rolled_back", "refused"
ACTIVE = (RUNNING, PAUSED, HOLDING)
TERMINAL = (SUCCEEDED, FAILED, ROLLED_BACK, REFUSED)

SYSTEM, MANAGER = "system", "delivery_manager"

# (state, action) -> (new state, who may do it). "advance" moves to the next stage (or
# completes after the last: services ask `next_stage` which); "hold" is no data.
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (RUNNING, "advance"): (RUNNING, SYSTEM),
    (HOLDING, "advance"): (RUNNING, SYSTEM),
    (RUNNING, "complete"): (SUCCEEDED, SYSTEM),
    (HOLDING, "complete"): (SUCCEEDED, SYSTEM),
    (RUNNING, "hold"): (HOLDING, SYSTEM),
    (HOLDING, "hold"): (HOLDING, SYSTEM),
    (RUNNING, "breach"): (ROLLED_BACK, SYSTEM),
    (HOLDING, "breach"): (ROLLED_BACK, SYSTEM),
    (PAUSED, "breach"): (ROLLED_BACK, SYSTEM),
    (RUNNING, "fail"): (FAILED, SYSTEM),
    (HOLDING, "fail"): (FAILED, SYSTEM),
    (PAUSED, "fail"): (FAILED, SYSTEM),
    (RUNNING, "pause"): (PAUSED, MANAGER),
    (HOLDING, "pause"): (PAUSED, MANAGER),
    (PAUSED, "resume"): (RUNNING, MANAGER),
    (RUNNING, "promote"): (RUNNING, MANAGER),
    (HOLDING, "promote"): (RUNNING, MANAGER),
    (PAUSED, "promote"): (RUNNING, MANAGER),
    (RUNNING, "rollback"): (ROLLED_BACK, MANAGER),
    (HOLDING, "rollback"): (ROLLED_BACK, MANAGER),
    (PAUSED, "rollback"): (ROLLED_BACK, MANAGER),
}

ACTION_WORDS = {
    "pause": "paused", "resume": "resumed", "promote": "promoted", "rollback": "rolled back",
    "advance": "advanced", "complete": "completed", "hold": "held", "breach": "halted", "fail": "failed",
}


class TransitionError(Exception):
    pass


def transition(state: str, action: str) -> str:
    """The state after `action`, or TransitionError saying why it is not allowed."""
    try:
        return TRANSITIONS[(state, action)][0]
    except KeyError:
        word = ACTION_WORDS.get(action, action)
        raise TransitionError(f"A deployment that is {state.replace('_', ' ')} cannot be {word}.") from None


def allowed_actions(state: str, actor: str = MANAGER) -> list[str]:
    return [action for (from_state, action), (_, who) in TRANSITIONS.items() if from_state == state and who == actor]


# --- Metric gates -----------------------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    error_rate: float | None = None  # a fraction: 0.004 is 0.4%
    p99_ms: float | None = None
    healthy: bool | None = None


@dataclass(frozen=True)
class GateCheck:
    gate: str
    value: float | bool | None
    threshold: str
    passed: bool | None  # None: no data
    message: str


@dataclass
class GateResult:
    decision: str  # "pass" | "breach" | "no_data"
    checks: list[GateCheck] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        wanted = {"pass": True, "breach": False, "no_data": None}[self.decision]
        return [check.message for check in self.checks if check.passed is wanted]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def evaluate_gates(
    metrics: Metrics | None, *, p99_threshold_ms: float, gates=ALL_GATES, max_error_rate: float = MAX_ERROR_RATE
) -> GateResult:
    """Check one set of values. Any breach wins; otherwise any missing value is no data."""
    metrics = metrics or Metrics()
    checks = []
    if "error_rate" in gates:
        value = metrics.error_rate
        if _missing(value):
            checks.append(GateCheck("error_rate", None, f"< {max_error_rate:.2%}", None, "No error-rate data."))
        else:
            ok = value < max_error_rate
            checks.append(GateCheck(
                "error_rate", value, f"< {max_error_rate:.2%}", ok,
                f"Error rate {value:.2%} is {'below' if ok else 'at or above'} {max_error_rate:.2%}.",
            ))
    if "p99" in gates:
        value = metrics.p99_ms
        if _missing(value):
            checks.append(GateCheck("p99", None, f"< {p99_threshold_ms:g} ms", None, "No P99 latency data."))
        else:
            ok = value < p99_threshold_ms
            checks.append(GateCheck(
                "p99", value, f"< {p99_threshold_ms:g} ms", ok,
                f"P99 latency {value:g} ms is {'below' if ok else 'at or above'} the service threshold {p99_threshold_ms:g} ms.",
            ))
    if "health" in gates:
        value = metrics.healthy
        if value is None:
            checks.append(GateCheck("health", None, "passing", None, "No health-check data."))
        else:
            checks.append(GateCheck(
                "health", bool(value), "passing", bool(value),
                "Health checks pass." if value else "Health checks fail.",
            ))
    if any(check.passed is False for check in checks):
        decision = "breach"
    elif any(check.passed is None for check in checks):
        decision = "no_data"
    else:
        decision = "pass"
    return GateResult(decision, checks)


def worst_of(samples: list[Metrics]) -> Metrics | None:
    """One set of values for a stage from its samples: the worst of each (None if none)."""
    if not samples:
        return None
    errors = [s.error_rate for s in samples if not _missing(s.error_rate)]
    p99s = [s.p99_ms for s in samples if not _missing(s.p99_ms)]
    health = [s.healthy for s in samples if s.healthy is not None]
    return Metrics(
        error_rate=max(errors) if errors else None,
        p99_ms=max(p99s) if p99s else None,
        healthy=all(health) if health else None,
    )


# --- Environments -----------------------------------------------------------------------
PRODUCTION, STAGING = "production", "staging"
# Other names people and pipelines use for the same environment.
ENVIRONMENT_ALIASES = {"prod": PRODUCTION, "prd": PRODUCTION, "stage": STAGING, "stg": STAGING}


def canonical_environment(name: str | None) -> str:
    """The one name an environment is stored and compared under: trimmed, lower-case, and an
    alias replaced by its environment ("Prod " -> "production", "STG" -> "staging"). Every
    deployment is written with it, so the gates, DORA and maturity mean the same thing."""
    key = (name or "").strip().lower()
    return ENVIRONMENT_ALIASES.get(key, key)


def is_production(environment: str) -> bool:
    return canonical_environment(environment) == PRODUCTION


# --- Start gates ------------------------------------------------------------------------


@dataclass(frozen=True)
class StartFacts:
    """What the start gates need to know, read by services from the other apps."""

    service: str
    environment: str
    strategy: str
    critical: bool = False
    reason: str = ""
    freeze_active: bool = False
    change_reference: str | None = None
    change_is_emergency: bool = False
    change_blockers: tuple[str, ...] = ()
    release_version: str | None = None
    release_recommendation: str | None = None
    in_maintenance_window: bool = False


def is_critical(facts: StartFacts) -> bool:
    """Critical: linked to an emergency change, or flagged critical with a reason."""
    return facts.change_is_emergency or (facts.critical and bool(facts.reason.strip()))


def start_gate_reasons(facts: StartFacts) -> list[str]:
    """Every reason the rollout may not start (empty: it may). Never stops at the first."""
    reasons = []
    if facts.critical and not facts.reason.strip():
        reasons.append("A critical deployment needs a reason.")
    if facts.freeze_active and not is_critical(facts):
        reasons.append(
            f"The error budget of {facts.service} is frozen: only critical deployments may run "
            "(linked to an emergency change, or critical with a reason)."
        )
    if facts.change_reference and is_production(facts.environment):
        reasons.extend(facts.change_blockers)
    if facts.release_version and facts.release_recommendation == "NO-GO":
        reasons.append(f"Release {facts.release_version} is NO-GO.")
    if facts.strategy == Strategy.BIG_BANG and not facts.in_maintenance_window:
        reasons.append("A big-bang deployment may only run inside an approved maintenance window, and none is open now.")
    return reasons


# --- Progress -----------------------------------------------------------------------------
def stage_due_at(started_at: datetime, monitor_minutes: float) -> datetime:
    return started_at + timedelta(minutes=monitor_minutes)


def progress_bar(percent: int, width: int = 30) -> str:
    filled = round(width * max(0, min(100, percent)) / 100)
    return "[" + "#" * filled + "." * (width - filled) + f"] {percent:3d}%"
