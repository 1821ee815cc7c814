from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from incidents import selectors, services
from incidents.models import ActionItem, Incident, TimelineEntry

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def make(users, service, severity="SEV-2", **kw):
    return services.incident_open(
        title=kw.pop("title", "Checkout errors"), severity=severity, services=[service], impact_started_at=T0, detected_at=T0,
        by=users["oncall"], at=T0, **kw,
    )


def test_list_is_open_first_by_severity_with_live_clocks(client_for, users, portal, django_assert_max_num_queries):
    low = make(users, portal, "SEV-4", title="Typo")
    high = make(users, portal, "SEV-1", title="Outage")
    closed = make(users, portal, "SEV-3", title="Old")
    for to in ("triage", "respond", "resolve", "review", "closed"):
        services.incident_transition(incident=closed, to=to, by=users["oncall"], at=T0 + timedelta(minutes=1))
    for i in range(20):
        make(users, portal, "SEV-3", title=f"More {i}")
    client = client_for("viewer")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("incidents:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index(high.reference) < body.index(low.reference)
    assert closed.reference not in body  # open ones by default
    assert "data-deadline=" in body
    with django_assert_max_num_queries(12):
        body = client.get(reverse("incidents:list") + "?show=all").content.decode()
    assert closed.reference in body and body.index(low.reference) < body.index(closed.reference)
    assert "Open an incident" not in body  # viewers only read


def test_list_filters_and_htmx_partial(client_for, users, portal, checkout):
    a = make(users, portal, "SEV-1")
    b = make(users, checkout, "SEV-3")
    client = client_for("oncall")
    body = client.get(reverse("incidents:list") + "?service=checkout").content.decode()
    assert b.reference in body and a.reference not in body
    body = client.get(reverse("incidents:list") + "?severity=SEV-1", HTTP_HX_REQUEST="true").content.decode()
    assert a.reference in body and b.reference not in body
    assert "<h1>" not in body and 'id="incident-table"' in body


def test_open_incident_form(client_for, users, portal):
    client = client_for("oncall")
    assert client.get(reverse("incidents:new")).status_code == 200
    response = client.post(
        reverse("incidents:new"),
        {"title": "Search down", "severity": "SEV-2", "services": [portal.pk], "impact_started_at": "2026-03-02T09:50", "summary": "x"},
    )
    assert response.status_code == 302
    incident = Incident.objects.get(title="Search down")
    assert response["Location"] == reverse("incidents:detail", args=[incident.reference])
    assert incident.counts_against_sla and incident.created_by == users["oncall"]
    assert client.post(reverse("incidents:new"), {"title": ""}).status_code == 400
    assert client_for("viewer").post(reverse("incidents:new"), {"title": "x"}).status_code == 403
    assert client_for("cab1").post(reverse("incidents:new"), {"title": "x"}).status_code == 403


def test_timeline_append_with_htmx_and_without(client_for, users, portal):
    incident = make(users, portal)
    client = client_for("oncall")
    url = reverse("incidents:timeline-append", args=[incident.reference])
    response = client.post(url, {"kind": "note", "text": "Seeing **5xx** <script>alert(1)</script>"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="timeline"' in body and "<strong>5xx</strong>" in body
    assert "<script>alert(1)</script>" not in body
    assert "incidentUpdated" in response["HX-Trigger"]
    response = client.post(url, {"kind": "decision", "text": "Roll back"})
    assert response.status_code == 302 and response["Location"].endswith("#timeline")
    assert list(incident.timeline.exclude(kind="action").values_list("kind", flat=True)) == ["note", "decision"]
    response = client.post(url, {"kind": "note", "text": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert client_for("viewer").post(url, {"kind": "note", "text": "x"}).status_code == 403


def test_editing_an_entry_keeps_the_previous_text(client_for, users, portal):
    incident = make(users, portal)
    entry = services.timeline_append(incident=incident, kind="note", text="first", by=users["oncall"], at=T0)
    client = client_for("oncall")
    url = reverse("incidents:timeline-edit", args=[incident.reference, entry.pk])
    assert client.post(url, {"text": "second"}).status_code == 302
    entry.refresh_from_db()
    assert entry.text == "second" and entry.edited_at
    assert list(entry.history.order_by("history_date").values_list("text", flat=True)) == ["first", "second"]
    body = client.get(url).content.decode()
    assert "first" in body and "second" in body
    assert TimelineEntry.objects.filter(pk=entry.pk).exists()


def test_incident_page_controls(client_for, users, portal):
    incident = make(users, portal, "SEV-3")
    client = client_for("oncall")
    detail = reverse("incidents:detail", args=[incident.reference])
    body = client.get(detail).content.decode()
    assert "Move to triage" in body and "Add to timeline" in body
    assert "Move to triage" not in client_for("viewer").get(detail).content.decode()
    r = client.post(reverse("incidents:transition", args=[incident.reference]), {"to": "triage", "commander": users["manager"].pk})
    assert r.status_code == 302
    incident.refresh_from_db()
    assert incident.state == "triage" and incident.commander == users["manager"]
    r = client.post(reverse("incidents:transition", args=[incident.reference]), {"to": "closed"}, follow=True)
    assert "can only move to respond" in r.content.decode()
    client.post(reverse("incidents:severity", args=[incident.reference]), {"severity": "SEV-1"})
    client.post(reverse("incidents:commander", args=[incident.reference]), {"commander": users["oncall"].pk})
    incident.refresh_from_db()
    assert incident.severity == "SEV-1" and incident.commander == users["oncall"]
    r = client.post(
        reverse("incidents:times", args=[incident.reference]),
        {"impact_started_at": "2026-03-02T09:30", "detected_at": "2026-03-02T10:00", "acknowledged_at": incident.acknowledged_at.strftime("%Y-%m-%dT%H:%M:%S"), "reason": "earlier logs"},
    )
    assert r.status_code == 302
    incident.refresh_from_db()
    assert incident.impact_started_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    body = client.get(detail).content.decode()
    assert "earlier logs" in body  # in the timeline and the history
    assert client.get(detail + "?part=status", HTTP_HX_REQUEST="true").content.decode().count("<h1>") == 0


def test_postmortem_editor_and_close(client_for, users, portal):
    incident = make(users, portal, "SEV-1")
    for to in ("triage", "respond", "resolve", "review"):
        services.incident_transition(incident=incident, to=to, by=users["oncall"], at=T0 + timedelta(minutes=5))
    client = client_for("manager")
    url = reverse("incidents:postmortem", args=[incident.reference])
    assert client.get(url).status_code == 200
    sections = {"summary": "s", "impact": "i", "root_cause": "r", "contributing_factors": "c", "went_well": "w", "went_badly": ""}
    r = client.post(url, {**sections, "complete": "1"})
    assert r.status_code == 409 and "what went badly" in r.content.decode()
    r = client.post(reverse("incidents:transition", args=[incident.reference]), {"to": "closed"}, follow=True)
    assert "post-mortem is complete" in r.content.decode()
    r = client.post(reverse("incidents:action-item-add", args=[incident.reference]), {"title": "Alert on 5xx", "owner": users["cab1"].pk, "due_date": "2026-03-20"})
    assert r.status_code == 302
    item = ActionItem.objects.get()
    assert client_for("cab1").post(reverse("incidents:action-item-status", args=[item.pk]), {"status": "in_progress"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert client_for("viewer").post(reverse("incidents:action-item-status", args=[item.pk]), {"status": "done"}).status_code == 403
    r = client.post(url, {**sections, "went_badly": "b", "complete": "1"})
    assert r.status_code == 302
    r = client.post(reverse("incidents:transition", args=[incident.reference]), {"to": "closed"})
    incident.refresh_from_db()
    assert incident.state == "closed"


def test_action_item_list(client_for, users, portal, django_assert_max_num_queries):
    incident = make(users, portal, "SEV-2")
    for to in ("triage", "respond", "resolve"):
        services.incident_transition(incident=incident, to=to, by=users["oncall"], at=T0 + timedelta(minutes=5))
    for i in range(5):
        services.action_item_add(incident=incident, title=f"Item {i}", owner=users["cab1"], due_date=date(2026, 3, 3 + i), by=users["manager"])
    client = client_for("viewer")
    with django_assert_max_num_queries(10):
        body = client.get(reverse("incidents:action-items")).content.decode()
    assert body.count('data-testid="action-item-row"') == 5
    assert "Overdue post-mortems" in body  # resolved in March 2026, long ago
    body = client.get(reverse("incidents:action-items") + "?owner=manager").content.decode()
    assert 'data-testid="action-item-row"' not in body


def test_open_incidents_for_the_dashboard(users, portal, django_assert_max_num_queries):
    for sev in ("SEV-3", "SEV-1", "SEV-2"):
        make(users, portal, sev)
    done = make(users, portal, "SEV-4")
    for to in ("triage", "respond", "resolve", "review", "closed"):
        services.incident_transition(incident=done, to=to, by=users["oncall"], at=T0 + timedelta(minutes=1))
    with django_assert_max_num_queries(2):
        result = selectors.open_incidents(at=T0 + timedelta(minutes=20))
        [list(i.services.all()) for i in result]
    assert [i.severity for i in result] == ["SEV-1", "SEV-2", "SEV-3"]
    assert result[0].clocks.response_breached and not result[1].clocks.response_breached
    assert result[0].clocks.response_due_at == T0 + timedelta(minutes=15)


def test_correct_times_form_ignores_unchanged_seconds(client_for, users, portal):
    incident = services.incident_open(
        title="x", severity="SEV-3", services=[portal], impact_started_at=T0.replace(microsecond=123456), detected_at=T0 + timedelta(seconds=1, microseconds=5),
        by=users["oncall"], at=T0,
    )
    before = incident.timeline.count()
    r = client_for("oncall").post(
        reverse("incidents:times", args=[incident.reference]),
        {"impact_started_at": "2026-03-02T10:00:00", "detected_at": "2026-03-02T10:00:01", "reason": "nothing"},
    )
    assert r.status_code == 302
    assert incident.timeline.count() == before
