"""Percentiles and the summary per kind of request."""

import statistics


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def summarise(results, seconds):
    kinds = {}
    for kind, values in results.latencies.items():
        kinds[kind] = {
            "requests": len(values), "statuses": dict(results.statuses[kind]),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
        }
    everything = [v for values in results.latencies.values() for v in values]
    return kinds, {
        "requests": len(everything),
        "requests_per_second": round(len(everything) / seconds, 1) if seconds else None,
        "p50_ms": round(statistics.median(everything) * 1000, 1) if everything else None,
        "p95_ms": round(percentile(everything, 95) * 1000, 1) if everything else None,
        "max_ms": round(max(everything) * 1000, 1) if everything else None,
    }
