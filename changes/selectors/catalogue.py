"""The catalogue of standard-change templates."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from ..models import StandardChangeTemplate


def active_templates():
    """The templates people may request changes from, by title, with their services."""
    return StandardChangeTemplate.objects.filter(active=True).prefetch_related("services").order_by("title")


def active_template_or_404(slug: str) -> StandardChangeTemplate:
    return get_object_or_404(StandardChangeTemplate, slug=slug, active=True)


def template_by_slug(slug: str) -> StandardChangeTemplate | None:
    """The template of that slug, retired or not (a draft made from it keeps it), or None."""
    return StandardChangeTemplate.objects.filter(slug=slug).first()
