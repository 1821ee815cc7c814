"""A failure half-way through a multi-row change leaves nothing behind.

Each service below writes several rows (the object, its history, timeline or approval
rows, impact windows, outbox messages). The last step, the notification, is made to fail:
nothing of the change may remain.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from changes.models import Approval, ChangeRequest
from delivery_portal.models import Notification, OutboxMessage
from incidents.models import Incident, TimelineEntry
from sla.models import ImpactWindow
from sla.tests.factories import ServiceFactory


class Boom(Exception):
    pass


def _fail(*args, **kwargs):
    raise Boom("mail server exploded")


def _snapshot():
    return {
        model.__name__: model.objects.count()
        for model in (Incident, TimelineEntry, ImpactWindow, ChangeRequest, Approval, Notification, OutboxMessage)
    }


def test_opening_an_incident_is_all_or_nothing(users, monkeypatch):
    from incidents.services import common, lifecycle

    service = ServiceFactory(slug="portal")
    before = _snapshot()
    monkeypatch.setattr(common, "notify", _fail)
    with pytest.raises(Boom):
        lifecycle.incident_open(
            title="Checkout down", severity="SEV-1", services=[service],
            impact_started_at=timezone.now() - timedelta(minutes=5), by=users["oncall"],
        )
    assert _snapshot() == before


def test_a_change_decision_is_all_or_nothing(users, monkeypatch):
    from changes.services import decisions

    from changes.tests.factories import ChangeRequestFactory

    change = ChangeRequestFactory(requester=users["manager"], services=[ServiceFactory(slug="edge")])
    decisions.change_submit(change=change, user=users["manager"])
    before = _snapshot()
    state = ChangeRequest.objects.get(pk=change.pk).state
    monkeypatch.setattr(decisions, "notify", _fail)
    decisions.change_approve(change=change, user=users["cab1"], comment="ok")  # first vote notifies nobody yet
    with pytest.raises(Boom):
        decisions.change_approve(change=change, user=users["cab2"], comment="ok")  # decided: requester notified
    after = _snapshot()
    assert after["Approval"] == before["Approval"] + 1  # only cab1's vote, which committed on its own
    assert ChangeRequest.objects.get(pk=change.pk).state == state
