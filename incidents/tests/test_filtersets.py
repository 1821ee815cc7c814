"""One FilterSet per list: the page, its CSV export and the API list answer the same query
string with the same rows, and those are the rows the filters describe."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.tests.factories import ActionItemFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db

# (severity, state, services) of the incidents every test below filters.
INCIDENTS = [
    ("SEV-1", "detect", ["portal"]),
    ("SEV-1", "closed", ["portal", "checkout"]),
    ("SEV-2", "respond", ["checkout"]),
    ("SEV-3", "review", ["portal"]),
    ("SEV-4", "closed", ["checkout"]),
    ("SEV-2", "triage", ["portal", "checkout"]),
]


@pytest.fixture
def incidents(portal, checkout):
    services = {"portal": portal, "checkout": checkout}
    return {
        IncidentFactory(severity=severity, state=state, services=[services[s] for s in slugs]).reference: (severity, state, slugs)
        for severity, state, slugs in INCIDENTS
    }


def expected(incidents, *, service=None, state=None, severity=None, open_only=False):
    return {
        ref for ref, (sev, st, slugs) in incidents.items()
        if (not service or service in slugs) and (not state or st == state) and (not severity or sev == severity)
        and not (open_only and not state and st == "closed")
    }


def page_refs(client, url, params):
    body = client.get(url, params).content.decode()
    return set(re.findall(r'<tr data-testid="incident-row">\s*<td><a href="[^"]+">([^<]+)</a>', body))


def csv_refs(client, url, params, column=0):
    response = client.get(url, params)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return {row[column] for row in rows[1:]}


def api_refs(api, params):
    data = api.get("/api/v1/incidents/", params).json()
    assert data["count"] == len(data["results"])  # one page: the count is the whole answer
    return {item["reference"] for item in data["results"]}


@pytest.mark.parametrize("params", [
    {}, {"service": "portal"}, {"service": "checkout"}, {"state": "closed"}, {"state": "respond"},
    {"severity": "SEV-1"}, {"severity": "SEV-2", "service": "portal"}, {"service": "portal", "state": "closed", "severity": "SEV-1"},
    {"service": "nowhere"}, {"state": "bogus"}, {"severity": "SEV-9"}, {"service": ""},
])
def test_page_csv_and_api_list_agree(client_for, api_for, incidents, params):
    client, api = client_for("viewer"), api_for("viewer")
    want = expected(incidents, **{k: v for k, v in params.items() if v})
    shown_all = {**params, "show": "all"}
    assert page_refs(client, reverse("incidents:list"), shown_all) == want
    assert csv_refs(client, reverse("incidents:list-csv"), shown_all) == want
    assert api_refs(api, params) == want
    # The page and its export list open incidents unless told otherwise (a state asked for wins).
    want_open = expected(incidents, **{k: v for k, v in params.items() if v}, open_only=True)
    assert page_refs(client, reverse("incidents:list"), params) == want_open
    assert csv_refs(client, reverse("incidents:list-csv"), params) == want_open
    assert api_refs(api, {**params, "show": "open"}) == want_open


def test_action_item_page_and_csv_agree(client_for, users, incidents):
    today = timezone.localdate()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    items = {
        "late": ActionItemFactory(owner=alice, due_date=today - timedelta(days=2)),
        "doing": ActionItemFactory(owner=alice, status="in_progress", due_date=today + timedelta(days=3)),
        "done": ActionItemFactory(owner=bob, status="done", due_date=today - timedelta(days=5)),
        "skipped": ActionItemFactory(owner=bob, status="wont_do", due_date=today + timedelta(days=1)),
        "bob_late": ActionItemFactory(owner=bob, due_date=today - timedelta(days=1)),
    }
    cases = [
        ({}, {"late", "doing", "bob_late"}),
        ({"status": "all"}, set(items)),
        ({"status": ""}, set(items)),
        ({"status": "done"}, {"done"}),
        ({"owner": "alice"}, {"late", "doing"}),
        ({"overdue": "1"}, {"late", "bob_late"}),
        ({"overdue": "1", "owner": "bob", "status": "all"}, {"bob_late"}),
        ({"owner": "nobody"}, set()),
    ]
    client = client_for("viewer")
    titles = {item.title: name for name, item in items.items()}
    for params, want in cases:
        body = client.get(reverse("incidents:action-items"), params).content.decode()
        on_page = {name for title, name in titles.items() if f">{title}<" in body}
        in_csv = {titles[t] for t in csv_refs(client, reverse("incidents:action-items-csv"), params, column=2)}
        assert on_page == in_csv == want, params
