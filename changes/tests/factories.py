from datetime import timedelta

import factory
from django.utils import timezone

from changes.models import ChangeRequest, ChangeType


class ChangeRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeRequest
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"CHG-2026-{n + 1:04d}")
    title = factory.Sequence(lambda n: f"Upgrade database {n}")
    change_type = ChangeType.NORMAL
    description = "Upgrade PostgreSQL 15 to 16."
    justification = "Security support ends."
    impact_systems = "orders-db"
    impact_users = "All checkout users"
    impact_downtime_minutes = 10
    implementation_plan = "1. Fail over. 2. Upgrade. 3. Fail back."
    rollback_plan = "Fail back to the old primary."
    testing_plan = "Run the smoke suite."
    window_start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    window_end = factory.LazyAttribute(lambda o: o.window_start + timedelta(hours=2))

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class StandardChangeTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "changes.StandardChangeTemplate"
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"template-{n}")
    title = factory.Sequence(lambda n: f"Rotate TLS certificates {n}")
    description = "Replace the certificates before they expire."
    justification = "Certificates expire."
    impact_systems = "load balancers"
    impact_users = "none"
    impact_downtime_minutes = 0
    implementation_plan = "Upload, switch, verify."
    rollback_plan = "Switch back to the old certificate."
    testing_plan = "curl -v the endpoints."

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class BlackoutWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "changes.BlackoutWindow"
        skip_postgeneration_save = True

    title = "Black Friday"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=6))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=2))

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)
