from datetime import UTC, date, datetime, timedelta

import pytest

from delivery_portal.models import Notification
from incidents import tasks
from incidents.services import lifecycle, postmortem, timeline
from incidents.services.reminders import remind_overdue_postmortems, remind_overdue_status_updates
from incidents.models import ReminderLedger

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def sev(users, portal, severity="SEV-1"):
    incident = lifecycle.incident_open(
        title="Outage", severity=severity, services=[portal], impact_started_at=T0, detected_at=T0, by=users["oncall"], at=T0
    )
    return lifecycle.incident_triage(incident=incident, by=users["oncall"], at=T0 + 5 * M)


def reminders(kind="incident.status_update_overdue"):
    return Notification.objects.filter(event=kind).count()


def test_one_reminder_per_missed_update(users, portal):
    incident = sev(users, portal)
    assert remind_overdue_status_updates(at=T0 + 35 * M) == 0  # due 10:35, not yet overdue
    assert remind_overdue_status_updates(at=T0 + 36 * M) == 1
    assert remind_overdue_status_updates(at=T0 + 40 * M) == 0  # same missed update
    assert remind_overdue_status_updates(at=T0 + 50 * M) == 0
    assert remind_overdue_status_updates(at=T0 + 66 * M) == 1  # the next one missed too
    assert reminders() == 2
    assert Notification.objects.filter(event="incident.status_update_overdue", recipient=users["oncall"]).count() == 2
    timeline.timeline_append(incident=incident, kind="status_update", text="Still on it", by=users["oncall"], at=T0 + 70 * M)
    assert remind_overdue_status_updates(at=T0 + 99 * M) == 0  # next due 11:40
    assert remind_overdue_status_updates(at=T0 + 101 * M) == 1
    lifecycle.incident_respond(incident=incident, by=users["oncall"], at=T0 + 102 * M)
    lifecycle.incident_resolve(incident=incident, by=users["oncall"], at=T0 + 103 * M)
    assert remind_overdue_status_updates(at=T0 + 300 * M) == 0  # resolved: no more updates due
    assert ReminderLedger.objects.filter(kind="status_update").count() == 3


def test_no_status_reminders_for_sev3(users, portal):
    sev(users, portal, "SEV-3")
    assert remind_overdue_status_updates(at=T0 + 300 * M) == 0


def test_beat_tasks_run(users, portal):
    sev(users, portal)
    # Triaged in March 2026 and never updated: one missed update to remind about now; the
    # incident is not resolved, so no post-mortem is due.
    assert tasks.remind_overdue_status_updates.apply().get() == 1
    assert tasks.remind_overdue_postmortems.apply().get() == 0
    assert reminders() == 1 and ReminderLedger.objects.filter(kind="status_update").count() == 1


def test_overdue_postmortem_and_action_items_reminded_once(users, portal):
    incident = sev(users, portal, "SEV-2")
    lifecycle.incident_respond(incident=incident, by=users["oncall"], at=T0 + 10 * M)
    lifecycle.incident_resolve(incident=incident, by=users["oncall"], at=T0 + 60 * M)
    due = T0 + 60 * M + timedelta(hours=48)
    assert remind_overdue_postmortems(at=due) == 0
    assert remind_overdue_postmortems(at=due + M) == 1
    assert remind_overdue_postmortems(at=due + 2 * M) == 0
    assert reminders("incident.postmortem_overdue") == 1
    item = postmortem.action_item_add(incident=incident, title="Add alert", owner="cab1", due_date=date(2026, 3, 3), by=users["manager"])
    assert remind_overdue_postmortems(at=datetime(2026, 3, 3, 12, tzinfo=UTC)) == 0  # due today
    assert remind_overdue_postmortems(at=datetime(2026, 3, 5, 12, tzinfo=UTC)) == 1
    assert remind_overdue_postmortems(at=datetime(2026, 3, 6, 12, tzinfo=UTC)) == 0
    assert Notification.objects.filter(event="incident.action_item_overdue", recipient=users["cab1"]).count() == 1
    postmortem.action_item_set_status(item=item, status="done", by=users["cab1"])
    postmortem.postmortem_save(incident=incident, by=users["manager"], summary="s", impact="i", root_cause="r", contributing_factors="c", went_well="w", went_badly="b")
    postmortem.postmortem_complete(incident=incident, by=users["manager"], at=due + timedelta(hours=1))
    from incidents.selectors import overdue_postmortems

    assert overdue_postmortems(at=due + timedelta(days=3)) == []
