"""What the change services share: the row lock and who may act."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from delivery_portal import roles
from delivery_portal.errors import ProcessError

from ..domain.workflow import RuleError
from ..models import ChangeRequest


def refuse(error: RuleError):
    raise ProcessError(error.detail, error.reasons)


def change_url(change):
    return reverse("changes:detail", args=[change.reference])


def locked(change_or_pk) -> ChangeRequest:
    pk = getattr(change_or_pk, "pk", change_or_pk)
    return ChangeRequest.objects.select_for_update().get(pk=pk)


def check_requester(user):
    if not roles.can_request_change(user):
        raise PermissionDenied("Viewers cannot request changes.")


def check_owner(change, user):
    if change.requester_id != user.pk and not roles.has_role(user, roles.DELIVERY_MANAGER):
        raise PermissionDenied("Only the requester or a delivery manager may do this.")
