"""Percentiles, the summary per kind of request, the report written and printed."""

import statistics
from datetime import UTC, datetime

from .config import OUT, ROOT, THINK, THREADS, USERS, WORKERS


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


def build_report(world, results, elapsed, checked, approvals_planned):
    """The report of var/loadtest/results.json; `ok` is false on any error or lost write."""
    kinds, overall = summarise(results, elapsed)
    stored, lost_timeline, missing_approvals = checked["stored"], checked["lost_timeline"], checked["missing_approvals"]
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": USERS, "seconds": round(elapsed, 1), "think_seconds": THINK,
        "gunicorn": f"{WORKERS} workers x {THREADS} threads (gthread)", "database": "postgresql",
        "overall": overall, "by_kind": kinds,
        "server_errors": sum(n for k in kinds.values() for s, n in k["statuses"].items() if s.startswith("5")),
        "connection_errors": sum(k["statuses"].get("connection error", 0) for k in kinds.values()),
        "unexpected": results.errors[:50],
        "timeline": {"accepted": len(results.timeline_sent), "stored": stored, "lost": lost_timeline},
        "approvals": {"planned": approvals_planned, "accepted": len(results.approvals_sent),
                      "missing": missing_approvals[:50]},
        "skipped": world["skipped"],
    }
    report["ok"] = (not results.errors and not lost_timeline and not missing_approvals
                    and (stored is not None or not world["incident"]))
    return report


def print_report(report, results, checked):
    kinds, overall = report["by_kind"], report["overall"]
    server_errors, connection_errors = report["server_errors"], report["connection_errors"]
    print()
    print(f"{'kind':<10} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
    for kind, k in sorted(kinds.items()):
        print(f"{kind:<10} {k['requests']:>9} {k['p50_ms']:>8} {k['p95_ms']:>8} {k['max_ms']:>8}  {k['statuses']}")
    print(f"{'all':<10} {overall['requests']:>9} {overall['p50_ms']!s:>8} {overall['p95_ms']!s:>8} "
          f"{overall['max_ms']!s:>8}  {overall['requests_per_second']} req/s")
    for kind, reason in report["skipped"].items():
        print(f"skipped {kind}: {reason}")
    print(f"timeline entries: {report['timeline']}")
    print(f"approvals: planned {report['approvals']['planned']}, accepted {len(results.approvals_sent)}, "
          f"missing {len(checked['missing_approvals'])}")
    print(f"5xx: {server_errors}, connection errors: {connection_errors}, other unexpected: "
          f"{len(results.errors) - server_errors - connection_errors}")
    for line in results.errors[:10]:
        print(f"  {line}")
    print(f"{'OK' if report['ok'] else 'FAILED'}: results in {OUT.relative_to(ROOT)}")
