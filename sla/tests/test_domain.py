"""The budget arithmetic on the handbook's real numbers. No database."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sla.domain import error_budget, periods
from sla.domain.error_budget import compute_budget
from sla.domain.intervals import Window

UTC = timezone.utc
D = Decimal


def t(*args):
    return datetime(*args, tzinfo=UTC)


def budget(at, impacts=(), maintenance=(), target="99.9", period="month", tz=UTC):
    return compute_budget(target=D(target), period=period, at=at, tz=tz, impacts=impacts, maintenance=maintenance)


def test_the_handbook_example_43_8_23_8_54_percent_0_8x():
    # November 2026 has 720 h; 57% of it is 410.4 h = 17 days 2 h 24 min.
    at = t(2026, 11, 1) + timedelta(hours=410.4)
    assert at == t(2026, 11, 18, 2, 24)
    result = budget(at, [
        Window(t(2026, 11, 3, 10, 0), t(2026, 11, 3, 10, 15), ref="INC-1"),
        Window(t(2026, 11, 12, 8, 0), t(2026, 11, 12, 8, 5), ref="INC-2"),
    ])
    assert result.budget_minutes == D("43.8")
    assert result.consumed_minutes == 20
    assert result.remaining_minutes == D("23.8")
    assert periods.round2(result.remaining_percent) == D("54.34")  # "54% remaining"
    assert result.elapsed_fraction == D("0.57")
    assert periods.round2(result.burn_rate) == D("0.80")
    assert result.status == "on_track"
    assert [line.counted_minutes for line in result.impacts] == [15, 5]


@pytest.mark.parametrize(
    "target,period,expected",
    [
        ("99.9", "month", "43.8"),
        ("99.9", "quarter", "131.4"),
        ("99.9", "year", "525.6"),
        ("99.95", "month", "21.9"),
        ("99.95", "quarter", "65.7"),
        ("99.95", "year", "262.8"),
        ("99.99", "month", "4.38"),
        ("99.99", "quarter", "13.14"),
        ("99.99", "year", "52.56"),
        ("99.5", "month", "219"),
    ],
)
def test_budget_sizes(target, period, expected):
    assert periods.budget_minutes(D(target), period) == D(expected)


def test_overlapping_incidents_are_counted_once():
    result = budget(t(2026, 11, 20), [
        Window(t(2026, 11, 3, 10, 0), t(2026, 11, 3, 10, 30), ref="INC-1"),
        Window(t(2026, 11, 3, 10, 20), t(2026, 11, 3, 10, 50), ref="INC-2"),
        Window(t(2026, 11, 3, 10, 25), t(2026, 11, 3, 10, 35), ref="INC-3"),  # inside both
    ])
    assert result.consumed_minutes == 50
    # Each line shows its own minutes and what it added; the added minutes sum to the total.
    assert [(l.own_minutes, l.counted_minutes) for l in result.impacts] == [(30, 30), (30, 20), (10, 0)]
    assert sum(l.counted_minutes for l in result.impacts) == result.consumed_minutes


def test_maintenance_minutes_are_subtracted():
    impacts = [Window(t(2026, 11, 3, 10, 0), t(2026, 11, 3, 11, 0), ref="INC-1")]
    maintenance = [Window(t(2026, 11, 3, 10, 30), t(2026, 11, 3, 12, 0), title="DB upgrade")]
    result = budget(t(2026, 11, 20), impacts, maintenance)
    assert result.consumed_minutes == 30
    assert result.remaining_minutes == D("13.8")
    (line,) = result.maintenance
    assert line.window_minutes == 90 and line.excluded_minutes == 30
    assert result.impacts[0].own_minutes == 30


def test_maintenance_without_impact_changes_nothing():
    result = budget(t(2026, 11, 20), [Window(t(2026, 11, 3, 10), t(2026, 11, 3, 10, 10))],
                    [Window(t(2026, 11, 5, 1), t(2026, 11, 5, 3))])
    assert result.consumed_minutes == 10
    assert result.maintenance[0].excluded_minutes == 0


def test_an_open_incident_counts_up_to_at_and_nothing_after_at_counts():
    at = t(2026, 11, 20, 12, 0)
    result = budget(at, [
        Window(at - timedelta(minutes=12, seconds=30), None, ref="INC-OPEN"),
        Window(at + timedelta(minutes=5), at + timedelta(minutes=50), ref="INC-LATER"),
    ])
    assert result.consumed_minutes == D("12.5")
    assert [l.window.ref for l in result.impacts] == ["INC-OPEN"]
    # Ten minutes later the same open incident has used ten more minutes.
    later = budget(at + timedelta(minutes=10), [Window(at - timedelta(minutes=12, seconds=30), None)])
    assert later.consumed_minutes == D("22.5")


def test_an_incident_spanning_two_months_is_split_at_midnight():
    impacts = [Window(t(2026, 10, 31, 23, 50), t(2026, 11, 1, 0, 20), ref="INC-1")]
    october = budget(t(2026, 10, 31, 23, 59), impacts)
    november = budget(t(2026, 11, 5), impacts)
    assert october.period_start == t(2026, 10, 1) and october.period_end == t(2026, 11, 1)
    assert october.consumed_minutes == 9
    assert november.period_start == t(2026, 11, 1) and november.period_end == t(2026, 12, 1)
    assert november.consumed_minutes == 20
    # The quarter (Oct-Dec) sees all thirty minutes.
    quarter = budget(t(2026, 11, 5), impacts, period="quarter")
    assert quarter.consumed_minutes == 30


def test_quarter_and_year_accounts():
    impacts = [Window(t(2026, 2, 10, 9, 0), t(2026, 2, 10, 10, 0)), Window(t(2026, 5, 2, 9, 0), t(2026, 5, 2, 9, 30))]
    quarter = budget(t(2026, 5, 16), impacts, period="quarter")
    assert (quarter.period_start, quarter.period_end) == (t(2026, 4, 1), t(2026, 7, 1))
    assert quarter.budget_minutes == D("131.4") and quarter.consumed_minutes == 30
    assert quarter.remaining_minutes == D("101.4")
    year = budget(t(2026, 5, 16), impacts, period="year")
    assert (year.period_start, year.period_end) == (t(2026, 1, 1), t(2027, 1, 1))
    assert year.budget_minutes == D("525.6") and year.consumed_minutes == 90
    # 135 of 365 days gone: (90 / 525.6) / (135 / 365)
    assert year.elapsed_fraction == D(135) / D(365)
    assert periods.round2(year.burn_rate) == D("0.46")


def test_99_95_and_99_99_targets():
    at = t(2026, 11, 16)  # 15 of 30 days: half the month gone
    impacts = [Window(t(2026, 11, 2, 3, 0), t(2026, 11, 2, 3, 12))]  # 12 minutes
    high = budget(at, impacts, target="99.95")
    assert high.budget_minutes == D("21.9") and high.remaining_minutes == D("9.9")
    assert periods.round2(high.burn_rate) == D("1.10") and high.status == "at_risk"
    highest = budget(at, impacts, target="99.99")
    assert highest.budget_minutes == D("4.38") and highest.remaining_minutes == D("-7.62")
    assert periods.round2(highest.remaining_percent) == D("-173.97")
    assert highest.status == "exhausted"


@pytest.mark.parametrize(
    "used,expected",
    [("0", "on_track"), ("21.9", "on_track"), ("22", "at_risk"), ("32.85", "at_risk"), ("33", "frozen"), ("43.8", "exhausted"), ("50", "exhausted")],
)
def test_status_thresholds_at_half_the_month(used, expected):
    at = t(2026, 11, 16)  # elapsed 0.5: burn = used / 43.8 / 0.5
    start = t(2026, 11, 2)
    result = budget(at, [Window(start, start + timedelta(minutes=float(used)))] if D(used) else [])
    assert result.status == expected


def test_burn_rate_is_zero_at_the_start_of_the_period():
    result = budget(t(2026, 11, 1), [Window(t(2026, 10, 31, 23), None)])
    assert result.consumed_minutes == 0 and result.burn_rate == 0 and result.status == "on_track"


def test_elapsed_part_follows_the_calendar_month():
    # 31-day December, 99.9%: budget still 43.8 min (730 h), but half of December is 15.5 days.
    result = budget(t(2026, 12, 16, 12), [Window(t(2026, 12, 2), t(2026, 12, 2, 0, 21, 54))])
    assert result.elapsed_fraction == D("0.5")
    assert result.burn_rate == D(1)  # 21.9 of 43.8 minutes in half the month
    assert result.status == "on_track"


def test_periods_start_at_midnight_in_the_portal_time_zone():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = periods.period_bounds("month", t(2026, 11, 10), berlin)
    assert start == t(2026, 10, 31, 23) and end == t(2026, 11, 30, 23)
    # 23:30 UTC on 31 October is already November in Berlin.
    start, _ = periods.period_bounds("month", t(2026, 10, 31, 23, 30), berlin)
    assert start == t(2026, 10, 31, 23)
    # The October month has 31 days plus the hour given back when DST ends.
    start, end = periods.period_bounds("month", t(2026, 10, 10), berlin)
    assert end - start == timedelta(days=31, hours=1)
    q_start, q_end = periods.period_bounds("quarter", t(2026, 2, 10), berlin)
    assert q_start == t(2025, 12, 31, 23) and q_end == t(2026, 3, 31, 22)


def test_multi_window_burn_rates():
    at = t(2026, 11, 20, 12, 0)
    impacts = [
        Window(at - timedelta(minutes=2), None),  # 2 min in the last hour
        Window(at - timedelta(hours=5), at - timedelta(hours=5) + timedelta(minutes=20)),  # in 6 h
        Window(at - timedelta(days=2), at - timedelta(days=2) + timedelta(minutes=60)),  # in 3 d
    ]
    result = budget(at, impacts)
    one_hour, six_hours, three_days = result.burn_windows
    # 1 h at 99.9% allows 0.06 min: 2 min is 33.3x, above 14.4x.
    assert one_hour.label == "1h" and one_hour.consumed_minutes == 2
    assert periods.round2(one_hour.burn_rate) == D("33.33") and one_hour.alerting
    # 6 h allows 0.36 min: 22 min is 61.1x.
    assert six_hours.consumed_minutes == 22 and periods.round2(six_hours.burn_rate) == D("61.11")
    # 3 d allows 4.32 min: 82 min is 18.98x.
    assert three_days.consumed_minutes == 82 and periods.round2(three_days.burn_rate) == D("18.98")
    assert [w.label for w in result.alerting_windows] == ["1h", "6h", "3d"]
    quiet = budget(at, [Window(at - timedelta(days=2), at - timedelta(days=2) + timedelta(minutes=2))])
    assert [w.alerting for w in quiet.burn_windows] == [False, False, False]


def test_maintenance_is_excluded_from_the_short_windows_too():
    at = t(2026, 11, 20, 12, 0)
    result = budget(at, [Window(at - timedelta(minutes=30), None)], [Window(at - timedelta(hours=1), at + timedelta(hours=1))])
    assert result.consumed_minutes == 0
    assert all(w.burn_rate == 0 for w in result.burn_windows)


def test_consumption_curve_draws_the_exact_steps():
    at = t(2026, 11, 20)
    impacts = [Window(t(2026, 11, 3, 10), t(2026, 11, 3, 10, 30)), Window(t(2026, 11, 3, 10, 20), t(2026, 11, 3, 10, 50))]
    result = budget(at, impacts)
    curve = error_budget.consumption_curve(result, impacts, [])
    assert curve[0] == (t(2026, 11, 1), 0)
    assert curve[-1] == (at, 50)
    assert (t(2026, 11, 3, 10, 50), 50) in curve


@pytest.mark.parametrize("target", ["100", "0", "-1", "100.5"])
def test_targets_outside_0_to_100_are_refused(target):
    with pytest.raises(periods.BudgetInputError):
        periods.budget_minutes(D(target), "month")


def test_unknown_period_is_refused():
    with pytest.raises(periods.BudgetInputError):
        periods.period_bounds("week", t(2026, 11, 1), UTC)


# --- Properties over random windows -----------------------------------------------------
from hypothesis import given, settings as hyp_settings, strategies as st  # noqa: E402

NOV = t(2026, 11, 1)
offsets = st.integers(min_value=-2 * 24 * 60, max_value=32 * 24 * 60)  # minutes from 1 November
spans = st.tuples(offsets, st.integers(min_value=0, max_value=3 * 24 * 60), st.booleans())


def _windows(raw):
    return [Window(NOV + timedelta(minutes=s), None if open_ else NOV + timedelta(minutes=s + length), ref=f"W{i}")
            for i, (s, length, open_) in enumerate(raw)]


@hyp_settings(max_examples=150, deadline=None)
@given(st.lists(spans, max_size=8), st.lists(spans, max_size=4), st.integers(min_value=0, max_value=30 * 24 * 60 - 1))
def test_consumption_is_a_union_bounded_by_elapsed_time(raw_impacts, raw_maintenance, at_minute):
    at = NOV + timedelta(minutes=at_minute)
    impacts = _windows(raw_impacts)
    maintenance = [w for w in _windows(raw_maintenance) if w.end is not None]
    result = budget(at, impacts, maintenance)
    without_maintenance = budget(at, impacts)
    # Never more than the time gone, never more than without maintenance, never negative.
    assert 0 <= result.consumed_minutes <= periods.minutes(at - NOV)
    assert result.consumed_minutes <= without_maintenance.consumed_minutes
    # The per-window "counted" minutes add up to the total (overlaps counted once).
    assert sum((line.counted_minutes for line in result.impacts), D(0)) == result.consumed_minutes
    # Each window alone never counts more than the union of all.
    assert all(line.own_minutes <= result.consumed_minutes for line in result.impacts)
    # The burn-down curve ends at the total and never goes down.
    curve = error_budget.consumption_curve(result, impacts, maintenance)
    assert curve[-1][1] == result.consumed_minutes
    assert all(a[1] <= b[1] and a[0] <= b[0] for a, b in zip(curve, curve[1:]))
