import factory

from deployments.models import Deployment
from sla.tests.factories import ServiceFactory


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    service = factory.SubFactory(ServiceFactory)
    environment = "production"
    version = factory.Sequence(lambda n: f"1.0.{n}")
