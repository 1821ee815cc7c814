from datetime import timedelta

import factory
from django.utils import timezone

from releases.models import Release


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release
        skip_postgeneration_save = True

    version = factory.Sequence(lambda n: f"v1.{n}.0")
    product = "portal"
    target_date = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=10)).date())

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.Feature"

    release = factory.SubFactory(ReleaseFactory)
    title = factory.Sequence(lambda n: f"Feature {n}")
    ticket = factory.Sequence(lambda n: f"PORT-{n}")


class BugFixFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.BugFix"

    release = factory.SubFactory(ReleaseFactory)
    title = factory.Sequence(lambda n: f"Bug {n}")
    priority = "P3"


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "releases.Evidence"

    release = factory.SubFactory(ReleaseFactory)
    criterion = "documentation"
    payload = factory.LazyFunction(lambda: {"pending_pages": 0})
    recorded_at = factory.LazyFunction(timezone.now)
