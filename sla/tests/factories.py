from decimal import Decimal

import factory

from sla.models import ImpactWindow, MaintenanceWindow, Service, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    email = factory.LazyAttribute(lambda o: f"{o.slug}@example.com")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    tier = Service.Tier.STANDARD
    sla_target = Decimal("99.9")
    team = factory.SubFactory(TeamFactory)
    p99_threshold_ms = 500


class MaintenanceWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenanceWindow

    service = factory.SubFactory(ServiceFactory)
    starts_at = factory.Faker("date_time_this_month", tzinfo=__import__("datetime").timezone.utc)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + __import__("datetime").timedelta(hours=1))
    reason = "Database upgrade"


class ImpactWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImpactWindow

    service = factory.SubFactory(ServiceFactory)
    source_ref = factory.Sequence(lambda n: f"INC-2026-{n + 9000:04d}")
    title = factory.Sequence(lambda n: f"Outage {n}")
    started_at = factory.LazyFunction(lambda: __import__("django.utils.timezone", fromlist=["now"]).now() - __import__("datetime").timedelta(minutes=30))
    ended_at = factory.LazyAttribute(lambda o: o.started_at + __import__("datetime").timedelta(minutes=10))
    counts_against_sla = True
