"""CSV exports of the incident list and the action-item list: the page's filters, every row."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import ActionItem, Incident, PostMortem
from incidents.tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def read(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def many_incidents(n, service, **fields):
    """`n` incidents on `service` in three queries."""
    now = timezone.now()
    start = Incident.objects.count()
    incidents = Incident.objects.bulk_create(
        Incident(reference=f"INC-2025-{start + i + 1:04d}", title=f"Bulk {i}", severity=fields.get("severity", "SEV-3"),
                 state=fields.get("state", "detect"), impact_started_at=now - timedelta(hours=1), detected_at=now - timedelta(hours=1))
        for i in range(n)
    )
    incidents = Incident.objects.filter(reference__in=[i.reference for i in incidents])
    Incident.services.through.objects.bulk_create(Incident.services.through(incident=i, service=service) for i in incidents)
    return incidents


INCIDENT_HEADER = [
    "reference", "title", "severity", "state", "services", "commander", "counts_against_sla", "impact_started_at",
    "impact_ended_at", "detected_at", "acknowledged_at", "resolved_at", "response_due_at", "response_breached",
    "resolution_due_at", "resolution_breached", "next_update_due_at", "postmortem_overdue", "caused_by_change",
    "caused_by_deployment",
]


def test_incident_export_header_and_one_row(client_for, users, portal, checkout):
    incident = IncidentFactory(title="=HYPERLINK(\"x\")", severity="SEV-1", services=[portal, checkout], commander=users["oncall"])
    response = client_for("viewer").get(reverse("incidents:list-csv"))
    assert response["Content-Disposition"] == f'attachment; filename="incidents-{timezone.localdate().isoformat()}.csv"'
    rows = read(response)
    assert rows[0] == INCIDENT_HEADER
    row = dict(zip(rows[0], rows[1]))
    assert len(rows) == 2 and row["reference"] == incident.reference
    assert row["title"] == "'=HYPERLINK(\"x\")"  # the helper neutralises formulas
    assert row["severity"] == "SEV-1" and row["state"] == "detect" and row["commander"] == "oncall"
    assert set(row["services"].split(", ")) == {"portal", "checkout"}
    # Detected 25 minutes ago and not acknowledged: past the 15 minutes of a SEV-1.
    assert row["response_breached"] == "yes" and row["resolution_breached"] == "no" and row["response_due_at"]


def test_incident_export_applies_the_page_filters(client_for, portal, checkout):
    on_portal = IncidentFactory(severity="SEV-1", services=[portal])
    on_checkout = IncidentFactory(severity="SEV-3", services=[checkout])
    closed = IncidentFactory(severity="SEV-3", services=[checkout], state="closed")
    client = client_for("viewer")

    def refs(query):
        return {row[0] for row in read(client.get(reverse("incidents:list-csv") + query))[1:]}

    assert refs("") == {on_portal.reference, on_checkout.reference}  # open ones, as on the page
    assert refs("?show=all") == {on_portal.reference, on_checkout.reference, closed.reference}
    assert refs("?service=checkout&show=all") == {on_checkout.reference, closed.reference}
    assert refs("?severity=SEV-1") == {on_portal.reference}
    assert refs("?state=closed") == {closed.reference}
    assert refs("?state=nonsense&severity=<b>&service=nope&page=x") == set()  # bad input: empty, not a 500


def test_incident_export_has_every_row_in_bounded_queries(client_for, portal, django_assert_max_num_queries):
    many_incidents(60, portal)  # more than the page's 50
    client = client_for("viewer")
    with django_assert_max_num_queries(8):
        rows = read(client.get(reverse("incidents:list-csv")))
    assert len(rows) == 61 and {row[4] for row in rows[1:]} == {"portal"}
    body = client.get(reverse("incidents:list")).content.decode()
    assert body.count('data-testid="incident-row"') == 50


def test_incident_list_links_its_export_with_the_filters(client_for, portal):
    body = client_for("viewer").get(reverse("incidents:list") + "?service=portal&severity=SEV-2&page=1").content.decode()
    assert 'href="/incidents/export.csv?service=portal&amp;severity=SEV-2&amp;show=open"' in body
    partial = client_for("viewer").get(reverse("incidents:list") + "?show=all", HTTP_HX_REQUEST="true").content.decode()
    assert 'href="/incidents/export.csv?show=all"' in partial  # the htmx swap keeps the link current


def test_exports_need_login(client):
    for name in ("incidents:list-csv", "incidents:action-items-csv"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- Action items ------------------------------------------------------------------------
ACTION_HEADER = ["incident", "incident_title", "action", "owner", "due_date", "status", "overdue"]


@pytest.fixture
def postmortem(portal):
    return PostMortem.objects.create(incident=IncidentFactory(services=[portal], state="review"))


def test_action_item_export_header_filters_and_overdue(client_for, users, postmortem):
    late = ActionItem.objects.create(postmortem=postmortem, title="Add an alert", owner=users["cab1"], due_date=date(2026, 1, 1))
    ActionItem.objects.create(postmortem=postmortem, title="Write docs", owner=users["manager"],
                              due_date=timezone.localdate() + timedelta(days=30))
    ActionItem.objects.create(postmortem=postmortem, title="+1 done", owner=users["cab1"], due_date=date(2026, 1, 1), status="done")
    client = client_for("viewer")
    response = client.get(reverse("incidents:action-items-csv"))
    assert response["Content-Disposition"] == f'attachment; filename="action-items-{timezone.localdate().isoformat()}.csv"'
    rows = read(response)
    assert rows[0] == ACTION_HEADER
    assert [r[2] for r in rows[1:]] == ["Add an alert", "Write docs"]  # open ones by default, by due date
    assert rows[1] == [postmortem.incident.reference, postmortem.incident.title, "Add an alert", "cab1", "2026-01-01", "open", "yes"]
    assert rows[2][6] == "no"
    assert [r[2] for r in read(client.get(reverse("incidents:action-items-csv") + "?status=all&owner=cab1"))[1:]] == [
        "Add an alert", "'+1 done"]
    assert [r[2] for r in read(client.get(reverse("incidents:action-items-csv") + "?overdue=1"))[1:]] == [late.title]
    assert read(client.get(reverse("incidents:action-items-csv") + "?status=bogus"))[1:] == []


def test_action_item_export_has_every_row_in_bounded_queries(client_for, users, postmortem, django_assert_max_num_queries):
    ActionItem.objects.bulk_create(
        ActionItem(postmortem=postmortem, title=f"Item {i}", owner=users["cab1"], due_date=date(2026, 1, 1)) for i in range(110)
    )  # more than the page's 100
    client = client_for("viewer")
    with django_assert_max_num_queries(6):
        rows = read(client.get(reverse("incidents:action-items-csv")))
    assert len(rows) == 111
    body = client.get(reverse("incidents:action-items") + "?owner=cab1").content.decode()
    assert body.count('data-testid="action-item-row"') == 100
    assert 'href="/incidents/action-items/export.csv?status=open&amp;owner=cab1"' in body
