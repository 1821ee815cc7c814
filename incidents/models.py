"""Incidents. Clocks and the transition table live in incidents/domain.py."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from delivery_portal import concurrency

from . import domain


# The values are spelled once, in incidents.domain.
class Severity(models.TextChoices):
    SEV1 = domain.SEV1, domain.SEV1
    SEV2 = domain.SEV2, domain.SEV2
    SEV3 = domain.SEV3, domain.SEV3
    SEV4 = domain.SEV4, domain.SEV4


class IncidentState(models.TextChoices):
    DETECT = domain.DETECT, "Detect"
    TRIAGE = domain.TRIAGE, "Triage"
    RESPOND = domain.RESPOND, "Respond"
    RESOLVE = domain.RESOLVE, "Resolve"
    REVIEW = domain.REVIEW, "Review"
    CLOSED = domain.CLOSED, "Closed"


# The incident list's order as expressions: selectors.incident_list orders by exactly these,
# so PostgreSQL reads the first page from incident_list_order_idx instead of sorting every row.
SEVERITY_RANK = models.Case(
    *[models.When(severity=sev.value, then=models.Value(i)) for i, sev in enumerate(Severity)],
    default=models.Value(9), output_field=models.IntegerField(),
)
OPEN_RANK = models.Case(
    models.When(state=IncidentState.CLOSED.value, then=models.Value(1)), default=models.Value(0), output_field=models.IntegerField()
)
LIST_ORDER = (OPEN_RANK, SEVERITY_RANK, models.F("detected_at").desc(), models.F("id").desc())


class Incident(models.Model):
    reference = models.CharField(max_length=20, unique=True)  # INC-YYYY-NNNN
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    state = models.CharField(max_length=20, choices=IncidentState.choices, default=IncidentState.DETECT)
    services = models.ManyToManyField("sla.Service", related_name="incidents")
    commander = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="commanded_incidents")
    counts_against_sla = models.BooleanField(default=True)
    # False while counting follows the severity (SEV-1/2 count); True once someone set it.
    counts_against_sla_set = models.BooleanField(default=False)
    impact_started_at = models.DateTimeField()
    impact_ended_at = models.DateTimeField(null=True, blank=True)
    detected_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    caused_by_deployment = models.ForeignKey(
        "deployments.Deployment", null=True, blank=True, on_delete=models.SET_NULL, related_name="caused_incidents"
    )
    caused_by_change = models.ForeignKey(
        "changes.ChangeRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="caused_incidents"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency (delivery_portal.concurrency): every edit of the facts bumps it.
    edit_version = concurrency.version_field()
    history = HistoricalRecords(m2m_fields=[services], excluded_fields=[concurrency.VERSION_FIELD])

    class Meta:
        ordering = ["-detected_at"]
        indexes = [
            models.Index(fields=["state", "severity"], name="incident_state_sev_idx"),
            models.Index(fields=["impact_started_at", "impact_ended_at"], name="incident_impact_idx"),
            models.Index(fields=["resolved_at"], name="incident_resolved_idx"),
            models.Index(fields=["-detected_at", "-id"], name="incident_detected_idx"),
            # The list's order (selectors.incident_list): open first, by severity, newest first.
            models.Index(*LIST_ORDER, name="incident_list_order_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"


class TimelineKind(models.TextChoices):
    NOTE = "note", "Note"
    STATUS_UPDATE = "status_update", "Status update"
    ACTION = "action", "Action"
    DECISION = "decision", "Decision"


class TimelineEntry(models.Model):
    """One line of an incident's timeline. Text is Markdown; edits keep the old text in history."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=TimelineKind.choices, default=TimelineKind.NOTE)
    text = models.TextField()
    # `text` rendered and sanitised (markdown + nh3) by the services when written or edited;
    # empty for rows written around them (bulk loads): `html` then renders on the fly.
    text_html = models.TextField(blank=True, default="", db_default="", editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "kind", "at"], name="timeline_incident_kind_idx")]
        verbose_name_plural = "timeline entries"

    def __str__(self):
        return f"{self.incident_id} {self.at:%Y-%m-%d %H:%M} {self.kind}"

    @property
    def html(self):
        from django.utils.safestring import mark_safe

        from .markdown import render_markdown

        if self.text_html:
            return mark_safe(self.text_html)  # noqa: S308 - sanitised by nh3 when stored (services)
        return render_markdown(self.text)


class PostMortem(models.Model):
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    summary = models.TextField(blank=True)
    impact = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    contributing_factors = models.TextField(blank=True)
    went_well = models.TextField(blank=True)
    went_badly = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic concurrency (delivery_portal.concurrency): every save of the text bumps it.
    edit_version = concurrency.version_field()
    history = HistoricalRecords(excluded_fields=[concurrency.VERSION_FIELD])

    def __str__(self):
        return f"Post-mortem of {self.incident_id}"

    @property
    def is_complete(self):
        return self.completed_at is not None


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        WONT_DO = "wont_do", "Won't do"

    postmortem = models.ForeignKey(PostMortem, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_action_items")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="action_item_status_due_idx")]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)


class AlertFingerprint(models.Model):
    """An Alertmanager alert we have seen: the same fingerprint never opens a second incident."""

    fingerprint = models.CharField(max_length=128, unique=True)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    alertname = models.CharField(max_length=200, blank=True)
    labels = models.JSONField(default=dict)
    status = models.CharField(max_length=20, default="firing")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    times_fired = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"{self.fingerprint} -> {self.incident_id}"


class ReminderLedger(models.Model):
    """One row per reminder sent: makes the reminder tasks idempotent."""

    class Kind(models.TextChoices):
        STATUS_UPDATE = "status_update", "Status update overdue"
        POSTMORTEM = "postmortem", "Post-mortem overdue"
        ACTION_ITEM = "action_item", "Action item overdue"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reminders")
    action_item = models.ForeignKey(ActionItem, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders")
    slot = models.DateTimeField(help_text="The deadline that was missed.")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "incident", "slot"], condition=models.Q(action_item__isnull=True), name="reminder_once_per_slot"),
            models.UniqueConstraint(fields=["kind", "action_item", "slot"], condition=models.Q(action_item__isnull=False), name="reminder_once_per_item_slot"),
        ]

    def __str__(self):
        return f"{self.kind} {self.incident_id} {self.slot:%Y-%m-%d %H:%M}"
