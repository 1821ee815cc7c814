"""The one spelling of "which deploy freezes overlap": sla.selectors.freezes_overlapping and
freezes_in_force, used by the change calendar, change conflicts and the deployment gates."""

from datetime import UTC, datetime, timedelta

import pytest

from sla.models import Freeze
from sla.selectors import freezes_in_force, freezes_overlapping
from sla.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def freezes():
    web, api = ServiceFactory(slug="web"), ServiceFactory(slug="api")
    return {
        "past": Freeze.objects.create(service=web, cause="manual", reason="r", started_at=T0 - 5 * H, ended_at=T0 - 2 * H),
        "ends_at_t0": Freeze.objects.create(service=web, cause="manual", reason="r", started_at=T0 - H, ended_at=T0),
        "open": Freeze.objects.create(service=api, cause="budget", reason="r", started_at=T0 + H),
        "later": Freeze.objects.create(service=web, cause="manual", reason="r", started_at=T0 + 3 * H, ended_at=T0 + 4 * H),
    }


def names(qs, freezes):
    ids = set(qs.values_list("pk", flat=True))
    return sorted(name for name, f in freezes.items() if f.pk in ids)


def test_a_span_takes_freezes_that_end_after_its_start_and_start_before_its_end(freezes):
    assert names(freezes_overlapping(start=T0, end=T0 + 2 * H), freezes) == ["open"]
    assert names(freezes_overlapping(start=T0 - H, end=T0 + 4 * H), freezes) == ["ends_at_t0", "later", "open"]
    # No end: every freeze still running after `start`, however late it starts.
    assert names(freezes_overlapping(start=T0), freezes) == ["later", "open"]
    web = freezes["past"].service_id
    assert names(freezes_overlapping(start=T0 - 6 * H, service_ids=[web]), freezes) == ["ends_at_t0", "later", "past"]


def test_a_moment_takes_freezes_started_by_then_and_not_yet_ended(freezes):
    assert names(freezes_in_force(at=T0), freezes) == []  # the one ending at T0 is over
    assert names(freezes_in_force(at=T0 - H), freezes) == ["ends_at_t0"]  # starting at T0 - 1 h counts
    assert names(freezes_in_force(at=T0 + 3 * H + timedelta(minutes=1)), freezes) == ["later", "open"]
    api = freezes["open"].service_id
    assert names(freezes_in_force(at=T0 + 3 * H + timedelta(minutes=1), service_ids=[api]), freezes) == ["open"]
