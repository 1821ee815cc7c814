"""The Celery application. Configuration lives in settings (CELERY_* keys)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "delivery_portal.settings")

app = Celery("delivery_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
