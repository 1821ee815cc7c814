"""What `manage.py bench` does.

Design: two databases, both kept between runs (the marker says which scale each holds):
- large: the database of DATABASE_URL (PostgreSQL in CI and here); without DATABASE_URL,
  var/bench/large.sqlite3 so that the demo database of `make run` is never touched;
- small: a sibling, `<name>_small` on the same PostgreSQL server (created when missing), or
  var/bench/small.sqlite3.
Each scale is measured by a child process (`manage.py bench --child`) pointed at its database,
which migrates, seeds or reuses the set, and measures pages, references, recompute and DORA.
The parent then measures throughput of the dashboard against gunicorn on the large database,
prints the table and writes var/bench/results.json.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.conf import settings

BASE = Path(settings.BASE_DIR)
OUT_DIR = BASE / "var" / "bench"

GOALS = {"p95_ms": 150, "max_queries": 15, "recompute_seconds": 2.0}


# --- databases ----------------------------------------------------------------------------
def database_urls() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        small = urlunparse(parsed._replace(path=f"/{name}_small"))
        return {"large": url, "small": small, "vendor": "postgresql"}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    return {"large": f"sqlite:///{OUT_DIR / 'large.sqlite3'}", "small": f"sqlite:///{OUT_DIR / 'small.sqlite3'}", "vendor": "sqlite"}


def ensure_postgres_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def child_env(url: str) -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env["CELERY_BROKER_URL"] = "memory://"  # the bench never feeds a real worker
    env.setdefault("DEBUG", "false")
    return env


# --- one scale (runs in the child) -----------------------------------------------------------
def measure_scale(scale: str, *, requests: int, warmup: int, fresh: bool, only=None, log=print) -> dict:
    from datetime import datetime

    from django.core.management import call_command
    from django.db import connection

    from delivery_portal.management.commands.seed_bench import ensure_seeded

    from . import measure

    call_command("migrate", interactive=False, verbosity=0)
    info = ensure_seeded(scale, fresh=fresh, log=log)
    anchor = datetime.fromisoformat(info["anchor"])
    client = measure.bench_client()
    result = {"scale": scale, "vendor": connection.vendor, "database": connection.settings_dict["NAME"],
              "server_version": _server_version(), "seed": {k: info[k] for k in ("seeded_at", "anchor", "counts", "skipped") if k in info},
              "pages": {}, "references": {}}
    incident_sqls = _measure_pages(client, info, result["pages"], requests=requests, warmup=warmup, only=only, log=log)
    _measure_references(client, info, incident_sqls, result["references"], requests=requests, warmup=warmup, log=log)
    result["recompute"] = measure.measure_recompute()
    log(f"  recompute: {result['recompute']}")
    result["dora"] = measure.measure_dora(anchor)
    log(f"  dora: {result['dora']}")
    result["session_cookie"] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return result


def _measure_pages(client, info: dict, pages: dict, *, requests: int, warmup: int, only, log) -> list | None:
    """Query counts (cold and warm) and timings of each registered page, into `pages`; returns
    the SQL of the incident list, whose main query is timed raw as a reference."""
    from django.core.cache import cache

    from . import measure
    from .pages import PAGES, url_for

    incident_sqls = None
    for name in PAGES:
        if only and name not in only:
            continue
        url = url_for(name, info)
        if url is None:
            pages[name] = {"missing": True, "reason": "URL name not found (page not merged yet)"}
            log(f"  {name}: missing")
            continue
        cache.clear()  # the cold count: nothing cached by the pages (insights.cache)
        client.get(url)  # first hit: connection, templates, what a page creates once
        cache.clear()
        started = time.perf_counter()
        _, queries_cold, _ = measure.count_queries(client, url)
        first_ms = round((time.perf_counter() - started) * 1000, 1)
        status, queries, sqls = measure.count_queries(client, url)
        entry = {"url": url, "status": status, "queries": queries, "queries_cold": queries_cold, "cold_ms": first_ms,
                 "statements": len(sqls)}
        if status != 200:
            entry.update(missing=status == 404, error=f"HTTP {status}")
            pages[name] = entry
            log(f"  {name}: HTTP {status}")
            continue
        if name == "incident_list":
            incident_sqls = sqls
        entry.update(measure.time_page(client, url, n=requests, warmup=warmup))
        pages[name] = entry
        log(f"  {name}: {queries} queries, p50 {entry['p50_ms']} ms, p95 {entry['p95_ms']} ms")
    return incident_sqls


def _measure_references(client, info: dict, incident_sqls, references: dict, *, requests: int, warmup: int, log) -> None:
    """The yardsticks on the same data, into `references`: the admin changelist and the raw SQL
    of the incident list's main query."""
    from . import measure
    from .pages import REFERENCES

    for name, build in REFERENCES.items():
        url = build(info)
        status, queries, _ = measure.count_queries(client, url)
        entry = {"url": url, "status": status, "queries": queries}
        if status == 200:
            entry.update(measure.time_page(client, url, n=requests, warmup=warmup))
        references[name] = entry
        log(f"  reference {name}: {entry}")
    main_sql = measure.main_incident_query(incident_sqls or [])
    if main_sql:
        entry = {"sql": main_sql, **measure.time_raw_sql(main_sql, n=requests, warmup=warmup)}
        references["raw_sql"] = entry
        log(f"  reference raw_sql: p95 {entry['p95_ms']} ms")


def _server_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0]
    import sqlite3

    return "SQLite " + sqlite3.sqlite_version


# --- throughput (parent) ---------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throughput(url_db: str, path: str, cookie: str, *, seconds: float, threads: int, workers: int, log=print) -> dict:
    from . import measure

    port = _free_port()
    env = child_env(url_db)
    env.update(DEBUG="false", SECURE_COOKIES="false", SECURE_SSL_REDIRECT="false")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "delivery_portal.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=BASE, env=env,
    )
    try:
        import requests

        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if requests.get(base + "/healthz", timeout=2).status_code < 500:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        log(f"  gunicorn -w {workers} up on :{port}; {threads} client threads for {seconds:.0f} s")
        result = measure.load(base + path, cookie=cookie, threads=threads, seconds=seconds)
        result.update(workers=workers, server="gunicorn")
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- the whole run (parent) ---------------------------------------------------------------------
def run(*, scales=("small", "large"), requests=30, warmup=5, load_seconds=10.0, threads=4, workers=2, only=None,
        out=OUT_DIR / "results.json", log=print) -> dict:
    urls = database_urls()
    per_scale = {}
    for scale in scales:
        url = urls[scale]
        if urls["vendor"] == "postgresql":
            ensure_postgres_database(url)
        # Our own databases may be wiped; the one of DATABASE_URL only when it holds no other data.
        fresh = scale == "small" or urls["vendor"] == "sqlite"
        tmp = OUT_DIR / f"{scale}.json"
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "manage.py", "bench", "--child", scale, "--requests", str(requests), "--warmup", str(warmup), "--child-out", str(tmp)]
        if fresh:
            cmd.append("--fresh")
        if only:
            cmd += ["--pages", ",".join(only)]
        log(f"== {scale} scale ({_display(url)})")
        subprocess.run(cmd, cwd=BASE, env=child_env(url), check=True)
        per_scale[scale] = json.loads(tmp.read_text())
    main = per_scale.get("large") or per_scale[scales[-1]]
    load_result = None
    if load_seconds > 0 and "dashboard" in main["pages"] and main["pages"]["dashboard"].get("status") == 200:
        log("== throughput of the dashboard")
        load_result = throughput(urls["large" if "large" in per_scale else scales[-1]], main["pages"]["dashboard"]["url"],
                                 main["session_cookie"], seconds=load_seconds, threads=threads, workers=workers, log=log)
    results = assemble(per_scale, load_result, urls)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    log(table(results))
    log(f"Results written to {out}")
    return results


def _display(url: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(netloc=parsed.hostname or "")) if parsed.password else url


def assemble(per_scale: dict, load_result: dict | None, urls: dict) -> dict:
    from .pages import PAGES

    small, large = per_scale.get("small", {}), per_scale.get("large", {})
    main = large or small
    admin = main.get("references", {}).get("admin_changelist", {})
    raw = main.get("references", {}).get("raw_sql", {})
    pages = {}
    for name in PAGES:
        big, little = large.get("pages", {}).get(name, {}), small.get("pages", {}).get(name, {})
        timed = big if large else little  # timings of the biggest scale measured
        entry = {"p50_ms": timed.get("p50_ms"), "p95_ms": timed.get("p95_ms"),
                 "queries_small": little.get("queries") if little.get("status") == 200 else None,
                 "queries_large": big.get("queries") if big.get("status") == 200 else None,
                 "queries_cold_small": little.get("queries_cold"), "queries_cold_large": big.get("queries_cold"),
                 "cold_ms": big.get("cold_ms"), "p50_ms_small": little.get("p50_ms"), "p95_ms_small": little.get("p95_ms"), "url": big.get("url") or little.get("url")}
        if timed.get("missing") or little.get("missing") or timed.get("error"):
            entry["missing"] = True
            entry["reason"] = timed.get("reason") or timed.get("error") or little.get("reason")
        if entry["p95_ms"] and admin.get("p95_ms"):
            entry["ratio_to_admin_changelist"] = round(entry["p95_ms"] / admin["p95_ms"], 2)
        if entry["p95_ms"] and raw.get("p95_ms"):
            entry["ratio_to_raw_sql"] = round(entry["p95_ms"] / raw["p95_ms"], 1)
        pages[name] = entry
    rs, rl = small.get("recompute", {}), large.get("recompute", {})
    return {
        "database": main.get("server_version"),
        "databases": {scale: data.get("database") for scale, data in per_scale.items()},
        "scale": "large" if large else "small",
        "machine": {"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()[0]},
        "goals": GOALS,
        "pages": pages,
        "references": {
            "admin_changelist_p50_ms": admin.get("p50_ms"), "admin_changelist_p95_ms": admin.get("p95_ms"),
            "admin_changelist_queries": admin.get("queries"),
            "raw_sql_p50_ms": raw.get("p50_ms"), "raw_sql_p95_ms": raw.get("p95_ms"), "raw_sql": raw.get("sql"),
        },
        "recompute": {
            "services": rl.get("services", rs.get("services")), "seconds_small": rs.get("seconds"), "seconds_large": rl.get("seconds"),
            "queries_small": rs.get("queries"), "queries_large": rl.get("queries"), "callable": rl.get("callable", rs.get("callable")),
            **({"missing": True, "reason": rl.get("reason") or rs.get("reason")} if rl.get("missing") or rs.get("missing") else {}),
        },
        "dora_seconds": (large.get("dora") or small.get("dora") or {}).get("seconds"),
        "dora_seconds_small": small.get("dora", {}).get("seconds"),
        "dora_deployments": (large.get("dora") or small.get("dora") or {}).get("deployments"),
        "throughput_rps": load_result.get("rps") if load_result else None,
        "throughput": load_result,
        "seed": {scale: data.get("seed") for scale, data in per_scale.items()},
    }


def _fmt(value, unit=""):
    return "-" if value is None else f"{value}{unit}"


def table(results: dict) -> str:
    lines = []
    head = f"{'page':<18} {'q small':>7} {'q large':>7} {'p50 ms':>8} {'p95 ms':>8} {'x admin':>8} {'x SQL':>7}  goal"
    lines += ["", f"Benchmark on {results['database']} ({results['machine']['cpus']} CPUs), scale {results['scale']}", head, "-" * len(head)]
    for name, p in results["pages"].items():
        if p.get("missing"):
            lines.append(f"{name:<18} {'missing: ' + str(p.get('reason')):>40}")
            continue
        counts = [q for q in (p["queries_small"], p["queries_large"]) if q is not None]
        ok = p["p95_ms"] is not None and p["p95_ms"] < GOALS["p95_ms"] and bool(counts) and max(counts) <= GOALS["max_queries"] \
            and len(set(counts)) == 1
        lines.append(f"{name:<18} {_fmt(p['queries_small']):>7} {_fmt(p['queries_large']):>7} {_fmt(p['p50_ms']):>8} {_fmt(p['p95_ms']):>8} "
                     f"{_fmt(p.get('ratio_to_admin_changelist')):>8} {_fmt(p.get('ratio_to_raw_sql')):>7}  {'ok' if ok else 'MISSED'}")
    ref = results["references"]
    lines.append(f"{'admin changelist':<18} {'':>7} {_fmt(ref['admin_changelist_queries']):>7} {_fmt(ref['admin_changelist_p50_ms']):>8} {_fmt(ref['admin_changelist_p95_ms']):>8}   (reference)")
    lines.append(f"{'raw SQL (list)':<18} {'':>7} {'1':>7} {_fmt(ref['raw_sql_p50_ms']):>8} {_fmt(ref['raw_sql_p95_ms']):>8}   (reference)")
    rc = results["recompute"]
    if rc.get("missing"):
        lines.append(f"budget recompute: missing ({rc.get('reason')})")
    else:
        lines.append(f"budget recompute of {rc['services']} services: small {rc['seconds_small']} s / {rc['queries_small']} queries, "
                     f"large {rc['seconds_large']} s / {rc['queries_large']} queries (goal < {GOALS['recompute_seconds']} s)")
    lines.append(f"DORA over all {results.get('dora_deployments')} deployments (5 years): {results['dora_seconds']} s")
    tp = results.get("throughput") or {}
    if tp:
        lines.append(f"dashboard throughput: {tp['rps']} req/s (gunicorn -w {tp['workers']}, {tp['threads']} clients, {tp['seconds']} s, "
                     f"{tp['errors']} errors, p95 under load {tp.get('latency_p95_ms')} ms)")
    return "\n".join(lines)
