"""The post-mortem page and its action items."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from delivery_portal import concurrency, formposts, roles
from delivery_portal.audit import history_entries

from .. import domain, selectors
from ..forms import ActionItemForm, ActionItemStatusForm, PostMortemForm
from ..models import ActionItem, PostMortem
from ..services import postmortem as postmortem_services
from .common import WRITERS, can_write, get_incident, require_writer


def _postmortem_url(incident) -> str:
    return reverse("incidents:postmortem", kwargs={"reference": incident.reference})


def _postmortem_form(request, postmortem):
    # A post-mortem not written yet is at the version its first save starts from.
    version = concurrency.initial_version(postmortem or PostMortem())
    return PostMortemForm(request.POST or None, instance=postmortem, initial=version)


def _postmortem_page(request, incident, *, form=None, item_form=None, status=200):
    postmortem = selectors.incident_postmortem(incident, with_items=True)
    return render(
        request,
        "incidents/postmortem.html",
        {
            "incident": incident,
            "postmortem": postmortem,
            "form": form or _postmortem_form(request, postmortem),
            "clocks": selectors.incident_clocks(incident),
            "timeline": list(incident.timeline.all()),
            "action_items": list(postmortem.action_items.all()) if postmortem else [],
            "item_form": item_form or ActionItemForm(),
            "status_form": ActionItemStatusForm,
            "statuses": ActionItem.Status.choices,
            "can_write": can_write(request.user),
            "history": history_entries(postmortem) if postmortem else [],
            "resolved": incident.state in domain.RESOLVED_STATES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def postmortem_edit(request, reference):
    incident = get_incident(reference)
    if request.method == "GET":
        return _postmortem_page(request, incident)
    require_writer(request)  # the page itself is open to everyone
    form = _postmortem_form(request, selectors.incident_postmortem(incident))
    saved = []

    def save(data):
        saved.append(postmortem_services.postmortem_save(
            incident=incident, by=request.user, expected_version=data.get(concurrency.VERSION_FIELD),
            **{n: data[n] for n in postmortem_services.POSTMORTEM_FIELDS}))
        if "complete" in request.POST:
            postmortem_services.postmortem_complete(incident=incident, by=request.user)
            return "Post-mortem completed."
        return "Post-mortem saved."

    outcome = formposts.submit(form, save, process_on_form=False)
    if outcome.ok:
        messages.success(request, outcome.result)
        return redirect(_postmortem_url(incident))
    if outcome.status == formposts.REFUSED_STATUS and not outcome.conflict:
        messages.error(request, outcome.error)
        if saved:
            # The draft was saved but cannot be completed yet: the form edits the new version.
            data = request.POST.copy()
            data[concurrency.VERSION_FIELD] = concurrency.current_version(saved[0])
            form = PostMortemForm(data, instance=saved[0])
            form.is_valid()
    return _postmortem_page(request, incident, form=form, status=outcome.status)


@require_POST
@roles.role_required(*WRITERS)
def action_item_add(request, reference):
    incident = selectors.incident_or_404(reference)
    form = ActionItemForm(request.POST)
    return formposts.handle(
        request, form, lambda data: postmortem_services.action_item_add(incident=incident, by=request.user, **data),
        on_success=lambda item: redirect(_postmortem_url(incident) + "#action-items"),
        on_failure=lambda status: _postmortem_page(request, get_incident(reference), item_form=form, status=status),
        success_message="Action item added.",
    )


@require_POST
def action_item_status(request, item_id):
    item = selectors.action_item_or_404(item_id)
    # Not a role of the whole view: an item's owner may update it whatever their roles.
    if not (can_write(request.user) or item.owner_id == request.user.pk):
        raise PermissionDenied("Only on-call staff, managers and the owner update an action item.")
    outcome = formposts.submit(
        ActionItemStatusForm(request.POST),
        lambda data: postmortem_services.action_item_set_status(item=item, status=data["status"], by=request.user),
    )
    if outcome.ok:
        messages.success(request, f"“{item.title}” is now {outcome.result.get_status_display().lower()}.")
    else:
        formposts.message_failure(request, outcome, prefix="The status was not changed: ")
    # Back where the form was: the post-mortem page or the action-item list.
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(_postmortem_url(item.postmortem.incident) + "#action-items")
