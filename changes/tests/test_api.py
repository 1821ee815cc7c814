import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from changes import services
from changes.models import Approval, ChangeRequest
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def body(**over):
    start = timezone.now() + timedelta(days=7)
    data = {
        "title": "Upgrade PostgreSQL",
        "change_type": "normal",
        "description": "15 to 16",
        "justification": "Support ends",
        "impact": {"systems": ["orders-db"], "services": ["checkout"], "users": "all checkout users", "downtime_minutes": 10},
        "implementation_plan": "fail over, upgrade, fail back",
        "rollback_plan": "fail back",
        "testing_plan": "smoke suite",
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat(),
    }
    data.update(over)
    return data


def test_create_submit_approve_flow(api_for, service):
    r = api_for("oncall").post("/api/v1/changes/", body(), format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    ref = data["reference"]
    assert ref.startswith(f"CHG-{timezone.now().year}-") and data["state"] == "draft"
    assert data["requester"] == "oncall"
    assert data["impact"] == {"systems": "orders-db", "services": ["checkout"], "users": "all checkout users", "downtime_minutes": 10}
    assert "+00:00" in data["window_start"]
    assert api_for("oncall").post(f"/api/v1/changes/{ref}/submit/").json()["state"] == "submitted"
    r = api_for("cab1").post(f"/api/v1/changes/{ref}/approve/", {"comment": "ok"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    r = api_for("cab2").post(f"/api/v1/changes/{ref}/approve/", {}, format="json")
    data = api_for("viewer").get(f"/api/v1/changes/{ref}/").json()
    assert data["state"] == "approved"
    assert [(a["by"], a["decision"], a["comment"]) for a in data["approvals"]] == [("cab1", "approve", "ok"), ("cab2", "approve", "")]
    assert all("+00:00" in a["at"] for a in data["approvals"])
    assert data["conflicts"] == []


def test_self_approval_is_409(api_for, service):
    ref = api_for("cab1").post("/api/v1/changes/", body(), format="json").json()["reference"]
    api_for("cab1").post(f"/api/v1/changes/{ref}/submit/")
    r = api_for("cab1").post(f"/api/v1/changes/{ref}/approve/", {}, format="json")
    assert r.status_code == 409
    assert "Nobody approves or rejects their own change." in r.json()["reasons"]


def test_lead_time_409_names_earliest_window(api_for, service):
    start = timezone.now() + timedelta(days=4, hours=23)
    ref = api_for("oncall").post(
        "/api/v1/changes/", body(window_start=start.isoformat(), window_end=(start + timedelta(hours=1)).isoformat()), format="json"
    ).json()["reference"]
    r = api_for("oncall").post(f"/api/v1/changes/{ref}/submit/")
    assert r.status_code == 409
    assert "earliest allowed window" in " ".join(r.json()["reasons"])


def test_missing_fields_409_and_rejection_comment(api_for, service):
    ref = api_for("oncall").post("/api/v1/changes/", {"title": "Bare", "change_type": "normal"}, format="json").json()["reference"]
    r = api_for("oncall").post(f"/api/v1/changes/{ref}/submit/")
    assert r.status_code == 409 and "rollback plan" in r.json()["reasons"][0]
    ref = api_for("oncall").post("/api/v1/changes/", body(), format="json").json()["reference"]
    api_for("oncall").post(f"/api/v1/changes/{ref}/submit/")
    assert api_for("cab1").post(f"/api/v1/changes/{ref}/reject/", {}, format="json").status_code == 409
    r = api_for("cab1").post(f"/api/v1/changes/{ref}/reject/", {"comment": "Not in peak season"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "rejected"


@pytest.mark.parametrize(
    "over,field",
    [
        ({"change_type": "sometimes"}, "change_type"),
        ({"impact": {"services": ["nope"]}}, "impact"),
        ({"window_start": "tomorrow"}, "window_start"),
        ({"title": ""}, "title"),
        ({"change_type": "standard"}, "template"),
    ],
)
def test_bad_input_is_400(api_for, service, over, field):
    r = api_for("oncall").post("/api/v1/changes/", body(**over), format="json")
    assert r.status_code == 400 and field in r.json()


def test_window_end_before_start_is_400(api_for, service):
    start = timezone.now() + timedelta(days=7)
    r = api_for("oncall").post(
        "/api/v1/changes/", body(window_start=start.isoformat(), window_end=(start - timedelta(hours=1)).isoformat()), format="json"
    )
    assert r.status_code == 400 and "window_end" in r.json()


def test_roles(api_for, service):
    assert api_for("viewer").post("/api/v1/changes/", body(), format="json").status_code == 403
    assert not ChangeRequest.objects.exists()
    ref = api_for("oncall").post("/api/v1/changes/", body(), format="json").json()["reference"]
    api_for("oncall").post(f"/api/v1/changes/{ref}/submit/")
    assert api_for("viewer").post(f"/api/v1/changes/{ref}/approve/", {}, format="json").status_code == 403
    assert not Approval.objects.exists() and ChangeRequest.objects.get(reference=ref).state == "submitted"
    # on-call does not decide normal changes
    assert api_for("manager").post(f"/api/v1/changes/{ref}/approve/", {}, format="json").status_code == 200


def test_conflicts_in_api(api_for, service):
    first = api_for("oncall").post("/api/v1/changes/", body(), format="json").json()["reference"]
    api_for("oncall").post(f"/api/v1/changes/{first}/submit/")
    second = api_for("cab1").post("/api/v1/changes/", body(), format="json").json()["reference"]
    conflicts = api_for("cab2").get(f"/api/v1/changes/{second}/").json()["conflicts"]
    assert [c["kind"] for c in conflicts] == ["change"] and conflicts[0]["reference"] == first


def test_list_query_count(api_for, service, django_assert_max_num_queries, users):
    for _ in range(5):
        services.change_create(user=users["oncall"], services=[service], title="x", window_start=timezone.now() + timedelta(days=9),
                               window_end=timezone.now() + timedelta(days=9, hours=1))
    client = api_for("viewer")
    with django_assert_max_num_queries(14):
        r = client.get("/api/v1/changes/")
    assert r.json()["count"] == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_lost(requires_postgres, users, transactional_db):
    """cab1 and cab2 approve at the same moment: both recorded, the change approved."""
    service = ServiceFactory(slug="checkout")
    for _attempt in range(3):
        change = services.change_create(
            user=users["oncall"], services=[service], title="Race", description="d", justification="j", impact_systems="s",
            impact_users="u", impact_downtime_minutes=0, implementation_plan="i", rollback_plan="r", testing_plan="t",
            window_start=timezone.now() + timedelta(days=6), window_end=timezone.now() + timedelta(days=6, hours=1),
        )
        services.change_submit(change=change, user=users["oncall"])
        barrier = threading.Barrier(2)
        errors = []

        def approve(username):
            try:
                barrier.wait()
                services.change_approve(change=ChangeRequest.objects.get(pk=change.pk), user=users[username])
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=approve, args=(name,)) for name in ("cab1", "cab2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        change.refresh_from_db()
        assert change.state == "approved"
        assert Approval.objects.filter(change=change).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_distinct_references(requires_postgres, users, transactional_db):
    barrier = threading.Barrier(4)
    refs, errors = [], []

    def create():
        try:
            barrier.wait()
            refs.append(services.change_create(user=users["oncall"], title="Parallel").reference)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    year = timezone.now().year
    assert sorted(refs) == [f"CHG-{year}-{n:04d}" for n in range(1, 5)]
