from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from changes import selectors, services
from changes.models import Approval, ChangeRequest
from changes.tests.factories import BlackoutWindowFactory, ChangeRequestFactory, StandardChangeTemplateFactory
from delivery_portal.errors import ProcessError
from delivery_portal.models import Notification
from sla.models import Freeze
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def draft(user, service, start, **kw):
    return services.change_create(
        user=user, services=[service], title="Upgrade orders-db", change_type=kw.pop("change_type", "normal"),
        description="d", justification="j", impact_systems="orders-db", impact_users="checkout users",
        impact_downtime_minutes=5, implementation_plan="i", rollback_plan=kw.pop("rollback_plan", "r"), testing_plan="t",
        window_start=start, window_end=start + timedelta(hours=2), at=T0, **kw,
    )


def test_references_are_allocated_in_sequence(users, service):
    a = draft(users["oncall"], service, T0 + timedelta(days=6))
    b = draft(users["oncall"], service, T0 + timedelta(days=6))
    assert a.reference == "CHG-2026-0001" and b.reference == "CHG-2026-0002"
    assert a.requester == users["oncall"] and a.state == "draft"


def test_lead_time_boundaries_at_submission(users, service):
    late = draft(users["oncall"], service, T0 + timedelta(days=4, hours=23))
    with pytest.raises(ProcessError) as exc:
        services.change_submit(change=late, user=users["oncall"], at=T0)
    assert any("earliest allowed window starts at 2026-03-07 09:00" in r for r in exc.value.reasons)
    assert ChangeRequest.objects.get(pk=late.pk).state == "draft"
    ok = draft(users["oncall"], service, T0 + timedelta(days=5))
    assert services.change_submit(change=ok, user=users["oncall"], at=T0).state == "submitted"


def test_too_late_change_can_be_retyped(users, service):
    late = draft(users["oncall"], service, T0 + timedelta(days=2))
    services.change_update(change=late, user=users["oncall"], change_type="expedited")
    assert services.change_submit(change=late, user=users["oncall"], at=T0).state == "submitted"


def test_submission_names_missing_fields(users, service):
    change = services.change_create(user=users["oncall"], title="Half done", change_type="normal", at=T0)
    with pytest.raises(ProcessError) as exc:
        services.change_submit(change=change, user=users["oncall"], at=T0)
    missing = exc.value.reasons[0]
    for label in ("description", "justification", "impact: systems", "impact: services", "rollback plan", "window start"):
        assert label in missing


def test_quorum_two_distinct_cab_approvals_and_notifications(users, submitted_change):
    approvers = {n.recipient.username for n in Notification.objects.filter(event="change.approval_needed")}
    assert approvers == {"cab1", "cab2"}
    services.change_approve(change=submitted_change, user=users["cab1"])
    submitted_change.refresh_from_db()
    assert submitted_change.state == "submitted"
    with pytest.raises(ProcessError):  # the same member twice never counts twice
        services.change_approve(change=submitted_change, user=users["cab1"])
    services.change_approve(change=submitted_change, user=users["cab2"], comment="Fine")
    submitted_change.refresh_from_db()
    assert submitted_change.state == "approved"
    assert Notification.objects.filter(event="change.approved", recipient=users["oncall"]).exists()


def test_self_approval_refused(users, service):
    change = draft(users["cab1"], service, T0 + timedelta(days=6))
    services.change_submit(change=change, user=users["cab1"], at=T0)
    with pytest.raises(ProcessError) as exc:
        services.change_approve(change=change, user=users["cab1"])
    assert "Nobody approves or rejects their own change." in exc.value.reasons
    assert not Approval.objects.exists()


def test_rejection_needs_comment_and_rejects(users, submitted_change):
    with pytest.raises(ProcessError):
        services.change_reject(change=submitted_change, user=users["cab1"], comment=" ")
    services.change_approve(change=submitted_change, user=users["cab1"])
    services.change_reject(change=submitted_change, user=users["cab2"], comment="Clashes with the sale.")
    submitted_change.refresh_from_db()
    assert submitted_change.state == "rejected"
    assert Notification.objects.filter(event="change.rejected", recipient=users["oncall"]).exists()


def test_wrong_role_cannot_decide(users, submitted_change):
    with pytest.raises(PermissionDenied):
        services.change_approve(change=submitted_change, user=users["viewer"])
    assert not Approval.objects.exists() and ChangeRequest.objects.get(pk=submitted_change.pk).state == "submitted"


def test_expedited_needs_a_delivery_manager(users, service):
    change = draft(users["oncall"], service, T0 + timedelta(days=2), change_type="expedited")
    services.change_submit(change=change, user=users["oncall"], at=T0)
    with pytest.raises(ProcessError) as exc:
        services.change_approve(change=change, user=users["cab1"])
    assert "An expedited change is decided by a delivery manager." in exc.value.reasons
    services.change_approve(change=change, user=users["manager"])
    change.refresh_from_db()
    assert change.state == "approved"


def test_no_approval_without_rollback_plan(users, service):
    change = draft(users["oncall"], service, T0 + timedelta(days=6))
    services.change_submit(change=change, user=users["oncall"], at=T0)
    ChangeRequest.objects.filter(pk=change.pk).update(rollback_plan="")  # e.g. edited behind our back
    with pytest.raises(ProcessError) as exc:
        services.change_approve(change=change, user=users["cab1"])
    assert "A normal change needs a documented rollback plan." in exc.value.reasons
    change.refresh_from_db()
    assert "no documented rollback plan" in " ".join(selectors.change_deploy_blockers(change))


def test_standard_change_from_template_is_pre_approved(users, service):
    template = StandardChangeTemplateFactory(services=[service])
    change = services.change_create(
        user=users["oncall"], template=template, window_start=T0 + timedelta(hours=1), window_end=T0 + timedelta(hours=2), at=T0
    )
    assert change.change_type == "standard" and list(change.services.all()) == [service]
    services.change_submit(change=change, user=users["oncall"], at=T0)
    change.refresh_from_db()
    assert change.state == "approved"


def test_emergency_lifecycle_and_overdue_review(users, service):
    change = draft(users["cab1"], service, T0 + timedelta(minutes=10), change_type="emergency")
    services.change_submit(change=change, user=users["cab1"], at=T0)
    services.change_approve(change=change, user=users["oncall"], at=T0)
    services.change_start(change=change, user=users["oncall"], at=T0 + timedelta(minutes=10))
    services.change_complete(change=change, user=users["oncall"], at=T0 + timedelta(hours=1))
    due = T0 + timedelta(hours=1, days=5)
    assert list(selectors.overdue_emergency_reviews(at=due)) == []
    assert list(selectors.overdue_emergency_reviews(at=due + timedelta(minutes=1))) == [change]
    assert services.emergency_reviews_remind(at=due + timedelta(minutes=1)) == 1
    assert services.emergency_reviews_remind(at=due + timedelta(hours=2)) == 0  # once a day
    reminded = Notification.objects.filter(event="change.emergency_review_overdue")
    assert {n.recipient.username for n in reminded} == {"cab1", "cab2"}
    with pytest.raises(PermissionDenied):
        services.change_review(change=change, user=users["oncall"])
    services.change_review(change=change, user=users["cab2"], notes="Root cause fixed.")
    assert list(selectors.overdue_emergency_reviews(at=due + timedelta(days=1))) == []


def test_full_normal_lifecycle(users, submitted_change):
    services.change_approve(change=submitted_change, user=users["cab1"])
    services.change_approve(change=submitted_change, user=users["cab2"])
    for verb in ("schedule", "start", "complete"):
        services.ACTIONS[verb](change=submitted_change, user=users["oncall"])
    services.change_review(change=submitted_change, user=users["oncall"])
    services.change_close(change=submitted_change, user=users["oncall"])
    submitted_change.refresh_from_db()
    assert submitted_change.state == "closed"
    with pytest.raises(ProcessError):
        services.change_cancel(change=submitted_change, user=users["oncall"])


def test_cancel_before_implementing_only(users, submitted_change):
    services.change_cancel(change=submitted_change, user=users["oncall"])
    submitted_change.refresh_from_db()
    assert submitted_change.state == "cancelled"


def test_conflicts(users, service):
    other_service = ServiceFactory(slug="search")
    start = T0 + timedelta(days=10)
    a = draft(users["oncall"], service, start)
    b = draft(users["oncall"], service, start + timedelta(hours=1))
    c = draft(users["oncall"], other_service, start + timedelta(hours=1))
    services.change_submit(change=b, user=users["oncall"], at=T0)
    services.change_submit(change=c, user=users["oncall"], at=T0)
    BlackoutWindowFactory(title="Quarter close", starts_at=start + timedelta(hours=1), ends_at=start + timedelta(days=1))
    BlackoutWindowFactory(title="Search reindex", starts_at=start, ends_at=start + timedelta(days=1), services=[other_service])
    Freeze.objects.create(service=service, cause="budget", reason="budget spent", started_at=T0)
    found = {(x.kind, x.reference or x.detail.split("'")[1] if x.kind == "blackout" else x.reference) for x in selectors.change_conflicts(a)}
    assert ("change", b.reference) in found
    assert ("change", c.reference) not in found  # another service
    assert ("blackout", "Quarter close") in found
    assert ("blackout", "Search reindex") not in found
    assert any(k == "freeze" for k, _ in found)


def test_deploy_blockers_include_blackouts(users, service, later):
    change = ChangeRequestFactory(requester=users["oncall"], services=[service], state="approved",
                                  window_start=later(hours=-1), window_end=later(hours=1))
    assert selectors.change_deploy_blockers(change) == []
    BlackoutWindowFactory(starts_at=later(hours=-2), ends_at=later(hours=2))
    assert any("Blackout" in r for r in selectors.change_deploy_blockers(change))


def test_changes_awaiting(users, submitted_change):
    assert list(selectors.changes_awaiting(users["cab1"])) == [submitted_change]
    assert list(selectors.changes_awaiting(users["oncall"])) == []  # own change, and not a CAB member
    assert list(selectors.changes_awaiting(users["viewer"])) == []
    services.change_approve(change=submitted_change, user=users["cab1"])
    assert list(selectors.changes_awaiting(users["cab1"])) == []
    assert list(selectors.changes_awaiting(users["cab2"])) == [submitted_change]
