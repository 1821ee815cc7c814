"""The change request form: a new request, editing a draft, the check as the form is filled in."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from delivery_portal import concurrency, formposts, roles

from ..domain.submission import REQUIRED_FIELDS, submission_problems
from ..forms import ChangeRequestForm
from ..models import ChangeState
from ..selectors.catalogue import active_template_or_404, template_by_slug
from ..selectors.conflicts import window_conflicts
from ..selectors.detail import change_by_reference, change_or_404
from ..services.decisions import change_submit
from ..services.drafts import change_create, change_update, submission_values, template_values


def _form_context(request, form, change=None, template=None, problems=None):
    return {"form": form, "change": change, "template": template, "problems": problems}


@require_http_methods(["GET", "HEAD", "POST"])
def change_new(request):
    if request.method == "POST":
        roles.require_role(request.user, *roles.WRITER_ROLES)  # anyone but a viewer requests changes
    elif not roles.can_request_change(request.user):
        context = _form_context(request, ChangeRequestForm(), None)
        return render(request, "changes/form.html", {**context, "read_only": True})
    slug = request.GET.get("template") or request.POST.get("template")
    template = active_template_or_404(slug) if slug else None
    if request.method == "POST":
        form = ChangeRequestForm(request.POST, template=template)

        def create(_data):
            fields, service_list = form.service_fields()
            if template is not None:
                fields.pop("change_type", None)
            return change_create(user=request.user, services=service_list, template=template, **fields)

        outcome = formposts.submit(form, create)
        if outcome.ok:
            return _after_save(request, outcome.result)
        return render(request, "changes/form.html", _form_context(request, form, template=template), status=outcome.status)
    form = ChangeRequestForm(initial=_initial_from(template) if template else {}, template=template)
    return render(request, "changes/form.html", _form_context(request, form, template=template))


def _initial_from(template) -> dict:
    """A new standard change: the template's values and services, a window from the next hour tomorrow."""
    initial = {**template_values(template), "change_type": "standard", "services": list(template.services.all())}
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    initial["window_start"] = start
    initial["window_end"] = start + timedelta(minutes=template.default_duration_minutes)
    return initial


@require_http_methods(["GET", "HEAD", "POST"])
def change_edit(request, reference):
    change = change_or_404(reference)
    may_edit = change.requester_id == request.user.pk or roles.has_role(request.user, roles.DELIVERY_MANAGER)
    if not may_edit:
        if request.method == "POST":
            raise PermissionDenied("Only the requester or a delivery manager edits a change.")
        context = _form_context(request, ChangeRequestForm(instance=change), change)
        return render(request, "changes/form.html", {**context, "read_only": True})
    if change.state != ChangeState.DRAFT:
        messages.error(request, f"Only a draft can be edited; {change.reference} is {change.state}.")
        return redirect("changes:detail", change.reference)
    if request.method == "POST":
        # The form edits its own copy: `change` stays as saved if the edit is refused.
        form = ChangeRequestForm(request.POST, instance=change_or_404(reference))

        def update(data):
            fields, service_list = form.service_fields()
            if change.template_id:
                fields.pop("change_type", None)
            return change_update(change=change, user=request.user, services=service_list,
                                 expected_version=data.get(concurrency.VERSION_FIELD), **fields)

        outcome = formposts.submit(form, update)  # a second editor is told on the form, nothing written
        if outcome.ok:
            return _after_save(request, change)
        return render(request, "changes/form.html", _form_context(request, form, change), status=outcome.status)
    form = ChangeRequestForm(instance=change, initial=concurrency.initial_version(change))
    problems = submission_problems(
        change_type=change.change_type, values=submission_values(change), at=timezone.now(),
        has_template=change.template_id is not None,
    )
    return render(request, "changes/form.html", _form_context(request, form, change, problems=problems))


def _after_save(request, change):
    if request.POST.get("intent") != "submit":
        messages.success(request, f"Draft {change.reference} saved.")
        return redirect("changes:edit", change.reference)
    outcome = formposts.call(None, lambda: change_submit(change=change, user=request.user))
    if not outcome.ok:
        formposts.message_failure(request, outcome, prefix="Saved as a draft. ")
        return redirect("changes:edit", change.reference)
    messages.success(request, f"{change.reference} submitted.")
    return redirect("changes:detail", change.reference)


@require_POST
@roles.role_required(*roles.WRITER_ROLES)
def change_validate(request):
    """htmx: check the form as the user fills it in (field errors and what submission needs)."""
    reference, slug = request.POST.get("reference"), request.POST.get("template")
    change = change_by_reference(reference) if reference else None
    template = template_by_slug(slug) if slug else None
    form = ChangeRequestForm(request.POST, instance=change, template=template)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    change_type = data.get("change_type") or request.POST.get("change_type") or "normal"
    values = {name: data.get(name) for name in REQUIRED_FIELDS}
    values["services"] = list(data.get("services") or [])
    problems = submission_problems(
        change_type=change_type, values=values, at=timezone.now(),
        has_template=template is not None or bool(change and change.template_id),
    )
    conflicts = []
    if values["window_start"] and values["window_end"] and values["services"] and "window_end" not in form.errors:
        conflicts = window_conflicts(
            window_start=values["window_start"], window_end=values["window_end"], services=values["services"],
            exclude_pk=change.pk if change else None,
        )
    context = {"form": form, "problems": problems, "conflicts": conflicts, "checked": True}
    return render(request, "changes/form.html#check", context)
