"""Plotly figures (plain dicts) for the insights pages; portal.js draws them.

Only scatter traces and layout shapes: the vendored Plotly is the basic bundle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .domain.dora import DoraMetrics
from .domain.levels import DEFAULT_THRESHOLDS

BAND_COLOURS = {"elite": "#1a7f37", "high": "#7cc47f", "medium": "#e3b341", "low": "#d1242f"}
LINE_COLOUR = "#0b5cad"

# metric key in levels -> (title, value attribute, threshold key, higher is better, axis format)
DORA_CHARTS = {
    "deployment_frequency": ("Deployment frequency (per day)", "deployment_frequency_per_day",
                             "deployment_frequency_per_day", True, ".2f"),
    "lead_time": ("Lead time (median hours)", "lead_time_hours_median", "lead_time_hours", False, ".1f"),
    "change_failure_rate": ("Change failure rate", "change_failure_rate", "change_failure_rate", False, ".0%"),
    "mttr": ("Time to restore (mean h)", "mttr_hours", "mttr_hours", False, ".1f"),
}


def level_bands(bounds: Mapping[str, float], *, higher_is_better: bool, top: float) -> list[dict]:
    """(level, y0, y1) bands for a metric's thresholds, cut at `top`."""
    if higher_is_better:
        edges = [("low", 0.0, bounds["medium"]), ("medium", bounds["medium"], bounds["high"]),
                 ("high", bounds["high"], bounds["elite"]), ("elite", bounds["elite"], max(top, bounds["elite"]))]
    else:
        edges = [("elite", 0.0, bounds["elite"]), ("high", bounds["elite"], bounds["high"]),
                 ("medium", bounds["high"], bounds["medium"]), ("low", bounds["medium"], max(top, bounds["medium"]))]
    return [{"level": level, "y0": y0, "y1": min(y1, top)} for level, y0, y1 in edges if y0 < top]


def _axis_top(values: Sequence[float], bounds: Mapping[str, float], higher_is_better: bool) -> float:
    peak = max([v for v in values if v is not None] or [0.0])
    if higher_is_better:
        return max(peak * 1.25, bounds["elite"] * 1.5)
    for bound in sorted(bounds.values()):
        if peak * 1.1 <= bound:
            return bound
    return peak * 1.25


def _shapes(bands: list[dict]) -> list[dict]:
    return [
        {
            "type": "rect", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": band["y0"], "y1": band["y1"],
            "fillcolor": BAND_COLOURS[band["level"]], "opacity": 0.13, "layer": "below", "line": {"width": 0},
        }
        for band in bands
    ]


def dora_trend_figures(weeks: Sequence[DoraMetrics], thresholds: Mapping = DEFAULT_THRESHOLDS) -> dict:
    """One figure per metric: the weekly values as a line over the level bands."""
    x = [week.start.isoformat() for week in weeks]
    figures = {}
    for key, (title, attribute, threshold_key, higher, fmt) in DORA_CHARTS.items():
        values = [getattr(week, attribute) for week in weeks]
        bounds = thresholds[threshold_key]
        top = _axis_top(values, bounds, higher)
        bands = level_bands(bounds, higher_is_better=higher, top=top)
        figures[key] = {
            "data": [{
                "type": "scatter", "mode": "lines+markers", "name": title, "x": x, "y": values,
                "line": {"color": LINE_COLOUR}, "connectgaps": False,
                "text": ["no data" if key in week.no_data else week.levels[key] for week in weeks],
                "hovertemplate": "Week of %{x}: %{y:" + fmt + "} (%{text})<extra></extra>",
            }],
            "layout": {
                "title": {"text": title}, "height": 260, "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
                "xaxis": {"type": "date", "title": {"text": "Week starting"}},
                "yaxis": {"range": [0, top], "tickformat": fmt, "rangemode": "tozero"},
                "shapes": _shapes(bands), "showlegend": False,
            },
            "bands": bands,
        }
    return figures


def maturity_history_figure(assessments: Sequence) -> dict:
    """A team's maturity level over time (oldest first), target levels dotted."""
    ordered = sorted(assessments, key=lambda a: a.assessed_at)
    x = [a.assessed_at.isoformat() for a in ordered]
    return {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": "Level", "x": x, "y": [a.level for a in ordered],
             "line": {"color": LINE_COLOUR, "shape": "hv"}},
            {"type": "scatter", "mode": "lines", "name": "Target", "x": x, "y": [a.target_level for a in ordered],
             "line": {"color": "#888888", "dash": "dot", "shape": "hv"}},
        ],
        "layout": {
            "title": {"text": "Delivery maturity over time"}, "height": 300, "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
            "yaxis": {"range": [0, 5.5], "dtick": 1, "title": {"text": "Level"}},
            "xaxis": {"type": "date"}, "legend": {"orientation": "h"},
        },
    }
