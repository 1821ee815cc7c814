"""Who decides a change, and which changes wait for a user's decision."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from delivery_portal import roles

from ..domain.approval import APPROVER_ROLE
from ..models import ChangeRequest, ChangeState, ChangeType


def _approver_q(user):
    """The change types `user` may decide on."""
    types = []
    if roles.has_role(user, roles.CAB_MEMBER):
        types.append(ChangeType.NORMAL)
    if roles.has_role(user, roles.DELIVERY_MANAGER):
        types.append(ChangeType.EXPEDITED)
    if roles.has_role(user, roles.ON_CALL):
        types.append(ChangeType.EMERGENCY)
    return types


def changes_awaiting(user):
    """Submitted changes waiting for this user's decision: of a type they decide, not
    their own, and not yet decided by them. Ordered by window start."""
    if not getattr(user, "is_authenticated", False):
        return ChangeRequest.objects.none()
    types = _approver_q(user)
    if not types:
        return ChangeRequest.objects.none()
    # One query (plus a count where the caller needs one): the callers show reference,
    # title, type, window and requester, so no prefetch of services or approvals.
    return (
        ChangeRequest.objects.select_related("requester")
        .filter(state=ChangeState.SUBMITTED, change_type__in=types)
        .exclude(requester=user)
        .exclude(approvals__by=user)
        .order_by("window_start", "pk")
    )


def approvers_for(change: ChangeRequest):
    """Users who may decide on `change` (by role), its requester excluded."""
    role = APPROVER_ROLE.get(change.change_type)
    if role is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .exclude(pk=change.requester_id)
        .distinct()
        .order_by("username")
    )


def cab_members():
    return get_user_model().objects.filter(is_active=True, groups__name=roles.CAB_MEMBER).distinct().order_by("username")
