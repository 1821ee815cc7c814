"""One change request, with what its page and the API show."""

from __future__ import annotations

from django.db.models import Prefetch

from ..models import Approval, ChangeRequest


def change_queryset():
    return ChangeRequest.objects.select_related("requester", "template").prefetch_related(
        "services", Prefetch("approvals", queryset=Approval.objects.select_related("by"))
    )


def change_detail(reference: str) -> ChangeRequest:
    return change_queryset().get(reference=reference)
