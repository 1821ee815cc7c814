"""The exit criteria, pure: each criterion's PASS/WARN/FAIL from the newest evidence, and
the go/no-go recommendation from all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .payloads import BUGS, CRITERIA, DOCS, LOAD, PERFORMANCE, RUNBOOK, SECURITY, UAT
from .schedule import add_business_days


# What to record, said in words, for a missing piece of evidence.
MISSING = {
    BUGS: "Bug status unknown: no bug report recorded (open P1/P2 counts)",
    PERFORMANCE: "Performance benchmarks missing: no P99 measurement recorded",
    SECURITY: "Security scan missing: no scan result recorded",
    LOAD: "Load testing missing: no load test result recorded",
    UAT: "UAT sign-off missing: nobody has signed off",
    DOCS: "Documentation status missing: no documentation review recorded",
    RUNBOOK: "Runbook review missing: no runbook review recorded",
}


RISK_NAMES = {
    BUGS: "P1/P2 bugs", PERFORMANCE: "performance", SECURITY: "security scan", LOAD: "load testing",
    UAT: "UAT sign-off", DOCS: "documentation", RUNBOOK: "runbook review",
}


# What a WARN asks for before T-0.
CONDITIONS = {
    DOCS: "Complete documentation review before T-0",
}


# Rough days to put a failing criterion right, for the recommended delay of a NO-GO.
FIX_DAYS = {BUGS: 5, PERFORMANCE: 5, SECURITY: 5, LOAD: 3, UAT: 3, DOCS: 1, RUNBOOK: 1}


HIGH_RISK = {BUGS, SECURITY}


@dataclass
class CriterionResult:
    criterion: str
    status: str  # PASS / WARN / FAIL
    detail: str

    def as_dict(self):
        return {"criterion": self.criterion, "status": self.status, "detail": self.detail}


@dataclass
class Decision:
    recommendation: str  # GO / CONDITIONAL GO / NO-GO
    conditions: list[str] = field(default_factory=list)
    risk: str = ""
    delay_days: int = 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _multiple(value: float) -> str:
    return f"{value:g}x"


def _short_date(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value:%b} {value.day}"


def evaluate_criteria(evidence: dict[str, dict], *, scope_open_p1: int = 0, scope_open_p2: int = 0) -> list[CriterionResult]:
    """Every exit criterion from the newest evidence of each (criterion -> payload) and the scope.

    `scope_open_p1/p2` are the release's own bug fixes of that priority not yet resolved.
    """
    results = []
    for criterion in CRITERIA:
        payload = evidence.get(criterion)
        if criterion == BUGS:
            results.append(_bugs(payload, scope_open_p1, scope_open_p2))
        elif payload is None:
            results.append(CriterionResult(criterion, "FAIL", MISSING[criterion]))
        else:
            results.append(_EVALUATORS[criterion](payload))
    return results


def _bugs(payload, scope_p1, scope_p2):
    p1 = scope_p1 + (payload or {}).get("open_p1", 0)
    p2 = scope_p2 + (payload or {}).get("open_p2", 0)
    total = p1 + p2
    if payload is None:
        if total:
            return CriterionResult(BUGS, "FAIL", f"Bug status unknown: no bug report recorded ({total} open P1/P2 in scope)")
        return CriterionResult(BUGS, "FAIL", MISSING[BUGS])
    if total == 0:
        return CriterionResult(BUGS, "PASS", "All P1/P2 bugs resolved (0 open)")
    parts = []
    if p1:
        parts.append(f"{p1} P1")
    if p2:
        parts.append(f"{p2} P2")
    scope = scope_p1 + scope_p2
    in_scope = f"; {scope} in this release's scope" if scope else ""
    return CriterionResult(BUGS, "FAIL", f"P1/P2 bugs still open ({total} open: {', '.join(parts)}{in_scope})")


def _performance(payload):
    p99, target = payload["p99_ms"], payload["target_ms"]
    if p99 < target:
        return CriterionResult(PERFORMANCE, "PASS", f"Performance benchmarks met (P99: {p99:g}ms < {target:g}ms target)")
    return CriterionResult(PERFORMANCE, "FAIL", f"Performance benchmarks not met (P99: {p99:g}ms >= {target:g}ms target)")


def _security(payload):
    critical, high = payload["critical"], payload["high"]
    status = "PASS" if critical == 0 and high == 0 else "FAIL"
    words = "Security scan passed" if status == "PASS" else "Security scan failed"
    return CriterionResult(SECURITY, status, f"{words} ({critical} critical, {high} high)")


LOAD_NEEDED = 2.0


def _load(payload):
    multiple = payload["peak_multiple"]
    if multiple >= LOAD_NEEDED:
        return CriterionResult(LOAD, "PASS", f"Load testing complete (sustained {_multiple(multiple)} peak traffic)")
    return CriterionResult(
        LOAD, "FAIL",
        f"Load testing incomplete (sustained {_multiple(multiple)} peak traffic, {_multiple(LOAD_NEEDED)} needed)",
    )


def _uat(payload):
    return CriterionResult(UAT, "PASS", f"UAT sign-off received ({_short_date(payload['signed_off_at'])})")


def _docs(payload):
    pending = payload["pending_pages"]
    if pending == 0:
        return CriterionResult(DOCS, "PASS", "Documentation updated (no pages pending review)")
    return CriterionResult(DOCS, "WARN", f"Documentation: {_plural(pending, 'page')} pending review")


def _runbook(payload):
    if payload["reviewed"]:
        return CriterionResult(RUNBOOK, "PASS", "Runbook reviewed and updated")
    return CriterionResult(RUNBOOK, "FAIL", "Runbook not reviewed")


_EVALUATORS = {PERFORMANCE: _performance, SECURITY: _security, LOAD: _load, UAT: _uat, DOCS: _docs, RUNBOOK: _runbook}


def decide(results: list[CriterionResult], *, target: date | None = None) -> Decision:
    """GO when all pass; CONDITIONAL GO when none fails and some warn; NO-GO when any fails."""
    failing = [r for r in results if r.status == "FAIL"]
    warning = [r for r in results if r.status == "WARN"]
    if not failing and not warning:
        return Decision("GO")
    if not failing:
        conditions = [CONDITIONS.get(r.criterion, f"Resolve: {r.detail} before T-0") for r in warning]
        return Decision("CONDITIONAL GO", conditions)
    level = "High" if any(r.criterion in HIGH_RISK for r in failing) else "Medium"
    names = ", ".join(RISK_NAMES[r.criterion] for r in failing)
    risk = f"Risk assessment: {level} ({_plural(len(failing), 'exit criterion')} failing: {names})".replace(
        "criterions", "criteria"
    )
    delay = max(FIX_DAYS[r.criterion] for r in failing)
    delay_text = f"Recommended delay: {_plural(delay, 'business day')}"
    if target is not None:
        new_target = add_business_days(target, delay)
        delay_text += f" (new target date {new_target:%B} {new_target.day}, {new_target.year})"
    conditions = [f"Fix before T-0: {r.detail}" for r in failing]
    conditions += [CONDITIONS.get(r.criterion, f"Resolve: {r.detail} before T-0") for r in warning]
    return Decision("NO-GO", [risk, delay_text, *conditions], risk=risk, delay_days=delay)
