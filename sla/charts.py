"""Plotly figures (plain dicts) built from domain results; portal.js draws them.

Tests check the figures' data, never pixels. Times go out as ISO strings in the portal's
time zone so the axis reads like the rest of the page.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from .domain import error_budget, periods

IDEAL_COLOUR = "#98a2b3"
ACTUAL_COLOUR = "#1f4e79"
BAD_COLOUR = "#b42318"
WARN_COLOUR = "#a76300"


def _x(moment) -> str:
    return timezone.localtime(moment).isoformat()


def _y(value: Decimal) -> float:
    return float(periods.round2(Decimal(value)))


def _layout(title: str, y_title: str) -> dict:
    return {
        "title": {"text": title},
        "margin": {"l": 55, "r": 20, "t": 40, "b": 45},
        "xaxis": {"type": "date"},
        "yaxis": {"title": {"text": y_title}, "zeroline": True},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
    }


def burn_down_figure(budget: error_budget.Budget, curve: list[tuple]) -> dict:
    """Remaining budget over the period: the ideal straight line from the full budget at the
    start to zero at the end, against the actual line up to `at` (from consumption_curve)."""
    total = budget.budget_minutes
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Ideal",
                "x": [_x(budget.period_start), _x(budget.period_end)],
                "y": [_y(total), 0.0],
                "line": {"color": IDEAL_COLOUR, "dash": "dash"},
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Actual",
                "x": [_x(moment) for moment, _ in curve],
                "y": [_y(total - consumed) for _, consumed in curve],
                "line": {"color": BAD_COLOUR if budget.remaining_minutes <= 0 else ACTUAL_COLOUR, "width": 3},
            },
        ],
        "layout": _layout(f"Error budget burn-down ({budget.period})", "Remaining budget (min)"),
    }
    figure["layout"]["xaxis"]["range"] = [_x(budget.period_start), _x(budget.period_end)]
    return figure


def burn_rate_history_figure(snapshots) -> dict:
    """Burn rate per stored snapshot, with the 1.0x (at risk) and 1.5x (freeze) lines."""
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Burn rate",
                "x": [_x(s.computed_at) for s in snapshots],
                "y": [_y(s.burn_rate) for s in snapshots],
                "line": {"color": ACTUAL_COLOUR},
            }
        ],
        "layout": _layout("Burn-rate history", "Burn rate (x)"),
    }
    figure["layout"]["shapes"] = [
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": float(level), "y1": float(level),
         "line": {"color": colour, "dash": "dot", "width": 1}}
        for level, colour in ((error_budget.AT_RISK_BURN_RATE, WARN_COLOUR), (error_budget.FREEZE_BURN_RATE, BAD_COLOUR))
    ]
    return figure
