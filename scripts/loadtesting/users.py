"""The simulated users (one thread each) and the results they record."""

import random
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from .client import Api
from .config import MIX, SECONDS, THINK, USERS


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


def run_users(base, cookies, tokens, world):
    """USERS threads for SECONDS; returns the results and the seconds it really took."""
    results = Results()
    started = time.monotonic()
    stop_at = started + SECONDS
    threads = [threading.Thread(target=user_loop, args=(n, base, cookies, tokens, world, results, stop_at), daemon=True)
               for n in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 90)
    return results, time.monotonic() - started
