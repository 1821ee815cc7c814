from datetime import UTC, datetime

import factory

from deployments.models import DeploymentCommit
from deployments.tests.factories import DeploymentFactory
from insights.models import MaturityAssessment
from sla.tests.factories import TeamFactory


class DeploymentCommitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeploymentCommit

    deployment = factory.SubFactory(DeploymentFactory)
    sha = factory.Sequence(lambda n: f"{n:040x}")
    authored_at = factory.LazyFunction(lambda: datetime(2026, 3, 1, tzinfo=UTC))


class MaturityAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaturityAssessment

    team = factory.SubFactory(TeamFactory)
    assessed_at = factory.LazyFunction(lambda: datetime(2026, 3, 1, tzinfo=UTC))
    answers = factory.LazyFunction(dict)
    level = 0
    target_level = 1
