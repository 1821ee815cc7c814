"""After the run: every write the server accepted is stored."""

from collections import defaultdict

from .client import Api


def count_timeline(marker):
    """Timeline entries stored with this run's marker, counted in the database.

    Generic over the incidents app's models (built on another branch): every model with a
    foreign key to Incident and a text column holding the marker counts. None when no such
    model exists (nothing to count: the check fails rather than pass blindly).
    """
    from django.apps import apps
    from django.db import models

    incident = apps.get_model("incidents", "Incident")
    total, found = 0, False
    for model in apps.get_app_config("incidents").get_models():
        if model is incident or model.__name__.startswith("Historical"):
            continue
        fks = [f for f in model._meta.get_fields() if isinstance(f, models.ForeignKey) and f.related_model is incident]
        texts = [f.name for f in model._meta.get_fields() if isinstance(f, (models.CharField, models.TextField))]
        if not fks or not texts:
            continue
        counts = [model._default_manager.filter(**{f"{name}__startswith": marker}).count() for name in texts]
        if max(counts):
            found = True
            total += max(counts)
        elif "text" in texts:
            found = True
    return total if found else None


def check_approvals(base, token, sent):
    api, missing = Api(base, token), []
    by_change = defaultdict(set)
    for reference, user in sent:
        by_change[reference].add(user)
    for reference, users in by_change.items():
        body = api.get(f"/api/v1/changes/{reference}/").json()
        # This run sends only approvals to these changes: every `by` listed is one of ours.
        stored = {a.get("by") for a in body.get("approvals", [])}
        missing += [f"{reference} by {u}" for u in users - stored]
    return missing


def verify(base, tokens, world, results):
    """What the database holds of the accepted writes: timeline entries stored (None when
    they cannot be counted), lost, and the accepted approvals missing from their change."""
    stored = count_timeline(world["marker"]) if world["incident"] else None
    return {
        "stored": stored,
        "lost_timeline": (len(results.timeline_sent) - stored) if stored is not None else None,
        "missing_approvals": check_approvals(base, tokens["manager"], results.approvals_sent) if results.approvals_sent else [],
    }
