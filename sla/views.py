from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from delivery_portal import concurrency, formposts, roles
from delivery_portal.audit import history_entries
from delivery_portal.exports import csv_response, dated_filename

from . import charts, selectors
from .domain import error_budget, periods
from .services import catalogue, freezes as freeze_services, teams
from .filtersets import ServiceOverviewFilterSet
from .forms import FreezeForm, MaintenanceRemoveForm, MaintenanceWindowForm, ServiceForm, TeamForm

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
        "teams": selectors.team_choices(),
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
    return formposts.handle(
        request, form, lambda data: catalogue.service_create(by=request.user, **data),
        on_success=lambda service: redirect("sla:service", slug=service.slug),
        on_failure=lambda status: render(request, "sla/overview.html", _overview_context(request, service_form=form), status=status),
        success_message=lambda service: f"Service {service.name} added.",
    )


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
    return selectors.service_or_404(slug)


def _service_page(request, slug, *, status=200, **forms):
    """The service page (read afresh), with the forms a failed POST gives back."""
    return render(request, "sla/service.html", _service_context(request, _service(slug), **forms), status=status)


@require_safe
def service_detail(request, slug):
    return _service_page(request, slug)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def service_edit(request, slug):
    form = ServiceForm(request.POST, instance=_service(slug))

    def update(data):
        fields = {k: v for k, v in data.items() if k not in ("slug", concurrency.VERSION_FIELD)}
        # A fresh instance: validating the form changed the one it holds.
        return catalogue.service_update(service=_service(slug), by=request.user,
                                        expected_version=data.get(concurrency.VERSION_FIELD), **fields)

    return formposts.handle(
        request, form, update,
        on_success=lambda service: redirect("sla:service", slug=service.slug),
        on_failure=lambda status: _service_page(request, slug, status=status, edit_form=form, open_form="edit"),
        success_message=lambda service: f"Service {service.name} saved.",
    )


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def maintenance_add(request, slug):
    service = _service(slug)
    form = MaintenanceWindowForm(request.POST)
    return formposts.handle(
        request, form, lambda data: catalogue.maintenance_window_add(service=service, by=request.user, **data),
        on_success=lambda window: redirect("sla:service", slug=service.slug),
        on_failure=lambda status: _service_page(request, slug, status=status, maintenance_form=form, open_form="maintenance"),
        success_message="Maintenance window added: its minutes no longer count against the budget.",
    )


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def maintenance_remove(request, slug, pk):
    service = _service(slug)
    window = selectors.service_maintenance_window_or_404(service, pk)
    outcome = formposts.submit(
        MaintenanceRemoveForm(request.POST),
        lambda data: catalogue.maintenance_window_remove(window=window, reason=data["reason"], by=request.user),
    )
    # The removal form sits in a table row: back to the page either way, with what happened.
    if outcome.ok:
        messages.success(request, "Maintenance window removed: its minutes count against the budget again.")
    else:
        formposts.message_failure(request, outcome, prefix="Say why the maintenance window is removed: ")
    return redirect("sla:service", slug=service.slug)


def _freeze_action(request, slug, action, done: str):
    service = _service(slug)
    form = FreezeForm(request.POST)
    return formposts.handle(
        request, form, lambda data: action(service=service, by=request.user, reason=data["reason"]),
        on_success=lambda freeze: redirect("sla:service", slug=service.slug),
        on_failure=lambda status: _service_page(request, slug, status=status, freeze_form=form, open_form="freeze"),
        success_message=f"Deploy freeze {done} on {service.name}; the team has been told.",
    )


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def freeze_impose(request, slug):
    return _freeze_action(request, slug, freeze_services.freeze_impose, "imposed")


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def freeze_lift(request, slug):
    return _freeze_action(request, slug, freeze_services.freeze_lift, "lifted")


# --- Teams ----------------------------------------------------------------------------------
def _team_fields(data) -> dict:
    return {k: v for k, v in data.items() if k != concurrency.VERSION_FIELD}


def _teams_context(*, team_form=None):
    return {"teams": list(selectors.teams_with_counts()), "team_form": team_form or TeamForm()}


@require_safe
def team_list(request):
    return render(request, "sla/teams.html", _teams_context())


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def team_create(request):
    form = TeamForm(request.POST)
    return formposts.handle(
        request, form, lambda data: teams.team_create(by=request.user, **_team_fields(data)),
        on_success=lambda team: redirect("sla:team", slug=team.slug),
        on_failure=lambda status: render(request, "sla/teams.html", _teams_context(team_form=form), status=status),
        success_message=lambda team: f"Team {team.name} added.",
    )


def _team(slug):
    return selectors.team_or_404(slug)


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
    form = TeamForm(request.POST, instance=_team(slug))
    return formposts.handle(
        request, form,
        # A fresh instance: validating the form changed the one it holds.
        lambda data: teams.team_update(team=_team(slug), by=request.user,
                                       expected_version=data.get(concurrency.VERSION_FIELD), **_team_fields(data)),
        on_success=lambda team: redirect("sla:team", slug=team.slug),
        on_failure=lambda status: render(request, "sla/team.html", _team_context(request, _team(slug), edit_form=form), status=status),
        success_message=lambda team: f"Team {team.name} saved.",
    )
