import pytest

from insights import demo
from insights.models import MaturityAssessment

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent(users):
    demo.load(users)
    count = MaturityAssessment.objects.count()
    demo.load(users)
    assert MaturityAssessment.objects.count() == count == 4
    latest = MaturityAssessment.objects.filter(team__slug="platform").first()
    assert (latest.level, latest.target_level) == (3, 4)
