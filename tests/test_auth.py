import logging

import pytest
from django.test import Client
from django.urls import reverse

from delivery_portal.models import WorkerHeartbeat
from sla.models import Service


def test_anonymous_is_sent_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_login_page_is_public_and_login_works(db, users):
    client = Client()
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "manager", "password": "pw"}, REMOTE_ADDR="10.1.1.1")
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert b"manager" in page.content and b"delivery_manager" in page.content


def test_logins_and_api_denials_are_logged(db, users, api_for, caplog):
    caplog.set_level(logging.INFO, logger="portal.security")
    Client().post(reverse("login"), {"username": "manager", "password": "pw"}, REMOTE_ADDR="10.1.1.2")
    assert any("login manager" in r.getMessage() for r in caplog.records)
    caplog.clear()
    assert api_for("viewer").post("/api/v1/services/", {"slug": "x", "name": "x"}, format="json").status_code == 403
    assert not Service.objects.filter(slug="x").exists()
    denied = [r for r in caplog.records if r.name == "portal.security" and r.levelno >= logging.WARNING]
    assert denied and "viewer" in denied[0].getMessage()


def test_logout_ends_the_session(client_for):
    client = client_for("manager")
    assert client.get("/").status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get("/").status_code == 302


def test_failed_logins_are_rate_limited_and_logged(db, users, caplog):
    client = Client()
    caplog.set_level(logging.INFO, logger="portal.security")
    for _ in range(5):
        client.post(reverse("login"), {"username": "manager", "password": "wrong"}, REMOTE_ADDR="10.2.2.2")
    locked = client.post(reverse("login"), {"username": "manager", "password": "pw"}, REMOTE_ADDR="10.2.2.2")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    assert "failed login for 'manager'" in caplog.text


def test_viewer_post_is_denied_and_logged(client_for, caplog):
    caplog.set_level(logging.INFO, logger="portal.security")
    response = client_for("viewer").post(reverse("system-check-worker"))
    assert response.status_code == 403 and not WorkerHeartbeat.objects.exists()
    assert "denied POST /system/check-worker/ to read-only user viewer" in caplog.text


@pytest.mark.parametrize(
    "header,expected",
    [
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
    ],
)
def test_security_headers(client_for, header, expected):
    assert client_for("manager").get("/")[header] == expected


def test_content_security_policy_has_no_unsafe_sources(client_for):
    csp = client_for("manager").get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_pages_have_no_inline_script(client_for):
    html = client_for("manager").get("/").content.decode()
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    assert " onclick=" not in html and " hx-on" not in html


def test_session_cookie_flags(db, users):
    client = Client()
    response = client.post(reverse("login"), {"username": "manager", "password": "pw"}, REMOTE_ADDR="10.3.3.3")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"


def test_sessions_expire_after_inactivity(settings):
    assert "delivery_portal.middleware.SessionActivityMiddleware" in settings.MIDDLEWARE
    assert 0 < settings.SESSION_REFRESH_SECONDS < settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_activity_pushes_the_expiry_at_most_once_a_refresh_interval(db, users, settings):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from delivery_portal.middleware import SessionActivityMiddleware

    client = Client()
    client.force_login(users["manager"])
    client.get("/sla/")
    first = Session.objects.get().expire_date
    with CaptureQueriesContext(connection) as queries:
        client.get("/sla/")
    assert not [q for q in queries.captured_queries if "UPDATE" in q["sql"] and "django_session" in q["sql"]]
    assert Session.objects.get().expire_date == first
    # A minute later the next request pushes the expiry to a full SESSION_COOKIE_AGE from now.
    session = client.session
    session[SessionActivityMiddleware.KEY] -= settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=5))
    client.get("/sla/")
    pushed = Session.objects.get().expire_date
    assert pushed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_htmx_requests_carry_csrf_token(client_for):
    html = client_for("manager").get("/").content.decode()
    assert "hx-headers='{\"X-CSRFToken\": \"" in html


def test_csrf_is_enforced_on_pages(db, users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["manager"])
    assert client.post(reverse("system-check-worker")).status_code == 403
    assert not WorkerHeartbeat.objects.exists()


def test_role_denials_in_views_are_logged(client_for, caplog):
    caplog.set_level(logging.INFO, logger="portal.security")
    response = client_for("cab1").post(reverse("system-check-worker"))
    assert response.status_code == 403 and not WorkerHeartbeat.objects.exists()
    assert "denied cab1: needs the role delivery_manager" in caplog.text
