"""The database and gunicorn for the load test."""

import socket
import subprocess
import sys
import time
from urllib.parse import urlparse

from .config import OUT, ROOT, THREADS, WORKERS, log


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


def stop_gunicorn(proc):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
