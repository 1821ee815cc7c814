"""Plotly figures (plain dicts) for deployment pages. Tests check the data, not pixels."""

from .domain import MAX_ERROR_RATE


def gate_figure(
    evaluations, *, p99_threshold_ms: float, max_error_rate: float = MAX_ERROR_RATE, start=None, end=None
) -> dict:
    """Error rate (%) and P99 (ms) seen at each gate evaluation, against their thresholds.

    The threshold lines run from `start` to `end` (default: the first and last value)."""
    points = [e for e in evaluations if e.error_rate is not None or e.p99_ms is not None]
    xs = [e.at.isoformat() for e in points]
    times = [t for t in (start, *(e.at for e in points), end) if t is not None]
    span = [min(times).isoformat(), max(times).isoformat()] if times else []
    error_colour = ["#b42318" if e.decision == "breach" else "#1f4e79" for e in points]
    data = [
        {
            "type": "scatter", "mode": "lines+markers", "name": "Error rate (%)", "x": xs,
            "y": [None if e.error_rate is None else round(e.error_rate * 100, 4) for e in points],
            "marker": {"color": error_colour}, "line": {"color": "#1f4e79"}, "xaxis": "x", "yaxis": "y",
        },
        {
            "type": "scatter", "mode": "lines", "name": f"Error-rate gate ({max_error_rate:.0%})", "x": span,
            "y": [max_error_rate * 100] * len(span), "line": {"color": "#b42318", "dash": "dash"},
            "xaxis": "x", "yaxis": "y",
        },
        {
            "type": "scatter", "mode": "lines+markers", "name": "P99 (ms)", "x": xs,
            "y": [e.p99_ms for e in points], "line": {"color": "#175cd3"}, "xaxis": "x", "yaxis": "y2",
        },
        {
            "type": "scatter", "mode": "lines", "name": f"P99 gate ({p99_threshold_ms:g} ms)", "x": span,
            "y": [p99_threshold_ms] * len(span), "line": {"color": "#a76300", "dash": "dash"},
            "xaxis": "x", "yaxis": "y2",
        },
    ]
    layout = {
        "height": 360, "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
        "legend": {"orientation": "h", "y": -0.15},
        "xaxis": {"type": "date", "anchor": "y2"},
        "yaxis": {"title": {"text": "Error rate %"}, "domain": [0.55, 1], "rangemode": "tozero"},
        "yaxis2": {"title": {"text": "P99 ms"}, "domain": [0, 0.45], "rangemode": "tozero"},
    }
    return {"data": data, "layout": layout}
