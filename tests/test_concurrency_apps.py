"""Optimistic concurrency (delivery_portal.concurrency) in the merged apps: incidents, draft
changes and services. Two people edit the same object from the same version: the second is
told (409/412 in the API, a form error on the page) and nothing of theirs is written.
"""

import re
from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone

from changes.forms import ChangeRequestForm
from changes.tests.factories import ChangeRequestFactory
from incidents.services import lifecycle
from sla.models import Service
from sla.tests.factories import ServiceFactory

CONFLICT = "Someone else changed this"


def _version(page):
    match = re.search(r'name="edit_version" value="(\d+)"', page.content.decode())
    assert match, "the form carries no edit_version"
    return int(match[1])


def _second_manager(users, make_user):
    make_user("manager2", "delivery_manager")
    client = Client()
    client.force_login(users["manager"].__class__.objects.get(username="manager2"))
    return client


def _incident(users):
    return lifecycle.incident_open(title="Checkout errors", severity="SEV-3", services=[ServiceFactory()],
                                           impact_started_at=timezone.now() - timedelta(minutes=5), by=users["manager"])


# --- Incidents ---------------------------------------------------------------------------
def test_incident_api_if_match_and_body_version(users, api_for):
    incident = _incident(users)
    api, other = api_for("manager"), api_for("oncall")
    url = f"/api/v1/incidents/{incident.reference}/"
    got = api.get(url)
    etag, version = got["ETag"], got.json()["edit_version"]
    assert etag == f'"incidents.incident-{incident.pk}-v{version}"'
    first = other.patch(url, {"title": "First", "severity": "SEV-2"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.content
    assert first["ETag"] == f'"incidents.incident-{incident.pk}-v{version + 1}"'
    stale = api.patch(url, {"title": "Second", "summary": "mine"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412, stale.content
    assert stale.json()["current_version"] == version + 1
    body = api.patch(url, {"title": "Third", "edit_version": version}, format="json")
    assert body.status_code == 409, body.content
    assert CONFLICT in body.json()["detail"]
    incident.refresh_from_db()
    assert (incident.title, incident.severity, incident.summary) == ("First", "SEV-2", "")
    # A client that asks for no check still edits (last write wins) and moves the version.
    assert api.patch(url, {"title": "Fourth"}, format="json").json()["edit_version"] == version + 2


def test_incident_severity_form_second_editor_is_told(users, make_user, client_for):
    incident = _incident(users)
    first, second = client_for("manager"), _second_manager(users, make_user)
    detail = f"/incidents/{incident.reference}/"
    v1, v2 = _version(first.get(detail)), _version(second.get(detail))
    assert v1 == v2
    url = f"/incidents/{incident.reference}/severity/"
    assert first.post(url, {"severity": "SEV-2", "edit_version": v1}).status_code == 302
    response = second.post(url, {"severity": "SEV-4", "edit_version": v2})
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    incident.refresh_from_db()
    assert incident.severity == "SEV-2"


# --- Draft changes -----------------------------------------------------------------------
def _form_data(change, **overrides):
    form = ChangeRequestForm(instance=change)
    data = {}
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        if isinstance(value, datetime):
            value = (timezone.localtime(value) if timezone.is_aware(value) else value).strftime("%Y-%m-%dT%H:%M:%S")
        elif isinstance(value, (list, tuple)):
            value = [str(v.pk if hasattr(v, "pk") else v) for v in value]
        data[bound.name] = value
    data.update(overrides)
    return data


def test_change_draft_edit_second_editor_is_told(users, make_user, client_for):
    change = ChangeRequestFactory(requester=users["manager"], services=[ServiceFactory()])
    first, second = client_for("manager"), _second_manager(users, make_user)
    url = f"/changes/{change.reference}/edit/"
    v1, v2 = _version(first.get(url)), _version(second.get(url))
    assert v1 == v2 == 1
    ok = first.post(url, _form_data(change, title="First title", edit_version=v1))
    assert ok.status_code == 302, ok.content.decode()[:2000]
    response = second.post(url, _form_data(change, title="Second title", description="overwrite", edit_version=v2))
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    change.refresh_from_db()
    assert change.title == "First title"
    assert change.description != "overwrite"
    assert change.edit_version == 2


def test_change_update_service_refuses_a_stale_version(users):
    import pytest

    from changes.services.drafts import change_update
    from delivery_portal.errors import ConcurrentEditError

    change = ChangeRequestFactory(requester=users["manager"])
    change_update(change=change, user=users["manager"], title="A", expected_version=1)
    with pytest.raises(ConcurrentEditError):
        change_update(change=change, user=users["manager"], title="B", expected_version=1)
    change.refresh_from_db()
    assert change.title == "A"


# --- Services (SLA) ----------------------------------------------------------------------
def test_service_api_if_match_and_body_version(api_for):
    service = ServiceFactory(slug="orders", name="Orders")
    api = api_for("manager")
    url = f"/api/v1/services/{service.slug}/"
    got = api.get(url)
    etag = got["ETag"]
    assert etag == f'"sla.service-{service.pk}-v1"'
    assert api.patch(url, {"name": "Orders (EU)"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch(url, {"name": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412, stale.content
    body = api.patch(url, {"name": "Mine", "edit_version": 1}, format="json")
    assert body.status_code == 409, body.content
    assert body.json()["current_version"] == 2
    assert Service.objects.get(pk=service.pk).name == "Orders (EU)"
    assert api.get(url)["ETag"] == f'"sla.service-{service.pk}-v2"'


def test_service_edit_form_second_editor_is_told(users, make_user, client_for):
    service = ServiceFactory(slug="payments", name="Payments")
    first, second = client_for("manager"), _second_manager(users, make_user)
    page = f"/sla/services/{service.slug}/"
    v1, v2 = _version(first.get(page)), _version(second.get(page))
    url = f"/sla/services/{service.slug}/edit/"
    form = {"tier": "standard", "sla_target": "99.9", "p99_threshold_ms": "500"}
    assert first.post(url, {**form, "name": "Payments v2", "edit_version": v1}).status_code == 302
    response = second.post(url, {**form, "name": "Mine", "sla_target": "99.5", "edit_version": v2})
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()
    service.refresh_from_db()
    assert (service.name, str(service.sla_target)) == ("Payments v2", "99.9000")
