from django.core.management import call_command

from sla import selectors
from sla.models import BudgetSnapshot, ImpactWindow, MaintenanceWindow, Service


def test_demo_has_portal_at_99_9_and_is_idempotent(db, settings):
    call_command("load_demo")
    counts = (Service.objects.count(), ImpactWindow.objects.count(), MaintenanceWindow.objects.count(), BudgetSnapshot.objects.count())
    call_command("load_demo")
    assert (Service.objects.count(), ImpactWindow.objects.count(), MaintenanceWindow.objects.count(), BudgetSnapshot.objects.count()) == counts
    portal = Service.objects.get(slug="portal")
    assert str(portal.sla_target.normalize()) == "99.9"
    assert portal.impact_windows.filter(source_ref__in=["DEMO-0001", "DEMO-0002"]).count() == 2
    assert selectors.service_budget(portal).consumed_minutes > 0  # the demo's impact falls in this month
