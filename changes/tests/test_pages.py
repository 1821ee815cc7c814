from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from changes import services
from changes.models import Approval, ChangeRequest
from changes.tests.factories import BlackoutWindowFactory, ChangeRequestFactory, StandardChangeTemplateFactory
from delivery_portal.outbox import run_pending
from sla.models import Freeze

pytestmark = pytest.mark.django_db


def form_data(service, **over):
    start = (timezone.now() + timedelta(days=8)).replace(second=0, microsecond=0)
    data = {
        "title": "Upgrade cache", "change_type": "normal", "description": "d", "justification": "j",
        "impact_systems": "redis", "services": [service.pk], "impact_users": "none", "impact_downtime_minutes": "0",
        "implementation_plan": "i", "rollback_plan": "r", "testing_plan": "t",
        "window_start": start.strftime("%Y-%m-%dT%H:%M"), "window_end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    data.update(over)
    return data


def test_form_saves_draft_then_submits(client_for, service):
    client = client_for("oncall")
    r = client.post("/changes/new/", form_data(service, rollback_plan="", intent="save"))
    change = ChangeRequest.objects.get()
    assert r.status_code == 302 and change.state == "draft" and change.requester.username == "oncall"
    r = client.post(f"/changes/{change.reference}/edit/", form_data(service, rollback_plan="", intent="submit"), follow=True)
    change.refresh_from_db()
    assert change.state == "draft"
    assert "rollback plan" in r.content.decode()
    client.post(f"/changes/{change.reference}/edit/", form_data(service, intent="submit"))
    change.refresh_from_db()
    assert change.state == "submitted"


def test_live_validation_names_missing_fields_and_lead_time(client_for, service):
    client = client_for("oncall")
    soon = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    later = (timezone.now() + timedelta(days=2, hours=1)).strftime("%Y-%m-%dT%H:%M")
    r = client.post("/changes/validate/", form_data(service, testing_plan="", window_start=soon, window_end=later), HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="change-check"' in html and "<html" not in html
    assert "Missing: testing plan." in html
    assert "earliest allowed window" in html and "expedited" in html


def test_live_validation_shows_conflicts_of_the_window(client_for, users, submitted_change, service):
    start, end = submitted_change.window_start, submitted_change.window_end
    data = form_data(service, window_start=start.strftime("%Y-%m-%dT%H:%M"), window_end=end.strftime("%Y-%m-%dT%H:%M"))
    html = client_for("cab1").post("/changes/validate/", data, HTTP_HX_REQUEST="true").content.decode()
    assert submitted_change.reference in html and "overlapping window" in html


def test_agenda_approve_in_place_with_htmx(client_for, users, submitted_change, django_assert_max_num_queries):
    for _ in range(3):
        services.change_submit(change=ChangeRequestFactory(requester=users["manager"], services=list(submitted_change.services.all())), user=users["manager"])
    client = client_for("cab1")
    with django_assert_max_num_queries(15):
        r = client.get("/changes/cab/")
    assert submitted_change.reference in r.content.decode()
    r = client.post(f"/changes/{submitted_change.reference}/decide/", {"decision": "approve"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.content.decode().lstrip().startswith("<tr") and "You approved." in r.content.decode()
    assert "changeDecided" in r["HX-Trigger"]
    r = client_for("cab2").post(f"/changes/{submitted_change.reference}/decide/", {"decision": "reject"}, HTTP_HX_REQUEST="true")
    assert "A rejection needs a comment saying why." in r.content.decode()
    client_for("cab2").post(f"/changes/{submitted_change.reference}/decide/", {"decision": "approve", "next": "/changes/cab/"})
    submitted_change.refresh_from_db()
    assert submitted_change.state == "approved" and Approval.objects.count() == 2


def test_change_page_shows_conflicts_approvals_comments(client_for, users, submitted_change, service):
    Freeze.objects.create(service=service, cause="manual", reason="incident", started_at=timezone.now())
    client = client_for("cab1")
    client.post(f"/changes/{submitted_change.reference}/comments/", {"text": "Check the replica lag first."})
    html = client.get(f"/changes/{submitted_change.reference}/").content.decode()
    assert "deploy freeze" in html and "Check the replica lag first." in html and "Approve" in html
    assert "History" in html


def test_own_change_shows_no_decision_buttons(client_for, submitted_change):
    html = client_for("oncall").get(f"/changes/{submitted_change.reference}/").content.decode()
    assert 'value="approve"' not in html


def test_posting_a_decision_on_ones_own_change_is_refused(client_for, users, service):
    from changes.models import Approval

    change = services.change_submit(change=ChangeRequestFactory(requester=users["cab1"], services=[service]), user=users["cab1"])
    r = client_for("cab1").post(f"/changes/{change.reference}/decide/", {"decision": "approve"}, follow=True)
    assert "own change" in r.content.decode().lower()
    assert not Approval.objects.filter(change=change).exists()
    change.refresh_from_db()
    assert change.state == "submitted"


def test_change_list_query_count(client_for, users, service, django_assert_max_num_queries):
    for _ in range(10):
        ChangeRequestFactory(requester=users["oncall"], services=[service])
    client = client_for("cab1")
    with django_assert_max_num_queries(12):
        assert client.get("/changes/").status_code == 200


def test_calendar_month_week_and_htmx(client_for, users, submitted_change, service, django_assert_max_num_queries):
    BlackoutWindowFactory(title="Peak sale", starts_at=submitted_change.window_start - timedelta(hours=1),
                          ends_at=submitted_change.window_end + timedelta(hours=1))
    Freeze.objects.create(service=service, cause="budget", reason="budget", started_at=submitted_change.window_start - timedelta(days=1))
    day = submitted_change.window_start.date().isoformat()
    client = client_for("viewer")
    with django_assert_max_num_queries(16):
        html = client.get(f"/changes/calendar/?view=month&date={day}").content.decode()
    assert submitted_change.reference in html and "Blackout: Peak sale" in html and "Freeze: checkout" in html
    html = client.get(f"/changes/calendar/?view=week&date={day}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and 'id="calendar"' in html and submitted_change.reference in html
    assert 'href="?view=week&date=' in html and "hx-get" in html


def test_ical_feed_with_token_and_login(client, client_for, users, submitted_change):
    BlackoutWindowFactory(title="Peak sale")
    token = services.feed_token_for(users["viewer"]).key
    r = client.get(f"/changes/calendar.ics?token={token}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    events = {str(e["summary"]): e for e in cal.walk("VEVENT")}
    event = events[f"{submitted_change.reference} {submitted_change.title}"]
    assert event.decoded("dtstart") == submitted_change.window_start.replace(microsecond=0)
    assert event.decoded("dtend") == submitted_change.window_end.replace(microsecond=0)
    assert "Blackout: Peak sale" in events
    assert client.get("/changes/calendar.ics?token=wrong").status_code == 404
    assert client.get("/changes/calendar.ics").status_code == 302  # login-protected otherwise
    assert client_for("cab1").get("/changes/calendar.ics").status_code == 200
    client_for("cab1").post("/changes/calendar/feed-token/")
    old = services.feed_token_for(users["cab1"]).key
    client_for("cab1").post("/changes/calendar/feed-token/")
    assert client.get(f"/changes/calendar.ics?token={old}").status_code == 404


def test_template_catalogue_creates_standard_change(client_for, service):
    template = StandardChangeTemplateFactory(slug="rotate-certs", services=[service])
    client = client_for("oncall")
    assert template.title in client.get("/changes/templates/").content.decode()
    r = client.get("/changes/new/?template=rotate-certs")
    assert template.rollback_plan in r.content.decode()
    start = (timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    end = (timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    data = form_data(service, change_type="standard", template="rotate-certs", window_start=start, window_end=end, intent="submit")
    for plan in ("implementation_plan", "rollback_plan", "testing_plan"):
        del data[plan]  # read-only (disabled) for a standard change: browsers do not send them
    client.post("/changes/new/", data)
    change = ChangeRequest.objects.get()
    assert change.template == template and change.state == "approved"


def test_reminder_task_runs_from_the_outbox(users, service):
    from changes.tasks import remind_overdue_emergency_reviews

    change = ChangeRequestFactory(requester=users["manager"], services=[service], change_type="emergency", state="completed",
                                  implementation_started_at=timezone.now() - timedelta(days=7),
                                  implementation_ended_at=timezone.now() - timedelta(days=6))
    assert remind_overdue_emergency_reviews() == 1
    assert remind_overdue_emergency_reviews() == 0
    run_pending()
    change.refresh_from_db()
    assert change.review_reminded_at is not None


def test_viewer_cannot_post(client_for, submitted_change):
    assert client_for("viewer").post(f"/changes/{submitted_change.reference}/decide/", {"decision": "approve"}).status_code == 403
    submitted_change.refresh_from_db()
    assert not Approval.objects.exists() and submitted_change.state == "submitted"


def test_agenda_lists_emergency_reviews_with_overdue_ones_flagged(client_for, users, service):
    now = timezone.now()
    ChangeRequestFactory(requester=users["manager"], services=[service], change_type="emergency", state="completed",
                         title="Hotfix overdue", implementation_started_at=now - timedelta(days=7),
                         implementation_ended_at=now - timedelta(days=6))
    ChangeRequestFactory(requester=users["manager"], services=[service], change_type="emergency", state="completed",
                         title="Hotfix recent", implementation_started_at=now - timedelta(days=1),
                         implementation_ended_at=now - timedelta(days=1))
    html = client_for("cab1").get("/changes/cab/").content.decode()
    assert "Hotfix overdue" in html and "Hotfix recent" in html
    assert html.count("<strong>Overdue:</strong>") == 1


def test_agenda_lists_the_oldest_reviews_and_links_to_the_whole_backlog(client_for, users, service):
    now = timezone.now()
    backlog = [
        ChangeRequestFactory(requester=users["manager"], services=[service], change_type="emergency", state="completed",
                             title=f"Hotfix {n:02d}", implementation_started_at=now - timedelta(days=30 - n, hours=1),
                             implementation_ended_at=now - timedelta(days=30 - n) + timedelta(hours=12))
        for n in range(27)
    ]  # the last two were done less than 5 days ago: awaiting review, not overdue
    client = client_for("cab1")
    html = client.get("/changes/cab/").content.decode()
    assert "27 awaiting review" in html and "25 overdue" in html and "see all 27" in html
    assert all(c.reference in html for c in backlog[:20]) and not any(c.reference in html for c in backlog[20:])
    listing = client.get("/changes/?review=pending").content.decode()
    assert all(c.reference in listing for c in backlog)
    overdue = client.get("/changes/?review=overdue").content.decode()
    assert backlog[24].reference in overdue and backlog[25].reference not in overdue
    front = client.get("/changes/").content.decode()
    assert "overdue for CAB review (25)" in front and 'href="?review=overdue"' in front
