from datetime import timedelta

import pytest
from django.utils import timezone

from changes.tests.factories import ChangeRequestFactory
from sla.tests.factories import ServiceFactory


@pytest.fixture
def service(db):
    return ServiceFactory(slug="checkout")


@pytest.fixture
def submitted_change(users, service):
    """A normal change by oncall, submitted now with a window in 7 days."""
    from changes.services.decisions import change_submit

    change = ChangeRequestFactory(requester=users["oncall"], services=[service])
    return change_submit(change=change, user=users["oncall"])


@pytest.fixture
def later():
    return lambda **kw: timezone.now() + timedelta(**kw)
