import factory

from deployments.models import Deployment
from sla.tests.factories import ServiceFactory


class DeploymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deployment

    service = factory.SubFactory(ServiceFactory)
    environment = "production"
    version = factory.Sequence(lambda n: f"1.0.{n}")


class EnvironmentConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deployments.EnvironmentConfig"
        django_get_or_create = ("environment",)

    environment = "production"
    router_kind = "manual"
    metrics_provider = "push"
