import pytest

from delivery_portal.references import allocate, format_reference
from incidents.models import Incident
from incidents.tests.factories import IncidentFactory


def test_format():
    assert format_reference("INC", 2026, 7) == "INC-2026-0007"
    assert format_reference("CHG", 2026, 12345) == "CHG-2026-12345"


@pytest.mark.django_db
def test_counters_are_per_prefix_and_year_and_skip_taken_numbers():
    IncidentFactory(reference="INC-2026-0001")
    IncidentFactory(reference="INC-2026-0002")
    assert allocate(prefix="INC", year=2026, model=Incident) == "INC-2026-0003"
    assert allocate(prefix="INC", year=2026, model=Incident) == "INC-2026-0004"
    assert allocate(prefix="INC", year=2027, model=Incident) == "INC-2027-0001"
    assert allocate(prefix="CHG", year=2026, model=Incident) == "CHG-2026-0001"
