"""The plain-text budget report of scripts/sla_calculator.py, in the handbook's words.

Pure: works on the budget API's dict (so the same report comes from the database or from a
portal's API) plus, when there is one, the exact domain.Budget for the per-incident lines.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from .domain import error_budget, periods


def _d(value) -> Decimal:
    return Decimal(str(value))


def minutes_text(value) -> str:
    """43.80 -> "43.8", 20 -> "20", 4.375 -> "4.38"."""
    text = format(_d(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _when(value) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M %Z").replace("UTC+00:00", "UTC").strip()


def maintenance_from_api(budget: dict, windows: list[dict]) -> list[tuple[str, str, str, Decimal]]:
    """(start, end, reason, window minutes inside the period) for the windows of the budget's period."""
    start, end = datetime.fromisoformat(budget["period_start"]), datetime.fromisoformat(budget["period_end"])
    lines = []
    for w in windows:
        s, e = max(datetime.fromisoformat(w["starts_at"]), start), min(datetime.fromisoformat(w["ends_at"]), end)
        if e > s:
            lines.append((w["starts_at"], w["ends_at"], w["reason"], periods.minutes(e - s)))
    return sorted(lines)


def plain_report(budget: dict, *, name: str, detail: error_budget.Budget | None = None, maintenance=None) -> str:
    period = budget["period"]
    target = _d(budget["sla_target"])
    allowed = format((Decimal(100) - target).normalize(), "f")
    lines = [
        f"Service: {name}",
        f"Period: {period} {_when(budget['period_start'])} to {_when(budget['period_end'])}"
        + (f", as of {_when(detail.at.astimezone(datetime.fromisoformat(budget['period_start']).tzinfo))}" if detail else ""),
        f"SLA: {budget['sla_target']}% availability",
        f"Error Budget: {allowed}% = {minutes_text(budget['budget_minutes'])} minutes/{period}",
        "Budget Consumption:",
    ]
    if detail is not None:
        counted = [line for line in detail.impacts]
        if not counted:
            lines.append("  No customer impact.")
        for number, line in enumerate(counted, 1):
            w = line.window
            label = " ".join(part for part in (w.ref, w.title) if part)
            extra = ""
            if line.counted_minutes != line.own_minutes:
                extra = f" ({minutes_text(line.own_minutes)} min, overlap counted once)"
            ongoing = " (ongoing)" if w.end is None or w.end > detail.at else ""
            lines.append(f"  Incident {number}: {label}: {minutes_text(line.counted_minutes)} min{extra}{ongoing}")
    else:
        lines.append("  (per-incident lines need the database: run without --url)")
    lines.append(f"  Total used: {minutes_text(budget['consumed_minutes'])} min")
    if detail is not None:
        maintenance_lines = [
            (m.window.start, m.window.end, m.window.title, m.window_minutes, m.excluded_minutes) for m in detail.maintenance
        ]
    else:
        maintenance_lines = [(s, e, reason, length, None) for s, e, reason, length in (maintenance or [])]
    if maintenance_lines:
        lines.append("Scheduled maintenance (excluded):")
        for start, end, reason, length, excluded in maintenance_lines:
            text = f"  {_when(start)} to {_when(end)}: {reason} ({minutes_text(length)} min"
            text += f", {minutes_text(excluded)} min of impact excluded)" if excluded is not None else ")"
            lines.append(text)
    percent = _d(budget["remaining_percent"]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    lines.append(f"Remaining: {minutes_text(budget['remaining_minutes'])} min ({percent}% remaining)")
    burn = _d(budget["burn_rate"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    lines.append(f"Burn rate: {burn}x ({error_budget.STATUS_LABELS[budget['status']]})")
    lines.append(f"Deploy freeze: {'yes' if budget['freeze'] else 'no'}")
    return "\n".join(lines)
