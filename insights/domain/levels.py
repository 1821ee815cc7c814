"""The DORA performance levels of each metric (elite, high, medium, low) and their thresholds."""

from __future__ import annotations

from collections.abc import Mapping


ELITE, HIGH, MEDIUM, LOW = "elite", "high", "medium", "low"
LEVELS = (ELITE, HIGH, MEDIUM, LOW)


# The same values as settings.DORA_THRESHOLDS; callers pass the settings in.
DEFAULT_THRESHOLDS = {
    "deployment_frequency_per_day": {ELITE: 1.0, HIGH: 1 / 7, MEDIUM: 1 / 30},
    "lead_time_hours": {ELITE: 1.0, HIGH: 24.0 * 7, MEDIUM: 24.0 * 30},
    "change_failure_rate": {ELITE: 0.05, HIGH: 0.10, MEDIUM: 0.15},
    "mttr_hours": {ELITE: 1.0, HIGH: 24.0, MEDIUM: 24.0 * 7},
}


def frequency_level(per_day: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite above 1 per day, high at least weekly, medium at least monthly, low below."""
    t = thresholds["deployment_frequency_per_day"]
    per_day = per_day or 0.0
    if per_day > t[ELITE]:
        return ELITE
    if per_day >= t[HIGH]:
        return HIGH
    if per_day >= t[MEDIUM]:
        return MEDIUM
    return LOW


def _under_level(value: float | None, bounds: Mapping) -> str:
    """Lower is better, each level strictly under its bound (lead time, MTTR). No value
    cannot be shown to be better than low, so it is low (DoraMetrics.no_data says why)."""
    if value is None:
        return LOW
    for level in (ELITE, HIGH, MEDIUM):
        if value < bounds[level]:
            return level
    return LOW


def lead_time_level(lead_time_hours: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite under 1 hour, high under 1 week, medium under 1 month, low above."""
    return _under_level(lead_time_hours, thresholds["lead_time_hours"])


def mttr_level(mttr_hours: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite under 1 hour, high under 1 day, medium under 1 week, low above."""
    return _under_level(mttr_hours, thresholds["mttr_hours"])


def change_failure_level(rate: float | None, thresholds: Mapping = DEFAULT_THRESHOLDS) -> str:
    """Elite under 5%, high up to 10%, medium up to 15%, low above; low without a rate."""
    if rate is None:
        return LOW
    t = thresholds["change_failure_rate"]
    if rate < t[ELITE]:
        return ELITE
    if rate <= t[HIGH]:
        return HIGH
    if rate <= t[MEDIUM]:
        return MEDIUM
    return LOW
