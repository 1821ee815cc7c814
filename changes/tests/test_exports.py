"""CSV export of the change list: the page's filters (state, review backlog), every row."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from changes.models import ChangeRequest
from changes.tests.factories import ChangeRequestFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "reference", "title", "change_type", "state", "requester", "services", "window_start", "window_end",
    "impact_downtime_minutes", "submitted_at", "decided_at", "implementation_started_at", "implementation_ended_at",
    "reviewed_at", "created_at",
]


def read(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def refs(response):
    return [row[0] for row in read(response)[1:]]


def test_change_export_header_and_row(client_for, users, service):
    change = ChangeRequestFactory(requester=users["oncall"], services=[service], title="@SUM(1)", state="submitted")
    response = client_for("viewer").get("/changes/export.csv")
    assert response["Content-Disposition"] == f'attachment; filename="changes-{timezone.localdate().isoformat()}.csv"'
    rows = read(response)
    assert rows[0] == HEADER
    row = dict(zip(rows[0], rows[1]))
    assert row["reference"] == change.reference and row["title"] == "'@SUM(1)"
    assert row["change_type"] == "normal" and row["state"] == "submitted" and row["requester"] == "oncall"
    assert row["services"] == "checkout" and row["impact_downtime_minutes"] == "10" and row["decided_at"] == ""


def backlog(users, service):
    now = timezone.now()
    overdue = ChangeRequestFactory(requester=users["manager"], services=[service], change_type="emergency", state="completed",
                                   implementation_started_at=now - timedelta(days=7), implementation_ended_at=now - timedelta(days=6))
    recent = ChangeRequestFactory(requester=users["manager"], services=[service], change_type="emergency", state="completed",
                                  implementation_started_at=now - timedelta(days=1), implementation_ended_at=now - timedelta(days=1))
    return overdue, recent


def test_change_export_applies_the_state_and_review_filters(client_for, users, service):
    overdue, recent = backlog(users, service)
    draft = ChangeRequestFactory(requester=users["oncall"], services=[service])
    client = client_for("cab1")
    assert set(refs(client.get("/changes/export.csv"))) == {overdue.reference, recent.reference, draft.reference}
    assert refs(client.get("/changes/export.csv?state=draft")) == [draft.reference]
    assert refs(client.get("/changes/export.csv?review=pending")) == [overdue.reference, recent.reference]  # oldest first
    assert refs(client.get("/changes/export.csv?review=overdue")) == [overdue.reference]
    # Unknown values are ignored, as on the page: never a 500.
    assert len(refs(client.get("/changes/export.csv?state=<x>&review=later&page=-1"))) == 3


def test_change_export_has_every_row_in_bounded_queries(client_for, users, service, django_assert_max_num_queries):
    made = [ChangeRequestFactory(requester=users["oncall"], services=[service]) for _ in range(55)]  # page: 50
    client = client_for("viewer")
    with django_assert_max_num_queries(8):
        rows = read(client.get("/changes/export.csv?state=draft"))
    assert len(rows) == 56 and {r[0] for r in rows[1:]} == {c.reference for c in made}
    assert {r[5] for r in rows[1:]} == {"checkout"}
    assert ChangeRequest.objects.count() == 55


def test_change_list_links_its_export_with_the_filters(client_for, users, service):
    client = client_for("viewer")
    assert 'href="/changes/export.csv?state=draft"' in client.get("/changes/?state=draft&page=2").content.decode()
    assert 'href="/changes/export.csv?review=overdue"' in client.get("/changes/?review=overdue").content.decode()
    assert 'href="/changes/export.csv?"' in client.get("/changes/").content.decode()


def test_change_export_needs_login(client):
    response = client.get("/changes/export.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
