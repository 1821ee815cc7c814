"""Demo data of the changes app: templates, changes in various states, a blackout window.

Idempotent: everything is keyed on its title/slug and created only when missing.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from sla.models import Service

from .services.decisions import change_approve, change_reject, change_submit
from .services.drafts import change_create
from .services.lifecycle import change_complete, change_schedule, change_start
from .models import BlackoutWindow, ChangeRequest, StandardChangeTemplate


def _services():
    existing = list(Service.objects.order_by("slug")[:3])
    if len(existing) >= 2:
        return existing
    made = []
    for slug, name in [("checkout", "Checkout"), ("search", "Search")]:
        service, _ = Service.objects.get_or_create(slug=slug, defaults={"name": name, "sla_target": Decimal("99.9")})
        made.append(service)
    return made


def _hour(delta):
    return (timezone.now() + delta).replace(minute=0, second=0, microsecond=0)


def load(users):
    first, second = _services()[:2]
    certs = _templates(users, first)
    _blackout(users)
    _changes_in_every_state(users, first, second)
    _standard_change(users["oncall"], certs, first)


def _templates(users, service) -> StandardChangeTemplate:
    """Two standard-change templates; the certificate rotation one (returned) covers `service`."""
    certs, _ = StandardChangeTemplate.objects.get_or_create(
        slug="rotate-tls-certificates",
        defaults=dict(
            title="Rotate TLS certificates",
            description="Replace the load balancer certificates before they expire.",
            justification="Certificates expire every 90 days.",
            impact_systems="load balancers",
            impact_users="none (connections drain)",
            impact_downtime_minutes=0,
            implementation_plan="Upload the new certificate, switch the listener, verify with curl.",
            rollback_plan="Switch the listener back to the previous certificate.",
            testing_plan="curl -v every public endpoint; check expiry dates.",
            default_duration_minutes=30,
            approved_by=users.get("manager"),
        ),
    )
    if not certs.services.exists():
        certs.services.set([service])
    StandardChangeTemplate.objects.get_or_create(
        slug="scale-out-workers",
        defaults=dict(
            title="Scale out worker pool",
            description="Add worker nodes to absorb load.",
            impact_systems="worker pool",
            impact_users="none",
            implementation_plan="Raise the autoscaling group's desired count.",
            rollback_plan="Lower the desired count again.",
            testing_plan="Queue latency back under 1 s.",
            approved_by=users.get("manager"),
        ),
    )
    return certs


def _blackout(users):
    if not BlackoutWindow.objects.filter(title="Year-end trading freeze").exists():
        year_end = timezone.now().replace(month=12, day=20, hour=0, minute=0, second=0, microsecond=0)
        BlackoutWindow.objects.create(
            title="Year-end trading freeze",
            reason="Peak trading: no changes go out.",
            starts_at=year_end,
            ends_at=year_end + timedelta(days=14),
            created_by=users.get("manager"),
        )


def _change(title, requester, change_type, start, service, hours=2, **kw):
    """(the change, whether it was made now): the demo's change of that title, made if missing."""
    existing = ChangeRequest.objects.filter(title=title).first()
    if existing:
        return existing, False
    return change_create(
        user=requester, services=kw.pop("services", [service]), title=title, change_type=change_type,
        description=kw.pop("description", f"{title}."), justification="Keeps the platform supported.",
        impact_systems="primary database", impact_users="checkout users during the window",
        impact_downtime_minutes=kw.pop("downtime", 5), implementation_plan="1. Announce. 2. Apply. 3. Verify.",
        rollback_plan=kw.pop("rollback_plan", "Restore the previous version from the release archive."),
        testing_plan="Run the smoke suite and watch error rates for 30 minutes.",
        window_start=start, window_end=start + timedelta(hours=hours),
    ), True


def _changes_in_every_state(users, first, second):
    """A draft, changes awaiting the CAB (one half approved), an approved and scheduled one, an
    expedited one, a rejected one and an emergency change implemented a week ago."""
    oncall, manager, cab1, cab2 = users["oncall"], users["manager"], users["cab1"], users["cab2"]
    _change("Add read replica to orders database", oncall, "normal", _hour(timedelta(days=12)), first)  # a draft
    awaiting, new = _change("Upgrade PostgreSQL 15 to 16", oncall, "normal", _hour(timedelta(days=8)), first)
    if new:
        change_submit(change=awaiting, user=oncall)
    half, new = _change("Enable HTTP/3 on the edge", manager, "normal", _hour(timedelta(days=9)), second)
    if new:
        change_submit(change=half, user=manager)
        change_approve(change=half, user=cab1, comment="Looks safe; watch the error rate.")
    approved, new = _change("Move search to the new cluster", oncall, "normal", _hour(timedelta(days=10)), second)
    if new:
        change_submit(change=approved, user=oncall)
        change_approve(change=approved, user=cab1)
        change_approve(change=approved, user=cab2, comment="Agreed at CAB.")
        change_schedule(change=approved, user=oncall)
    expedited, new = _change("Patch OpenSSL CVE", manager, "expedited", _hour(timedelta(days=2)), first)
    if new:
        change_submit(change=expedited, user=manager)
    rejected, new = _change("Rewrite the cart in one weekend", oncall, "normal", _hour(timedelta(days=8)), first, hours=48)
    if new:
        change_submit(change=rejected, user=oncall)
        change_reject(change=rejected, user=cab2, comment="Too large for one change; split it up.")
    at = timezone.now() - timedelta(days=7)
    emergency, new = _change("Hotfix payment timeout", manager, "emergency", at + timedelta(minutes=1), first, hours=1)
    if new:
        change_submit(change=emergency, user=manager, at=at)
        change_approve(change=emergency, user=oncall, at=at)
        change_start(change=emergency, user=oncall, at=at + timedelta(minutes=5))
        change_complete(change=emergency, user=oncall, at=at + timedelta(minutes=40))


def _standard_change(requester, template, service):
    title = "Rotate TLS certificates (demo)"
    if not ChangeRequest.objects.filter(title=title).exists():
        # A standard change is the template as approved: its plans and services, our window.
        start = _hour(timedelta(days=1))
        standard = change_create(
            user=requester, template=template, services=[service], title=title, change_type="standard",
            window_start=start, window_end=start + timedelta(hours=1),
        )
        change_submit(change=standard, user=requester)
