"""The incident pages: open one, its page, its timeline and the small forms that change it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from delivery_portal import concurrency
from delivery_portal.audit import history_entries
from delivery_portal.errors import ConcurrentEditError, ProcessError, add_to_form

from .. import domain, selectors
from ..forms import (
    CommanderForm,
    CorrectTimesForm,
    DetailsForm,
    IncidentOpenForm,
    SeverityForm,
    TimelineEditForm,
    TimelineEntryForm,
    TransitionForm,
)
from ..models import Incident, PostMortem, TimelineEntry, TimelineKind
from ..services import lifecycle, timeline
from .common import can_write, detail_url, get_incident, require_writer


@require_http_methods(["GET", "POST"])
def incident_new(request):
    if request.method == "POST":
        require_writer(request)
    form = IncidentOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = lifecycle.incident_open(
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
            return redirect(detail_url(incident))
    if request.method == "GET" and not form.is_bound:
        form.initial.setdefault("impact_started_at", timezone.now().replace(microsecond=0))
    targets = [(sev, domain.SEVERITY_TARGETS[sev]) for sev in domain.SEVERITIES]
    context = {
        "form": form,
        "can_write": can_write(request.user),
        "severity_targets": [(sev, domain.format_duration(t.response), domain.format_duration(t.resolution)) for sev, t in targets],
    }
    return render(request, "incidents/new.html", context, status=400 if form.errors else 200)


# --- detail ------------------------------------------------------------------------------
def _detail_context(request, incident, **forms):
    clocks = selectors.incident_clocks(incident)
    show_all = request.GET.get("timeline") == "all"
    entries, earlier_hidden = selectors.timeline_page(incident, show_all=show_all)
    next_states = domain.allowed_targets(incident.state)
    try:
        postmortem = incident.postmortem
    except PostMortem.DoesNotExist:
        postmortem = None
    context = {
        "incident": incident,
        "clocks": clocks,
        "targets": domain.SEVERITY_TARGETS[incident.severity],
        "timeline": entries,
        "timeline_earlier_hidden": earlier_hidden,
        "timeline_page": selectors.TIMELINE_PAGE,
        "next_state": next_states[0] if next_states else None,
        "postmortem": postmortem,
        "postmortem_required": domain.postmortem_required(incident.severity),
        "can_write": can_write(request.user),
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


@require_safe
def incident_detail(request, reference):
    incident = get_incident(reference, with_timeline=False)
    context = _detail_context(request, incident)
    if request.htmx and request.GET.get("part") in ("status", "timeline"):
        return render(request, f"incidents/detail.html#{request.GET['part']}", context)
    return render(request, "incidents/detail.html", context)


@require_POST
def timeline_append(request, reference):
    require_writer(request)
    incident = get_object_or_404(Incident, reference=reference)
    form = TimelineEntryForm(request.POST)
    error = None
    if form.is_valid():
        try:
            timeline.timeline_append(
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
        return redirect(detail_url(incident, "timeline"))
    incident = get_incident(reference, with_timeline=False)
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
        require_writer(request)
    form = TimelineEditForm(request.POST or None, initial={"text": entry.text})
    if request.method == "POST" and form.is_valid():
        try:
            timeline.timeline_edit(entry=entry, text=form.cleaned_data["text"], by=request.user)
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, "Entry updated; the previous text is kept in its history.")
            return redirect(detail_url(entry.incident, f"entry-{entry.pk}"))
    versions = entry.history.select_related("history_user").order_by("-history_date")
    return render(
        request, "incidents/timeline_edit.html",
        {"entry": entry, "incident": entry.incident, "form": form, "versions": versions, "can_write": can_write(request.user)},
        status=400 if form.errors else 200,
    )


def _post_action(request, reference, form_class, handler, form_key):
    """Shared shape of the small forms of the incident page: POST, service, redirect."""
    require_writer(request)
    incident = get_object_or_404(Incident, reference=reference)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = handler(incident, form.cleaned_data)
        except ConcurrentEditError as exc:
            # The second of two editors: a form error on the page, nothing overwritten.
            concurrency.form_conflict(form, exc)
            incident = get_incident(reference)
            return render(request, "incidents/detail.html", _detail_context(request, incident, **{form_key: form}),
                          status=409)
        except ProcessError as exc:
            messages.error(request, exc.detail)
            return redirect(detail_url(incident))
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            if message:
                messages.success(request, message)
            response = redirect(detail_url(incident))
            return response
    incident = get_incident(reference, with_timeline=False)
    return render(request, "incidents/detail.html", _detail_context(request, incident, **{form_key: form}), status=400)


@require_POST
def incident_details(request, reference):
    def handle(incident, data):
        lifecycle.incident_update(incident=incident, title=data["title"], summary=data["summary"], services=list(data["services"]),
                                 by=request.user, expected_version=data.get(concurrency.VERSION_FIELD))
        return "Details saved; the old values are in the history."

    return _post_action(request, reference, DetailsForm, handle, "details_form")


@require_POST
def incident_severity(request, reference):
    def handle(incident, data):
        lifecycle.incident_update(incident=incident, severity=data["severity"], by=request.user,
                                 expected_version=data.get(concurrency.VERSION_FIELD))
        return f"Severity is now {data['severity']}; clocks re-timed from detection."

    return _post_action(request, reference, SeverityForm, handle, "severity_form")


@require_POST
def incident_commander(request, reference):
    def handle(incident, data):
        lifecycle.incident_assign_commander(incident=incident, commander=data["commander"], by=request.user)
        return f"{data['commander'].username} is the incident commander."

    return _post_action(request, reference, CommanderForm, handle, "commander_form")


@require_POST
def incident_transition(request, reference):
    def handle(incident, data):
        updated = lifecycle.incident_transition(
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
        lifecycle.incident_correct_times(incident=incident, by=request.user, reason=reason, **data)
        return "Times corrected; the old values are in the history."

    return _post_action(request, reference, CorrectTimesForm, handle, "times_form")
