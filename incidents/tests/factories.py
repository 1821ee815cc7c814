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


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"owner{n}")


class TimelineEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.TimelineEntry"

    incident = factory.SubFactory(IncidentFactory)
    at = factory.LazyAttribute(lambda o: o.incident.detected_at + timedelta(minutes=1))
    kind = "note"
    text = factory.Sequence(lambda n: f"Looked at dashboard {n}")


class PostMortemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.PostMortem"
        django_get_or_create = ("incident",)

    incident = factory.SubFactory(IncidentFactory)
    summary = "Checkout failed for 40 minutes."


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "incidents.ActionItem"

    postmortem = factory.SubFactory(PostMortemFactory)
    title = factory.Sequence(lambda n: f"Follow-up {n}")
    owner = factory.SubFactory(UserFactory)
    due_date = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=7)).date())
