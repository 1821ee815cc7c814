"""The change list's filters (changes/filtersets.py): the page, its CSV export and the API list
select the same changes in the same order for the same query string."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from changes.tests.factories import ChangeRequestFactory
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(users):
    now = timezone.now()
    checkout, search = ServiceFactory(slug="checkout"), ServiceFactory(slug="search")
    made = {
        "draft": ChangeRequestFactory(requester=users["oncall"], services=[checkout]),
        "submitted": ChangeRequestFactory(requester=users["oncall"], services=[checkout, search], state="submitted"),
        "expedited": ChangeRequestFactory(requester=users["manager"], services=[search], change_type="expedited",
                                          state="submitted"),
        "overdue": ChangeRequestFactory(requester=users["manager"], services=[checkout], change_type="emergency",
                                        state="completed", implementation_started_at=now - timedelta(days=7),
                                        implementation_ended_at=now - timedelta(days=6)),
        "recent": ChangeRequestFactory(requester=users["manager"], services=[search], change_type="emergency",
                                       state="implementing", implementation_started_at=now - timedelta(days=1)),
    }
    return {name: change.reference for name, change in made.items()}


def page_refs(client, query):
    html = client.get(f"/changes/?{query}").content.decode()
    table = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'href="/changes/(CHG-[0-9-]+)/"', table)


def csv_refs(client, query):
    response = client.get(f"/changes/export.csv?{query}")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return [row[0] for row in rows[1:]]


def api_refs(api, query):
    response = api.get(f"/api/v1/changes/?{query}")
    assert response.status_code == 200, response.json()
    return [item["reference"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["recent", "overdue", "expedited", "submitted", "draft"]),  # newest first
        ("state=submitted", ["expedited", "submitted"]),
        ("change_type=expedited", ["expedited"]),
        ("service=checkout", ["overdue", "submitted", "draft"]),  # a change on two services is listed once
        ("state=submitted&service=search", ["expedited", "submitted"]),
        ("review=pending", ["overdue", "recent"]),  # the review backlog, oldest first
        ("review=overdue&state=draft", ["overdue"]),  # the backlog has states of its own
    ],
)
def test_page_export_and_api_list_the_same_changes(client_for, api_for, changes, query, expected):
    refs = [changes[name] for name in expected]
    assert page_refs(client_for("viewer"), query) == refs
    assert csv_refs(client_for("viewer"), query) == refs
    assert api_refs(api_for("viewer"), query) == refs


def test_a_value_outside_the_choices_is_ignored_on_the_page_and_refused_by_the_api(client_for, api_for, changes):
    everything = page_refs(client_for("viewer"), "")
    assert page_refs(client_for("viewer"), "state=bogus&change_type=minor") == everything
    assert csv_refs(client_for("viewer"), "state=bogus") == everything
    response = api_for("viewer").get("/api/v1/changes/?state=bogus&change_type=minor")
    assert response.status_code == 400
    assert set(response.json()) == {"state", "change_type"}


def test_the_page_links_its_export_with_every_applied_filter(client_for, changes):
    html = client_for("viewer").get("/changes/?state=submitted&service=search&change_type=bogus").content.decode()
    assert 'href="/changes/export.csv?state=submitted&amp;service=search"' in html
