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
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS = int(os.environ.get("LOADTEST_USERS", "50"))
SECONDS = float(os.environ.get("LOADTEST_SECONDS", "120"))
THINK = float(os.environ.get("LOADTEST_THINK", "0.5"))
CHANGES = int(os.environ.get("LOADTEST_CHANGES", "60"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "3"))
THREADS = int(os.environ.get("LOADTEST_THREADS", "8"))
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_loadtest"
OUT = ROOT / "var" / "loadtest" / "results.json"
# Share of each action in the mix (dashboard takes over what is skipped or used up).
MIX = {"dashboard": 0.45, "timeline": 0.40, "approve": 0.15}


def log(message):
    print(f"[loadtest {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- Set-up -----------------------------------------------------------------------------
def ensure_database(url):
    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        sys.exit("loadtest: DATABASE_URL must point at PostgreSQL (the point is gunicorn on PostgreSQL)")
    import psycopg

    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl().replace("postgresql://", "postgres://")
    admin = admin.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"created database {name}")


def manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env, port):
    log_dir = OUT.parent
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "delivery_portal.wsgi", "-k", "gthread", "-w", str(WORKERS),
         "--threads", str(THREADS), "-b", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "10",
         # Idle keep-alive connections stay open longer than a user's think time under load:
         # with gunicorn's default of 2 s the server may close one just as the client reuses it.
         "--keep-alive", "30",
         "--error-logfile", str(log_dir / "gunicorn.log"), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"loadtest: gunicorn exited at start (see {log_dir / 'gunicorn.log'})")
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    sys.exit("loadtest: gunicorn did not answer within 60 s")


def login(base, username):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    page.raise_for_status()
    token = session.cookies.get("csrftoken")
    response = session.post(f"{base}/accounts/login/", data={"username": username, "password": PASSWORD,
                                                             "csrfmiddlewaretoken": token},
                            headers={"Referer": f"{base}/accounts/login/"}, timeout=30, allow_redirects=False)
    if response.status_code != 302 or "sessionid" not in session.cookies:
        sys.exit(f"loadtest: could not log in as {username} (status {response.status_code})")
    return dict(session.cookies)


def api_tokens():
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    return {u: Token.objects.get_or_create(user=User.objects.get(username=u))[0].key
            for u in ("manager", "cab1", "cab2", "oncall", "viewer")}


class Api:
    def __init__(self, base, token):
        import requests

        self.base, self.session = base, requests.Session()
        self.session.headers.update({"Authorization": f"Token {token}", "Accept": "application/json"})

    def post(self, path, data):
        return self.session.post(f"{self.base}{path}", json=data, timeout=30)

    def get(self, path):
        return self.session.get(f"{self.base}{path}", timeout=30)


def seed(base, tokens, marker):
    """Through the contract API: service, incident, submitted changes. Returns what is usable."""
    skipped, now = {}, datetime.now(UTC)
    manager, oncall = Api(base, tokens["manager"]), Api(base, tokens["oncall"])
    slug = "loadtest"
    if manager.get(f"/api/v1/services/{slug}/").status_code == 404:
        r = manager.post("/api/v1/services/", {"slug": slug, "name": "Load test", "tier": "standard", "sla_target": "99.9"})
        if r.status_code != 201:
            sys.exit(f"loadtest: could not create the service: {r.status_code} {r.text[:300]}")
    r = oncall.post("/api/v1/incidents/", {
        "title": f"Load test {marker}", "severity": "SEV-3", "services": [slug],
        "impact_started_at": (now - timedelta(minutes=10)).isoformat(), "detected_at": (now - timedelta(minutes=5)).isoformat(),
        "summary": "Incident for the load test's timeline entries.",
    })
    if r.status_code != 201:
        sys.exit(f"loadtest: could not open the incident: {r.status_code} {r.text[:300]}")
    incident = r.json()["reference"]
    approvals = []
    start = now + timedelta(days=10)
    impacts = [{"systems": "none", "services": [slug], "users": "none", "downtime_minutes": 0},
               {"systems": "none", "services": slug, "users": "none", "downtime_minutes": 0}]
    for i in range(CHANGES):
        for impact in impacts:  # the contract leaves the type of impact.services open: a list, else text
            r = oncall.post("/api/v1/changes/", {
                "title": f"Load test change {i} {marker}", "change_type": "normal", "description": "Load test.",
                "justification": "Load test.", "impact": impact,
                "implementation_plan": "Nothing.", "rollback_plan": "Nothing.", "testing_plan": "Nothing.",
                "window_start": (start + timedelta(hours=3 * i)).isoformat(),
                "window_end": (start + timedelta(hours=3 * i + 1)).isoformat(),
            })
            if r.status_code != 400:
                impacts = [impact]
                break
        if r.status_code != 201:
            sys.exit(f"loadtest: could not request a change: {r.status_code} {r.text[:300]}")
        reference = r.json()["reference"]
        s = oncall.post(f"/api/v1/changes/{reference}/submit/", {})
        if s.status_code not in (200, 201):
            sys.exit(f"loadtest: could not submit {reference}: {s.status_code} {s.text[:300]}")
        approvals += [(reference, "cab1"), (reference, "cab2")]
    random.shuffle(approvals)
    return {"incident": incident, "approvals": approvals, "skipped": skipped}


# --- The run ----------------------------------------------------------------------------
class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.errors = []
        self.timeline_sent = []  # texts accepted (201)
        self.approvals_sent = []  # (reference, user) accepted

    def record(self, kind, started, status=None, error=None):
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[kind].append(elapsed)
            self.statuses[kind][str(status) if status is not None else "connection error"] += 1
            if error:
                if len(self.errors) < 200:
                    self.errors.append(f"{kind}: {error}")


def user_loop(n, base, cookies, tokens, world, results, stop_at):
    import requests

    rng = random.Random(n)
    page = requests.Session()
    page.cookies.update(cookies[["manager", "cab1", "oncall", "viewer"][n % 4]])
    api = {u: Api(base, tokens[u]) for u in ("oncall", "cab1", "cab2")}
    expected = {"dashboard": {200}, "timeline": {200, 201}, "approve": {200, 201}}
    while time.monotonic() < stop_at:
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if kind in world["skipped"] or (kind == "timeline" and not world["incident"]):
            kind = "dashboard"
        approval = None
        if kind == "approve":
            with results.lock:
                approval = world["approvals"].pop() if world["approvals"] else None
            if approval is None:
                kind = "dashboard"
        started = time.perf_counter()
        try:
            if kind == "dashboard":
                r = page.get(f"{base}/", timeout=30, allow_redirects=False)
            elif kind == "timeline":
                text = f"{world['marker']} entry {uuid.uuid4().hex}"
                r = api["oncall"].post(f"/api/v1/incidents/{world['incident']}/timeline/",
                                       {"at": datetime.now(UTC).isoformat(), "kind": "note", "text": text})
            else:
                reference, username = approval
                r = api[username].post(f"/api/v1/changes/{reference}/approve/", {"comment": f"{world['marker']} ok"})
        except requests.RequestException as exc:
            results.record(kind, started, error=f"{type(exc).__name__}: {exc}")
            continue
        ok = r.status_code in expected[kind]
        results.record(kind, started, r.status_code, None if ok else f"{r.status_code} {r.text[:200]}")
        if ok and kind == "timeline":
            with results.lock:
                results.timeline_sent.append(text)
        if ok and kind == "approve":
            with results.lock:
                results.approvals_sent.append(approval)
        if THINK:
            time.sleep(rng.uniform(0, 2 * THINK))


def count_timeline(marker):
    """Timeline entries stored with this run's marker, counted in the database.

    Generic over the incidents app's models (built on another branch): every model with a
    foreign key to Incident and a text column holding the marker counts. None when no such
    model exists (nothing to count: the check fails rather than pass blindly).
    """
    from django.apps import apps
    from django.db import models

    incident = apps.get_model("incidents", "Incident")
    total, found = 0, False
    for model in apps.get_app_config("incidents").get_models():
        if model is incident or model.__name__.startswith("Historical"):
            continue
        fks = [f for f in model._meta.get_fields() if isinstance(f, models.ForeignKey) and f.related_model is incident]
        texts = [f.name for f in model._meta.get_fields() if isinstance(f, (models.CharField, models.TextField))]
        if not fks or not texts:
            continue
        counts = [model._default_manager.filter(**{f"{name}__startswith": marker}).count() for name in texts]
        if max(counts):
            found = True
            total += max(counts)
        elif "text" in texts:
            found = True
    return total if found else None


def check_approvals(base, token, sent):
    api, missing = Api(base, token), []
    by_change = defaultdict(set)
    for reference, user in sent:
        by_change[reference].add(user)
    for reference, users in by_change.items():
        body = api.get(f"/api/v1/changes/{reference}/").json()
        # This run sends only approvals to these changes: every `by` listed is one of ours.
        stored = {a.get("by") for a in body.get("approvals", [])}
        missing += [f"{reference} by {u}" for u in users - stored]
    return missing


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


def main():
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
        results = Results()
        started = time.monotonic()
        stop_at = started + SECONDS
        threads = [threading.Thread(target=user_loop, args=(n, base, cookies, tokens, world, results, stop_at), daemon=True)
                   for n in range(USERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(SECONDS + 90)
        elapsed = time.monotonic() - started

        stored = count_timeline(marker) if world["incident"] else None
        lost_timeline = (len(results.timeline_sent) - stored) if stored is not None else None
        missing_approvals = check_approvals(base, tokens["manager"], results.approvals_sent) if results.approvals_sent else []
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    kinds, overall = summarise(results, elapsed)
    server_errors = sum(n for k in kinds.values() for s, n in k["statuses"].items() if s.startswith("5"))
    connection_errors = sum(k["statuses"].get("connection error", 0) for k in kinds.values())
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": USERS, "seconds": round(elapsed, 1), "think_seconds": THINK,
        "gunicorn": f"{WORKERS} workers x {THREADS} threads (gthread)", "database": "postgresql",
        "overall": overall, "by_kind": kinds,
        "server_errors": server_errors, "connection_errors": connection_errors,
        "unexpected": results.errors[:50],
        "timeline": {"accepted": len(results.timeline_sent), "stored": stored, "lost": lost_timeline},
        "approvals": {"planned": approvals_planned, "accepted": len(results.approvals_sent),
                      "missing": missing_approvals[:50]},
        "skipped": world["skipped"],
    }
    report["ok"] = (not results.errors and not lost_timeline and not missing_approvals
                    and (stored is not None or not world["incident"]))
    OUT.write_text(json.dumps(report, indent=2) + "\n")

    print()
    print(f"{'kind':<10} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  statuses")
    for kind, k in sorted(kinds.items()):
        print(f"{kind:<10} {k['requests']:>9} {k['p50_ms']:>8} {k['p95_ms']:>8} {k['max_ms']:>8}  {k['statuses']}")
    print(f"{'all':<10} {overall['requests']:>9} {overall['p50_ms']!s:>8} {overall['p95_ms']!s:>8} "
          f"{overall['max_ms']!s:>8}  {overall['requests_per_second']} req/s")
    for kind, reason in world["skipped"].items():
        print(f"skipped {kind}: {reason}")
    print(f"timeline entries: {report['timeline']}")
    print(f"approvals: planned {approvals_planned}, accepted {len(results.approvals_sent)}, "
          f"missing {len(missing_approvals)}")
    print(f"5xx: {server_errors}, connection errors: {connection_errors}, other unexpected: "
          f"{len(results.errors) - server_errors - connection_errors}")
    for line in results.errors[:10]:
        print(f"  {line}")
    print(f"{'OK' if report['ok'] else 'FAILED'}: results in {OUT.relative_to(ROOT)}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
