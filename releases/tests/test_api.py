from datetime import UTC, date, datetime

import pytest

from delivery_portal.models import Notification
from delivery_portal.outbox import run_pending
from releases import selectors, services
from releases.models import CommsItem, Release, ScopeChange

EXPECTED_SAMPLE = {
    "version": "v2.5.0",
    "release_type": "minor",
    "target_date": "2024-01-25",
    "criteria": [
        {"criterion": "bugs", "status": "PASS", "detail": "All P1/P2 bugs resolved (0 open)"},
        {"criterion": "performance", "status": "PASS", "detail": "Performance benchmarks met (P99: 320ms < 500ms target)"},
        {"criterion": "security_scan", "status": "PASS", "detail": "Security scan passed (0 critical, 0 high)"},
        {"criterion": "load_test", "status": "PASS", "detail": "Load testing complete (sustained 2x peak traffic)"},
        {"criterion": "uat_signoff", "status": "PASS", "detail": "UAT sign-off received (Jan 23)"},
        {"criterion": "documentation", "status": "WARN", "detail": "Documentation: 2 pages pending review"},
        {"criterion": "runbook", "status": "PASS", "detail": "Runbook reviewed and updated"},
    ],
    "recommendation": "CONDITIONAL GO",
    "conditions": ["Complete documentation review before T-0"],
    "strategy": "Blue-green (recommended for this release size)",
    "rollback_plan": "Instant switch to blue environment",
    "monitoring_hours": 24,
}


def test_create_release_derives_type_and_checklist(api_for, users, portal_service):
    api = api_for("manager")
    r = api.post("/api/v1/releases/", {"version": "v2.4.0", "target_date": "2024-01-04", "services": ["portal"]}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["release_type"] == "minor"  # first release of the product: X.Y.0
    r = api.post("/api/v1/releases/", {"version": "v2.4.1", "target_date": "2024-01-11", "services": ["portal"]}, format="json")
    assert r.json()["release_type"] == "patch"
    r = api.post("/api/v1/releases/", {"version": "v3.0.0", "target_date": "2024-01-29", "services": ["portal"]}, format="json")
    body = r.json()
    assert body["release_type"] == "major" and body["product"] == "portal" and body["services"] == ["portal"]
    assert [(c["kind"], c["due_date"], c["owner"]) for c in body["comms"]] == [
        ("t_minus_7", "2024-01-18", "manager"), ("t_minus_1", "2024-01-26", "manager"),
        ("t_0", "2024-01-29", "manager"), ("t_plus_1", "2024-01-30", "manager"),
    ]
    # another product starts its own line
    r = api.post("/api/v1/releases/", {"version": "v1.0.1", "target_date": "2024-01-29", "services": [], "product": "mobile"},
                 format="json")
    assert r.json()["release_type"] == "patch"
    assert api.get("/api/v1/releases/v3.0.0/").json()["version"] == "v3.0.0"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"version": "2.5", "target_date": "2024-01-25", "services": []}, "version"),
        ({"version": "v2.5.0", "target_date": "soon", "services": []}, "target_date"),
        ({"version": "v2.5.0", "target_date": "2024-01-25", "services": ["nope"]}, "services"),
        ({"target_date": "2024-01-25", "services": []}, "version"),
    ],
)
def test_create_release_bad_input(api_for, users, portal_service, body, field):
    r = api_for("manager").post("/api/v1/releases/", body, format="json")
    assert r.status_code == 400 and field in r.json()


def test_duplicate_version_is_400(api_for, sample_release):
    r = api_for("manager").post("/api/v1/releases/", {"version": "v2.5.0", "target_date": "2024-01-25", "services": []},
                                format="json")
    assert r.status_code == 400 and "version" in r.json()


def test_only_managers_write(api_for, sample_release):
    evidence = sample_release.evidence.count()
    for who in ("cab1", "oncall", "viewer"):
        api = api_for(who)
        assert api.post("/api/v1/releases/", {"version": "v9.0.0", "target_date": "2024-01-25", "services": []},
                        format="json").status_code == 403
        assert api.post("/api/v1/releases/v2.5.0/evidence/", {"criterion": "load_test", "peak_multiple": 3},
                        format="json").status_code == 403
        assert api.get("/api/v1/releases/v2.5.0/readiness/").status_code == 200
    assert not Release.objects.filter(version="v9.0.0").exists() and sample_release.evidence.count() == evidence


def test_readiness_of_the_sample(api_for, sample_release):
    r = api_for("viewer").get("/api/v1/releases/v2.5.0/readiness/")
    assert r.status_code == 200
    assert r.json() == EXPECTED_SAMPLE
    assert selectors.release_recommendation(sample_release) == "CONDITIONAL GO"


def test_evidence_moves_the_verdict_and_newest_counts(api_for, sample_release):
    api = api_for("manager")
    r = api.post("/api/v1/releases/v2.5.0/evidence/", {"criterion": "documentation", "pending_pages": 0}, format="json")
    assert r.status_code == 201
    assert r.json()["payload"] == {"pending_pages": 0} and r.json()["recorded_by"] == "manager"
    assert "+00:00" in r.json()["recorded_at"]
    assert api.get("/api/v1/releases/v2.5.0/readiness/").json()["recommendation"] == "GO"
    api.post("/api/v1/releases/v2.5.0/evidence/", {"criterion": "security_scan", "critical": 0, "high": 2}, format="json")
    body = api.get("/api/v1/releases/v2.5.0/readiness/").json()
    assert body["recommendation"] == "NO-GO"
    assert body["conditions"][0].startswith("Risk assessment: High")
    assert body["conditions"][1] == "Recommended delay: 5 business days (new target date February 1, 2024)"
    # the recommendation at an earlier moment ignores later evidence
    assert selectors.release_recommendation(sample_release, at=datetime(2024, 1, 10, 9, 0, tzinfo=UTC)) == "CONDITIONAL GO"


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"criterion": "load_test"}, {"peak_multiple": ["This field is required."]}),
        ({"criterion": "performance", "p99_ms": "x", "target_ms": 0},
         {"p99_ms": ["A number is required."], "target_ms": ["Must be greater than 0."]}),
        ({"criterion": "runbook", "reviewed": "yes", "reviewed_at": "2024-01-22T15:00:00+00:00"},
         {"reviewed": ["Must be true or false."]}),
        ({"criterion": "uat_signoff", "signed_off_by": "", "signed_off_at": "yesterday"}, None),
        ({"criterion": "weather"}, None),
        ({"pending_pages": 1}, None),
    ],
)
def test_bad_evidence_is_400_with_field_messages(api_for, sample_release, body, errors):
    r = api_for("manager").post("/api/v1/releases/v2.5.0/evidence/", body, format="json")
    assert r.status_code == 400
    if errors:
        assert r.json() == errors
    else:
        assert r.json() and all(isinstance(v, list) for v in r.json().values())


def test_unknown_release_is_404(api_for, users):
    assert api_for("viewer").get("/api/v1/releases/v0.0.9/readiness/").status_code == 404


def test_open_p1_bug_fix_in_scope_fails_bugs(api_for, sample_release):
    api = api_for("manager")
    r = api.post("/api/v1/releases/v2.5.0/scope/", {"kind": "bug_fix", "title": "Data loss", "ticket": "PORT-9",
                                                     "priority": "P1"}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "open"
    criteria = api.get("/api/v1/releases/v2.5.0/readiness/").json()["criteria"]
    assert criteria[0] == {"criterion": "bugs", "status": "FAIL",
                           "detail": "P1/P2 bugs still open (1 open: 1 P1; 1 in this release's scope)"}
    r = api.post("/api/v1/releases/v2.5.0/scope/", {"kind": "dependency", "dependency_kind": "db_migration",
                                                     "description": "Add index"}, format="json")
    assert r.status_code == 201
    assert api.post("/api/v1/releases/v2.5.0/scope/", {"kind": "epic"}, format="json").status_code == 400
    assert api.post("/api/v1/releases/v2.5.0/scope/", {"kind": "feature", "status": "maybe"}, format="json").json() == {
        "status": ["One of planned, in_progress, done, dropped."], "title": ["This field is required."]}


def test_scope_changes_after_t_minus_7_are_flagged(sample_release, users):
    manager = users["manager"]
    before = datetime(2024, 1, 16, 12, 0, tzinfo=UTC)  # T-7 of Thursday 25 January is Tuesday 16
    after = datetime(2024, 1, 17, 9, 0, tzinfo=UTC)
    feature = services.scope_item_add(release=sample_release, kind="feature", data={"title": "Export"}, by=manager, at=before)
    assert not feature.late
    services.scope_item_update(item=feature, data={"status": "done"}, by=manager, at=after)
    feature.refresh_from_db()
    assert feature.late
    late_fix = services.scope_item_add(release=sample_release, kind="bug_fix", data={"title": "Typo", "priority": "P4"},
                                       by=manager, at=after)
    assert late_fix.late
    services.scope_item_remove(item=late_fix, by=manager, at=after)
    late = ScopeChange.objects.filter(release=sample_release, late=True)
    assert [c.action for c in late.order_by("id")] == ["changed", "added", "removed"]
    # scope already finalised (T-7 ticked): an early change is late too
    t7 = CommsItem.objects.get(release=sample_release, kind="t_minus_7")
    services.comms_item_set_done(item=t7, done=True, by=manager)
    early = services.scope_item_add(release=sample_release, kind="feature", data={"title": "X"}, by=manager,
                                    at=datetime(2024, 1, 12, tzinfo=UTC))
    assert early.late
    assert Notification.objects.filter(event="release.scope_changed_late", recipient=manager).count() == 4


def test_overdue_comms_reminded_once(sample_release, users, mailoutbox):
    at = datetime(2024, 1, 24, 12, 0, tzinfo=UTC)  # T-7 (16th) overdue, T-1 (24th) not yet
    v240 = Release.objects.get(version="v2.4.0")
    services.comms_item_set_done(item=v240.comms_items.get(kind="t_0"), done=True)
    # v2.4.0 (4 January): T-7, T-1, T+1 still open; v2.5.0: T-7 only
    assert services.comms_remind_overdue(at=at) == 4
    assert services.comms_remind_overdue(at=at) == 0
    reminded = CommsItem.objects.filter(reminded_at__isnull=False)
    assert {(i.release.version, i.kind) for i in reminded} == {
        ("v2.4.0", "t_minus_7"), ("v2.4.0", "t_minus_1"), ("v2.4.0", "t_plus_1"), ("v2.5.0", "t_minus_7")}
    note = Notification.objects.get(event="release.comms_overdue", subject__startswith="v2.5.0")
    assert note.recipient == users["manager"] and "T-7 scope finalised" in note.subject
    run_pending()
    assert any("v2.5.0: T-7" in m.subject for m in mailoutbox)


def test_remind_task_is_idempotent(sample_release, users):
    from releases.tasks import remind_overdue_comms

    first = remind_overdue_comms.apply().get()
    assert first == CommsItem.objects.filter(done=False, due_date__lt=date.today()).count()
    assert remind_overdue_comms.apply().get() == 0
    run_pending()
    assert CommsItem.objects.filter(reminded_at__isnull=False).count() == first


def test_release_create_rejects_bad_version(users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.release_create(version="two", target_date=date(2024, 1, 1))
    assert not Release.objects.exists()


def test_moving_the_target_date_moves_open_checklist_items(sample_release, users):
    t7 = CommsItem.objects.get(release=sample_release, kind="t_minus_7")
    services.comms_item_set_done(item=t7, done=True, by=users["manager"])
    services.release_set_target_date(release=sample_release, target_date=date(2024, 1, 29), by=users["manager"])
    due = dict(CommsItem.objects.filter(release=sample_release).values_list("kind", "due_date"))
    assert due == {"t_minus_7": date(2024, 1, 16), "t_minus_1": date(2024, 1, 26), "t_0": date(2024, 1, 29),
                   "t_plus_1": date(2024, 1, 30)}  # T-7 was done: it stays


def test_admin_pages(client_for, sample_release):
    client = client_for("admin")
    for path in ("release", "feature", "bugfix", "dependency", "scopechange", "evidence", "commsitem", "rolloutplan"):
        assert client.get(f"/admin/releases/{path}/").status_code == 200, path
    assert client.get(f"/admin/releases/release/{sample_release.pk}/change/").status_code == 200


def test_patch_moves_the_target_date(api_for, sample_release):
    api = api_for("manager")
    r = api.patch("/api/v1/releases/v2.5.0/", {"target_date": "2024-01-29"}, format="json")
    assert r.status_code == 200 and r.json()["target_date"] == "2024-01-29"
    assert {c["kind"]: c["due_date"] for c in r.json()["comms"]}["t_minus_1"] == "2024-01-26"
    assert api.patch("/api/v1/releases/v2.5.0/", {"target_date": "x"}, format="json").status_code == 400
    assert api.patch("/api/v1/releases/v2.5.0/", {}, format="json").status_code == 400
    history = sample_release.history.count()
    assert api_for("cab1").patch("/api/v1/releases/v2.5.0/", {"target_date": "2024-02-05"}, format="json").status_code == 403
    assert Release.objects.get(pk=sample_release.pk).target_date == date(2024, 1, 29) and sample_release.history.count() == history


def test_readiness_at_a_moment(api_for, sample_release):
    api = api_for("viewer")
    assert api.get("/api/v1/releases/v2.5.0/readiness/?at=2024-01-09T00:00:00%2B00:00").json()["recommendation"] == "NO-GO"
    assert api.get("/api/v1/releases/v2.5.0/readiness/?at=2024-01-11T00:00:00%2B00:00").json()["recommendation"] == (
        "CONDITIONAL GO")
    assert api.get("/api/v1/releases/v2.5.0/readiness/?at=nope").status_code == 400
