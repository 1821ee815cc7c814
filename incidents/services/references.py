"""Incident references (INC-YYYY-NNNN)."""

from django.db.models import Max

from delivery_portal import references
from delivery_portal.models import ReferenceCounter

from ..models import Incident


def allocate_reference(*, year: int) -> str:
    """Next INC-YYYY-NNNN (the detection year), unique under concurrency."""
    return references.allocate(prefix="INC", year=year, model=Incident)


def highest_reference_number(year: int) -> int:
    """Used by tests and the demo: the counter value for `year` (0 if none yet)."""
    return ReferenceCounter.objects.filter(prefix="INC", year=year).aggregate(m=Max("last"))["m"] or 0
