"""Stored XSS: user text written into every text field that is shown back, then every page
that shows it is fetched; the payloads must appear only escaped (no live tag or attribute),
and in a real browser no dialog opens.

To cover another field, add one `TextField(...)` to FIELDS: how to write a payload into it
(through the API or a service, as users do) and which pages show it. Nothing else changes.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Callable

import pytest
from django.test import Client
from django.urls import reverse

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '<a hx-get="/x" hx-trigger="load">htmx</a>',
    '<div hx-on::load="alert(1)" hx-post="/x" hx-trigger="load">x</div>',
    "javascript:alert(1)",
    "[click me](javascript:alert(1))",
    "**bold** <b onclick=alert(1)>md</b> ![i](x onerror=alert(1))",
    "<svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "{{ 7|add:7 }} {% now 'Y' %}",  # the template language is not evaluated in user text
]


# --- The registry --------------------------------------------------------------------
@dataclass
class TextField:
    """A user-text field that pages show back.

    `write(world, payload, n)` stores `payload` in the field (the n-th payload) and returns
    the page URLs that must show it; `shown` (default True) asks that the payload's text is
    visible (escaped) on the first of them, so that the test cannot pass by not showing it.
    """

    name: str
    write: Callable
    shown: bool = True
    markdown: bool = False
    notes: str = ""
    pages: list = field(default_factory=list)


def _release(world, payload, n):
    """A release of its own per payload (the newest evidence of a criterion is the one shown)."""
    from releases import services

    key = ("release", world.get("one_release") or n)
    if key not in world:
        world[key] = services.release_create(
            version=f"v5.{n}.0", target_date=date.today() + timedelta(days=20), services=[world["service"]],
            product="portal", by=world["users"]["manager"],
        )
    return world[key]


def _release_pages(release):
    v = release.version
    return [reverse("releases:detail", args=[v]), reverse("releases:list"), reverse("releases:calendar"),
            reverse("releases:evidence", args=[v]), reverse("releases:rollout", args=[v]),
            reverse("releases:notes", args=[v]), reverse("releases:edit", args=[v])]


def write_service_name(world, payload, n):
    api = world["api"]("manager")
    r = api.post("/api/v1/services/", {"slug": f"xss-{n}", "name": payload[:100], "tier": "standard",
                                       "sla_target": "99.9", "team": world["team"].slug})
    assert r.status_code == 201, r.content
    from releases import services
    from sla.models import Service

    release = _release(world, payload, n)
    services.release_create  # noqa: B018 - the release page lists its services
    release.services.add(Service.objects.get(slug=f"xss-{n}"))
    return [reverse("releases:detail", args=[release.version]), "/", reverse("insights:dora"),
            reverse("releases:create")]


def write_team_name(world, payload, n):
    from sla.tests.factories import TeamFactory

    team = TeamFactory(slug=f"xss-team-{n}", name=payload[:100])
    return [reverse("insights:maturity"), reverse("insights:maturity-assess", args=[team.slug]),
            reverse("insights:maturity-history", args=[team.slug]), reverse("insights:dora"),
            reverse("sla:team-list"), reverse("sla:team", args=[team.slug])]


def write_release_product(world, payload, n):
    api = world["api"]("manager")
    r = api.post("/api/v1/releases/", {"version": f"v6.{n}.0", "target_date": str(date.today() + timedelta(days=9)),
                                       "services": [world["service"].slug], "product": payload[:100]})
    assert r.status_code == 201, r.content
    return [reverse("releases:detail", args=[f"v6.{n}.0"]), reverse("releases:list")]


def _scope(kind, **fields):
    def write(world, payload, n):
        release = _release(world, payload, n)
        body = {"kind": kind, **{k: (payload[:limit] if limit else v) for k, (v, limit) in fields.items()}}
        r = world["api"]("manager").post(f"/api/v1/releases/{release.version}/scope/", body)
        assert r.status_code == 201, r.content
        return [reverse("releases:detail", args=[release.version]), reverse("releases:notes", args=[release.version])]

    return write


def write_evidence_text(world, payload, n):
    release = _release(world, payload, n)
    r = world["api"]("manager").post(f"/api/v1/releases/{release.version}/evidence/", {
        "criterion": "uat_signoff", "signed_off_by": payload, "signed_off_at": "2030-01-01T10:00:00+00:00"})
    assert r.status_code == 201, r.content
    return [reverse("releases:detail", args=[release.version]), reverse("releases:evidence", args=[release.version])]


def write_rollback_plan(world, payload, n):
    from releases import services

    release = _release(world, payload, n)
    services.rollout_plan_set(release=release, strategy="canary", rollback_plan=payload, by=world["users"]["manager"])
    return [reverse("releases:detail", args=[release.version]), reverse("releases:rollout", args=[release.version])]


def write_maturity_notes(world, payload, n):
    from insights import services

    assessment = services.maturity_assessment_record(team=world["team"], answers={}, notes=payload,
                                                     by=world["users"]["manager"])
    return [reverse("insights:maturity-result", args=[assessment.pk]),
            reverse("insights:maturity-history", args=[world["team"].slug])]


FIELDS = [
    TextField("service name", write_service_name),
    TextField("team name", write_team_name),
    TextField("release product", write_release_product),
    TextField("feature title", _scope("feature", title=(None, 200), ticket=("XSS-1", 0))),
    TextField("feature ticket", _scope("feature", title=("Ticketed", 0), ticket=(None, 50))),
    TextField("bug fix title", _scope("bug_fix", title=(None, 200), priority=("P3", 0))),
    TextField("dependency description", _scope("dependency", description=(None, 300), dependency_kind=("sdk_update", 0))),
    TextField("evidence text (UAT signed off by)", write_evidence_text),
    TextField("rollback plan", write_rollback_plan),
    TextField("maturity notes", write_maturity_notes),
]
# --- Incidents, changes, SLA, deployments (merged apps) -------------------------------
def _now():
    from django.utils import timezone

    return timezone.now()


def _incident(world, n, *, resolved=False, **fields):
    from incidents.services import lifecycle
    from incidents.models import IncidentState

    incident = lifecycle.incident_open(
        title=fields.get("title", f"Incident {n}"), summary=fields.get("summary", ""), severity="SEV-3",
        services=[world["service"]], impact_started_at=_now() - timedelta(hours=1), by=world["users"]["manager"],
    )
    if resolved:
        type(incident).objects.filter(pk=incident.pk).update(state=IncidentState.RESOLVE, resolved_at=_now())
        incident.refresh_from_db()
    return incident


def _incident_pages(incident):
    ref = incident.reference
    return [reverse("incidents:detail", args=[ref]), reverse("incidents:list"), "/"]


def write_incident_title(world, payload, n):
    return _incident_pages(_incident(world, n, title=payload[:200]))


def write_incident_summary(world, payload, n):
    return _incident_pages(_incident(world, n, summary=payload))


def write_timeline_text(world, payload, n):
    from incidents.services import timeline

    incident = _incident(world, n)
    timeline.timeline_append(incident=incident, kind="note", text=payload, by=world["users"]["manager"])
    return [reverse("incidents:detail", args=[incident.reference])]


def _postmortem(section):
    def write(world, payload, n):
        from incidents.services import postmortem

        incident = _incident(world, n, resolved=True)
        postmortem.postmortem_save(incident=incident, by=world["users"]["manager"], **{section: payload})
        world.setdefault("report_incidents", []).append(incident.reference)
        return [reverse("incidents:detail", args=[incident.reference]),
                reverse("incidents:postmortem", args=[incident.reference])]

    return write


def write_action_item_title(world, payload, n):
    from incidents.services import postmortem

    incident = _incident(world, n, resolved=True)
    postmortem.action_item_add(incident=incident, title=payload[:300], owner=world["users"]["manager"],
                             due_date=date.today() + timedelta(days=5), by=world["users"]["manager"])
    world.setdefault("report_incidents", []).append(incident.reference)
    return [reverse("incidents:action-items"), reverse("incidents:detail", args=[incident.reference]),
            reverse("incidents:postmortem", args=[incident.reference])]


def _change(world, n, **fields):
    from changes.services.drafts import change_create

    values = {"title": f"Change {n}", "change_type": "normal", "description": "d", "justification": "j",
              "impact_systems": "s", "impact_users": "u", "impact_downtime_minutes": 0,
              "implementation_plan": "i", "rollback_plan": "r", "testing_plan": "t",
              "window_start": _now() + timedelta(days=10), "window_end": _now() + timedelta(days=10, hours=1)}
    values.update(fields)
    return change_create(user=world["users"]["manager"], services=[world["service"]], **values)


def _change_pages(change):
    ref = change.reference
    return [reverse("changes:detail", args=[ref]), reverse("changes:list"), reverse("changes:calendar"),
            reverse("changes:edit", args=[ref])]


def _change_field(name, limit=None):
    def write(world, payload, n):
        return _change_pages(_change(world, n, **{name: payload[:limit] if limit else payload}))

    return write


def _decision(decision):
    def write(world, payload, n):
        from changes.models import ChangeState
        from changes.services.decisions import change_decide

        change = _change(world, n)
        type(change).objects.filter(pk=change.pk).update(state=ChangeState.SUBMITTED, submitted_at=_now())
        change.refresh_from_db()
        change_decide(change=change, user=world["users"]["cab1"], decision=decision, comment=payload)
        return [reverse("changes:detail", args=[change.reference]), reverse("changes:agenda")]

    return write


def write_change_comment(world, payload, n):
    from changes.services.comments import comment_add

    change = _change(world, n)
    comment_add(change=change, user=world["users"]["manager"], text=payload)
    return [reverse("changes:detail", args=[change.reference])]


def _sla_service(world, n):
    from sla.tests.factories import ServiceFactory

    return ServiceFactory(slug=f"xss-sla-{n}", team=world["team"])


def write_maintenance_reason(world, payload, n):
    from sla.services import catalogue

    service = _sla_service(world, n)
    catalogue.maintenance_window_add(service=service, starts_at=_now() + timedelta(days=1),
                                    ends_at=_now() + timedelta(days=1, hours=1), reason=payload[:300],
                                    by=world["users"]["manager"])
    return [reverse("sla:service", args=[service.slug]), reverse("sla:overview")]


def write_freeze_reason(world, payload, n):
    from sla.services import freezes

    service = _sla_service(world, n)
    freezes.freeze_impose(service=service, by=world["users"]["manager"], reason=payload)
    return [reverse("sla:service", args=[service.slug]), reverse("sla:overview"), "/"]


def _deployment(field_name, limit=None):
    def write(world, payload, n):
        from deployments.services import starting

        values = {"version": f"9.{n}.0", "reason": "recorded"}
        values[field_name] = payload[:limit] if limit else payload
        deployment = starting.deployment_record(service=world["service"], status="succeeded",
                                                by=world["users"]["manager"], **values)
        return [reverse("deployments:detail", args=[deployment.pk]), reverse("deployments:list"), "/"]

    return write


FIELDS += [
    TextField("incident title", write_incident_title),
    TextField("incident summary", write_incident_summary),
    TextField("timeline entry text (Markdown)", write_timeline_text, markdown=True),
    *[TextField(f"post-mortem {name}", _postmortem(name), markdown=True)
      for name in ("summary", "impact", "root_cause", "contributing_factors", "went_well", "went_badly")],
    TextField("action item title", write_action_item_title),
    TextField("change title", _change_field("title", 200)),
    TextField("change description", _change_field("description")),
    TextField("change justification", _change_field("justification")),
    TextField("change impact systems", _change_field("impact_systems")),
    TextField("change impact users", _change_field("impact_users")),
    TextField("change implementation plan", _change_field("implementation_plan")),
    TextField("change rollback plan", _change_field("rollback_plan")),
    TextField("change testing plan", _change_field("testing_plan")),
    TextField("change approve comment", _decision("approve")),
    TextField("change reject comment", _decision("reject")),
    TextField("change comment", write_change_comment),
    TextField("maintenance window reason", write_maintenance_reason),
    TextField("freeze reason", write_freeze_reason),
    TextField("deployment reason", _deployment("reason")),
    TextField("deployment version", _deployment("version", 100)),
]

# Release notes are the scope items through Markdown + nh3: the scope fields above land
# there too (the notes page is in their pages), which covers Markdown-embedded HTML.


# --- The checks --------------------------------------------------------------------
class LiveMarkup(HTMLParser):
    """Collects what would run in a browser: event handlers, scripts, htmx or javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> event handler")
            if name.startswith(("hx-", "data-hx-")) and "/x" in value.split("?")[0].split("/")[-1:] + [value]:
                self.found.append(f"<{tag} {name}={value!r}> htmx attribute")
            if name in ("href", "src", "action", "formaction", "xlink:href") and \
                    re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}> javascript: URL")
            if name == "autofocus" and tag not in ("input", "textarea", "select"):
                self.found.append(f"<{tag} autofocus> injected attribute")
        if tag == "svg":
            self.found.append("<svg> injected")
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data):
        if self._script is not None and "alert(" in data and self._script.get("type") != "application/json":
            self.found.append("<script> with alert( (a live script)")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def live_markup(text):
    parser = LiveMarkup()
    parser.feed(text)
    return parser.found


def _visible(payload, page_text):
    return payload[:40] in html.unescape(page_text)


@pytest.fixture
def xss_world(users, api_for):
    from sla.tests.factories import ServiceFactory, TeamFactory

    team = TeamFactory(slug="xss-team", name="XSS team")
    return {"users": users, "api": api_for, "team": team, "service": ServiceFactory(slug="xss-base", team=team)}


def fill(world, payloads=PAYLOADS):
    """Write every payload into every registered field. Returns {url: [(field, payload)]}."""
    pages = {}
    n = 0
    for text_field in FIELDS:
        for payload in payloads:
            n += 1
            urls = text_field.write(world, payload, n)
            for i, url in enumerate(urls):
                pages.setdefault(url, []).append((text_field, payload, i == 0))
    return pages


def test_payloads_only_appear_escaped(xss_world):
    pages = fill(xss_world)
    client = Client()
    client.force_login(xss_world["users"]["manager"])
    problems = []
    for url, written in pages.items():
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        text = response.content.decode()
        # Nothing that would run, whatever the payload.
        for found in live_markup(text):
            problems.append(f"{url}: {found}")
        for text_field, payload, first in written:
            # A payload with a tag never appears verbatim (it would be live). Quote payloads
            # are harmless as text; breaking out of an attribute shows up in live_markup.
            if "<" in payload and payload in text:
                problems.append(f"{url}: {text_field.name} shows {payload!r} unescaped")
            if first and text_field.shown and not text_field.markdown and not _visible(payload, text):
                problems.append(f"{url}: {text_field.name} does not show {payload!r} (the test would prove nothing)")
    assert not problems, "\n".join(sorted(set(problems)))


def test_release_notes_markdown_is_sanitised(xss_world):
    from releases import services

    release = _release(xss_world, "", 999)
    for payload in PAYLOADS:
        services.scope_item_add(release=release, kind="feature", data={"title": payload[:200], "status": "done"},
                                by=xss_world["users"]["manager"])
    client = Client()
    client.force_login(xss_world["users"]["manager"])
    text = client.get(reverse("releases:notes", args=[release.version])).content.decode()
    assert live_markup(text) == []
    assert "<strong>bold</strong>" in text  # Markdown still renders
    # Markdown images stay (CSP limits them to our own server), never with a handler.
    assert "onerror" not in text.replace("x onerror=alert(1)", "")


def test_the_checker_catches_live_markup():
    """The harness itself: it would notice each payload if a page showed it unescaped."""
    for payload in PAYLOADS[:6] + [PAYLOADS[9]]:
        page = f"<p title=\"{payload}\">{payload}</p><p title='{payload}'>x</p>"
        assert live_markup(page), payload
    assert live_markup('<a href=" javascript:alert(1)">x</a>')
    assert not live_markup("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")


# The payloads a browser could run (the rest are variations for the HTML check).
BROWSER_PAYLOADS = [p for p in PAYLOADS if "alert" in p or "hx-" in p]


@pytest.mark.browser
def test_no_dialog_opens_in_a_browser(xss_world, page, live_server, login, console_errors):
    xss_world["one_release"] = 900  # every release field on one release: fewer pages to open
    pages = fill(xss_world, BROWSER_PAYLOADS)
    # One page of each kind (the same template shows every object of that kind).
    kinds = {}
    for url in sorted(pages):
        kinds.setdefault(re.sub(r"[^/]*\d[^/]*", "*", url), url)
    dialogs, htmx_requests = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: htmx_requests.append(request.url)
            if request.resource_type in ("xhr", "fetch") and request.url.rstrip("/").endswith("/x") else None)
    bad_responses = []
    page.on("response", lambda r: bad_responses.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 and r.status != 404 else None)
    login(page, "manager")
    assert len(kinds) >= 10, sorted(kinds)
    for url in kinds.values():
        page.goto(f"{live_server.url}{url}", wait_until="load")
        page.mouse.move(400, 300)
    assert dialogs == []
    assert htmx_requests == []
    # Only script errors count here: a resource that failed to load (sanitised Markdown may
    # keep an <img src="x">; a page polled mid-teardown) ran no code. Those are listed apart.
    assert [e for e in console_errors if not e.startswith("Failed to load resource")] == [], bad_responses


def test_incident_report_html_is_escaped(xss_world):
    """`scripts/incident_report.py --format html`: people's text escaped, Markdown sanitised."""
    from incidents import report
    from incidents.services import postmortem, timeline

    manager = xss_world["users"]["manager"]
    refs = []
    for n, payload in enumerate(PAYLOADS):
        incident = _incident(xss_world, 700 + n, title=payload[:200], summary=payload, resolved=True)
        timeline.timeline_append(incident=incident, kind="note", text=payload, by=manager)
        postmortem.postmortem_save(incident=incident, by=manager, root_cause=payload, went_well=payload)
        postmortem.action_item_add(incident=incident, title=payload[:300], owner=manager,
                                 due_date=date.today() + timedelta(days=3), by=manager)
        refs.append((incident.reference, payload))
    for ref, payload in refs:
        text = report.to_html(report.build_from_db(ref))
        assert live_markup(text) == [], (payload, live_markup(text))
        if "<" in payload:
            assert payload not in text, payload
        assert html.escape(payload[:30], quote=False)[:20] in text or payload[:20] in html.unescape(text)
