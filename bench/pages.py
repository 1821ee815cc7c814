"""The key pages of the benchmark: NAME -> how to build its URL from the seeded data.

A builder gets the marker's info (service slug, incident reference, release version, the
seeding anchor) and returns a path. A URL name that does not resolve (the app's page is not
merged yet) raises NoReverseMatch, and the page is reported as missing rather than failing.
Add a page by adding an entry; the benchmark, the table, the JSON and the query-count test
pick it up.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Page:
    name: str
    build: Callable[[dict], str]
    what: str


def _anchor(info) -> date:
    return date.fromisoformat(info["anchor"][:10])


def _with_query(path: str, **params) -> str:
    from urllib.parse import urlencode

    return f"{path}?{urlencode(params)}" if params else path


PAGES: dict[str, Page] = {
    page.name: page
    for page in [
        Page("dashboard", lambda info: reverse("dashboard"), "home dashboard, six panels"),
        Page("sla_overview", lambda info: reverse("sla:overview"), "every service with its budget"),
        Page("service", lambda info: reverse("sla:service", kwargs={"slug": info["service"]}), "one service (the busiest)"),
        Page("incident_list", lambda info: _with_query(reverse("incidents:list"), show="all"), "incident list, all incidents, first page"),
        Page("incident_detail", lambda info: reverse("incidents:detail", kwargs={"reference": info["incident"]}),
             "an incident with the long timeline"),
        Page("change_calendar", lambda info: _with_query(reverse("changes:calendar"), view="month", date=_anchor(info).isoformat()),
             "change calendar, this month"),
        Page("cab_agenda", lambda info: reverse("changes:agenda"), "CAB agenda"),
        Page("release", lambda info: reverse("releases:detail", kwargs={"version": info["release"]}), "release page (scope, evidence, comms)"),
        Page("dora", lambda info: _with_query(reverse("insights:dora"), start=(_anchor(info) - timedelta(days=364)).isoformat(),
                                              end=_anchor(info).isoformat()), "DORA, all services, one year"),
        Page("api_incident_list", lambda info: reverse("incident-list"), "GET /api/v1/incidents/"),
    ]
}

REFERENCES = {
    "admin_changelist": lambda info: reverse("admin:incidents_incident_changelist"),
}


def url_for(name: str, info: dict) -> str | None:
    """The page's URL on this data set, or None when the page does not exist (yet)."""
    try:
        return PAGES[name].build(info)
    except (NoReverseMatch, KeyError):
        return None
