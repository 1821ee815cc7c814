"""Releases. Readiness rules live in releases/domain.py."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class ReleaseType(models.TextChoices):
    MAJOR = "major", "Major"
    MINOR = "minor", "Minor"
    PATCH = "patch", "Patch"


class Release(models.Model):
    version = models.CharField(max_length=50, unique=True)  # semantic version, e.g. v2.5.0
    product = models.CharField(max_length=100, default="portal")
    release_type = models.CharField(max_length=10, choices=ReleaseType.choices, default=ReleaseType.MINOR)
    target_date = models.DateField()
    services = models.ManyToManyField("sla.Service", blank=True, related_name="releases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["-target_date", "-id"]
        indexes = [models.Index(fields=["product", "target_date"], name="release_product_date_idx")]

    def __str__(self):
        return self.version
