"""Reads of the releases app for pages, the API and other apps."""

from .models import Release


def release_recommendation(release: Release, *, at=None) -> str:
    """"GO", "CONDITIONAL GO" or "NO-GO" for `release` at `at` (used by deployment gates).

    Provisional until release readiness lands (issue 6): no exit criterion can be shown
    met yet, so every release is NO-GO, which is what missing evidence means.
    """
    return "NO-GO"
