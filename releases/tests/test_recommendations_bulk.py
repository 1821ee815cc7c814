"""The bulk verdicts used by lists agree with the single-release evaluation."""

from datetime import timedelta

from django.utils import timezone

from releases import selectors, services

GOOD = {
    "bugs": {"open_p1": 0, "open_p2": 0},
    "performance": {"p99_ms": 320, "target_ms": 500},
    "security_scan": {"critical": 0, "high": 0},
    "load_test": {"peak_multiple": 2.0},
    "uat_signoff": {"signed_off_by": "Pat", "signed_off_at": "2026-11-20T10:00:00+00:00"},
    "documentation": {"pending_pages": 0},
    "runbook": {"reviewed": True, "reviewed_at": "2026-11-20T10:00:00+00:00"},
}


def _release(version, evidence, users):
    release = services.release_create(version=version, target_date=(timezone.now() + timedelta(days=10)).date(), by=users["manager"])
    for criterion, payload in evidence.items():
        services.evidence_record(release=release, criterion=criterion, payload=payload, by=users["manager"])
    return release


def test_bulk_verdicts_match_single_evaluation(users, django_assert_num_queries):
    go = _release("v3.0.0", GOOD, users)
    conditional = _release("v3.1.0", {**GOOD, "documentation": {"pending_pages": 2}}, users)
    no_go = _release("v3.2.0", {k: v for k, v in GOOD.items() if k != "runbook"}, users)
    releases = [go, conditional, no_go]
    with django_assert_num_queries(2):
        verdicts = selectors.recommendations_for(releases)
    assert verdicts == {r.pk: selectors.release_recommendation(r) for r in releases}
    assert [verdicts[r.pk] for r in releases] == ["GO", "CONDITIONAL GO", "NO-GO"]


def test_dashboard_shows_release_verdicts(users, client_for):
    _release("v3.1.0", {**GOOD, "documentation": {"pending_pages": 2}}, users)
    html = client_for("manager").get("/dashboard/panels/releases/").content.decode()
    assert "v3.1.0" in html and "CONDITIONAL GO" in html


def test_annotated_open_p1_p2_counts_save_the_bug_fix_query(users, django_assert_num_queries):
    from releases.models import BugFix, Release
    from releases.tests.factories import BugFixFactory

    go = _release("v3.0.0", GOOD, users)
    blocked = _release("v3.3.0", GOOD, users)
    BugFixFactory(release=blocked, priority="P1", status="open")
    BugFixFactory(release=blocked, priority="P2", status="open")
    BugFixFactory(release=go, priority="P1", status=BugFix.Status.RESOLVED)
    releases = list(selectors.with_open_p1_p2(Release.objects.filter(pk__in=[go.pk, blocked.pk])))
    assert {r.pk: (r.open_p1_count, r.open_p2_count) for r in releases} == {go.pk: (0, 0), blocked.pk: (1, 1)}
    with django_assert_num_queries(1):
        verdicts = selectors.recommendations_for(releases)
    assert verdicts == selectors.recommendations_for([go, blocked])
