"""The contract's deployment endpoints."""

from datetime import timedelta

import pytest
from django.utils import timezone

from changes.models import ChangeState, ChangeType
from changes.tests.factories import ChangeRequestFactory
from delivery_portal.outbox import run_pending
from deployments.models import Deployment
from releases.tests.factories import ReleaseFactory
from sla.models import Freeze

pytestmark = pytest.mark.django_db
URL = "/api/v1/deployments/"


def body(service, **kw):
    return {"service": service.slug, "environment": "production", "version": "2.0.0", "strategy": "canary",
            "commits": [{"sha": "a" * 40, "authored_at": "2026-11-20T10:00:00+00:00"}], **kw}


def test_start_returns_the_rollout_with_its_stages(api_for, fast_canary):
    response = api_for("manager").post(URL, body(fast_canary), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == "running" and data["traffic_percent"] == 0 and data["current_stage"] == 0
    assert [(s["traffic_percent"], s["monitor_minutes"], s["state"]) for s in data["stages"]] == [
        (5, 1, "shifting"), (50, 1, "pending"), (100, 0, "pending")]
    assert data["commits"][0]["sha"] == "a" * 40
    got = api_for("viewer").get(f"{URL}{data['id']}/").json()
    for key in ("id", "state", "traffic_percent", "current_stage", "stages"):
        assert key in got
    assert got["started_at"].endswith("+00:00")


def test_default_canary_plan_over_the_api(api_for, service):
    data = api_for("manager").post(URL, body(service), format="json").json()
    assert [(s["traffic_percent"], s["monitor_minutes"]) for s in data["stages"]] == [(5, 30), (25, 60), (50, 120), (100, 0)]


def test_a_frozen_service_refuses_with_every_reason_and_records_it(api_for, service, users):
    Freeze.objects.create(service=service, cause="budget", reason="Budget exhausted", started_at=timezone.now() - timedelta(hours=1))
    change = ChangeRequestFactory(requester=users["cab1"], state=ChangeState.SUBMITTED)
    release = ReleaseFactory(version="v3.0.0")
    response = api_for("manager").post(URL, body(service, change=change.reference, release=release.version), format="json")
    assert response.status_code == 409
    data = response.json()
    assert "frozen" in data["reasons"][0]
    assert any("not approved" in r for r in data["reasons"])
    assert any("outside the window" in r for r in data["reasons"])
    assert "Release v3.0.0 is NO-GO." in data["reasons"]
    assert data["detail"]
    refused = Deployment.objects.get(pk=data["id"])
    assert refused.state == "refused" and refused.refusal_reasons == data["reasons"]
    assert refused.commits.count() == 1


def test_a_critical_deployment_passes_a_freeze(api_for, service):
    service.freeze_active = True
    service.save()
    assert api_for("manager").post(URL, body(service), format="json").status_code == 409
    response = api_for("manager").post(URL, body(service, critical=True, reason="CVE fix"), format="json")
    assert response.status_code == 201


def test_an_emergency_change_approved_and_in_window_passes_freeze_and_change_gates(api_for, service, users):
    service.freeze_active = True
    service.save()
    now = timezone.now()
    change = ChangeRequestFactory(requester=users["cab1"], change_type=ChangeType.EMERGENCY, state=ChangeState.APPROVED,
                                  window_start=now - timedelta(minutes=10), window_end=now + timedelta(hours=1))
    response = api_for("manager").post(URL, body(service, change=change.reference), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["change"] == change.reference


def test_release_gate_uses_the_recommendation(api_for, service, monkeypatch):
    release = ReleaseFactory(version="v2.0.0")
    monkeypatch.setattr("releases.selectors.release_recommendation", lambda release, at=None: "GO")
    assert api_for("manager").post(URL, body(service, release="v2.0.0"), format="json").status_code == 201
    monkeypatch.setattr("releases.selectors.release_recommendation", lambda release, at=None: "NO-GO")
    response = api_for("manager").post(URL, body(service, release="v2.0.0"), format="json")
    assert response.status_code == 409 and response.json()["reasons"] == ["Release v2.0.0 is NO-GO."]
    assert release.deployments.count() == 2


def test_big_bang_needs_a_maintenance_window(api_for, service):
    from sla.models import MaintenanceWindow

    response = api_for("manager").post(URL, body(service, strategy="big_bang"), format="json")
    assert response.status_code == 409 and "maintenance window" in response.json()["reasons"][0]
    now = timezone.now()
    MaintenanceWindow.objects.create(service=service, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1), reason="Upgrade")
    response = api_for("manager").post(URL, body(service, strategy="big_bang"), format="json")
    assert response.status_code == 201 and response.json()["stages"][0]["traffic_percent"] == 100


def test_recorded_deployments_are_never_refused_but_flagged(api_for, service):
    service.freeze_active = True
    service.save()
    response = api_for("manager").post(
        URL, body(service, status="succeeded"), format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["state"] == "succeeded" and data["recorded"] is True
    assert data["flagged"] is True and "frozen" in data["gate_violations"][0]
    clean = api_for("manager").post(URL, body(service, status="failed", critical=True, reason="hotfix"), format="json").json()
    assert clean["state"] == "failed" and clean["flagged"] is False


@pytest.mark.parametrize(
    "payload, field",
    [({"strategy": "yolo"}, "strategy"), ({"service": "nope"}, "service"), ({"status": "exploded"}, "status"),
     ({"version": ""}, "version"), ({"commits": [{"sha": "x"}]}, "commits")],
)
def test_bad_input_is_400(api_for, service, payload, field):
    response = api_for("manager").post(URL, {**body(service), **payload}, format="json")
    assert response.status_code == 400 and field in response.json()


def test_only_managers_start(api_for, service):
    assert api_for("oncall").post(URL, body(service), format="json").status_code == 403
    assert api_for("viewer").post(URL, body(service), format="json").status_code == 403
    assert not Deployment.objects.exists()


def test_metrics_breach_rolls_back_and_controls(api_for, fast_canary):
    api = api_for("manager")
    data = api.post(URL, body(fast_canary), format="json").json()
    detail = f"{URL}{data['id']}/"
    assert api.post(detail + "confirm-shift/", {}, format="json").json()["traffic_percent"] == 5
    assert api.post(detail + "pause/", {}, format="json").json()["state"] == "paused"
    assert api.post(detail + "pause/", {}, format="json").status_code == 409
    assert api.post(detail + "resume/", {}, format="json").json()["state"] == "running"
    assert api.post(detail + "promote/", {}, format="json").status_code == 400
    promoted = api.post(detail + "promote/", {"reason": "Verified by hand"}, format="json").json()
    assert promoted["current_stage"] == 1 and promoted["stages"][0]["state"] == "promoted"
    ok = api_for("oncall").post(detail + "metrics/", {"at": "2026-11-27T09:00:00+00:00", "error_rate": 0.004, "p99_ms": 100, "healthy": True}, format="json")
    assert ok.status_code == 200 and ok.json()["state"] == "running"
    assert api.post(detail + "metrics/", {"error_rate": 2}, format="json").status_code == 400
    halted = api.post(detail + "metrics/", {"error_rate": 0.2, "p99_ms": 100, "healthy": True}, format="json").json()
    assert halted["state"] == "rolled_back" and "Error rate 20.00%" in halted["halt_reason"]
    assert api.post(detail + "metrics/", {"error_rate": 0.001}, format="json").status_code == 409
    assert api.post(detail + "rollback/", {}, format="json").status_code == 409
    assert api_for("oncall").post(detail + "rollback/", {}, format="json").status_code == 403


def test_rollback_over_the_api(api_for, fast_canary):
    api = api_for("manager")
    data = api.post(URL, body(fast_canary), format="json").json()
    response = api.post(f"{URL}{data['id']}/rollback/", {"reason": "Wrong build"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "rolled_back"
    run_pending()


def test_list_puts_active_first(api_for, fast_canary, django_assert_max_num_queries):
    api = api_for("manager")
    api.post(URL, body(fast_canary, status="succeeded"), format="json")
    running = api.post(URL, body(fast_canary), format="json").json()
    api.post(URL, body(fast_canary, status="failed"), format="json")
    with django_assert_max_num_queries(12):
        results = api.get(URL).json()["results"]
    assert results[0]["id"] == running["id"]


def test_a_report_without_a_strategy_is_not_assumed_canary(api_for, client_for, service):
    api = api_for("manager")
    payload = {"service": service.slug, "environment": "production", "version": "4.0.0", "status": "succeeded"}
    recorded = api.post(URL, payload, format="json")
    assert recorded.status_code == 201 and recorded.json()["strategy"] == "unknown"
    assert "Not reported" in client_for("viewer").get(f"/deployments/{recorded.json()['id']}/").content.decode()
    named = api.post(URL, {**payload, "version": "4.0.1", "strategy": "blue_green"}, format="json").json()
    assert named["strategy"] == "blue_green"
    started = api.post(URL, {k: v for k, v in payload.items() if k != "status"}, format="json").json()
    assert started["strategy"] == "canary" and started["recorded"] is False  # the portal runs it, so it has a plan
    assert api.post(URL, {**payload, "strategy": "unknown"}, format="json").status_code == 400
