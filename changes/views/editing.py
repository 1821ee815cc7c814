"""The change request form: a new request, editing a draft, the check as the form is filled in."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from delivery_portal import concurrency, roles
from delivery_portal.errors import ConcurrentEditError, ProcessError

from ..domain.submission import REQUIRED_FIELDS, submission_problems
from ..forms import ChangeRequestForm
from ..models import ChangeRequest, ChangeState, StandardChangeTemplate
from ..selectors.conflicts import window_conflicts
from ..services.decisions import change_submit
from ..services.drafts import change_create, change_update, submission_values, template_values
from .common import require_requester


def _form_context(request, form, change=None, template=None, problems=None):
    return {"form": form, "change": change, "template": template, "problems": problems}


@require_http_methods(["GET", "HEAD", "POST"])
def change_new(request):
    if request.method == "POST":
        require_requester(request)
    elif not roles.can_request_change(request.user):
        context = _form_context(request, ChangeRequestForm(), None)
        return render(request, "changes/form.html", {**context, "read_only": True})
    template = None
    slug = request.GET.get("template") or request.POST.get("template")
    if slug:
        template = get_object_or_404(StandardChangeTemplate, slug=slug, active=True)
    if request.method == "POST":
        form = ChangeRequestForm(request.POST, template=template)
        if form.is_valid():
            fields, service_list = form.service_fields()
            if template is not None:
                fields.pop("change_type", None)
            try:
                change = change_create(user=request.user, services=service_list, template=template, **fields)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _after_save(request, change)
        return render(request, "changes/form.html", _form_context(request, form, template=template), status=400)
    initial = {}
    if template is not None:
        initial = {**template_values(template), "change_type": "standard", "services": list(template.services.all())}
        start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        initial["window_start"] = start
        initial["window_end"] = start + timedelta(minutes=template.default_duration_minutes)
    form = ChangeRequestForm(initial=initial, template=template)
    return render(request, "changes/form.html", _form_context(request, form, template=template))


@require_http_methods(["GET", "HEAD", "POST"])
def change_edit(request, reference):
    change = get_object_or_404(ChangeRequest, reference=reference)
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
        form = ChangeRequestForm(request.POST, instance=ChangeRequest.objects.get(pk=change.pk))
        if form.is_valid():
            fields, service_list = form.service_fields()
            if change.template_id:
                fields.pop("change_type", None)
            try:
                change_update(change=change, user=request.user, services=service_list,
                                       expected_version=form.cleaned_data.get(concurrency.VERSION_FIELD), **fields)
            except ConcurrentEditError as exc:
                # The second of two editors: told on the form, their draft not written.
                concurrency.form_conflict(form, exc)
                return render(request, "changes/form.html", _form_context(request, form, change), status=409)
            except ProcessError as exc:
                form.add_error(None, exc.detail)
                return render(request, "changes/form.html", _form_context(request, form, change), status=409)
            except ValidationError as exc:
                form.add_error(None, exc)
                return render(request, "changes/form.html", _form_context(request, form, change), status=400)
            return _after_save(request, change)
        return render(request, "changes/form.html", _form_context(request, form, change), status=400)
    form = ChangeRequestForm(instance=change, initial=concurrency.initial_version(change))
    problems = submission_problems(
        change_type=change.change_type, values=submission_values(change), at=timezone.now(),
        has_template=change.template_id is not None,
    )
    return render(request, "changes/form.html", _form_context(request, form, change, problems=problems))


def _after_save(request, change):
    if request.POST.get("intent") == "submit":
        try:
            change_submit(change=change, user=request.user)
        except ProcessError as exc:
            messages.error(request, f"Saved as a draft. {exc.detail} " + " ".join(exc.reasons))
            return redirect("changes:edit", change.reference)
        messages.success(request, f"{change.reference} submitted.")
        return redirect("changes:detail", change.reference)
    messages.success(request, f"Draft {change.reference} saved.")
    return redirect("changes:edit", change.reference)


@require_POST
def change_validate(request):
    """htmx: check the form as the user fills it in (field errors and what submission needs)."""
    require_requester(request)
    change = None
    reference = request.POST.get("reference")
    if reference:
        change = ChangeRequest.objects.filter(reference=reference).first()
    template = None
    if request.POST.get("template"):
        template = StandardChangeTemplate.objects.filter(slug=request.POST["template"]).first()
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
