#!/usr/bin/env python
"""Load test: gunicorn on PostgreSQL, N concurrent users on loopback, no errors, no lost writes.

    make loadtest                                   # 50 users, 2 minutes
    LOADTEST_USERS=10 LOADTEST_SECONDS=15 make loadtest

What it does:
1. Creates the PostgreSQL database of DATABASE_URL if needed (when DATABASE_URL is not a
   PostgreSQL URL: postgres://postgres@127.0.0.1:5432/portal_loadtest), migrates, loads
   the demo data.
2. Starts gunicorn (gthread workers) on a free loopback port.
3. Seeds through the contract API: a service, an incident (on_call), and normal changes
   submitted for the run (requested by on_call), each to be approved by cab1 and cab2.
4. LOADTEST_USERS threads, each a user with its own keep-alive connection, for
   LOADTEST_SECONDS: GET the dashboard (logged-in sessions of several roles), POST incident
   timeline entries, POST change approvals (until every seeded approval is sent), with a
   short random think time (LOADTEST_THINK seconds on average).
5. Checks: no 5xx, no connection error, no unexpected status; every timeline entry that was
   accepted is in the database (counted by its unique run marker); every approval that was
   accepted is listed on its change. Prints p50/p95/max and counts per kind, writes
   var/loadtest/results.json, exits 1 on any error or lost write.

Every endpoint must exist: a 404/405 while setting up the world is a failure, so the run
can never pass without its timeline and approval writes.

Why a small threaded generator rather than locust: locust brings gevent (monkey-patching,
a compiled extension) and Flask into the project's one virtualenv that the test suite
shares; 50 users on loopback need no more than threads with keep-alive connections; and
the checks that matter here (every write accepted is stored) need the exact list of writes
sent, which is simplest to keep in-process.
"""

import json
import os
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.loadtesting.checks import verify  # noqa: E402
from scripts.loadtesting.client import login  # noqa: E402
from scripts.loadtesting.config import DEFAULT_DB, OUT, SECONDS, THINK, THREADS, USERS, WORKERS, log  # noqa: E402
from scripts.loadtesting.report import build_report, print_report  # noqa: E402
from scripts.loadtesting.server import ensure_database, free_port, manage, start_gunicorn, stop_gunicorn  # noqa: E402
from scripts.loadtesting.users import run_users  # noqa: E402
from scripts.loadtesting.world import api_tokens, seed  # noqa: E402


def prepare():
    """The environment of the server (production-like, on loopback), a migrated database with
    the demo data, and Django set up in this process; returns the server's environment."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        os.environ["DATABASE_URL"] = DEFAULT_DB
    os.environ.setdefault("SECRET_KEY", "loadtest-" + uuid.uuid4().hex)
    env = {**os.environ, "DEBUG": "false", "SECURE_COOKIES": "false", "SECURE_SSL_REDIRECT": "false",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "delivery_portal.settings"}
    os.environ.update(env)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "celery" / "broker").mkdir(parents=True, exist_ok=True)
    (ROOT / "var" / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    ensure_database(os.environ["DATABASE_URL"])
    log("migrating and loading the demo data")
    manage("migrate", "--noinput", "-v", "0", env=env)
    manage("load_demo", env=env)

    import django

    django.setup()
    return env


def main():
    env = prepare()
    tokens = api_tokens()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log(f"starting gunicorn ({WORKERS} workers x {THREADS} threads) on {base}")
    server = start_gunicorn(env, port)
    try:
        cookies = {u: login(base, u) for u in ("manager", "cab1", "oncall", "viewer")}
        marker = f"LT-{uuid.uuid4().hex[:10]}"
        world = {"marker": marker, **seed(base, tokens, marker)}
        for kind, reason in world["skipped"].items():
            log(f"skipped {kind}: {reason}")
        approvals_planned = len(world["approvals"])
        log(f"{USERS} users for {SECONDS:g} s (think time ~{THINK:g} s), {approvals_planned} approvals to send")
        results, elapsed = run_users(base, cookies, tokens, world)
        checked = verify(base, tokens, world, results)
    finally:
        stop_gunicorn(server)

    report = build_report(world, results, elapsed, checked, approvals_planned)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print_report(report, results, checked)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
