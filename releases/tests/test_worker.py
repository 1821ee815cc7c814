from datetime import date

from releases import services
from releases.models import CommsItem


def test_reminder_task_runs_in_a_real_worker_once(celery_worker, users, wait_until):
    from delivery_portal.celery import app

    release = services.release_create(version="v1.0.0", target_date=date(2024, 1, 25), by=users["manager"])
    app.send_task("releases.tasks.remind_overdue_comms")
    wait_until(lambda: CommsItem.objects.filter(release=release, reminded_at__isnull=False).count() == 4, timeout=60)
    first = dict(CommsItem.objects.filter(release=release).values_list("kind", "reminded_at"))
    # A second run: reminds the newcomer only (proof that it ran), and nothing twice.
    newcomer = services.release_create(version="v1.0.1", target_date=date(2024, 2, 1), by=users["manager"])
    app.send_task("releases.tasks.remind_overdue_comms")
    wait_until(lambda: CommsItem.objects.filter(release=newcomer, reminded_at__isnull=False).count() == 4, timeout=60)
    assert dict(CommsItem.objects.filter(release=release).values_list("kind", "reminded_at")) == first
