"""Celery tasks of the Slack integration: thin shells around slack_integration.delivery."""

import requests
from celery import shared_task

from . import delivery
from .domain import MAX_ATTEMPTS


@shared_task(bind=True, max_retries=MAX_ATTEMPTS + 5)  # retries also wait out another worker's lease
def deliver_message(self, delivery_id: int):
    retry_in = delivery.deliver(delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task(autoretry_for=(requests.RequestException,), retry_backoff=5, max_retries=4)
def respond(response_url: str, message: dict):
    delivery.respond(response_url, message)
