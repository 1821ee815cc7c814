from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from incidents import selectors
from incidents.services import lifecycle, postmortem, timeline
from incidents.models import ActionItem, Incident, TimelineEntry

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def make(users, service, severity="SEV-2", **kw):
    return lifecycle.incident_open(
        title=kw.pop("title", "Checkout errors"), severity=severity, services=[service], impact_started_at=T0, detected_at=T0,
        by=users["oncall"], at=T0, **kw,
    )


def test_list_is_open_first_by_severity_with_live_clocks(client_for, users, portal, django_assert_max_num_queries):
    low = make(users, portal, "SEV-4", title="Typo")
    high = make(users, portal, "SEV-1", title="Outage")
    closed = make(users, portal, "SEV-3", title="Old")
    for to in ("triage", "respond", "resolve", "review", "closed"):
        lifecycle.incident_transition(incident=closed, to=to, by=users["oncall"], at=T0 + timedelta(minutes=1))
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
    assert Incident.objects.count() == 1


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
    entries = incident.timeline.count()
    assert client_for("viewer").post(url, {"kind": "note", "text": "x"}).status_code == 403
    assert incident.timeline.count() == entries


def test_editing_an_entry_keeps_the_previous_text(client_for, users, portal):
    incident = make(users, portal)
    entry = timeline.timeline_append(incident=incident, kind="note", text="first", by=users["oncall"], at=T0)
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
    status = client.get(detail, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="incident-status").content.decode()
    assert status.count("<h1>") == 0 and 'id="incident-status"' in status and 'id="timeline"' not in status
    assert client.get(detail, HTTP_HX_REQUEST="true").content.decode().count("<h1>") == 1  # other htmx requests: the page


def test_postmortem_editor_and_close(client_for, users, portal):
    incident = make(users, portal, "SEV-1")
    for to in ("triage", "respond", "resolve", "review"):
        lifecycle.incident_transition(incident=incident, to=to, by=users["oncall"], at=T0 + timedelta(minutes=5))
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
    item.refresh_from_db()
    assert item.status == "in_progress"
    r = client.post(url, {**sections, "went_badly": "b", "complete": "1"})
    assert r.status_code == 302
    r = client.post(reverse("incidents:transition", args=[incident.reference]), {"to": "closed"})
    incident.refresh_from_db()
    assert incident.state == "closed"


def test_action_item_list(client_for, users, portal, django_assert_max_num_queries):
    incident = make(users, portal, "SEV-2")
    for to in ("triage", "respond", "resolve"):
        lifecycle.incident_transition(incident=incident, to=to, by=users["oncall"], at=T0 + timedelta(minutes=5))
    for i in range(5):
        postmortem.action_item_add(incident=incident, title=f"Item {i}", owner=users["cab1"], due_date=date(2026, 3, 3 + i), by=users["manager"])
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
        lifecycle.incident_transition(incident=done, to=to, by=users["oncall"], at=T0 + timedelta(minutes=1))
    with django_assert_max_num_queries(2):
        result = selectors.open_incidents(at=T0 + timedelta(minutes=20))
        [list(i.services.all()) for i in result]
    assert [i.severity for i in result] == ["SEV-1", "SEV-2", "SEV-3"]
    assert result[0].clocks.response_breached and not result[1].clocks.response_breached
    assert result[0].clocks.response_due_at == T0 + timedelta(minutes=15)


def test_correct_times_form_ignores_unchanged_seconds(client_for, users, portal):
    incident = lifecycle.incident_open(
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


def test_timeline_html_is_stored_sanitised_and_rendered_from_storage(client_for, users, portal):
    incident = make(users, portal)
    entry = timeline.timeline_append(
        incident=incident, kind="note", text="Seeing **5xx** <script>alert(1)</script> [x](javascript:alert(1))", by=users["oncall"]
    )
    entry.refresh_from_db()
    assert "<strong>5xx</strong>" in entry.text_html
    assert "<script>" not in entry.text_html and "javascript:" not in entry.text_html
    timeline.timeline_edit(entry=entry, text="Now *fine* <img src=x onerror=alert(1)>", by=users["oncall"])
    entry.refresh_from_db()
    assert "<em>fine</em>" in entry.text_html and "onerror" not in entry.text_html and "<img" not in entry.text_html
    # The page renders what is stored (not the text again).
    TimelineEntry.objects.filter(pk=entry.pk).update(text_html="<p>stored-html-marker</p>")
    body = client_for("viewer").get(reverse("incidents:detail", args=[incident.reference])).content.decode()
    assert "stored-html-marker" in body
    # Rows written around the services (bulk loads) render on the fly, sanitised.
    raw = TimelineEntry.objects.create(incident=incident, at=T0, kind="note", text="**bulk** <script>x()</script>")
    assert raw.text_html == "" and "<strong>bulk</strong>" in str(raw.html) and "<script>" not in str(raw.html)


def test_long_timeline_shows_the_newest_entries_with_a_link_to_all(client_for, users, portal, django_assert_max_num_queries):
    incident = make(users, portal)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(incident=incident, at=T0 + timedelta(minutes=i), kind="note", text=f"entry-{i:04d}", text_html=f"<p>entry-{i:04d}</p>")
        for i in range(selectors.TIMELINE_PAGE + 5)
    )
    client = client_for("viewer")
    url = reverse("incidents:detail", args=[incident.reference])
    with django_assert_max_num_queries(15):
        body = client.get(url).content.decode()
    assert body.count('data-testid="timeline-entry"') == selectors.TIMELINE_PAGE
    assert "entry-0004" not in body and "entry-0005" in body and f"entry-{selectors.TIMELINE_PAGE + 4:04d}" in body
    assert 'data-testid="timeline-earlier"' in body and "?timeline=all#timeline" in body
    body = client.get(url, {"timeline": "all"}).content.decode()
    assert "entry-0000" in body and 'data-testid="timeline-earlier"' not in body
    partial = client.get(url, {"timeline": "all"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline").content.decode()
    assert partial.lstrip().startswith('<section id="timeline"') and "entry-0000" in partial


def test_fill_text_html_migration_renders_existing_rows(users, portal):
    import importlib

    from django.apps import apps

    fill = importlib.import_module("incidents.migrations.0006_fill_timeline_text_html").fill_text_html
    incident = make(users, portal)
    TimelineEntry.objects.filter(incident=incident).update(text_html="")
    TimelineEntry.objects.bulk_create(
        TimelineEntry(incident=incident, at=T0, kind="note", text=text) for text in ["*a*", "*a*", "c <script>b()</script>"]
    )
    fill(apps, None)
    rows = list(TimelineEntry.objects.filter(incident=incident).values_list("text", "text_html"))
    assert all(html for _text, html in rows)
    assert ("*a*", "<p><em>a</em></p>") in rows and all("<script>" not in html for _t, html in rows)


def test_list_service_filter_options_are_escaped_and_keep_the_choice(client_for, users, portal):
    from sla.models import Service

    Service.objects.filter(pk=portal.pk).update(name='Portal <b>"x"</b>')
    body = client_for("viewer").get(reverse("incidents:list"), {"service": portal.slug}).content.decode()
    assert f'<option value="{portal.slug}" selected>Portal &lt;b&gt;&quot;x&quot;&lt;/b&gt;</option>' in body


def test_title_and_summary_are_edited_on_the_page_and_a_stale_form_is_refused(client_for, users, portal):
    incident = make(users, portal, "SEV-2")
    client = client_for("oncall")
    url = reverse("incidents:details", args=[incident.reference])
    page = client.get(reverse("incidents:detail", args=[incident.reference])).content.decode()
    assert 'data-testid="details-form"' in page and "Edit title, summary and services" in page
    assert f'<option value="{portal.pk}" selected>' in page
    seen = incident.edit_version
    r = client.post(url, {"title": "Checkout 502s in eu-west", "summary": "Payment provider timeouts", "services": [portal.pk], "edit_version": seen})
    assert r.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.summary) == ("Checkout 502s in eu-west", "Payment provider timeouts")
    assert incident.history.count() >= 2  # the old title stays in the audit trail
    # A second on-call engineer still holding the old form is told, and nothing is overwritten.
    r = client_for("manager").post(url, {"title": "Checkout errors (stale)", "summary": "", "services": [portal.pk], "edit_version": seen})
    assert r.status_code == 409 and "Checkout errors (stale)" in r.content.decode()  # their text is kept in the form
    incident.refresh_from_db()
    assert incident.title == "Checkout 502s in eu-west"
    r = client.post(url, {"title": "", "summary": "x", "services": [portal.pk], "edit_version": incident.edit_version})
    assert r.status_code == 400
    r = client.post(url, {"title": "x", "summary": "x", "services": [], "edit_version": incident.edit_version})
    assert r.status_code == 400 and Incident.objects.get(pk=incident.pk).services.exists()
    history = incident.history.count()
    assert client_for("viewer").post(url, {"title": "x", "edit_version": incident.edit_version}).status_code == 403
    assert Incident.objects.get(pk=incident.pk).title == "Checkout 502s in eu-west" and incident.history.count() == history
