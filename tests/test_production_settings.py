"""Production configuration passes Django's deployment checks; security settings hold."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x9!k2@production-like-secret-key-with-enough-length-and-variety-0123456789",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "ALLOWED_HOSTS": "portal.example.com",
}


def test_check_deploy_reports_nothing_with_production_settings():
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test harness for Playwright only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_when_the_secret_key_was_forgotten():
    env = {**os.environ, **PRODUCTION_ENV}
    for name in ("SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0 and "security.W009" in result.stdout + result.stderr


def test_hsts_is_sent_over_https(client_for):
    response = client_for("manager").get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_idle_sessions_expire(db, users, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = Client()
    client.force_login(users["manager"])
    assert client.get("/").status_code == 200
    # Pretend the user has been idle for longer than the allowed inactivity.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_activity_pushes_the_session_expiry(db, users, settings):
    from django.contrib.sessions.models import Session

    client = Client()
    client.force_login(users["manager"])
    client.get("/")
    first = Session.objects.get().expire_date
    client.get("/sla/")
    assert Session.objects.get().expire_date >= first
