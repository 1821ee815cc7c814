"""Create and edit a draft change request; what a standard change takes from its template."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from delivery_portal import concurrency, references
from delivery_portal.audit import attributed
from delivery_portal.errors import ProcessError

from ..domain.standard import TEMPLATE_FIXED_FIELDS, template_deviations
from ..domain.submission import REQUIRED_FIELDS, window_problem
from ..models import ChangeRequest, ChangeState, ChangeType, StandardChangeTemplate
from .common import check_owner, check_requester, locked


EDITABLE_FIELDS = (
    "title",
    "change_type",
    "description",
    "justification",
    "impact_systems",
    "impact_users",
    "impact_downtime_minutes",
    "implementation_plan",
    "rollback_plan",
    "testing_plan",
    "window_start",
    "window_end",
)


def allocate_reference(*, at=None) -> str:
    """Next CHG-YYYY-NNNN (year of `at`), unique under concurrency."""
    return references.allocate(prefix="CHG", year=(at or timezone.now()).year, model=ChangeRequest)


def _validate_window(values):
    problem = window_problem(values.get("window_start"), values.get("window_end"))
    if problem:
        raise ValidationError({"window_end": [problem]})


@transaction.atomic
def change_create(*, user, services=(), template=None, at=None, **fields) -> ChangeRequest:
    """A draft change requested by `user` (the caller is always the requester)."""
    check_requester(user)
    at = at or timezone.now()
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    if template is not None:
        if not template.active:
            raise ProcessError("This standard-change template is retired.")
        template_services = list(template.services.all())
        _refuse_template_deviations(template, fields, services or None, template_services)
        fields = {**template_values(template), **{k: v for k, v in fields.items() if v not in (None, "")}}
        fields["change_type"] = ChangeType.STANDARD
        if not services:
            services = template_services
    _validate_window(fields)
    change = ChangeRequest(reference=allocate_reference(at=at), requester=user, template=template, **fields)
    with attributed(change, by=user, reason="created"):  # the services' history record too
        change.save()
        if services:
            change.services.set(services)
    return change


def _refuse_template_deviations(template, fields, services, template_services=None):
    """ValidationError naming each field where a standard change departs from its template
    (its plans are the template's; its services among the template's): changes/domain/standard.py."""
    if template_services is None:
        template_services = list(template.services.all())
    problems = template_deviations(
        template_name=template.slug,
        template_values=template_values(template),
        template_services=[s.slug for s in template_services],
        values=fields,
        services=None if services is None else [s.slug for s in services],
    )
    if problems:
        raise ValidationError(problems)


def template_values(template: StandardChangeTemplate) -> dict:
    return {
        "title": template.title,
        "description": template.description,
        "justification": template.justification or f"Standard change from the catalogue: {template.title}.",
        "impact_systems": template.impact_systems,
        "impact_users": template.impact_users,
        "impact_downtime_minutes": template.impact_downtime_minutes,
        "implementation_plan": template.implementation_plan,
        "rollback_plan": template.rollback_plan,
        "testing_plan": template.testing_plan,
    }


@transaction.atomic
def change_update(*, change, user, services=None, expected_version=None, **fields) -> ChangeRequest:
    """Edit a draft (only drafts change; submitted ones are what the approvers saw).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency).
    """
    change = locked(change)
    check_owner(change, user)
    if change.state != ChangeState.DRAFT:
        raise ProcessError(f"Only a draft can be edited; {change.reference} is {change.state}.")
    concurrency.claim(change, expected_version, noun="change")
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(change, name, value)
    if change.change_type == ChangeType.STANDARD and change.template_id is None:
        raise ProcessError("A standard change is created from a standard-change template; pick one from the catalogue.")
    if change.change_type != ChangeType.STANDARD and change.template_id is not None:
        change.template = None
    if change.template_id is not None:
        # Still standard: the plans and services stay the template's (changes/domain/standard.py).
        _refuse_template_deviations(change.template, fields, services)
        for name, value in template_values(change.template).items():
            if name in TEMPLATE_FIXED_FIELDS:
                setattr(change, name, value)
    _validate_window({"window_start": change.window_start, "window_end": change.window_end})
    with attributed(change, by=user, reason="draft saved"):
        change.save()
        if services is not None:
            change.services.set(services)
    return change


def template_problems(change: ChangeRequest) -> dict[str, list[str]]:
    """Where a standard change's current content departs from its template (field -> messages)."""
    template = change.template
    return template_deviations(
        template_name=template.slug,
        template_values=template_values(template),
        template_services=[s.slug for s in template.services.all()],
        values={name: getattr(change, name) or "" for name in TEMPLATE_FIXED_FIELDS},
        services=[s.slug for s in change.services.all()],
    )


def submission_values(change: ChangeRequest, services=None) -> dict:
    values = {name: getattr(change, name) for name in REQUIRED_FIELDS if name != "services"}
    values["services"] = list(services if services is not None else change.services.all())
    return values
