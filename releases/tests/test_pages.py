

from releases import services
from releases.models import BugFix, CommsItem, Evidence, Feature, Release
from releases.tests.factories import ReleaseFactory

HX = {"HTTP_HX_REQUEST": "true"}


def test_list_page_queries_are_bounded(client_for, sample_release, django_assert_max_num_queries):
    for n in range(15):
        ReleaseFactory(version=f"v5.{n}.0")
    client = client_for("viewer")
    with django_assert_max_num_queries(12):
        response = client.get("/releases/")
    assert response.status_code == 200 and b"v5.14.0" in response.content


def test_release_page_shows_verdict_criteria_rollout_and_checklist(client_for, sample_release, django_assert_max_num_queries):
    client = client_for("viewer")
    with django_assert_max_num_queries(40):
        html = client.get("/releases/v2.5.0/").content.decode()
    assert 'data-testid="verdict">CONDITIONAL GO<' in html
    assert "Documentation: 2 pages pending review" in html
    assert "Complete documentation review before T-0" in html
    assert "Blue-green (recommended for this release size)" in html
    assert "data-deadline=" in html and "T-7 scope finalised" in html
    assert "Mark done" not in html  # viewers see no buttons
    assert "Dark mode" in html and "PORT-88" in html


def test_calendar_shows_target_and_t_dates(client_for, sample_release):
    html = client_for("viewer").get("/releases/calendar/?month=2024-01").content.decode()
    assert "January 2024" in html
    for label in ("T-7", "T-1", "T-0", "T+1"):
        assert label in html
    assert client_for("viewer").get("/releases/calendar/?month=bogus").status_code == 200


def test_create_release_page(client_for, portal_service, users):
    client = client_for("manager")
    response = client.post("/releases/new/", {"version": "v1.2.0", "product": "portal", "target_date": "2024-03-04",
                                              "services": ["portal"]})
    assert response.status_code == 302 and response["Location"] == "/releases/v1.2.0/"
    release = Release.objects.get(version="v1.2.0")
    assert release.release_type == "minor" and release.comms_items.count() == 4
    response = client.post("/releases/new/", {"version": "v1.2.0", "product": "portal", "target_date": "2024-03-04"})
    assert response.status_code == 400 and "already exists" in response.content.decode()
    response = client.post("/releases/new/", {"version": "1.2", "product": "portal", "target_date": "2024-03-04"})
    assert "not a semantic version" in response.content.decode()
    assert client_for("cab1").post("/releases/new/", {"version": "v9.0.0", "product": "p", "target_date": "2024-03-04"}).status_code == 403
    assert not Release.objects.filter(version="v9.0.0").exists()


def test_scope_add_edit_remove_in_place(client_for, sample_release):
    client = client_for("manager")
    url = "/releases/v2.5.0/scope/bug_fix/add/"
    response = client.post(url, {"bug_fix-title": "Crash on save", "bug_fix-ticket": "PORT-7", "bug_fix-priority": "P1",
                                 "bug_fix-status": "open"}, **HX)
    assert response.status_code == 200 and "releaseChanged" in response["HX-Trigger"]
    html = response.content.decode()
    assert 'id="scope"' in html and "Crash on save" in html
    assert 'hx-swap-oob="true"' in html  # the message comes along
    fix = BugFix.objects.get(title="Crash on save")
    # the readiness panel refreshes itself and now fails on the open P1
    panel = client.get("/releases/v2.5.0/", HTTP_HX_TARGET="readiness", **HX).content.decode()
    assert 'data-testid="verdict">NO-GO<' in panel and "1 in this release&#x27;s scope" in panel
    assert "<html" not in panel and panel.lstrip().startswith('<section id="readiness"')
    page = client.get("/releases/v2.5.0/", **HX).content.decode()  # htmx aiming at no region: the page
    assert "<html" in page and 'hx-get="/releases/v2.5.0/" hx-trigger="releaseChanged from:body"' in page
    # edit: the row form, then the save
    form = client.get(f"/releases/v2.5.0/scope/bug_fix/{fix.pk}/edit/", **HX).content.decode()
    assert f'id="scope-bug_fix-{fix.pk}"' in form and "<html" not in form
    prefix = f"edit-bug_fix-{fix.pk}"
    response = client.post(f"/releases/v2.5.0/scope/bug_fix/{fix.pk}/edit/",
                           {f"{prefix}-title": "Crash on save", f"{prefix}-ticket": "PORT-7", f"{prefix}-priority": "P1",
                            f"{prefix}-status": "resolved"}, **HX)
    assert response.status_code == 200
    fix.refresh_from_db()
    assert fix.status == "resolved"
    panel = client.get("/releases/v2.5.0/", HTTP_HX_TARGET="readiness", **HX).content.decode()
    assert 'data-testid="verdict">CONDITIONAL GO<' in panel
    # remove without JavaScript: a redirect back
    response = client.post(f"/releases/v2.5.0/scope/bug_fix/{fix.pk}/remove/")
    assert response.status_code == 302 and not BugFix.objects.filter(pk=fix.pk).exists()
    # bad input
    response = client.post("/releases/v2.5.0/scope/feature/add/", {"feature-title": "", "feature-status": "done"}, **HX)
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert client.post("/releases/v2.5.0/scope/epic/add/", {}).status_code == 404


def test_scope_edit_without_javascript(client_for, sample_release):
    client = client_for("manager")
    feature = Feature.objects.get(title="Dark mode")
    page = client.get(f"/releases/v2.5.0/scope/feature/{feature.pk}/edit/")
    assert page.status_code == 200 and "<html" in page.content.decode()
    prefix = f"edit-feature-{feature.pk}"
    response = client.post(f"/releases/v2.5.0/scope/feature/{feature.pk}/edit/",
                           {f"{prefix}-title": "Dark mode 2", f"{prefix}-ticket": "PORT-101", f"{prefix}-status": "done"})
    assert response.status_code == 302
    feature.refresh_from_db()
    assert feature.title == "Dark mode 2"


def test_tick_comms_in_place(client_for, sample_release, users):
    client = client_for("manager")
    response = client.post("/releases/v2.5.0/comms/t_minus_7/", {"done": "1"}, **HX)
    assert response.status_code == 200 and 'id="comms"' in response.content.decode()
    item = CommsItem.objects.get(release=sample_release, kind="t_minus_7")
    assert item.done and item.done_by == users["manager"] and item.done_at
    response = client.post("/releases/v2.5.0/comms/t_minus_7/", {"done": "0"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.done and item.done_at is None
    assert client_for("oncall").post("/releases/v2.5.0/comms/t_minus_7/", {"done": "1"}).status_code == 403
    item.refresh_from_db()
    assert not item.done and item.done_at is None


def test_evidence_form(client_for, sample_release):
    client = client_for("manager")
    assert client.get("/releases/v2.5.0/evidence/").status_code == 200
    response = client.post("/releases/v2.5.0/evidence/", {"criterion": "documentation", "documentation-pending_pages": "0"})
    assert response.status_code == 302
    assert Evidence.objects.filter(release=sample_release, criterion="documentation").first().payload == {"pending_pages": 0}
    response = client.post("/releases/v2.5.0/evidence/", {"criterion": "uat_signoff", "uat_signoff-signed_off_by": "Kim",
                                                           "uat_signoff-signed_off_at": "2024-01-24T09:30"})
    assert response.status_code == 302
    assert Evidence.objects.filter(criterion="uat_signoff").first().payload["signed_off_at"] == "2024-01-24T09:30:00+00:00"
    response = client.post("/releases/v2.5.0/evidence/", {"criterion": "performance", "performance-p99_ms": "abc"})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    response = client.post("/releases/v2.5.0/evidence/", {"criterion": "runbook", "runbook-reviewed": "on",
                                                           "runbook-reviewed_at": "2024-01-24T09:30"})
    assert response.status_code == 302


def test_rollout_plan_form(client_for, sample_release):
    client = client_for("manager")
    assert "Blue-green (recommended" in client.get("/releases/v2.5.0/rollout/").content.decode()
    response = client.post("/releases/v2.5.0/rollout/", {"strategy": "canary", "rollback_plan": "",
                                                         "monitoring_hours": "48", "window_start": "2024-01-25T08:00",
                                                         "window_end": "2024-01-25T10:00"})
    assert response.status_code == 302
    readiness = client.get("/api/v1/releases/v2.5.0/readiness/").json()
    assert readiness["strategy"] == "Canary (chosen; Blue-green recommended for this release size)"
    assert readiness["rollback_plan"] == "Stop the traffic shift and send all traffic back to the stable version"
    assert readiness["monitoring_hours"] == 48
    response = client.post("/releases/v2.5.0/rollout/", {"strategy": "", "monitoring_hours": "24",
                                                         "window_start": "2024-01-25T10:00", "window_end": "2024-01-25T08:00"})
    assert response.status_code == 400 and "must end after" in response.content.decode()


def test_release_notes_preview_and_download(client_for, sample_release, users):
    from deployments.tests.factories import DeploymentFactory

    DeploymentFactory(service=sample_release.services.first(), release=sample_release, version="v2.5.0",
                      strategy="blue_green", state="succeeded")
    services.scope_item_add(release=sample_release, kind="feature",
                            data={"title": "<script>alert(1)</script> Evil", "status": "planned"}, by=users["manager"])
    client = client_for("viewer")
    download = client.get("/releases/v2.5.0/notes.md")
    assert download["Content-Type"].startswith("text/markdown")
    assert 'filename="release-notes-v2.5.0.md"' in download["Content-Disposition"]
    text = download.content.decode()
    assert text.startswith("# Release v2.5.0\n")
    for expected in ("## Features", "- Dark mode (PORT-101)", "## Bug fixes", "- **P2** Login loop (PORT-88) — resolved",
                     "## Dependencies", "- API version: Payments API v3", "## Tickets", "PORT-101, PORT-88",
                     "## Timeline", "| T-7 scope finalised | 2024-01-16 | open |", "## Deployment",
                     "- Strategy: Blue-green (recommended for this release size)", "| Portal | production | v2.5.0 | Blue-green | Succeeded |"):
        assert expected in text, expected
    html = client.get("/releases/v2.5.0/notes/").content.decode()
    assert "<h2>Features</h2>" in html and "<script>alert" not in html
