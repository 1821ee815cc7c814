from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from delivery_portal import formposts, roles
from delivery_portal.audit import history_entries
from delivery_portal.exports import csv_response, dated_filename
from delivery_portal.strategy_guide import QUESTIONS, STRATEGIES, Strategy, recommend

from . import domain, selectors
from .charts import gate_figure
from .filtersets import DeploymentFilterSet
from .forms import ConfirmForm, GuideForm, PromoteForm, ReasonForm, StartDeploymentForm
from .models import DeploymentState
from .services import controls, starting, traffic

POLL_SECONDS = 3


def _filtered_deployments(params) -> DeploymentFilterSet:
    """The list's FilterSet for the query string; the page and its CSV export share it (and
    the API list its class), so all three match the same deployments."""
    return DeploymentFilterSet(params, queryset=selectors.deployment_list().prefetch_related(None))


@require_safe
def deployment_list(request):
    filterset = _filtered_deployments(request.GET)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = {name: value for name, value in filterset.form.cleaned_data.items() if value}
    return render(request, "deployments/list.html", {
        "page_obj": page, "filters": query, "state": query.get("state"), "states": DeploymentState.choices,
        "querystring_base": urlencode(query),
        "can_start": roles.has_role(request.user, roles.DELIVERY_MANAGER),
    })


DEPLOYMENT_CSV_COLUMNS = [
    ("id", "pk"),
    ("service", "service.slug"),
    ("environment", "environment"),
    ("version", "version"),
    ("strategy", "strategy"),
    ("state", "state"),
    ("traffic_percent", "traffic_percent"),
    ("critical", "critical"),
    ("recorded", "recorded"),
    ("against_a_gate", "flagged"),
    ("gate_violations", lambda d: "; ".join(str(v) for v in d.gate_violations or ())),
    ("change", "change.reference"),
    ("release", "release.version"),
    ("requested_by", "requested_by.username"),
    ("created_at", "created_at"),
    ("started_at", "started_at"),
    ("finished_at", "finished_at"),
]


@require_safe
def deployment_list_csv(request):
    """The list as CSV with the page's filter: every matching deployment, in the page's order."""
    return csv_response(_filtered_deployments(request.GET).qs, DEPLOYMENT_CSV_COLUMNS, filename=dated_filename("deployments"))


@require_safe
def strategy_guide(request):
    form = GuideForm(request.GET or None)
    recommendation = None
    if request.GET and form.is_valid():
        recommendation = recommend({key: form.cleaned_data[key] for key in QUESTIONS})
    return render(request, "deployments/guide.html", {
        "form": form, "recommendation": recommendation, "strategies": STRATEGIES.values(),
        "plans": {key: domain.build_plan(key) for key in STRATEGIES},
    })


# The regions of the pages that htmx swaps: the element's id, which htmx sends as HX-Target.
GUIDE_REGION = "strategy-guide"  # the start page's recommendation, swapped when the service changes
LIVE_REGION = "live"  # the detail page's live part, polled and swapped after each control
START_FIELDS = ("service", "environment", "version", "strategy", "change", "release", "critical", "reason")


def deployment_start(request):
    """The start form, with the strategy guide (its table, and its recommendation for the
    chosen service and release) next to the strategy field."""
    values = request.POST if request.method == "POST" else request.GET
    recommendation = selectors.strategy_recommendation(
        service_slug=values.get("service"), release_version=values.get("release")
    )
    if request.method == "GET" and request.htmx and request.htmx.target == GUIDE_REGION:
        return render(request, "deployments/start.html#guide", {"recommended": recommendation, "strategies": STRATEGIES.values()})
    refused, status = None, 200
    if request.method == "POST":
        roles.require_role(request.user, roles.DELIVERY_MANAGER)
    if request.method == "POST" and "recommend" in request.POST:
        # "Recommend a strategy" without JavaScript: the same form again, nothing started.
        form = StartDeploymentForm(initial={key: request.POST.get(key) for key in START_FIELDS if request.POST.get(key)})
    elif request.method == "POST":
        form = StartDeploymentForm(request.POST)
        outcome = formposts.submit(form, lambda data: _request_deployment(data, by=request.user))
        if outcome.ok and outcome.result.state != DeploymentState.REFUSED:
            messages.success(request, f"Deployment {outcome.result.pk} started.")
            return redirect("deployments:detail", pk=outcome.result.pk)
        status = outcome.status
        if outcome.ok:  # refused by its gates: recorded, and each reason said on the form
            refused, status = outcome.result, formposts.REFUSED_STATUS
            for reason in refused.refusal_reasons:
                form.add_error(None, reason)
    else:
        initial = {key: request.GET[key] for key in ("service", "environment", "version", "release") if request.GET.get(key)}
        form = StartDeploymentForm(initial={**initial, "strategy": request.GET.get("strategy") or Strategy.CANARY})
    return render(request, "deployments/start.html", {
        "form": form, "can_start": roles.has_role(request.user, roles.DELIVERY_MANAGER), "refused": refused,
        "recommended": recommendation, "strategies": STRATEGIES.values(),
    }, status=status)


def _request_deployment(data, *, by):
    return starting.deployment_request(
        service=data["service"], environment=data["environment"].strip(), version=data["version"].strip(),
        strategy=data["strategy"], change=data["change"], release=data["release"],
        critical=data["critical"], reason=data["reason"], by=by,
    )


def _detail_context(request, pk):
    deployment = get_object_or_404(selectors.deployments_with_detail(), pk=pk)
    evaluations = list(deployment.evaluations.all())
    stages = list(deployment.stages.all())
    return {
        "deployment": deployment,
        "stages": stages,
        "events": list(deployment.events.all()),
        "evaluations": evaluations[-10:][::-1],
        "latest": evaluations[-1] if evaluations else None,
        "figure": gate_figure(
            evaluations, p99_threshold_ms=deployment.service.p99_threshold_ms,
            start=deployment.started_at, end=deployment.finished_at or timezone.now(),
        ),
        "pending_shift": selectors.pending_manual_shift(deployment),
        "is_manager": roles.has_role(request.user, roles.DELIVERY_MANAGER),
        "actions": domain.allowed_actions(deployment.state),
        "poll_seconds": POLL_SECONDS,
        "max_error_rate": domain.MAX_ERROR_RATE,
        "promote_form": PromoteForm(),
    }


@require_safe
def deployment_detail(request, pk):
    context = _detail_context(request, pk)
    if request.htmx and request.htmx.target == LIVE_REGION:
        return render(request, "deployments/detail.html#live", context)
    context["history"] = history_entries(context["deployment"])
    return render(request, "deployments/detail.html", context)


def _control(request, pk, service, *, done: str, form_class=ReasonForm):
    """One of a manager's controls: the posted form through formposts to
    `service(deployment=, by=, **form data)`, its outcome as a message, then the live
    partial (htmx) or back to the page."""
    deployment = get_object_or_404(selectors.deployments_with_detail(), pk=pk)
    outcome = formposts.submit(
        form_class(request.POST), lambda data: service(deployment=deployment, by=request.user, **data)
    )
    if outcome.ok:
        messages.success(request, f"Deployment {deployment.pk}: {done}.")
    else:
        formposts.message_failure(request, outcome)
    if request.htmx:
        return render(request, "deployments/detail.html#live", _detail_context(request, pk))
    return redirect("deployments:detail", pk=pk)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def deployment_pause(request, pk):
    return _control(request, pk, controls.deployment_pause, done="paused")


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def deployment_resume(request, pk):
    return _control(request, pk, controls.deployment_resume, done="resumed")


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def deployment_promote(request, pk):
    return _control(request, pk, controls.deployment_promote, done="promoted to the next stage", form_class=PromoteForm)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def deployment_rollback(request, pk):
    return _control(request, pk, controls.deployment_rollback, done="rolled back")


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def confirm_shift(request, pk):
    return _control(request, pk, traffic.traffic_shift_confirm, done="traffic shift confirmed", form_class=ConfirmForm)
