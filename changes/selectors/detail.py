"""One change request, with what its page and the API show."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from ..models import Approval, ChangeRequest


def change_queryset():
    return ChangeRequest.objects.select_related("requester", "template").prefetch_related(
        "services", Prefetch("approvals", queryset=Approval.objects.select_related("by"))
    )


def change_detail(reference: str) -> ChangeRequest:
    """The change with everything its page shows, or Http404."""
    return get_object_or_404(change_queryset(), reference=reference)


def change_or_404(reference: str) -> ChangeRequest:
    """The change of that reference (no related rows), or Http404."""
    return get_object_or_404(ChangeRequest, reference=reference)


def change_by_reference(reference: str) -> ChangeRequest | None:
    return ChangeRequest.objects.filter(reference=reference).first()
