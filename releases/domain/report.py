"""The readiness report of release_checker.py for people, and its exit statuses."""

from __future__ import annotations

from datetime import date

from .versions import TYPE_LABELS


EXIT_CODES = {"GO": 0, "CONDITIONAL GO": 3, "NO-GO": 1}


def format_report(readiness: dict) -> str:
    """The people's report of release_checker.py from the readiness JSON."""
    target = date.fromisoformat(readiness["target_date"])
    lines = [
        f"Release Readiness: {readiness['version']}",
        f"Type: {TYPE_LABELS[readiness['release_type']]}  Target Date: {target:%B} {target.day}, {target.year}",
        "Exit Criteria:",
    ]
    lines += [f"[{c['status']}] {c['detail']}" for c in readiness["criteria"]]
    lines.append(f"Recommendation: {readiness['recommendation']}")
    lines += [f"- {condition}" for condition in readiness["conditions"]]
    lines.append(f"- Deployment strategy: {readiness['strategy']}")
    lines.append(f"- Rollback plan: {readiness['rollback_plan']}")
    lines.append(f"- Monitoring period: {readiness['monitoring_hours']} hours post-deploy")
    return "\n".join(lines)
