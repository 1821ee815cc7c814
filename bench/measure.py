"""Measuring: server time of a page through Django's test Client (in process), its queries,
the two references, the budget recompute, the DORA computation and throughput under load."""

import importlib
import math
import statistics
import threading
import time
from datetime import timedelta

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(ms: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95(ms), 1), "n": len(ms)}


def bench_client(username: str = "bench") -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username), backend="accounts.backends.LocalPasswordBackend")
    return client


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def is_data_query(sql: str) -> bool:
    """A statement that reads or writes data (not BEGIN/COMMIT/SAVEPOINT bookkeeping)."""
    return not sql.lstrip().upper().startswith(TRANSACTION_CONTROL)


def count_queries(client: Client, url: str) -> tuple[int, int, list[str]]:
    """(HTTP status, number of SQL queries, their SQL) of one request.

    Queries are the statements that read or write data; transaction control (BEGIN, COMMIT,
    SAVEPOINT) is left out of the count but kept in the list.
    """
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    sqls = [q["sql"] for q in captured.captured_queries]
    return response.status_code, sum(map(is_data_query, sqls)), sqls


def time_calls(fn, *, n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    reset_queries()
    return out


def time_page(client: Client, url: str, *, n: int, warmup: int) -> dict:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    return summary(time_calls(get, n=n, warmup=warmup))


def main_incident_query(sqls: list[str]) -> str | None:
    """The incident list page's main query: the page of incidents (a SELECT ... LIMIT on the table)."""
    for sql in sqls:
        if not sql.lstrip().upper().startswith("SELECT"):
            continue  # e.g. DECLARE ... CURSOR of a server-side iterator
        head, tail = _split_top_level_from(sql)
        if tail is not None and tail.lstrip().startswith('"incidents_incident"') and " LIMIT " in sql and "COUNT(" not in head.upper():
            return sql
    return None


def _split_top_level_from(sql: str) -> tuple[str, str | None]:
    """Split at the first " FROM " outside parentheses (the select list may hold subqueries)."""
    depth = 0
    for index, char in enumerate(sql):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and sql.startswith(" FROM ", index):
            return sql[:index], sql[index + len(" FROM "):]
    return sql, None


def time_raw_sql(sql: str, *, n: int, warmup: int) -> dict:
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    return summary(time_calls(run, n=n, warmup=warmup))


def recompute_callable():
    """The beat task's work: sla.tasks.recompute_budgets, or sla.services.recompute.budget_recompute; None if neither exists yet."""
    for module, name in (("sla.tasks", "recompute_budgets"), ("sla.services.recompute", "budget_recompute")):
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        return f"{module}.{name}", fn
    return None, None


def measure_recompute(*, runs: int = 3) -> dict:
    label, fn = recompute_callable()
    if fn is None:
        return {"missing": True, "reason": "sla.tasks.recompute_budgets is not there yet"}
    from sla.models import Service

    fn()  # the first run may start freezes and write the hour's snapshots: warm-up
    seconds, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - started)
        queries = sum(is_data_query(q["sql"]) for q in captured.captured_queries)
    return {"callable": label, "services": Service.objects.count(), "seconds": round(statistics.median(seconds), 3), "queries": queries}


def measure_dora(anchor, *, years: int = 5, runs: int = 3) -> dict:
    try:
        from insights.selectors.dora import dora_for_range
    except ImportError:
        return {"missing": True}
    from deployments.models import Deployment

    start, end = (anchor - timedelta(days=365 * years)).date(), anchor.date()
    dora_for_range(scope=None, start=start, end=end)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        dora_for_range(scope=None, start=start, end=end)
        seconds.append(time.perf_counter() - started)
    return {"seconds": round(statistics.median(seconds), 3), "deployments": Deployment.objects.count(), "start": str(start), "end": str(end)}


def load(url: str, *, cookie: str, threads: int, seconds: float, warmup: float = 2.0) -> dict:
    """Requests per second of `url` from `threads` concurrent clients for `seconds` (after a warm-up)."""
    import requests

    stop_at = time.monotonic() + warmup + seconds
    count_from = time.monotonic() + warmup
    ok, errors, latencies = [0], [0], []
    lock = threading.Lock()

    def worker():
        session = requests.Session()
        session.headers["Cookie"] = cookie
        while True:
            now = time.monotonic()
            if now >= stop_at:
                return
            started = time.perf_counter()
            try:
                response = session.get(url, timeout=30, allow_redirects=False)
                good = response.status_code == 200
            except requests.RequestException:
                good = False
            elapsed = (time.perf_counter() - started) * 1000
            if now >= count_from:
                with lock:
                    if good:
                        ok[0] += 1
                        latencies.append(elapsed)
                    else:
                        errors[0] += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    result = {"rps": round(ok[0] / seconds, 1), "ok": ok[0], "errors": errors[0], "threads": threads, "seconds": seconds}
    if latencies:
        result.update(latency_p50_ms=round(statistics.median(latencies), 1), latency_p95_ms=round(p95(latencies), 1))
    return result
