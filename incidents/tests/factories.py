from datetime import timedelta

import factory
from django.utils import timezone

from incidents.models import Incident, Severity


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"INC-2026-{n + 1:04d}")
    title = factory.Sequence(lambda n: f"Checkout errors {n}")
    severity = Severity.SEV2
    impact_started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=30))
    detected_at = factory.LazyAttribute(lambda o: o.impact_started_at + timedelta(minutes=5))

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)
