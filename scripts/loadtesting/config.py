"""Settings of the load test, from the environment (see scripts/loadtest.py)."""

import os
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

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
