"""Real Alertmanager v4 webhook payloads (as Alertmanager 0.27 sends them)."""

import copy

import pytest

from incidents.models import AlertFingerprint, Incident
from sla.models import ImpactWindow

pytestmark = pytest.mark.django_db

FIRING = {
    "receiver": "delivery-portal",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "CheckoutHighErrorRate",
                "instance": "checkout-7d9f:8080",
                "job": "checkout",
                "service": "portal",
                "severity": "critical",
            },
            "annotations": {
                "summary": "Checkout 5xx rate above 5%",
                "description": "5xx ratio is 12.3% over the last 5 minutes.",
                "runbook_url": "https://runbooks.example.com/checkout-5xx",
            },
            "startsAt": "2026-03-02T09:58:30.123456789Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=rate%28http_requests_total%5B5m%5D%29&g0.tab=1",
            "fingerprint": "c4c6a3c1b2d5e7f8",
        }
    ],
    "groupLabels": {"alertname": "CheckoutHighErrorRate"},
    "commonLabels": {"alertname": "CheckoutHighErrorRate", "service": "portal", "severity": "critical"},
    "commonAnnotations": {"summary": "Checkout 5xx rate above 5%"},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}/{service="portal"}:{alertname="CheckoutHighErrorRate"}',
    "truncatedAlerts": 0,
}


def resolved_payload():
    payload = copy.deepcopy(FIRING)
    payload["status"] = "resolved"
    payload["alerts"][0]["status"] = "resolved"
    payload["alerts"][0]["endsAt"] = "2026-03-02T10:41:00.5Z"
    return payload


def post(api, payload):
    return api.post("/api/v1/alerts/alertmanager/", payload, format="json")


def test_firing_opens_one_incident_firing_again_does_not(api_for, portal):
    api = api_for("oncall")
    r = post(api, FIRING)
    assert r.status_code == 200, r.content
    assert len(r.json()["opened"]) == 1
    incident = Incident.objects.get()
    assert incident.severity == "SEV-1"
    assert incident.state == "detect"
    assert incident.title == "Checkout 5xx rate above 5%"
    assert [s.slug for s in incident.services.all()] == ["portal"]
    assert incident.impact_started_at.isoformat().startswith("2026-03-02T09:58:30")
    assert incident.counts_against_sla
    assert ImpactWindow.objects.get(source_ref=incident.reference).ended_at is None

    r = post(api, FIRING)
    assert r.status_code == 200
    assert r.json()["opened"] == [] and r.json()["updated"] == [incident.reference]
    assert Incident.objects.count() == 1
    assert AlertFingerprint.objects.get().times_fired == 2

    r = post(api, resolved_payload())
    assert r.status_code == 200 and r.json()["resolved"] == [incident.reference]
    incident.refresh_from_db()
    assert incident.impact_ended_at.isoformat() == "2026-03-02T10:41:00.500000+00:00"
    assert incident.state == "detect"  # people resolve; the alert records the end of impact
    assert ImpactWindow.objects.get(source_ref=incident.reference).ended_at == incident.impact_ended_at
    assert incident.timeline.filter(text__contains="resolved").exists()
    # Firing again after resolution: still the same incident.
    post(api, FIRING)
    assert Incident.objects.count() == 1


@pytest.mark.parametrize(
    "label, severity",
    [("critical", "SEV-1"), ("major", "SEV-2"), ("error", "SEV-2"), ("warning", "SEV-3"), ("minor", "SEV-3"), ("info", "SEV-4"), ("SEV-2", "SEV-2")],
)
def test_severity_labels(api_for, portal, label, severity):
    payload = copy.deepcopy(FIRING)
    payload["alerts"][0]["labels"]["severity"] = label
    payload["alerts"][0]["fingerprint"] = f"fp-{label}"
    payload["commonLabels"] = {}
    assert post(api_for("oncall"), payload).status_code == 200
    assert Incident.objects.get().severity == severity


def test_grouped_alerts_open_one_incident_each(api_for, portal, checkout):
    payload = copy.deepcopy(FIRING)
    second = copy.deepcopy(payload["alerts"][0])
    second["labels"]["service"] = "checkout"
    second["fingerprint"] = "aaaa1111"
    payload["alerts"].append(second)
    payload["commonLabels"] = {"alertname": "CheckoutHighErrorRate", "severity": "critical"}
    r = post(api_for("oncall"), payload)
    assert len(r.json()["opened"]) == 2
    assert sorted(Incident.objects.values_list("services__slug", flat=True)) == ["checkout", "portal"]


def test_resolved_alert_never_seen_is_ignored(api_for, portal):
    r = post(api_for("oncall"), resolved_payload())
    assert r.status_code == 200 and r.json()["ignored"] and Incident.objects.count() == 0


def test_who_may_post_alerts(api_for, client, portal):
    assert post(api_for("viewer"), FIRING).status_code == 403
    assert post(api_for("cab1"), FIRING).status_code == 403
    assert client.post("/api/v1/alerts/alertmanager/", FIRING, content_type="application/json").status_code == 401
    assert not Incident.objects.exists() and not AlertFingerprint.objects.exists()
    assert post(api_for("manager"), FIRING).status_code == 200


def test_bad_payloads_are_400(api_for, db):
    api = api_for("oncall")
    assert post(api, {"version": "4"}).status_code == 400
    assert post(api, {**FIRING, "version": "3"}).status_code == 400


def test_resolving_later_keeps_the_end_of_impact_the_alert_recorded(api_for, users, portal):
    from datetime import timedelta

    from incidents.services import lifecycle

    api = api_for("oncall")
    post(api, FIRING)
    incident = Incident.objects.get()
    post(api, resolved_payload())  # impact ended 10:41:00.5
    t = incident.detected_at
    lifecycle.incident_transition(incident=incident, to="triage", by=users["oncall"], commander=users["oncall"], at=t + timedelta(minutes=1))
    lifecycle.incident_transition(incident=Incident.objects.get(), to="respond", by=users["oncall"], at=t + timedelta(minutes=2))
    # Hours after the alert cleared, someone resolves the incident without giving an end.
    lifecycle.incident_transition(incident=Incident.objects.get(), to="resolve", by=users["oncall"], at=t + timedelta(hours=2))
    incident.refresh_from_db()
    assert incident.impact_ended_at.isoformat() == "2026-03-02T10:41:00.500000+00:00"  # not the click: the budget is not overcharged
    assert ImpactWindow.objects.get(source_ref=incident.reference).ended_at == incident.impact_ended_at


def test_an_alert_naming_no_known_service_asks_for_the_services_on_the_page(api_for, client_for, portal):
    payload = copy.deepcopy(FIRING)
    payload["alerts"][0]["labels"]["service"] = "ghost"
    assert post(api_for("oncall"), payload).status_code == 200
    incident = Incident.objects.get()
    client = client_for("oncall")
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert 'data-testid="no-services"' in page and "Unknown service label: ghost" in page
    r = client.post(f"/incidents/{incident.reference}/details/",
                    {"title": incident.title, "summary": incident.summary, "services": [portal.pk], "edit_version": incident.edit_version})
    assert r.status_code == 302
    assert ImpactWindow.objects.get(source_ref=incident.reference).service == portal  # the budget is charged from now on
