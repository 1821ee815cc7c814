"""Incident pages. Every change goes through incidents.services; roles are checked here too."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from delivery_portal import concurrency, roles
from delivery_portal.audit import history_entries
from delivery_portal.errors import ConcurrentEditError, ProcessError, add_to_form
from delivery_portal.exports import csv_response, dated_filename
from delivery_portal.widgets import options
from sla.models import Service

from . import domain, selectors, services
from .forms import (
    ActionItemForm,
    ActionItemStatusForm,
    CommanderForm,
    CorrectTimesForm,
    DetailsForm,
    IncidentOpenForm,
    PostMortemForm,
    SeverityForm,
    TimelineEditForm,
    TimelineEntryForm,
    TransitionForm,
)
from .models import ActionItem, Incident, IncidentState, PostMortem, TimelineEntry, TimelineKind

WRITERS = (roles.ON_CALL,)  # delivery managers hold every role


def _can_write(user):
    return roles.has_any_role(user, *WRITERS)


def _require_writer(request):
    roles.require_role(request.user, *WRITERS)


def _detail_url(incident, anchor=""):
    return reverse("incidents:detail", kwargs={"reference": incident.reference}) + (f"#{anchor}" if anchor else "")


# --- list --------------------------------------------------------------------------------
def _filtered_incidents(params):
    """The list's incidents for the query string's filters, and those filters (for links).

    Shared by the page and its CSV export, so that the two cannot disagree."""
    service = params.get("service") or None
    state = params.get("state") or None
    severity = params.get("severity") or None
    show = params.get("show", "open")
    qs = selectors.incident_list(service=service, state=state, severity=severity, open_only=(show == "open" and not state))
    filters = {k: v for k, v in (("service", service), ("state", state), ("severity", severity), ("show", show)) if v}
    return qs, filters


@require_safe
def incident_list(request):
    qs, filters = _filtered_incidents(request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = selectors.attach_clocks(page.object_list)
    service = filters.get("service")
    context = {
        "page_obj": page,
        # Built in Python: a template loop over 500 services was half of the page's render time.
        "service_options": options(Service.objects.order_by("name").values_list("slug", "name"), service),
        "states": IncidentState.choices,
        "severities": domain.SEVERITIES,
        "filters": filters,
        "querystring_base": urlencode(filters),
        "can_write": _can_write(request.user),
        "now": timezone.now(),
    }
    template = "incidents/list.html#table" if request.htmx else "incidents/list.html"
    return render(request, template, context)


def _clocks(incident, at):
    """The incident's clocks, computed once per row (from the list's annotations: no query)."""
    if not hasattr(incident, "clocks"):
        incident.clocks = selectors.incident_clocks(incident, at=at)
    return incident.clocks


def _incident_csv_columns(at):
    return [
        ("reference", "reference"),
        ("title", "title"),
        ("severity", "severity"),
        ("state", "state"),
        ("services", lambda i: ", ".join(s.slug for s in i.services.all())),
        ("commander", "commander.username"),
        ("counts_against_sla", "counts_against_sla"),
        ("impact_started_at", "impact_started_at"),
        ("impact_ended_at", "impact_ended_at"),
        ("detected_at", "detected_at"),
        ("acknowledged_at", "acknowledged_at"),
        ("resolved_at", "resolved_at"),
        ("response_due_at", lambda i: _clocks(i, at).response_due_at),
        ("response_breached", lambda i: _clocks(i, at).response_breached),
        ("resolution_due_at", lambda i: _clocks(i, at).resolution_due_at),
        ("resolution_breached", lambda i: _clocks(i, at).resolution_breached),
        ("next_update_due_at", lambda i: _clocks(i, at).next_update_due_at),
        ("postmortem_overdue", lambda i: _clocks(i, at).postmortem_overdue),
        ("caused_by_change", "caused_by_change.reference"),
        ("caused_by_deployment", "caused_by_deployment_id"),
    ]


@require_safe
def incident_list_csv(request):
    """The list as CSV with the page's filters: every matching incident, not one page."""
    qs, _filters = _filtered_incidents(request.GET)
    return csv_response(qs, _incident_csv_columns(timezone.now()), filename=dated_filename("incidents"))


# --- open --------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def incident_new(request):
    if request.method == "POST":
        _require_writer(request)
    form = IncidentOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_open(
                title=data["title"],
                severity=data["severity"],
                services=list(data["services"]),
                impact_started_at=data["impact_started_at"],
                detected_at=data.get("detected_at"),
                summary=data.get("summary", ""),
                counts_against_sla=data.get("counts_against_sla"),
                by=request.user,
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, f"{incident.reference} opened.")
            return redirect(_detail_url(incident))
    if request.method == "GET" and not form.is_bound:
        form.initial.setdefault("impact_started_at", timezone.now().replace(microsecond=0))
    context = {"form": form, "can_write": _can_write(request.user)}
    return render(request, "incidents/new.html", context, status=400 if form.errors else 200)


# --- detail ------------------------------------------------------------------------------
def _detail_context(request, incident, **forms):
    clocks = selectors.incident_clocks(incident)
    show_all = request.GET.get("timeline") == "all"
    timeline, earlier_hidden = selectors.timeline_page(incident, show_all=show_all)
    next_states = domain.allowed_targets(incident.state)
    try:
        postmortem = incident.postmortem
    except PostMortem.DoesNotExist:
        postmortem = None
    context = {
        "incident": incident,
        "clocks": clocks,
        "targets": domain.SEVERITY_TARGETS[incident.severity],
        "timeline": timeline,
        "timeline_earlier_hidden": earlier_hidden,
        "timeline_page": selectors.TIMELINE_PAGE,
        "next_state": next_states[0] if next_states else None,
        "postmortem": postmortem,
        "postmortem_required": domain.postmortem_required(incident.severity),
        "can_write": _can_write(request.user),
        "entry_form": forms.get("entry_form") or TimelineEntryForm(),
        "details_form": forms.get("details_form")
        or DetailsForm(initial={"title": incident.title, "summary": incident.summary,
                                "services": [s.pk for s in incident.services.all()], **concurrency.initial_version(incident)}),
        "severity_form": forms.get("severity_form") or SeverityForm(initial={"severity": incident.severity, **concurrency.initial_version(incident)}),
        "commander_form": forms.get("commander_form") or CommanderForm(initial={"commander": incident.commander_id or request.user.pk}),
        "transition_form": forms.get("transition_form") or TransitionForm(initial={"commander": request.user.pk}),
        "times_form": forms.get("times_form")
        or CorrectTimesForm(
            initial={
                "impact_started_at": incident.impact_started_at,
                "detected_at": incident.detected_at,
                "impact_ended_at": incident.impact_ended_at,
                "acknowledged_at": incident.acknowledged_at,
                "resolved_at": incident.resolved_at,
            }
        ),
        "durations": {
            name: domain.format_duration(value)
            for name, value in domain.durations(
                impact_started_at=incident.impact_started_at,
                detected_at=incident.detected_at,
                acknowledged_at=incident.acknowledged_at,
                resolved_at=incident.resolved_at,
                impact_ended_at=incident.impact_ended_at,
            ).items()
        },
        "history": history_entries(incident),
        "kinds": TimelineKind.choices,
    }
    return context


def _get_incident(reference, *, with_timeline=True):
    try:
        return selectors.incident_detail(reference, with_timeline=with_timeline)
    except Incident.DoesNotExist:
        from django.http import Http404

        raise Http404("No such incident.") from None


@require_safe
def incident_detail(request, reference):
    incident = _get_incident(reference, with_timeline=False)
    context = _detail_context(request, incident)
    if request.htmx and request.GET.get("part") in ("status", "timeline"):
        return render(request, f"incidents/detail.html#{request.GET['part']}", context)
    return render(request, "incidents/detail.html", context)


@require_POST
def timeline_append(request, reference):
    _require_writer(request)
    incident = get_object_or_404(Incident, reference=reference)
    form = TimelineEntryForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.timeline_append(
                incident=incident, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"],
                at=form.cleaned_data.get("at"), by=request.user,
            )
        except ValidationError as exc:
            add_to_form(form, exc)
        except ProcessError as exc:
            error = exc.detail
        else:
            form = None
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif form is not None:
            messages.error(request, "The entry was not added: " + "; ".join(e for errs in form.errors.values() for e in errs))
        return redirect(_detail_url(incident, "timeline"))
    incident = _get_incident(reference, with_timeline=False)
    context = _detail_context(request, incident, entry_form=form)
    context["timeline_error"] = error
    response = render(request, "incidents/detail.html#timeline", context, status=200)
    if form is None:
        trigger_client_event(response, "incidentUpdated")
    return response


@require_http_methods(["GET", "POST"])
def timeline_edit(request, reference, entry_id):
    entry = get_object_or_404(TimelineEntry.objects.select_related("incident", "author"), pk=entry_id, incident__reference=reference)
    if request.method == "POST":
        _require_writer(request)
    form = TimelineEditForm(request.POST or None, initial={"text": entry.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.timeline_edit(entry=entry, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, "Entry updated; the previous text is kept in its history.")
            return redirect(_detail_url(entry.incident, f"entry-{entry.pk}"))
    versions = entry.history.select_related("history_user").order_by("-history_date")
    return render(
        request, "incidents/timeline_edit.html",
        {"entry": entry, "incident": entry.incident, "form": form, "versions": versions, "can_write": _can_write(request.user)},
        status=400 if form.errors else 200,
    )


def _post_action(request, reference, form_class, handler, form_key):
    """Shared shape of the small forms of the incident page: POST, service, redirect."""
    _require_writer(request)
    incident = get_object_or_404(Incident, reference=reference)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = handler(incident, form.cleaned_data)
        except ConcurrentEditError as exc:
            # The second of two editors: a form error on the page, nothing overwritten.
            concurrency.form_conflict(form, exc)
            incident = _get_incident(reference)
            return render(request, "incidents/detail.html", _detail_context(request, incident, **{form_key: form}),
                          status=409)
        except ProcessError as exc:
            messages.error(request, exc.detail)
            return redirect(_detail_url(incident))
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            if message:
                messages.success(request, message)
            response = redirect(_detail_url(incident))
            return response
    incident = _get_incident(reference, with_timeline=False)
    return render(request, "incidents/detail.html", _detail_context(request, incident, **{form_key: form}), status=400)


@require_POST
def incident_details(request, reference):
    def handle(incident, data):
        services.incident_update(incident=incident, title=data["title"], summary=data["summary"], services=list(data["services"]),
                                 by=request.user, expected_version=data.get(concurrency.VERSION_FIELD))
        return "Details saved; the old values are in the history."

    return _post_action(request, reference, DetailsForm, handle, "details_form")


@require_POST
def incident_severity(request, reference):
    def handle(incident, data):
        services.incident_update(incident=incident, severity=data["severity"], by=request.user,
                                 expected_version=data.get(concurrency.VERSION_FIELD))
        return f"Severity is now {data['severity']}; clocks re-timed from detection."

    return _post_action(request, reference, SeverityForm, handle, "severity_form")


@require_POST
def incident_commander(request, reference):
    def handle(incident, data):
        services.incident_assign_commander(incident=incident, commander=data["commander"], by=request.user)
        return f"{data['commander'].username} is the incident commander."

    return _post_action(request, reference, CommanderForm, handle, "commander_form")


@require_POST
def incident_transition(request, reference):
    def handle(incident, data):
        updated = services.incident_transition(
            incident=incident, to=data["to"], by=request.user, at=data.get("at"),
            commander=data.get("commander"), impact_ended_at=data.get("impact_ended_at"),
        )
        return f"{updated.reference} moved to {updated.get_state_display().lower()}."

    return _post_action(request, reference, TransitionForm, handle, "transition_form")


@require_POST
def incident_correct_times(request, reference):
    def handle(incident, data):
        data = dict(data)
        reason = data.pop("reason")
        services.incident_correct_times(incident=incident, by=request.user, reason=reason, **data)
        return "Times corrected; the old values are in the history."

    return _post_action(request, reference, CorrectTimesForm, handle, "times_form")


# --- post-mortem -------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def postmortem_edit(request, reference):
    incident = _get_incident(reference)
    postmortem = PostMortem.objects.filter(incident=incident).prefetch_related("action_items__owner").first()
    if request.method == "POST":
        _require_writer(request)
    # A post-mortem not written yet is at the version its first save starts from.
    version = concurrency.initial_version(postmortem or PostMortem())
    form = PostMortemForm(request.POST or None, instance=postmortem, initial=version)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            saved = None
            try:
                saved = services.postmortem_save(
                    incident=incident, by=request.user, expected_version=form.cleaned_data.get(concurrency.VERSION_FIELD),
                    **{n: form.cleaned_data[n] for n in services.POSTMORTEM_FIELDS})
                if "complete" in request.POST:
                    services.postmortem_complete(incident=incident, by=request.user)
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
            "can_write": _can_write(request.user),
            "history": history_entries(postmortem) if postmortem else [],
            "resolved": incident.state in (IncidentState.RESOLVE, IncidentState.REVIEW, IncidentState.CLOSED),
        },
        status=status,
    )


@require_POST
def action_item_add(request, reference):
    _require_writer(request)
    incident = get_object_or_404(Incident, reference=reference)
    form = ActionItemForm(request.POST)
    if form.is_valid():
        try:
            services.action_item_add(incident=incident, by=request.user, **form.cleaned_data)
            messages.success(request, "Action item added.")
        except ProcessError as exc:
            messages.error(request, exc.detail)
    else:
        messages.error(request, "The action item needs a title, an owner and a due date.")
    return redirect(reverse("incidents:postmortem", kwargs={"reference": incident.reference}) + "#action-items")


@require_POST
def action_item_status(request, item_id):
    item = get_object_or_404(ActionItem.objects.select_related("postmortem__incident"), pk=item_id)
    if not (_can_write(request.user) or item.owner_id == request.user.pk):
        raise PermissionDenied("Only on-call staff, managers and the owner update an action item.")
    form = ActionItemStatusForm(request.POST)
    if form.is_valid():
        services.action_item_set_status(item=item, status=form.cleaned_data["status"], by=request.user)
        messages.success(request, f"“{item.title}” is now {dict(ActionItem.Status.choices)[form.cleaned_data['status']].lower()}.")
    else:
        messages.error(request, "Choose a status.")
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(reverse("incidents:postmortem", kwargs={"reference": item.postmortem.incident.reference}) + "#action-items")


def _filtered_action_items(params, *, at):
    """The action items for the query string's filters, and those filters (page and CSV)."""
    status = params.get("status", "open")
    owner = params.get("owner") or None
    overdue = params.get("overdue") == "1"
    qs = selectors.action_items(status=status if status != "all" else None, owner=owner, overdue_only=overdue, at=at)
    filters = {k: v for k, v in (("status", status), ("owner", owner), ("overdue", "1" if overdue else None)) if v}
    return qs, filters


@require_safe
def action_item_list(request):
    now = timezone.now()
    qs, filters = _filtered_action_items(request.GET, at=now)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/action_items.html",
        {
            "page_obj": page,
            "today": now.date(),
            "filters": filters,
            "querystring_base": urlencode(filters),
            "statuses": ActionItem.Status.choices,
            "overdue_postmortems": selectors.overdue_postmortems(at=now),
            "can_write": _can_write(request.user),
        },
    )


@require_safe
def action_item_list_csv(request):
    now = timezone.now()
    qs, _filters = _filtered_action_items(request.GET, at=now)
    today = now.date()
    columns = [
        ("incident", "postmortem.incident.reference"),
        ("incident_title", "postmortem.incident.title"),
        ("action", "title"),
        ("owner", "owner.username"),
        ("due_date", "due_date"),
        ("status", "status"),
        ("overdue", lambda item: item.is_open and item.due_date < today),
    ]
    return csv_response(qs, columns, filename=dated_filename("action-items"))
