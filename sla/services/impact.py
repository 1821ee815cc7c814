"""Impact windows: what the incidents app tells the error budget about customer impact."""

from django.db import transaction

from ..models import ImpactWindow, Service


@transaction.atomic
def impact_window_sync(
    *, source_ref: str, title: str, services, started_at, ended_at, counts_against_sla: bool
) -> None:
    """Make the impact windows of `source_ref` (an incident) match its current facts.

    One window per affected service; services no longer affected lose theirs. Called by
    the incidents app whenever impact times, services or counting change.
    """
    service_ids = {s.pk if isinstance(s, Service) else int(s) for s in services}
    ImpactWindow.objects.filter(source_ref=source_ref).exclude(service_id__in=service_ids).delete()
    for service_id in service_ids:
        ImpactWindow.objects.update_or_create(
            service_id=service_id,
            source_ref=source_ref,
            defaults={
                "title": title[:200],
                "started_at": started_at,
                "ended_at": ended_at,
                "counts_against_sla": counts_against_sla,
            },
        )
