"""The day cells of the change calendar: which items a day shows and what it folds away."""

from datetime import date, datetime, timedelta, timezone as dt_timezone

import pytest
from django.utils import timezone

from changes import calendar_layout
from changes.selectors.calendar import CalendarItem
from changes.tests.factories import ChangeRequestFactory
from sla.models import Freeze
from sla.tests.factories import ServiceFactory

UTC = dt_timezone.utc


def item(kind, start, end, title="x"):
    return CalendarItem(kind, title, start, end)


def at(day, hour=0):
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


DAYS = [date(2026, 3, d) for d in range(1, 8)]


def test_an_item_is_on_every_day_it_touches_and_not_on_the_day_it_ends_at_midnight():
    long = item("change", at(2, 22), at(4, 0))  # ends at midnight: not on the 4th
    by_day = calendar_layout.bucket_by_day([long], DAYS)
    assert [d.day for d, items in by_day.items() if items] == [2, 3]


def test_an_open_freeze_runs_to_the_end_of_the_grid_and_one_from_before_starts_at_its_first_day():
    freeze = item("freeze", datetime(2025, 1, 1, tzinfo=UTC), None)
    by_day = calendar_layout.bucket_by_day([freeze], DAYS)
    assert all(by_day[d] == [freeze] for d in DAYS)


def test_items_outside_the_grid_are_left_out():
    assert not any(calendar_layout.bucket_by_day([item("change", at(20), at(21))], DAYS).values())


def test_blackouts_come_first_then_changes_by_start_then_freezes():
    change_late, change_early = item("change", at(3, 15), at(3, 16), "late"), item("change", at(3, 9), at(3, 10), "early")
    blackout, freeze = item("blackout", at(3, 12), at(3, 13)), item("freeze", at(1), None)
    cell = calendar_layout.bucket_by_day([freeze, change_late, blackout, change_early], DAYS)[date(2026, 3, 3)]
    assert cell == [blackout, change_early, change_late, freeze]


def test_a_month_cell_lists_six_items_and_counts_the_rest():
    items = [item("change", at(3, h), at(3, h + 1), f"c{h}") for h in range(9)]
    cell = calendar_layout.day_cell(date(2026, 3, 3), items, in_month=True, today=date(2026, 3, 3), limit=6, fold_freezes_above=2)
    assert [i.title for i in cell.items] == ["c0", "c1", "c2", "c3", "c4", "c5"] and cell.more == 3 and cell.today


def test_many_freezes_fold_into_one_line_and_few_are_listed():
    freezes = [item("freeze", at(1), None, f"f{n}") for n in range(3)]
    folded = calendar_layout.day_cell(date(2026, 3, 3), freezes, in_month=True, today=date(2026, 3, 1), limit=6, fold_freezes_above=2)
    assert folded.items == [] and folded.frozen == 3 and folded.more == 0
    listed = calendar_layout.day_cell(date(2026, 3, 3), freezes[:2], in_month=True, today=date(2026, 3, 1), limit=6, fold_freezes_above=2)
    assert listed.items == freezes[:2] and listed.frozen == 0


def test_the_week_grid_is_not_capped():
    items = [item("change", at(3, h), at(3, h + 1)) for h in range(12)]
    weeks = [[date(2026, 3, 2) + timedelta(days=n) for n in range(7)]]
    cells = calendar_layout.grid(items, weeks, month=None, today=date(2026, 3, 1))
    assert len(cells[0][1].items) == 12 and cells[0][1].more == 0 and all(c.in_month for c in cells[0])


def test_a_busy_day_on_the_month_page_links_to_its_week_which_lists_every_change(client_for, users, settings):
    service = ServiceFactory(slug="checkout")
    day = (timezone.now() + timedelta(days=10)).replace(hour=8, minute=0, second=0, microsecond=0)
    changes = [
        ChangeRequestFactory(requester=users["oncall"], services=[service], state="approved",
                             window_start=day + timedelta(hours=h), window_end=day + timedelta(hours=h, minutes=30))
        for h in range(8)
    ]
    for n in range(3):
        Freeze.objects.create(service=ServiceFactory(slug=f"frozen-{n}"), cause="budget", reason="burning", started_at=day - timedelta(days=1))
    client = client_for("viewer")
    html = client.get(f"/changes/calendar/?view=month&date={day.date().isoformat()}").content.decode()
    assert sum(c.reference in html for c in changes) == 6
    assert "+2 more" in html and f'href="?view=week&date={day.date().isoformat()}"' in html
    assert "3 services frozen" in html and "Freeze: frozen-0" not in html
    week = client.get(f"/changes/calendar/?view=week&date={day.date().isoformat()}").content.decode()
    assert all(c.reference in week for c in changes) and "Freeze: frozen-0" in week and "more</a>" not in week
