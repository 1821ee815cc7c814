from datetime import UTC, datetime, timedelta

import pytest

from changes.tests.factories import ChangeRequestFactory
from deployments.tests.factories import DeploymentFactory
from delivery_portal.outbox import run_pending
from incidents.models import Incident, PostMortem
from incidents.services.postmortem import postmortem_complete, postmortem_save
from sla.models import ImpactWindow

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def iso(dt):
    return dt.isoformat()


def open_incident(api, severity="SEV-2", services=("portal",), **extra):
    body = {
        "title": "Checkout errors",
        "severity": severity,
        "services": list(services),
        "impact_started_at": iso(T0 - timedelta(minutes=5)),
        "detected_at": iso(T0),
        "summary": "5xx on checkout",
        **extra,
    }
    response = api.post("/api/v1/incidents/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def transition(api, ref, to, at, **extra):
    return api.post(f"/api/v1/incidents/{ref}/transition/", {"to": to, "at": iso(at), **extra}, format="json")


def test_open_incident_contract(api_for, portal):
    data = open_incident(api_for("oncall"))
    assert data["reference"].startswith("INC-2026-") and len(data["reference"]) == len("INC-2026-0001")
    assert data["state"] == "detect"
    assert data["severity"] == "SEV-2"
    assert data["services"] == ["portal"]
    assert data["counts_against_sla"] is True
    assert data["response_due_at"] == "2026-03-02T10:30:00+00:00"
    assert data["resolution_due_at"] == "2026-03-02T18:00:00+00:00"
    assert data["next_update_due_at"] is None
    assert data["postmortem_due_at"] is None
    assert data["impact_started_at"] == "2026-03-02T09:55:00+00:00"
    assert data["impact_ended_at"] is None
    window = ImpactWindow.objects.get(source_ref=data["reference"])
    assert window.service == portal and window.ended_at is None and window.counts_against_sla


def test_counts_against_sla_defaults_by_severity(api_for, portal):
    api = api_for("oncall")
    assert open_incident(api, "SEV-1")["counts_against_sla"] is True
    assert open_incident(api, "SEV-3")["counts_against_sla"] is False
    assert open_incident(api, "SEV-4")["counts_against_sla"] is False
    assert open_incident(api, "SEV-4", counts_against_sla=True)["counts_against_sla"] is True


def test_references_are_sequential(api_for, portal):
    api = api_for("oncall")
    refs = [open_incident(api)["reference"] for _ in range(3)]
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_bad_input_is_400(api_for, portal):
    api = api_for("oncall")
    r = api.post("/api/v1/incidents/", {"title": "x", "severity": "SEV-9", "services": ["nope"], "impact_started_at": "x"}, format="json")
    assert r.status_code == 400
    assert {"severity", "services", "impact_started_at"} <= set(r.json())
    r = api.post(
        "/api/v1/incidents/",
        {"title": "x", "severity": "SEV-1", "services": ["portal"], "impact_started_at": iso(T0), "detected_at": iso(T0 - timedelta(hours=1))},
        format="json",
    )
    assert r.status_code == 400 and "detected_at" in r.json()


def test_viewers_read_only_and_cab_cannot_open(api_for, portal):
    data = open_incident(api_for("oncall"))
    viewer = api_for("viewer")
    assert viewer.get(f"/api/v1/incidents/{data['reference']}/").status_code == 200
    incident = Incident.objects.get(reference=data["reference"])
    entries, history = incident.timeline.count(), incident.history.count()
    assert viewer.post("/api/v1/incidents/", {}, format="json").status_code == 403
    assert api_for("cab1").post("/api/v1/incidents/", {}, format="json").status_code == 403
    assert viewer.post(f"/api/v1/incidents/{data['reference']}/timeline/", {"kind": "note", "text": "x"}, format="json").status_code == 403
    assert viewer.patch(f"/api/v1/incidents/{data['reference']}/", {"title": "x"}, format="json").status_code == 403
    assert Incident.objects.count() == 1 and (incident.timeline.count(), incident.history.count()) == (entries, history)
    # Managers may do what on-call may.
    assert open_incident(api_for("manager"))["state"] == "detect"


def test_list_filters(api_for, portal, checkout):
    api = api_for("oncall")
    a = open_incident(api, "SEV-1", services=("portal",))
    b = open_incident(api, "SEV-3", services=("checkout",))
    transition(api, b["reference"], "triage", T0 + timedelta(minutes=1))
    refs = lambda q: {i["reference"] for i in api.get(f"/api/v1/incidents/{q}").json()["results"]}  # noqa: E731
    assert refs("") == {a["reference"], b["reference"]}
    assert refs("?service=portal") == {a["reference"]}
    assert refs("?severity=SEV-3") == {b["reference"]}
    assert refs("?state=triage") == {b["reference"]}
    assert refs("?state=detect&service=checkout") == set()
    body = api.get("/api/v1/incidents/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["results"][0]["reference"] == a["reference"]  # SEV-1 first


def test_full_lifecycle_through_the_api(api_for, users, portal):
    api = api_for("oncall")
    ref = open_incident(api, "SEV-1")["reference"]
    # Skipping a state is refused with 409.
    r = transition(api, ref, "resolve", T0 + timedelta(minutes=3))
    assert r.status_code == 409 and r.json()["detail"]
    r = transition(api, ref, "triage", T0 + timedelta(minutes=10), commander="manager")
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["state"] == "triage" and data["commander"] == "manager"
    assert data["acknowledged_at"] == "2026-03-02T10:10:00+00:00"
    assert data["response_breached"] is False
    assert data["next_update_due_at"] == "2026-03-02T10:40:00+00:00"
    r = api.post(f"/api/v1/incidents/{ref}/timeline/", {"at": iso(T0 + timedelta(minutes=25)), "kind": "status_update", "text": "Rolling back *now*"}, format="json")
    assert r.status_code == 201
    assert r.json()["author"] == "oncall" and "<em>now</em>" in r.json()["html"]
    assert api.get(f"/api/v1/incidents/{ref}/").json()["next_update_due_at"] == "2026-03-02T10:55:00+00:00"
    assert transition(api, ref, "respond", T0 + timedelta(minutes=26)).status_code == 200
    r = transition(api, ref, "resolve", T0 + timedelta(hours=2), impact_ended_at=iso(T0 + timedelta(hours=1, minutes=50)))
    data = r.json()
    assert data["state"] == "resolve" and data["resolved_at"] == "2026-03-02T12:00:00+00:00"
    assert data["impact_ended_at"] == "2026-03-02T11:50:00+00:00"
    assert data["next_update_due_at"] is None
    assert data["postmortem_due_at"] == "2026-03-04T12:00:00+00:00"
    assert data["resolution_breached"] is False
    assert ImpactWindow.objects.get(source_ref=ref).ended_at == T0 + timedelta(hours=1, minutes=50)
    assert transition(api, ref, "review", T0 + timedelta(hours=3)).status_code == 200
    r = transition(api, ref, "closed", T0 + timedelta(hours=4))
    assert r.status_code == 409 and "post-mortem" in r.json()["detail"]
    incident = Incident.objects.get(reference=ref)
    postmortem_save(incident=incident, by=users["manager"], summary="s", impact="i", root_cause="r", contributing_factors="c", went_well="w", went_badly="b")
    postmortem_complete(incident=incident, by=users["manager"], at=T0 + timedelta(hours=5))
    r = transition(api, ref, "closed", T0 + timedelta(hours=6))
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert transition(api, ref, "review", T0 + timedelta(hours=7)).status_code == 409
    timeline = api.get(f"/api/v1/incidents/{ref}/timeline/").json()["results"]
    assert [e["kind"] for e in timeline].count("status_update") == 1
    run_pending()


def test_triage_defaults_commander_to_caller_and_notifies(api_for, users, portal):
    from delivery_portal.models import Notification

    portal.team.members.add(users["viewer"])
    api = api_for("oncall")
    ref = open_incident(api)["reference"]
    r = transition(api, ref, "triage", T0 + timedelta(minutes=40))
    assert r.json()["commander"] == "oncall"
    assert r.json()["response_breached"] is True  # SEV-2: 30 minutes
    assert Notification.objects.filter(event="incident.triaged", recipient=users["viewer"]).exists()
    assert Notification.objects.filter(event="incident.triaged", email=portal.team.email).exists()


def test_unknown_commander_is_400(api_for, portal):
    api = api_for("oncall")
    ref = open_incident(api)["reference"]
    assert transition(api, ref, "triage", T0, commander="ghost").status_code == 400
    assert transition(api, ref, "bogus", T0).status_code == 400


def test_patch_retimes_severity_and_links_causes(api_for, users, portal, checkout):
    api = api_for("oncall")
    ref = open_incident(api, "SEV-3")["reference"]
    deployment = DeploymentFactory(service=portal)
    change = ChangeRequestFactory(requester=users["manager"])
    r = api.patch(
        f"/api/v1/incidents/{ref}/",
        {"severity": "SEV-1", "title": "Checkout down", "summary": "all 5xx", "services": ["portal", "checkout"],
         "caused_by_deployment": deployment.pk, "caused_by_change": change.reference},
        format="json",
    )
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["severity"] == "SEV-1" and data["title"] == "Checkout down"
    assert data["response_due_at"] == "2026-03-02T10:15:00+00:00"  # re-timed from detection
    assert data["resolution_due_at"] == "2026-03-02T14:00:00+00:00"
    assert sorted(data["services"]) == ["checkout", "portal"]
    assert data["caused_by_deployment"] == deployment.pk and data["caused_by_change"] == change.reference
    assert ImpactWindow.objects.filter(source_ref=ref).count() == 2
    r = api.patch(f"/api/v1/incidents/{ref}/", {"caused_by_change": "CHG-1999-0001"}, format="json")
    assert r.status_code == 400 and "caused_by_change" in r.json()


def test_time_corrections_are_audited(api_for, portal):
    api = api_for("oncall")
    ref = open_incident(api)["reference"]
    new_start = T0 - timedelta(minutes=20)
    r = api.patch(f"/api/v1/incidents/{ref}/", {"impact_started_at": iso(new_start), "reason": "logs show earlier errors"}, format="json")
    assert r.status_code == 200
    assert r.json()["impact_started_at"] == iso(new_start)
    incident = Incident.objects.get(reference=ref)
    record = incident.history.order_by("-history_date", "-history_id").first()
    assert "logs show earlier errors" in record.history_change_reason
    assert record.history_user.username == "oncall"
    previous = record.prev_record
    assert previous.impact_started_at == T0 - timedelta(minutes=5)
    assert ImpactWindow.objects.get(source_ref=ref).started_at == new_start
    assert incident.timeline.filter(text__contains="Corrected impact started").exists()
    r = api.patch(f"/api/v1/incidents/{ref}/", {"impact_ended_at": iso(T0 - timedelta(hours=2))}, format="json")
    assert r.status_code == 400


def test_postmortem_rule_blocks_close_for_sev2_only(api_for, portal):
    api = api_for("oncall")
    for severity, closable in (("SEV-2", False), ("SEV-3", True)):
        ref = open_incident(api, severity)["reference"]
        for i, to in enumerate(["triage", "respond", "resolve", "review"]):
            assert transition(api, ref, to, T0 + timedelta(minutes=i + 1)).status_code == 200
        r = transition(api, ref, "closed", T0 + timedelta(hours=1))
        assert (r.status_code == 200) is closable, (severity, r.json())
    assert PostMortem.objects.count() == 1  # created on resolve for the SEV-2 only


def test_unknown_incident_is_404(api_for, db):
    assert api_for("viewer").get("/api/v1/incidents/INC-1999-0001/").status_code == 404


def test_counting_follows_severity_until_set_explicitly(api_for, portal):
    api = api_for("oncall")
    ref = open_incident(api, "SEV-3")["reference"]
    assert ImpactWindow.objects.get(source_ref=ref).counts_against_sla is False
    r = api.patch(f"/api/v1/incidents/{ref}/", {"severity": "SEV-1"}, format="json")
    assert r.json()["counts_against_sla"] is True
    assert ImpactWindow.objects.get(source_ref=ref).counts_against_sla is True
    r = api.patch(f"/api/v1/incidents/{ref}/", {"counts_against_sla": False}, format="json")
    assert r.json()["counts_against_sla"] is False
    r = api.patch(f"/api/v1/incidents/{ref}/", {"severity": "SEV-2"}, format="json")
    assert r.json()["counts_against_sla"] is False  # set by a person: stays
    assert ImpactWindow.objects.get(source_ref=ref).counts_against_sla is False


def test_commander_must_be_on_call(api_for, portal):
    api = api_for("oncall")
    ref = open_incident(api)["reference"]
    r = transition(api, ref, "triage", T0 + timedelta(minutes=1), commander="viewer")
    assert r.status_code == 400 and "commander" in r.json()


def test_references_skip_numbers_taken_by_hand(api_for, portal):
    from incidents.tests.factories import IncidentFactory

    api = api_for("oncall")
    first = open_incident(api)["reference"]
    n = int(first.rsplit("-", 1)[1])
    IncidentFactory(reference=f"INC-2026-{n + 1:04d}")
    assert open_incident(api)["reference"] == f"INC-2026-{n + 2:04d}"


def test_closed_timeline_is_final_and_factories_work(api_for, users, portal):
    from incidents.tests.factories import ActionItemFactory, TimelineEntryFactory

    api = api_for("oncall")
    ref = open_incident(api, "SEV-4")["reference"]
    for i, to in enumerate(["triage", "respond", "resolve", "review", "closed"]):
        assert transition(api, ref, to, T0 + timedelta(minutes=i + 1)).status_code == 200
    r = api.post(f"/api/v1/incidents/{ref}/timeline/", {"kind": "note", "text": "late"}, format="json")
    assert r.status_code == 409
    r = api.post(f"/api/v1/incidents/{ref}/timeline/", {"kind": "gossip", "text": "x"}, format="json")
    assert r.status_code == 400 and "kind" in r.json()
    # A closed SEV-4 raised to SEV-1 would need a post-mortem it was never asked for: refused.
    r = api.patch(f"/api/v1/incidents/{ref}/", {"severity": "SEV-1"}, format="json")
    assert r.status_code == 409 and "closed" in r.json()["detail"]
    assert api.get(f"/api/v1/incidents/{ref}/").json()["severity"] == "SEV-4"
    assert api.patch(f"/api/v1/incidents/{ref}/", {"title": "Typo fixed after closing"}, format="json").status_code == 200
    assert TimelineEntryFactory().incident.timeline.count() == 1
    assert ActionItemFactory().postmortem.action_items.count() == 1


def test_api_list_is_bounded(api_for, portal, checkout, django_assert_max_num_queries):
    api = api_for("oncall")
    for i in range(12):
        ref = open_incident(api, "SEV-1" if i % 2 else "SEV-3", services=("portal", "checkout"))["reference"]
        api.post(f"/api/v1/incidents/{ref}/timeline/", {"kind": "status_update", "text": "x"}, format="json")
    viewer = api_for("viewer")
    viewer.get("/api/v1/incidents/")  # warm the token/user caches
    with django_assert_max_num_queries(8):
        body = viewer.get("/api/v1/incidents/").json()
    assert body["count"] == 12
    assert all(item["next_update_due_at"] is None for item in body["results"])  # none triaged yet
