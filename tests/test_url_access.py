"""Walk every URL pattern as anonymous, viewer and each role, and check who gets what.

Each app declares in <app>/tests/access.py which of its URLs take a POST and from whom
(WRITE_ACCESS), the kwargs to reverse its URLs with, and optionally make_objects() for
objects its URLs need. A URL nobody declared kwargs for fails here, so no page escapes.
"""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from changes.tests.factories import ChangeRequestFactory
from deployments.tests.factories import DeploymentFactory
from incidents.tests.factories import IncidentFactory
from releases.tests.factories import ReleaseFactory
from sla.tests.factories import ServiceFactory

ACCESS_MODULES = [
    "delivery_portal.tests.access",
    "sla.tests.access",
    "incidents.tests.access",
    "changes.tests.access",
    "releases.tests.access",
    "deployments.tests.access",
    "insights.tests.access",
    "accounts.tests.access",
]
ROLES = ["manager", "cab1", "oncall", "viewer"]
ROLE_GROUP = {"manager": "delivery_manager", "cab1": "cab_member", "oncall": "on_call", "viewer": "viewer"}
# Not walked: Django's own admin (staff-only, tested below), auth pages, the static
# schema/docs views (checked in test_api_base), format-suffix duplicates of API routes.
SKIP_PREFIXES = ("admin:",)
# Single sign-on's redirect and return, and Slack's endpoints (signed by Slack, tested in
# accounts/tests and slack_integration/tests) take no session.
PUBLIC = {"login", "logout", "healthz", "oidc_authentication_init", "oidc_authentication_callback",
          "slack:commands", "slack:interactions"}


def _walk(patterns, namespace="", prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            if "(?P<format>" in route or "<drf_format_suffix" in route or "\\.(?P<format>" in route:
                continue
            yield f"{namespace}{entry.name}", route


def post_and_capture_writes(client, url):
    """POST `url` with an empty form; the response and the SQL statements that wrote rows
    (the session's own row aside: activity may push its expiry)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {})
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "django_session" not in q["sql"]]
    return response, writes


def all_url_names():
    seen = {}
    for name, route in _walk(get_resolver().url_patterns):
        if name.startswith(SKIP_PREFIXES) or name in PUBLIC:
            continue
        seen.setdefault(name, route)
    return sorted(seen)


@pytest.fixture
def access(users):
    objects = {"users": users}
    service = ServiceFactory(slug="walk-service")
    objects.update(
        service=service,
        team=service.team,
        incident=IncidentFactory(services=[service]),
        change=ChangeRequestFactory(requester=users["manager"], services=[service]),
        release=ReleaseFactory(version="v9.9.9", services=[service]),
        deployment=DeploymentFactory(service=service),
    )
    write_access, kwargs = {}, {}
    modules = [importlib.import_module(m) for m in ACCESS_MODULES]
    for module in modules:
        if hasattr(module, "make_objects"):
            objects.update(module.make_objects(objects))
    for module in modules:
        write_access.update(module.WRITE_ACCESS)
        kwargs.update(module.kwargs(objects))
    urls = {}
    for name in all_url_names():
        try:
            urls[name] = reverse(name, kwargs=kwargs.get(name))
        except Exception as exc:  # a URL with arguments nobody declared
            pytest.fail(f"{name}: declare its kwargs in the app's tests/access.py ({exc})")
    return urls, write_access


def test_every_page_needs_login(client, access):
    urls, _ = access
    assert urls, "no URLs found"
    for name, url in urls.items():
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if url.startswith("/api/"):  # token authentication asks for credentials: 401, not 403
                assert response.status_code == 401, f"{method.upper()} {name} {url} gave {response.status_code}"
            else:
                assert response.status_code == 302, f"{method.upper()} {name} {url} gave {response.status_code}"
                assert response["Location"].startswith("/accounts/login/"), f"{name} redirects elsewhere"


@pytest.mark.parametrize("username", ROLES)
def test_every_role_reads_every_page(client_for, access, username):
    urls, write_access = access
    client = client_for(username)
    for name, url in urls.items():
        response = client.get(url)
        if name in write_access and response.status_code == 405:
            continue  # a POST-only endpoint
        assert response.status_code == 200, f"{username} GET {name} {url} gave {response.status_code}"


@pytest.mark.parametrize("username", ROLES)
def test_posts_are_allowed_only_to_the_declared_roles(client_for, access, username):
    urls, write_access = access
    client = client_for(username)
    role = ROLE_GROUP[username]
    for name, url in urls.items():
        response, writes = post_and_capture_writes(client, url)
        allowed_roles = write_access.get(name)
        if allowed_roles is None:
            # Viewers are stopped before the view (403); everyone else learns it takes no POST.
            expected = {403} if username == "viewer" else {405}
            if url.startswith("/api/"):
                expected = {403, 405}  # DRF checks roles before methods
            assert response.status_code in expected, (
                f"{username} POST {name} gave {response.status_code}; a read-only view needs @require_safe"
            )
            assert writes == [], f"{username} POST {name} was refused but wrote: {writes}"
            continue
        allowed = role in allowed_roles or role == "delivery_manager"  # managers may do all
        if allowed:
            assert response.status_code not in (403, 405) and response.status_code < 500, (
                f"{username} POST {name} {url} gave {response.status_code}"
            )
        else:
            assert response.status_code == 403, f"{username} POST {name} {url} gave {response.status_code}, wanted 403"
            assert writes == [], f"{username} POST {name} was refused but wrote: {writes}"


def test_admin_is_for_staff_only(client_for):
    assert client_for("manager").get("/admin/").status_code == 302
    assert client_for("admin").get("/admin/").status_code == 200
