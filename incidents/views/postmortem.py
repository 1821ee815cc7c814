"""The post-mortem page and its action items."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from delivery_portal import concurrency
from delivery_portal.audit import history_entries
from delivery_portal.errors import ConcurrentEditError, ProcessError

from .. import domain, selectors
from ..forms import ActionItemForm, ActionItemStatusForm, PostMortemForm
from ..models import ActionItem, Incident, PostMortem
from ..services import postmortem as postmortem_services
from .common import can_write, get_incident, require_writer


@require_http_methods(["GET", "POST"])
def postmortem_edit(request, reference):
    incident = get_incident(reference)
    postmortem = PostMortem.objects.filter(incident=incident).prefetch_related("action_items__owner").first()
    if request.method == "POST":
        require_writer(request)
    # A post-mortem not written yet is at the version its first save starts from.
    version = concurrency.initial_version(postmortem or PostMortem())
    form = PostMortemForm(request.POST or None, instance=postmortem, initial=version)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = None
            try:
                saved = postmortem_services.postmortem_save(
                    incident=incident, by=request.user, expected_version=form.cleaned_data.get(concurrency.VERSION_FIELD),
                    **{n: form.cleaned_data[n] for n in postmortem_services.POSTMORTEM_FIELDS})
                if "complete" in request.POST:
                    postmortem_services.postmortem_complete(incident=incident, by=request.user)
                    messages.success(request, "Post-mortem completed.")
                else:
                    messages.success(request, "Post-mortem saved.")
                return redirect("incidents:postmortem", reference=incident.reference)
            except ConcurrentEditError as exc:
                # The second of two editors: a form error, their text kept in the form, nothing overwritten.
                concurrency.form_conflict(form, exc)
                status = 409
            except ProcessError as exc:
                messages.error(request, exc.detail)
                status = 409
                if saved is not None:
                    # The draft was saved but cannot be completed yet: the form edits the new version.
                    data = request.POST.copy()
                    data[concurrency.VERSION_FIELD] = concurrency.current_version(saved)
                    form = PostMortemForm(data, instance=saved)
                    form.is_valid()
            postmortem = PostMortem.objects.filter(incident=incident).prefetch_related("action_items__owner").first()
        else:
            status = 400
    clocks = selectors.incident_clocks(incident)
    return render(
        request,
        "incidents/postmortem.html",
        {
            "incident": incident,
            "postmortem": postmortem,
            "form": form,
            "clocks": clocks,
            "timeline": list(incident.timeline.all()),
            "action_items": list(postmortem.action_items.all()) if postmortem else [],
            "item_form": ActionItemForm(),
            "status_form": ActionItemStatusForm,
            "statuses": ActionItem.Status.choices,
            "can_write": can_write(request.user),
            "history": history_entries(postmortem) if postmortem else [],
            "resolved": incident.state in domain.RESOLVED_STATES,
        },
        status=status,
    )


@require_POST
def action_item_add(request, reference):
    require_writer(request)
    incident = get_object_or_404(Incident, reference=reference)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            postmortem_services.action_item_add(incident=incident, by=request.user, **form.cleaned_data)
            messages.success(request, "Action item added.")
        except ProcessError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, "The action item needs a title, an owner and a due date.")
    return redirect(reverse("incidents:postmortem", kwargs={"reference": incident.reference}) + "#action-items")


@require_POST
def action_item_status(request, item_id):
    item = get_object_or_404(ActionItem.objects.select_related("postmortem__incident"), pk=item_id)
    if not (can_write(request.user) or item.owner_id == request.user.pk):
        raise PermissionDenied("Only on-call staff, managers and the owner update an action item.")
    form = ActionItemStatusForm(request.POST)
    if form.is_valid():
        postmortem_services.action_item_set_status(item=item, status=form.cleaned_data["status"], by=request.user)
        messages.success(request, f"“{item.title}” is now {dict(ActionItem.Status.choices)[form.cleaned_data['status']].lower()}.")
    else:
        messages.error(request, "Choose a status.")
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(reverse("incidents:postmortem", kwargs={"reference": item.postmortem.incident.reference}) + "#action-items")
