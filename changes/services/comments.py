"""Comments on a change request."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import ChangeComment
from .common import check_requester


@transaction.atomic
def comment_add(*, change, user, text: str, at=None) -> ChangeComment:
    check_requester(user)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Write something."]})
    return ChangeComment.objects.create(change=change, author=user, text=text, at=at or timezone.now())
