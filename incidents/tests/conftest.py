import pytest

from sla.tests.factories import ServiceFactory


@pytest.fixture
def portal(db):
    return ServiceFactory(slug="portal", name="Portal")


@pytest.fixture
def checkout(db):
    return ServiceFactory(slug="checkout", name="Checkout")
