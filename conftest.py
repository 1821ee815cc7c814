"""Test harness shared by every app.

- `users` / `make_user(role)`: one user per role (groups as in the contract).
- `client_for(username)`, `api_for(username)`: logged-in page and API clients.
- `page` (pytest-playwright) runs the system Chromium at /usr/bin/chromium; browser tests
  skip with the reason where it is missing. Use it with `live_server` and `login(page, ...)`.
- `requires_postgres`, `requires_redis`, `celery_worker`: real services, skipped when absent.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tasks are run by the tests themselves (outbox.run_pending) unless a test turns this on.
    settings.OUTBOX_PUBLISH_ON_COMMIT = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_user(db):
    from delivery_portal.management.commands.load_demo import ensure_groups

    def make(username, role=None, *, superuser=False, password="pw"):
        from django.contrib.auth import get_user_model

        groups = ensure_groups()
        user = get_user_model().objects.create_user(
            username=username, password=password, email=f"{username}@example.com", is_superuser=superuser, is_staff=superuser
        )
        if role:
            user.groups.add(groups[role])
        return user

    return make


@pytest.fixture
def users(make_user):
    """manager, cab1, cab2, oncall, viewer, admin: like the demo data."""
    return {
        "manager": make_user("manager", "delivery_manager"),
        "cab1": make_user("cab1", "cab_member"),
        "cab2": make_user("cab2", "cab_member"),
        "oncall": make_user("oncall", "on_call"),
        "viewer": make_user("viewer", "viewer"),
        "admin": make_user("admin", superuser=True),
    }


@pytest.fixture
def client_for(users):
    from django.test import Client

    def make(username):
        client = Client()
        client.force_login(users[username])
        return client

    return make


@pytest.fixture
def api_for(users):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def make(username):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=users[username])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


# --- Real services --------------------------------------------------------------------
def _is_postgres():
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _redis_reachable():
    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis://"):
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def requires_postgres():
    if not _is_postgres():
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")


@pytest.fixture
def requires_redis():
    if not _redis_reachable():
        pytest.skip("needs Redis: set CELERY_BROKER_URL=redis://... to a running server (CI does)")


def reset_celery_pools():
    """Forget pooled broker connections (Celery keeps them per app, e.g. for control pings),
    so that the next use connects to the broker configured now."""
    from delivery_portal.celery import app

    # Dropped, not closed: kombu's global pool registry may hand the same pool out again.
    app._pool = None
    app.amqp._producer_pool = None


def start_worker(broker_url: str):
    """Start a real `celery worker` process on the test database and `broker_url`.

    Returns the process once the worker answers a ping; the caller terminates it.
    """
    from delivery_portal.celery import app

    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker_url, "CONN_MAX_AGE": "0"}
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "delivery_portal", "worker", "-P", "solo", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}-{time.time_ns()}@%h"],
        # A file, not a pipe: nobody reads the worker's log while it runs, and a full pipe
        # would block it.
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    # Wait until the worker answers a ping, so tests never race its start-up. Whatever
    # goes wrong here, the process must not outlive the test (it would eat later tests' work).
    try:
        deadline = time.monotonic() + 60
        with app.connection_for_write(broker_url) as conn:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    log.seek(0)
                    pytest.fail("celery worker exited at start:\n" + log.read())
                if app.control.ping(timeout=0.5, connection=conn):
                    return proc
        pytest.fail("celery worker did not answer a ping within 60 s")
    except BaseException:
        proc.kill()
        raise


def stop_worker(proc):
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def celery_worker(requires_postgres, requires_redis, transactional_db, settings):
    """A real worker over the configured Redis, on the test database.

    Tests using it publish for real (OUTBOX_PUBLISH_ON_COMMIT on). The queue is purged
    first so that only this test's work is consumed.
    """
    from delivery_portal.celery import app

    settings.OUTBOX_PUBLISH_ON_COMMIT = True
    reset_celery_pools()
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    proc = start_worker(settings.CELERY_BROKER_URL)
    yield proc
    stop_worker(proc)


def wait_for(predicate, timeout=30.0, interval=0.2):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture
def wait_until():
    return wait_for


# --- Browser --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium; CI installs it)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture
def login(live_server):
    """login(page, username, password="pw"): log in through the real login form."""

    def do_login(page, username, password="pw"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return do_login


@pytest.fixture
def console_errors(page):
    """Collects browser console errors (CSP violations show up here); assert it is empty."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
