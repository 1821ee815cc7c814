from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from delivery_portal import concurrency, roles
from delivery_portal.audit import history_entries
from delivery_portal.errors import ConcurrentEditError, ProcessError, add_to_form
from delivery_portal.exports import csv_response, dated_filename

from . import charts, selectors
from .domain import error_budget, periods
from .services import catalogue, freezes as freeze_services, teams
from .filtersets import ServiceOverviewFilterSet
from .forms import FreezeForm, MaintenanceRemoveForm, MaintenanceWindowForm, ServiceForm, TeamForm
from .models import MaintenanceWindow, Service, Team

PAGE_SIZE = 50
SORT_COLUMNS = [("name", "Service"), ("team", "Team"), ("target", "Target"), ("status", "Status"),
                ("remaining", "Remaining"), ("burn", "Burn rate")]


def _period(request) -> str:
    period = request.GET.get("period", "month")
    return period if period in periods.PERIODS else "month"


# --- Overview -------------------------------------------------------------------------------
def _overview_rows(request, *, at) -> tuple[list[dict], dict]:
    """The overview's rows for the query string, and its filters' clean values (page and CSV)."""
    filterset = ServiceOverviewFilterSet(request.GET, queryset=selectors.overview_services())
    f = filterset.cleaned()
    rows = selectors.services_overview(filterset.qs, period=f["period"], status=f["status"], sort=f["sort"], at=at)
    return rows, f


def _overview_context(request, *, service_form=None):
    params = request.GET
    at = timezone.now()
    rows, f = _overview_rows(request, at=at)
    period, sort, status, team, frozen, q = f["period"], f["sort"], f["status"], f["team"], f["frozen"], f["q"]
    descending = sort.startswith("-")
    page = Paginator(rows, PAGE_SIZE).get_page(params.get("page"))

    base = {k: v for k, v in {"period": period if period != "month" else "", "status": status, "team": team, "frozen": frozen, "q": q}.items() if v}
    sort_links = []
    for column, label in SORT_COLUMNS:
        current = sort.lstrip("-") == column
        next_sort = column if (not current or descending) else f"-{column}"
        sort_links.append({"label": label, "url": "?" + urlencode({**base, "sort": next_sort}), "current": current,
                           "descending": current and descending})
    counts = {s: 0 for s in error_budget.STATUSES}
    for row in rows:
        counts[row["budget"].status] += 1
    return {
        "page_obj": page,
        "rows": page.object_list,
        "period": period,
        "periods": periods.PERIODS,
        "sort": sort,
        "sort_links": sort_links,
        "filters": {"status": status, "team": team, "frozen": frozen, "q": q},
        "statuses": [(s, error_budget.STATUS_LABELS[s]) for s in error_budget.STATUSES],
        "teams": list(Team.objects.order_by("name").values_list("slug", "name")),
        "querystring_base": urlencode({**base, "sort": sort}),
        "poll_url": request.get_full_path(),
        "status_counts": [(error_budget.STATUS_LABELS[s], counts[s]) for s in error_budget.STATUSES],
        "at": at,
        "service_form": service_form or ServiceForm(),
    }


@require_safe
def overview(request):
    context = _overview_context(request)
    if request.htmx:
        return render(request, "sla/overview.html#table", context)
    return render(request, "sla/overview.html", context)


OVERVIEW_CSV_COLUMNS = [
    ("service", "service.slug"),
    ("name", "service.name"),
    ("team", "service.team.slug"),
    ("tier", "service.tier"),
    ("sla_target", "budget.sla_target"),
    ("period", "budget.period"),
    ("period_start", "budget.period_start"),
    ("period_end", "budget.period_end"),
    ("budget_minutes", "budget.budget_minutes"),
    ("consumed_minutes", "budget.consumed_minutes"),
    ("remaining_minutes", "budget.remaining_minutes"),
    ("remaining_percent", "budget.remaining_percent"),
    ("burn_rate", "budget.burn_rate"),
    ("status", "budget.status"),
    ("freeze", "budget.freeze"),
]


@require_safe
def overview_csv(request):
    """The overview as CSV with its filters and sort: every matching service with its budget."""
    rows, _filters = _overview_rows(request, at=timezone.now())
    return csv_response(rows, OVERVIEW_CSV_COLUMNS, filename=dated_filename("sla"))


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def service_create(request):
    form = ServiceForm(request.POST)
    if form.is_valid():
        try:
            service = catalogue.service_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Service {service.name} added.")
            return redirect("sla:service", slug=service.slug)
    return render(request, "sla/overview.html", _overview_context(request, service_form=form))


# --- One service ----------------------------------------------------------------------------
def _service_context(request, service, *, edit_form=None, maintenance_form=None, freeze_form=None, open_form=""):
    period = _period(request)
    at = timezone.now()
    detail = selectors.service_budget_detail(service, period=period, at=at)
    budget = selectors.ServiceBudget.from_budget(service, detail)
    impact_windows = [line.window for line in detail.impacts]
    maintenance_windows = [line.window for line in detail.maintenance]
    curve = error_budget.consumption_curve(detail, impact_windows, maintenance_windows)
    counted = {line.window.ref: line for line in detail.impacts}
    impacts = [
        {"window": w, "line": counted.get(w.source_ref) if w.counts_against_sla else None}
        for w in selectors.service_impact_windows(service, start=detail.period_start, end=at)
    ]
    snapshots = selectors.service_snapshots(service, period="month", since=at - timedelta(days=31))
    freezes = selectors.service_freezes(service)
    open_freeze = next((f for f in freezes if f.ended_at is None), None)
    return {
        "service": service,
        "period": period,
        "periods": periods.PERIODS,
        "budget": budget,
        "detail": detail,
        "elapsed_percent": periods.round2(detail.elapsed_fraction * 100),
        "impacts": impacts,
        "maintenance_lines": detail.maintenance,
        "upcoming_maintenance": selectors.service_maintenance_windows(service, since=at),
        "burn_down": charts.burn_down_figure(detail, curve),
        "burn_history": charts.burn_rate_history_figure(snapshots) if snapshots else None,
        "freezes": freezes,
        "open_freeze": open_freeze,
        "edit_form": edit_form or ServiceForm(instance=service, initial=concurrency.initial_version(service)),
        "maintenance_form": maintenance_form or MaintenanceWindowForm(),
        "freeze_form": freeze_form or FreezeForm(),
        "open_form": open_form,
        "history": history_entries(service),
    }


def _service(slug):
    return get_object_or_404(Service.objects.select_related("team"), slug=slug)


@require_safe
def service_detail(request, slug):
    service = _service(slug)
    return render(request, "sla/service.html", _service_context(request, service))


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def service_edit(request, slug):
    service = _service(slug)
    form = ServiceForm(request.POST, instance=service)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("slug", concurrency.VERSION_FIELD)}
        service = Service.objects.select_related("team").get(pk=service.pk)  # the form changed the instance
        try:
            catalogue.service_update(service=service, by=request.user,
                                    expected_version=form.cleaned_data.get(concurrency.VERSION_FIELD), **data)
        except ConcurrentEditError as exc:
            # The second of two editors: a form error on the page, nothing overwritten.
            concurrency.form_conflict(form, exc)
            service = _service(slug)
            return render(request, "sla/service.html",
                          _service_context(request, service, edit_form=form, open_form="edit"), status=409)
        messages.success(request, f"Service {service.name} saved.")
        return redirect("sla:service", slug=service.slug)
    service = _service(slug)
    return render(request, "sla/service.html", _service_context(request, service, edit_form=form, open_form="edit"))


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def maintenance_add(request, slug):
    service = _service(slug)
    form = MaintenanceWindowForm(request.POST)
    if form.is_valid():
        catalogue.maintenance_window_add(service=service, by=request.user, **form.cleaned_data)
        messages.success(request, "Maintenance window added: its minutes no longer count against the budget.")
        return redirect("sla:service", slug=service.slug)
    return render(request, "sla/service.html", _service_context(request, service, maintenance_form=form, open_form="maintenance"))


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def maintenance_remove(request, slug, pk):
    service = _service(slug)
    window = get_object_or_404(MaintenanceWindow, pk=pk, service=service)
    form = MaintenanceRemoveForm(request.POST)
    if form.is_valid():
        catalogue.maintenance_window_remove(window=window, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, "Maintenance window removed: its minutes count against the budget again.")
        return redirect("sla:service", slug=service.slug)
    messages.error(request, "Say why the maintenance window is removed: " + "; ".join(form.errors.get("reason", [])))
    return redirect("sla:service", slug=service.slug)


def _freeze_action(request, slug, action):
    service = _service(slug)
    form = FreezeForm(request.POST)
    if form.is_valid():
        try:
            action(service=service, by=request.user, reason=form.cleaned_data["reason"])
        except ProcessError as exc:
            messages.error(request, exc.detail)
        else:
            done = "imposed" if action is freeze_services.freeze_impose else "lifted"
            messages.success(request, f"Deploy freeze {done} on {service.name}; the team has been told.")
        return redirect("sla:service", slug=service.slug)
    return render(request, "sla/service.html", _service_context(request, service, freeze_form=form, open_form="freeze"))


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def freeze_impose(request, slug):
    return _freeze_action(request, slug, freeze_services.freeze_impose)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def freeze_lift(request, slug):
    return _freeze_action(request, slug, freeze_services.freeze_lift)


# --- Teams ----------------------------------------------------------------------------------
def _team_fields(form) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k != concurrency.VERSION_FIELD}


def _teams_context(*, team_form=None):
    return {"teams": list(selectors.teams_with_counts()), "team_form": team_form or TeamForm()}


@require_safe
def team_list(request):
    return render(request, "sla/teams.html", _teams_context())


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def team_create(request):
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = teams.team_create(by=request.user, **_team_fields(form))
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, f"Team {team.name} added.")
            return redirect("sla:team", slug=team.slug)
    return render(request, "sla/teams.html", _teams_context(team_form=form), status=400)


def _team(slug):
    return get_object_or_404(Team, slug=slug)


def _team_context(request, team, *, edit_form=None):
    if edit_form is None and roles.has_role(request.user, roles.DELIVERY_MANAGER):
        edit_form = TeamForm(instance=team, initial=concurrency.initial_version(team))
    return {
        "team": team,
        "services": selectors.team_services(team),
        "members": selectors.team_members(team),
        "edit_form": edit_form,  # managers only
        "history": history_entries(team, m2m_names=True),  # members by username
    }


@require_safe
def team_detail(request, slug):
    return render(request, "sla/team.html", _team_context(request, _team(slug)))


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def team_edit(request, slug):
    team = _team(slug)
    form = TeamForm(request.POST, instance=team)
    status = 400
    if form.is_valid():
        team = _team(slug)  # the form changed the instance
        try:
            team = teams.team_update(team=team, by=request.user,
                                        expected_version=form.cleaned_data.get(concurrency.VERSION_FIELD),
                                        **_team_fields(form))
        except ConcurrentEditError as exc:
            # The second of two editors: a form error on the page, nothing overwritten.
            concurrency.form_conflict(form, exc)
            status = 409
        except ValidationError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, f"Team {team.name} saved.")
            return redirect("sla:team", slug=team.slug)
    return render(request, "sla/team.html", _team_context(request, _team(slug), edit_form=form), status=status)
