from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from delivery_portal import outbox
from delivery_portal.errors import ProcessError
from delivery_portal.models import Notification, WebhookDelivery
from sla import selectors
from sla.services import catalogue, freezes, recompute
from sla.models import BudgetSnapshot, Freeze, ImpactWindow, Service
from sla.tests.factories import ImpactWindowFactory, MaintenanceWindowFactory, ServiceFactory, TeamFactory

UTC = timezone.utc
AT = datetime(2026, 11, 16, tzinfo=UTC)  # half of November gone


@pytest.fixture
def team(db):
    return TeamFactory(slug="platform", email="platform@example.com", webhook_url="https://hooks.example.com/platform")


def burning(service, minutes):
    """`minutes` of impact early in November."""
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return ImpactWindowFactory(service=service, started_at=start, ended_at=start + timedelta(minutes=minutes))


def test_recompute_freezes_a_fast_burner_and_tells_the_team(team):
    service = ServiceFactory(slug="portal", team=team)
    calm = ServiceFactory(slug="calm", team=team)
    burning(service, 35)  # 35/43.8 in half the month: 1.6x
    burning(calm, 10)
    result = recompute.budget_recompute(at=AT)
    assert result.frozen == ["portal"] and result.lifted == []
    service.refresh_from_db()
    assert service.freeze_active
    freeze = Freeze.objects.get(service=service)
    assert freeze.cause == "budget" and freeze.started_by is None and freeze.started_at == AT
    assert "burn rate 1.60x" in freeze.reason
    assert not Service.objects.get(slug="calm").freeze_active
    note = Notification.objects.get(event="freeze.started")
    assert note.email == "platform@example.com" and "portal" in note.url
    hook = WebhookDelivery.objects.get(event="freeze.started")
    assert hook.url == "https://hooks.example.com/platform" and hook.payload["data"]["service"] == "portal"
    outbox.run_pending("delivery_portal.tasks.send_notification_email")
    assert mail.outbox[0].to == ["platform@example.com"]
    # Snapshots for both services, this hour.
    snap = BudgetSnapshot.objects.get(service=service)
    assert snap.status == "frozen" and snap.freeze and snap.burn_rate == Decimal("1.60")


def test_recompute_is_idempotent(team):
    service = ServiceFactory(slug="portal", team=team)
    burning(service, 50)
    recompute.budget_recompute(at=AT)
    counts = (Freeze.objects.count(), Notification.objects.count(), BudgetSnapshot.objects.count(), WebhookDelivery.objects.count())
    again = recompute.budget_recompute(at=AT)
    later_same_hour = recompute.budget_recompute(at=AT + timedelta(minutes=20))
    assert again.frozen == [] and later_same_hour.frozen == []
    assert (Freeze.objects.count(), Notification.objects.count(), BudgetSnapshot.objects.count(), WebhookDelivery.objects.count()) == counts
    assert BudgetSnapshot.objects.get().computed_at == AT  # the first run of the hour wrote it
    recompute.budget_recompute(at=AT + timedelta(hours=1))
    assert BudgetSnapshot.objects.count() == 2


def test_recompute_lifts_the_budget_freeze_once_it_normalises(team):
    service = ServiceFactory(slug="portal", team=team)
    window = burning(service, 35)
    recompute.budget_recompute(at=AT)
    # The incident is reclassified as not counting against the SLA.
    ImpactWindow.objects.filter(pk=window.pk).update(counts_against_sla=False)
    result = recompute.budget_recompute(at=AT + timedelta(minutes=1))
    assert result.lifted == ["portal"]
    freeze = Freeze.objects.get()
    assert freeze.ended_at == AT + timedelta(minutes=1) and freeze.ended_by is None
    assert "back to normal" in freeze.end_reason
    assert not Service.objects.get().freeze_active
    assert Notification.objects.filter(event="freeze.lifted", email="platform@example.com").count() == 1


def test_a_maintenance_window_lifts_the_freeze_through_the_queued_recompute(team, users):
    service = ServiceFactory(slug="portal", team=team)
    burning(service, 35)
    recompute.budget_recompute(at=AT)
    catalogue.maintenance_window_add(
        service=service, starts_at=datetime(2026, 11, 2, 8, tzinfo=UTC), ends_at=datetime(2026, 11, 2, 10, tzinfo=UTC),
        reason="Planned failover", by=users["manager"],
    )
    outbox.run_pending("sla.tasks.recompute_service_budget")  # runs at "now": November is long over
    assert not Service.objects.get().freeze_active
    assert Freeze.objects.get().ended_at is not None


def test_manual_freeze_is_never_lifted_by_the_recompute(team, users):
    service = ServiceFactory(slug="portal", team=team)
    freezes.freeze_impose(service=service, by=users["manager"], reason="Release weekend", at=AT)
    assert recompute.budget_recompute(at=AT + timedelta(minutes=1)).lifted == []
    freeze = Freeze.objects.get()
    assert freeze.ended_at is None and freeze.started_by == users["manager"] and freeze.cause == "manual"
    assert Service.objects.get().freeze_active
    assert Notification.objects.filter(event="freeze.started").count() == 1


def test_a_budget_freeze_lifted_by_hand_stays_lifted_this_month(team, users):
    service = ServiceFactory(slug="portal", team=team)
    burning(service, 50)
    recompute.budget_recompute(at=AT)
    freezes.freeze_lift(service=service, by=users["manager"], reason="Hotfix train must go", at=AT + timedelta(minutes=5))
    assert recompute.budget_recompute(at=AT + timedelta(minutes=6)).frozen == []
    assert not Service.objects.get().freeze_active
    # Next month the budget starts afresh and the override is over.
    burning_december = ImpactWindowFactory(
        service=service, started_at=datetime(2026, 12, 1, 1, tzinfo=UTC), ended_at=datetime(2026, 12, 1, 2, tzinfo=UTC)
    )
    assert burning_december
    assert recompute.budget_recompute(at=datetime(2026, 12, 2, tzinfo=UTC)).frozen == ["portal"]


def test_freeze_rules(team, users):
    service = ServiceFactory(slug="portal", team=team)
    with pytest.raises(ProcessError, match="not frozen"):
        freezes.freeze_lift(service=service, by=users["manager"], reason="x")
    with pytest.raises(PermissionDenied, match="delivery_manager"):
        freezes.freeze_impose(service=service, by=users["oncall"], reason="x")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        freezes.freeze_impose(service=service, by=users["manager"], reason="  ")
    freezes.freeze_impose(service=service, by=users["manager"], reason="Audit")
    with pytest.raises(ProcessError, match="already frozen"):
        freezes.freeze_impose(service=service, by=users["manager"], reason="Again")
    assert selectors.service_deploy_blockers(Service.objects.get()) != []
    freezes.freeze_lift(service=service, by=users["manager"], reason="Audit done")
    assert selectors.service_deploy_blockers(Service.objects.get()) == []
    assert Notification.objects.filter(event="freeze.lifted").count() == 1


def test_bulk_budgets_need_a_fixed_number_of_queries(db, django_assert_max_num_queries):
    team = TeamFactory(slug="many")
    for n in range(60):
        service = ServiceFactory(slug=f"svc-{n}", team=team, sla_target=Decimal("99.9"))
        for k in range(3):
            burning(service, 2 + k)
        MaintenanceWindowFactory(service=service, starts_at=datetime(2026, 11, 3, tzinfo=UTC), ends_at=datetime(2026, 11, 3, 1, tzinfo=UTC))
    with django_assert_max_num_queries(3):
        budgets = selectors.services_budgets(period="month", at=AT)
    assert len(budgets) == 60
    assert {b.consumed_minutes for b in budgets.values()} == {Decimal("4.00")}  # 2, 3, 4 min overlapping: 4
    # The whole recompute: a bounded number of queries (no freeze changes here).
    with django_assert_max_num_queries(8):
        recompute.budget_recompute(at=AT)
    assert BudgetSnapshot.objects.count() == 60


def test_single_budget_equals_bulk_budget(db):
    service = ServiceFactory(slug="portal")
    burning(service, 7)
    assert selectors.service_budget(service, at=AT) == selectors.services_budgets([service], at=AT)[service.pk]
    detail = selectors.service_budget_detail(service, at=AT)
    assert detail.consumed_minutes == 7 and len(detail.impacts) == 1 and len(detail.burn_windows) == 3
