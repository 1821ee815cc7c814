"""The post-mortem editor's version check: two people editing it at once, the second is told."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from delivery_portal.errors import ConcurrentEditError
from incidents.services import lifecycle, postmortem
from incidents.models import PostMortem

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SECTIONS = {"summary": "s", "impact": "i", "root_cause": "r", "contributing_factors": "c", "went_well": "w", "went_badly": "b"}


@pytest.fixture
def resolved(users, portal):
    incident = lifecycle.incident_open(title="Checkout errors", severity="SEV-2", services=[portal], impact_started_at=T0,
                                      detected_at=T0, by=users["oncall"], at=T0)
    for to in ("triage", "respond", "resolve"):
        lifecycle.incident_transition(incident=incident, to=to, by=users["oncall"], at=T0 + timedelta(minutes=5))
    return incident


def _url(incident):
    return reverse("incidents:postmortem", args=[incident.reference])


def _version_on_page(client, incident) -> str:
    html = client.get(_url(incident)).content.decode()
    found = re.search(r'<input type="hidden" name="edit_version" value="(\d+)"', html)
    assert found, "the editor carries the post-mortem's version"
    return found[1]


def test_two_editors_of_one_postmortem_the_second_is_told_and_keeps_their_text(client_for, resolved):
    postmortem.postmortem_save(incident=resolved, summary="First draft")
    alice, bob = client_for("oncall"), client_for("manager")
    seen_by_alice, seen_by_bob = _version_on_page(alice, resolved), _version_on_page(bob, resolved)
    assert seen_by_alice == seen_by_bob == "2"
    r = alice.post(_url(resolved), {**SECTIONS, "root_cause": "Alice's root cause", "edit_version": seen_by_alice})
    assert r.status_code == 302
    r = bob.post(_url(resolved), {**SECTIONS, "root_cause": "Bob's root cause", "edit_version": seen_by_bob})
    assert r.status_code == 409
    html = r.content.decode()
    assert "Someone else changed this post-mortem since you opened it" in html
    assert "Bob&#x27;s root cause</textarea>" in html  # Bob's text is still in his form
    pm = PostMortem.objects.get(incident=resolved)
    assert pm.root_cause == "Alice's root cause" and pm.edit_version == 3


def test_two_editors_of_a_postmortem_not_written_yet(client_for, resolved):
    alice, bob = client_for("oncall"), client_for("manager")
    seen = _version_on_page(alice, resolved)
    assert _version_on_page(bob, resolved) == seen == "1"
    assert alice.post(_url(resolved), {**SECTIONS, "summary": "Alice", "edit_version": seen}).status_code == 302
    r = bob.post(_url(resolved), {**SECTIONS, "summary": "Bob", "edit_version": seen})
    assert r.status_code == 409 and "Someone else changed this post-mortem" in r.content.decode()
    assert PostMortem.objects.get(incident=resolved).summary == "Alice"


def test_an_action_item_added_meanwhile_is_no_conflict(client_for, users, resolved):
    editor = client_for("oncall")
    seen = _version_on_page(editor, resolved)
    postmortem.action_item_add(incident=resolved, title="Alert on 5xx", owner=users["cab1"], due_date=T0.date(), by=users["manager"])
    assert editor.post(_url(resolved), {**SECTIONS, "edit_version": seen}).status_code == 302
    assert PostMortem.objects.get(incident=resolved).summary == "s"


def test_a_draft_saved_but_not_complete_can_be_completed_next(client_for, resolved):
    editor = client_for("oncall")
    seen = _version_on_page(editor, resolved)
    r = editor.post(_url(resolved), {**SECTIONS, "went_badly": "", "complete": "1", "edit_version": seen})
    assert r.status_code == 409 and "what went badly" in r.content.decode()
    pm = PostMortem.objects.get(incident=resolved)
    assert pm.summary == "s" and pm.completed_at is None  # the draft was saved
    # The form now carries the saved version: finishing it is not a conflict with oneself.
    assert f'name="edit_version" value="{pm.edit_version}"' in r.content.decode()
    r = editor.post(_url(resolved), {**SECTIONS, "complete": "1", "edit_version": pm.edit_version})
    assert r.status_code == 302
    assert PostMortem.objects.get(incident=resolved).completed_at is not None


def test_service_refuses_a_stale_version_and_writes_nothing(users, resolved):
    pm = postmortem.postmortem_save(incident=resolved, by=users["oncall"], expected_version=1, summary="One")
    assert pm.edit_version == 2
    with pytest.raises(ConcurrentEditError) as caught:
        postmortem.postmortem_save(incident=resolved, by=users["manager"], expected_version=1, summary="Two")
    assert caught.value.current_version == 2
    pm.refresh_from_db()
    assert (pm.summary, pm.edit_version) == ("One", 2)
    # Without a version (scripts, demo data) the save goes ahead and the version still moves.
    assert postmortem.postmortem_save(incident=resolved, by=users["manager"], summary="Three").edit_version == 3
    # The version is not part of the audit trail.
    assert not hasattr(pm.history.first(), "edit_version")


def test_api_postmortem_carries_its_version_and_etag(api_for, users, resolved):
    pm = postmortem.postmortem_save(incident=resolved, by=users["oncall"], summary="One")
    r = api_for("viewer").get(f"/api/v1/incidents/{resolved.reference}/postmortem/")
    assert r.status_code == 200
    assert r.json()["edit_version"] == pm.edit_version == 2
    assert r["ETag"] == f'"incidents.postmortem-{pm.pk}-v2"'
