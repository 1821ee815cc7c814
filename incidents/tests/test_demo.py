import pytest

from incidents import demo
from incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(users):
    demo.load(users)
    first = list(Incident.objects.order_by("reference").values_list("reference", "state", "severity"))
    demo.load(users)
    assert list(Incident.objects.order_by("reference").values_list("reference", "state", "severity")) == first
    assert {state for _, state, _ in first} == {"respond", "detect", "review", "closed"}
    assert all(i.timeline.exists() for i in Incident.objects.all())
