"""The secret feed tokens in the addresses of people's calendar feeds (calendar clients cannot log in)."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from ..models import CalendarFeedToken


def feed_token_for(user) -> CalendarFeedToken:
    token = CalendarFeedToken.objects.filter(user=user).first()
    if token is None:
        try:
            with transaction.atomic():
                token = CalendarFeedToken.objects.create(user=user, key=secrets.token_urlsafe(32))
        except IntegrityError:
            token = CalendarFeedToken.objects.get(user=user)
    return token


@transaction.atomic
def feed_token_reset(*, user) -> CalendarFeedToken:
    CalendarFeedToken.objects.filter(user=user).delete()
    return CalendarFeedToken.objects.create(user=user, key=secrets.token_urlsafe(32))
