from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from delivery_portal import formposts, roles
from delivery_portal.exports import csv_response
from releases.selectors import release_or_404

from . import cache as page_cache
from . import charts
from .domain.dora import rounded
from .domain.maturity import LEVEL_NAMES, MATURITY_LEVELS, assess_maturity
from .forms import DoraFilterForm, MaturityAssessmentForm
from .selectors.dashboard import (
    active_deployments, changes_awaiting_approval, dora_tiles, freezes_and_budgets_at_risk, open_incidents_by_severity,
    upcoming_releases,
)
from .selectors.dora import default_range, dora_for_range, dora_weekly, thresholds
from .selectors.maturity import (
    assessment_or_404, latest_assessment, maturity_evidence_for, team_assessments, team_or_404, teams_with_latest_level,
)
from .selectors.risk import release_risk
from .services import maturity_assessment_record
from .serializers import DoraQuerySerializer


# --- Home dashboard ----------------------------------------------------------------------
def _panel_freezes(request, at):
    return freezes_and_budgets_at_risk(at=at, remember=lambda compute: page_cache.budgets.cached("at_risk", compute))


def _panel_incidents(request, at):
    return open_incidents_by_severity(at=at)


def _panel_approvals(request, at):
    return {"approvals": changes_awaiting_approval(user=request.user)}


def _panel_releases(request, at):
    return upcoming_releases(at=at)


def _panel_deployments(request, at):
    return active_deployments()


def _panel_dora(request, at):
    start, end = default_range(at)
    return {"metrics": page_cache.cached("range", None, lambda: dora_tiles(at=at), start, end)}


# name -> context builder; each panel is templates/insights/panels/<name>.html and refreshes
# itself from insights:panel-<name>.
PANELS = {
    "freezes": _panel_freezes,
    "incidents": _panel_incidents,
    "approvals": _panel_approvals,
    "releases": _panel_releases,
    "deployments": _panel_deployments,
    "dora": _panel_dora,
}


def _panel_context(request, name, at):
    return {"panel": name, "at": at, "refresh_url": reverse(f"insights:panel-{name}"), **PANELS[name](request, at)}


@require_safe
def dashboard(request):
    """The first page after login: what needs attention now. Each panel refreshes itself."""
    at = timezone.now()
    panels = [(f"insights/panels/{name}.html", _panel_context(request, name, at)) for name in PANELS]
    return render(request, "insights/dashboard.html", {"panels": panels, "at": at})


@require_safe
def panel(request, name):
    if name not in PANELS:
        raise Http404
    return render(request, f"insights/panels/{name}.html", {"ctx": _panel_context(request, name, timezone.now())})


# --- DORA ------------------------------------------------------------------------------------
def _dora_query(request):
    query = DoraQuerySerializer(data=request.GET)
    if query.is_valid():
        return query, {}
    return None, {field: [str(m) for m in msgs] for field, msgs in query.errors.items()}


@require_safe
def dora(request):
    """DORA metrics with filters; the results region swaps in place with htmx."""
    query, errors = _dora_query(request)
    context = {"errors": errors}
    initial = {key: request.GET.get(key, "") for key in ("service", "team", "start", "end")}
    if query is not None:
        data = query.validated_data
        scope = query.scope()
        metrics = page_cache.cached("range", scope, lambda: dora_for_range(scope=scope, start=data["start"], end=data["end"]),
                                    data["start"], data["end"])
        weeks = page_cache.cached("weekly", scope, lambda: dora_weekly(scope=scope, end=data["end"]), data["end"])
        filters = {
            "service": data["service"].slug if data.get("service") else "",
            "team": data["team"].slug if data.get("team") else "",
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
        }
        initial = filters
        context.update(
            metrics=metrics,
            api=metrics.as_dict(),
            weeks=weeks,
            figures=(figures := charts.dora_trend_figures(weeks, thresholds())),
            chart_list=[(f"dora-{key}", figure) for key, figure in figures.items()],
            scope=scope,
            querystring=urlencode({k: v for k, v in filters.items() if v}),
        )
    context["form"] = DoraFilterForm(initial=initial)
    partial = request.htmx and not request.htmx.history_restore_request
    template = "insights/dora.html#results" if partial else "insights/dora.html"
    # htmx does not swap 4xx responses: in place, the errors come with a 200.
    return render(request, template, context, status=400 if errors and not partial else 200)


DORA_CSV_COLUMNS = [
    ("period_start", "start"),
    ("period_end", "end"),
    ("deployments", "counts.deployments"),
    ("successful_deployments", "counts.succeeded"),
    ("failed_deployments", "counts.failures"),
    ("deployment_frequency_per_day", lambda m: round(m.deployment_frequency_per_day, 4)),
    ("lead_time_hours_median", lambda m: rounded(m.lead_time_hours_median)),
    ("change_failure_rate", lambda m: rounded(m.change_failure_rate)),
    ("mttr_hours", lambda m: rounded(m.mttr_hours)),
    ("mttr_hours_median", lambda m: rounded(m.mttr_hours_median)),
    ("level_deployment_frequency", lambda m: m.levels["deployment_frequency"]),
    ("level_lead_time", lambda m: m.levels["lead_time"]),
    ("level_change_failure_rate", lambda m: m.levels["change_failure_rate"]),
    ("level_mttr", lambda m: m.levels["mttr"]),
    # Levels are always one of the four (low without data, as in the API); this says which had none.
    ("no_data", lambda m: " ".join(m.no_data)),
]


@require_safe
def dora_csv(request):
    """The DORA page as CSV (current filters): the whole range first, then each week."""
    query, errors = _dora_query(request)
    if query is None:
        return JsonResponse(errors, status=400)
    data = query.validated_data
    scope = query.scope()
    rows = [dora_for_range(scope=scope, start=data["start"], end=data["end"])]
    rows += dora_weekly(scope=scope, end=data["end"])
    name = (data["service"].slug if data.get("service") else data["team"].slug if data.get("team") else "all")
    return csv_response(rows, DORA_CSV_COLUMNS, filename=f"dora-{name}-{data['start']}-{data['end']}.csv")


# --- Delivery maturity -----------------------------------------------------------------------
@require_safe
def maturity(request):
    """Every team with its latest level."""
    rows = [{"team": team, "level_name": LEVEL_NAMES.get(team.latest_level)} for team in teams_with_latest_level()]
    return render(request, "insights/maturity.html", {"rows": rows, "levels": MATURITY_LEVELS})


@require_http_methods(["GET", "HEAD", "POST"])
def maturity_assess(request, slug):
    """The questionnaire: the data's evidence is filled in, people answer the rest."""
    team = team_or_404(slug)
    if request.method == "POST":
        roles.require_role(request.user, roles.DELIVERY_MANAGER)
    evidence = maturity_evidence_for(team=team)
    status = 200
    if request.method == "POST":
        form = MaturityAssessmentForm(request.POST, evidence=evidence)
        outcome = formposts.submit(form, lambda data: maturity_assessment_record(
            team=team, answers=form.answers(), by=request.user, notes=data["notes"], evidence=evidence
        ))
        if outcome.ok:
            messages.success(request, f"{team.name} is at level {outcome.result.level}.")
            return redirect("insights:maturity-result", pk=outcome.result.pk)
        status = outcome.status
    else:
        previous = latest_assessment(team)
        form = MaturityAssessmentForm(evidence=evidence, initial_answers=previous.answers if previous else {})
    return render(
        request, "insights/maturity_assess.html",
        {"team": team, "form": form, "levels": list(form.levels_with_fields()), "evidence": evidence,
         "can_assess": roles.has_role(request.user, roles.DELIVERY_MANAGER)},
        status=status,
    )


@require_safe
def maturity_result(request, pk):
    assessment = assessment_or_404(pk)
    checklist = [
        {"level": level, "rows": [
            {"characteristic": c, "met": bool(assessment.answers.get(c.key)), "evidence": assessment.evidence.get(c.key)}
            for c in level.characteristics
        ]}
        for level in MATURITY_LEVELS
    ]
    return render(request, "insights/maturity_result.html", {
        "assessment": assessment, "result": assess_maturity(assessment.answers), "checklist": checklist,
        "team": assessment.team,
    })


@require_safe
def maturity_history(request, slug):
    team = team_or_404(slug)
    assessments = list(team_assessments(team)[:200])
    return render(request, "insights/maturity_history.html", {
        "team": team, "assessments": assessments, "figure": charts.maturity_history_figure(assessments),
    })


MATURITY_CSV_COLUMNS = [
    ("assessed_at", "assessed_at"),
    ("team", "team.slug"),
    ("level", "level"),
    ("level_name", lambda a: LEVEL_NAMES[a.level]),
    ("target_level", "target_level"),
    ("missing_for_target", lambda a: "; ".join(c.label for c in assess_maturity(a.answers).missing)),
    ("proven_by_data", lambda a: "; ".join(sorted(a.evidence))),
    ("assessed_by", lambda a: a.assessed_by.username if a.assessed_by else ""),
    ("notes", "notes"),
]


@require_safe
def maturity_history_csv(request, slug):
    team = team_or_404(slug)
    return csv_response(team_assessments(team).select_related("team"), MATURITY_CSV_COLUMNS,
                        filename=f"maturity-{team.slug}.csv")


# --- Pre-mortem risk export --------------------------------------------------------------------
RISK_CSV_COLUMNS = [("area", "area"), ("subject", "subject"), ("level", "level"), ("detail", "detail")]


@require_safe
def release_risk_json(request, version):
    release = release_or_404(version)
    response = JsonResponse(release_risk(release=release), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'inline; filename="risk-{release.version}.json"'
    return response


@require_safe
def release_risk_csv(request, version):
    release = release_or_404(version)
    risk = release_risk(release=release)
    return csv_response(risk["risks"], RISK_CSV_COLUMNS, filename=f"risk-{release.version}.csv")
