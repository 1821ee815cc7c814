"""See sla/tests/access.py for what this module declares."""

from datetime import date

ON_CALL = {"on_call"}

WRITE_ACCESS = {
    "incidents:new": ON_CALL,
    "incidents:timeline-append": ON_CALL,
    "incidents:timeline-edit": ON_CALL,
    "incidents:details": ON_CALL,
    "incidents:severity": ON_CALL,
    "incidents:commander": ON_CALL,
    "incidents:transition": ON_CALL,
    "incidents:times": ON_CALL,
    "incidents:postmortem": ON_CALL,
    "incidents:action-item-add": ON_CALL,
    "incidents:action-item-status": ON_CALL,
    "incident-list": ON_CALL,
    "incident-timeline": ON_CALL,
    "incident-transition": ON_CALL,
    "alertmanager-webhook": ON_CALL,
}


def make_objects(objects):
    from incidents.models import ActionItem, PostMortem, TimelineEntry

    incident = objects["incident"]
    entry = TimelineEntry.objects.create(incident=incident, at=incident.detected_at, kind="note", text="Looking")
    postmortem, _ = PostMortem.objects.get_or_create(incident=incident)
    item = ActionItem.objects.create(postmortem=postmortem, title="Add an alert", owner=objects["users"]["manager"], due_date=date(2026, 1, 1))
    return {"incident_entry": entry, "incident_action_item": item}


def kwargs(objects):
    ref = {"reference": objects["incident"].reference}
    return {
        # Read-only CSV exports of the lists (no arguments; every role may read them).
        "incidents:list-csv": None,
        "incidents:action-items-csv": None,
        "incidents:detail": ref,
        "incidents:timeline-append": ref,
        "incidents:details": ref,
        "incidents:timeline-edit": {**ref, "entry_id": objects["incident_entry"].pk},
        "incidents:severity": ref,
        "incidents:commander": ref,
        "incidents:transition": ref,
        "incidents:times": ref,
        "incidents:postmortem": ref,
        "incidents:action-item-add": ref,
        "incidents:action-item-status": {"item_id": objects["incident_action_item"].pk},
        "incident-detail": ref,
        "incident-timeline": ref,
        "incident-transition": ref,
        "incident-postmortem": ref,
    }
