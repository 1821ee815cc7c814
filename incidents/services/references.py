"""Incident references (INC-YYYY-NNNN)."""

from delivery_portal import references

from ..models import Incident


def allocate_reference(*, year: int) -> str:
    """Next INC-YYYY-NNNN (the detection year), unique under concurrency."""
    return references.allocate(prefix="INC", year=year, model=Incident)
