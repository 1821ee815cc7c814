"""Insights keeps one thing of its own: the delivery maturity assessments of teams.

DORA metrics are computed on demand from deployments and incidents (insights/selectors/dora.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class MaturityAssessment(models.Model):
    """One assessment of a team, kept so that progress shows over time."""

    team = models.ForeignKey("sla.Team", on_delete=models.CASCADE, related_name="maturity_assessments")
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # characteristic key -> met (insights.domain.maturity.CHARACTERISTICS), evidence included.
    answers = models.JSONField(default=dict)
    # characteristic key -> what the portal's data showed (filled in, not answered by people).
    evidence = models.JSONField(default=dict, blank=True)
    level = models.PositiveSmallIntegerField()
    target_level = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__lte=5), name="maturity_level_at_most_5"),
            models.CheckConstraint(condition=Q(target_level__gte=1, target_level__lte=5), name="maturity_target_1_to_5"),
        ]
        indexes = [models.Index(fields=["team", "assessed_at"], name="maturity_team_idx")]

    def __str__(self):
        return f"{self.team} level {self.level} ({self.assessed_at:%Y-%m-%d})"
