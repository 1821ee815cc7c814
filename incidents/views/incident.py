"""The incident pages: open one, its page, its timeline and the small forms that change it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from delivery_portal import concurrency, formposts, roles
from delivery_portal.audit import history_entries

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
from ..models import PostMortem, TimelineKind
from ..services import lifecycle, timeline
from .common import WRITERS, can_write, detail_url, get_incident, require_writer


@require_http_methods(["GET", "POST"])
def incident_new(request):
    form = IncidentOpenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_writer(request)  # the page itself is open to everyone (it says who may open one)
        outcome = formposts.submit(form, lambda data: lifecycle.incident_open(
            title=data["title"],
            severity=data["severity"],
            services=list(data["services"]),
            impact_started_at=data["impact_started_at"],
            detected_at=data.get("detected_at"),
            summary=data.get("summary", ""),
            counts_against_sla=data.get("counts_against_sla"),
            by=request.user,
        ))
        if outcome.ok:
            messages.success(request, f"{outcome.result.reference} opened.")
            return redirect(detail_url(outcome.result))
        status = outcome.status
    else:
        form.initial.setdefault("impact_started_at", timezone.now().replace(microsecond=0))
    targets = [(sev, domain.SEVERITY_TARGETS[sev]) for sev in domain.SEVERITIES]
    context = {
        "form": form,
        "can_write": can_write(request.user),
        "severity_targets": [(sev, domain.format_duration(t.response), domain.format_duration(t.resolution)) for sev, t in targets],
    }
    return render(request, "incidents/new.html", context, status=status)


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


# The regions of the incident page that htmx reloads: the id it targets -> the partial.
DETAIL_PARTIALS = {"incident-status": "status", "timeline": "timeline"}


@require_safe
def incident_detail(request, reference):
    incident = get_incident(reference, with_timeline=False)
    context = _detail_context(request, incident)
    partial = DETAIL_PARTIALS.get(request.htmx.target) if request.htmx else None
    return render(request, f"incidents/detail.html#{partial}" if partial else "incidents/detail.html", context)


@require_POST
@roles.role_required(*WRITERS)
def timeline_append(request, reference):
    incident = selectors.incident_or_404(reference)
    form = TimelineEntryForm(request.POST)
    outcome = formposts.submit(form, lambda data: timeline.timeline_append(
        incident=incident, kind=data["kind"], text=data["text"], at=data.get("at"), by=request.user,
    ), process_on_form=False)
    if not request.htmx:
        formposts.message_failure(request, outcome, prefix="The entry was not added: ")
        return redirect(detail_url(incident, "timeline"))
    incident = get_incident(reference, with_timeline=False)
    context = _detail_context(request, incident, entry_form=None if outcome.ok else form)
    context["timeline_error"] = outcome.error if outcome.status == formposts.REFUSED_STATUS else ""
    # 200 whatever the outcome: htmx swaps only successful answers, and the region shows the errors.
    response = render(request, "incidents/detail.html#timeline", context)
    if outcome.ok:
        trigger_client_event(response, "incidentUpdated")
    return response


@require_http_methods(["GET", "POST"])
def timeline_edit(request, reference, entry_id):
    entry = selectors.timeline_entry_or_404(reference, entry_id)
    form = TimelineEditForm(request.POST or None, initial={"text": entry.text})
    status = 200
    if request.method == "POST":
        require_writer(request)  # the page shows the entry's versions to everyone
        outcome = formposts.submit(form, lambda data: timeline.timeline_edit(entry=entry, text=data["text"], by=request.user))
        if outcome.ok:
            messages.success(request, "Entry updated; the previous text is kept in its history.")
            return redirect(detail_url(entry.incident, f"entry-{entry.pk}"))
        status = outcome.status
    return render(
        request, "incidents/timeline_edit.html",
        {"entry": entry, "incident": entry.incident, "form": form, "versions": selectors.timeline_entry_versions(entry), "can_write": can_write(request.user)},
        status=status,
    )


def _post_action(request, reference, form_class, service, form_key):
    """The small forms of the incident page: `service(incident, data)` returns the success
    message; a refusal or bad input shows the page again with the form and the reason."""
    incident = selectors.incident_or_404(reference)
    form = form_class(request.POST)

    def page_again(status):
        fresh = get_incident(reference, with_timeline=False)
        return render(request, "incidents/detail.html", _detail_context(request, fresh, **{form_key: form}), status=status)

    return formposts.handle(
        request, form, lambda data: service(incident, data),
        on_success=lambda message: redirect(detail_url(incident)),
        on_failure=page_again,
        success_message=lambda message: message,
    )


@require_POST
@roles.role_required(*WRITERS)
def incident_details(request, reference):
    def update(incident, data):
        lifecycle.incident_update(incident=incident, title=data["title"], summary=data["summary"], services=list(data["services"]),
                                  by=request.user, expected_version=data.get(concurrency.VERSION_FIELD))
        return "Details saved; the old values are in the history."

    return _post_action(request, reference, DetailsForm, update, "details_form")


@require_POST
@roles.role_required(*WRITERS)
def incident_severity(request, reference):
    def update(incident, data):
        lifecycle.incident_update(incident=incident, severity=data["severity"], by=request.user,
                                  expected_version=data.get(concurrency.VERSION_FIELD))
        return f"Severity is now {data['severity']}; clocks re-timed from detection."

    return _post_action(request, reference, SeverityForm, update, "severity_form")


@require_POST
@roles.role_required(*WRITERS)
def incident_commander(request, reference):
    def assign(incident, data):
        lifecycle.incident_assign_commander(incident=incident, commander=data["commander"], by=request.user)
        return f"{data['commander'].username} is the incident commander."

    return _post_action(request, reference, CommanderForm, assign, "commander_form")


@require_POST
@roles.role_required(*WRITERS)
def incident_transition(request, reference):
    def move(incident, data):
        updated = lifecycle.incident_transition(
            incident=incident, to=data["to"], by=request.user, at=data.get("at"),
            commander=data.get("commander"), impact_ended_at=data.get("impact_ended_at"),
        )
        return f"{updated.reference} moved to {updated.get_state_display().lower()}."

    return _post_action(request, reference, TransitionForm, move, "transition_form")


@require_POST
@roles.role_required(*WRITERS)
def incident_correct_times(request, reference):
    def correct(incident, data):
        data = dict(data)
        reason = data.pop("reason")
        lifecycle.incident_correct_times(incident=incident, by=request.user, reason=reason, **data)
        return "Times corrected; the old values are in the history."

    return _post_action(request, reference, CorrectTimesForm, correct, "times_form")
