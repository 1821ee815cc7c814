"""Two on-call users at once, on PostgreSQL with separate connections."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from incidents.services import lifecycle, timeline
from incidents.models import Incident, TimelineEntry
from sla.tests.factories import ServiceFactory

pytestmark = [pytest.mark.postgres]
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def run_in_threads(workers):
    barrier = threading.Barrier(len(workers))
    errors = []

    def wrap(fn):
        def target():
            try:
                barrier.wait(timeout=10)
                fn()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connection.close()  # each thread has its own connection

        return target

    threads = [threading.Thread(target=wrap(fn)) for fn in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_two_oncall_users_appending_at_once_lose_nothing(requires_postgres, transactional_db, make_user):
    alice, bob = make_user("alice", "on_call"), make_user("bob", "on_call")
    service = ServiceFactory(slug="portal")
    incident = lifecycle.incident_open(title="Outage", severity="SEV-1", services=[service], impact_started_at=T0, detected_at=T0, by=alice, at=T0)
    per_user = 15

    def append(user):
        def go():
            for i in range(per_user):
                timeline.timeline_append(
                    incident=Incident.objects.get(pk=incident.pk), kind="note", text=f"{user.username} {i}", by=user, at=T0 + timedelta(seconds=i)
                )

        return go

    run_in_threads([append(alice), append(bob)])
    texts = set(TimelineEntry.objects.filter(incident=incident, kind="note").values_list("text", flat=True))
    assert texts == {f"{u} {i}" for u in ("alice", "bob") for i in range(per_user)}


def test_references_are_unique_under_concurrency(requires_postgres, transactional_db, make_user):
    alice, bob = make_user("alice", "on_call"), make_user("bob", "on_call")
    service = ServiceFactory(slug="portal")

    def open_some(user):
        def go():
            for _ in range(5):
                lifecycle.incident_open(title="x", severity="SEV-3", services=[service], impact_started_at=T0, detected_at=T0, by=user, at=T0)

        return go

    run_in_threads([open_some(alice), open_some(bob)])
    refs = list(Incident.objects.values_list("reference", flat=True))
    assert len(refs) == 10 and len(set(refs)) == 10
    assert sorted(refs) == [f"INC-2026-{n:04d}" for n in range(1, 11)]
