import calendar as pycalendar
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from delivery_portal import concurrency, formposts, roles
from delivery_portal.audit import history_entries
from delivery_portal.exports import csv_response, dated_filename

from . import selectors, services
from .domain import payloads, schedule, versions
from .filtersets import ReleaseFilterSet
from .forms import SCOPE_FORMS, CommsOwnerForm, ReleaseEditForm, ReleaseForm, RolloutForm, evidence_form_class
from .models import ReleaseType
from .notes import render_markdown

# The release page's swappable regions: the id of each element, which htmx sends as HX-Target.
PARTIALS = {"scope", "readiness", "comms"}


def _can_plan(user):
    return roles.has_role(user, roles.DELIVERY_MANAGER)


def _get_release(version):
    """The release of the URL's version in any spelling (``/releases/2.5.0/`` is v2.5.0)."""
    return selectors.release_or_404(version, selectors.release_detail_queryset())


def _filtered_releases(params) -> ReleaseFilterSet:
    """The list's FilterSet for the query string; the page and its CSV export share it (and
    the API list its class), so all three match the same releases."""
    return ReleaseFilterSet(params, queryset=selectors.release_list())


@require_safe
def release_list(request):
    filterset = _filtered_releases(request.GET)
    releases = list(filterset.qs[:200])
    filters = {name: value for name, value in filterset.form.cleaned_data.items() if value}
    return render(request, "releases/list.html", {
        "releases": releases, "can_plan": _can_plan(request.user), "filters": filters,
        "querystring": urlencode(filters), "release_types": ReleaseType.choices,
    })


RELEASE_CSV_COLUMNS = [
    ("version", "version"),
    ("product", "product"),
    ("release_type", "release_type"),
    ("target_date", "target_date"),
    ("services", lambda release: ", ".join(s.slug for s in release.services.all())),
    ("created_by", "created_by.username"),
    ("created_at", "created_at"),
]


@require_safe
def release_list_csv(request):
    """The list as CSV with the page's filters: every matching release (the page shows the
    newest 200), in the page's order."""
    releases = _filtered_releases(request.GET).qs.select_related("created_by")
    return csv_response(releases, RELEASE_CSV_COLUMNS, filename=dated_filename("releases"))


@require_safe
def release_calendar(request):
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        first = today.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    # Releases whose target or checklist dates fall in this month (T-7 can reach 11 days back).
    releases = list(selectors.releases_between(first - timedelta(days=3), last + timedelta(days=15)))
    events = {}
    for release in releases:
        for kind, day in schedule.t_dates(release.target_date).items():
            if first <= day <= last:
                events.setdefault(day, []).append((release, schedule.COMMS[kind][1]))
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append([{"day": d, "in_month": d.month == first.month, "today": d == today,
                       "events": events.get(d, [])} for d in week])
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    return render(request, "releases/calendar.html", {
        "first": first, "weeks": weeks, "prev": f"{prev_month:%Y-%m}", "next": f"{next_month:%Y-%m}",
    })


@require_http_methods(["GET", "HEAD", "POST"])
def release_create(request):
    form = ReleaseForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        roles.require_role(request.user, roles.DELIVERY_MANAGER)
        outcome = formposts.submit(form, lambda data: services.release_create(
            version=data["version"], product=data["product"], target_date=data["target_date"],
            services=list(data["services"]), by=request.user,
        ))
        if outcome.ok:
            release = outcome.result
            messages.success(request, f"Release {release.version} planned as a {release.release_type} release.")
            return redirect("releases:detail", version=release.version)
        status = outcome.status
    return render(request, "releases/create.html", {"form": form, "can_plan": _can_plan(request.user)}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def release_edit(request, version):
    """Move the target date, with a version check: a second editor is told, not overwritten."""
    release = _get_release(version)
    form = ReleaseEditForm(request.POST if request.method == "POST" else None,
                           initial={"target_date": release.target_date, **concurrency.initial_version(release)})
    status = 200
    if request.method == "POST":
        roles.require_role(request.user, roles.DELIVERY_MANAGER)
        outcome = formposts.submit(form, lambda data: services.release_set_target_date(
            release=release, target_date=data["target_date"], by=request.user, expected_version=data["edit_version"],
        ))
        if outcome.ok:
            messages.success(request, f"Target date of {release.version} moved to {release.target_date:%A %d %B %Y}.")
            return redirect("releases:detail", version=release.version)
        status = outcome.status
    context = {"release": release, "form": form, "can_plan": _can_plan(request.user)}
    return render(request, "releases/edit.html", context, status=status)


def _detail_context(request, release, *, scope_forms=None, comms_errors=None):
    results, decision, evidence = selectors.release_evaluation(release)
    criteria = [{"result": r, "evidence": evidence.get(r.criterion), "label": payloads.CRITERION_LABELS[r.criterion],
                 "evidence_text": payloads.evidence_summary(evidence[r.criterion].payload) if r.criterion in evidence else ""}
                for r in results]
    return {
        "release": release,
        "type_label": versions.TYPE_LABELS[release.release_type],
        "criteria": criteria,
        "decision": decision,
        "badge": {"GO": "go", "CONDITIONAL GO": "conditional", "NO-GO": "nogo"}[decision.recommendation],
        "rollout": selectors.rollout_summary(release),
        "comms": selectors.comms_items(release),
        "comms_errors": comms_errors or {},
        # The owner select of each checklist item (delivery managers): one query for all four.
        "owner_choices": selectors.comms_owner_choices() if _can_plan(request.user) else [],
        "late_changes": list(selectors.late_scope_changes(release)[:50]),
        "scope_forms": scope_forms or {kind: form(prefix=kind) for kind, form in SCOPE_FORMS.items()},
        "can_plan": _can_plan(request.user),
        "t_dates": schedule.t_dates(release.target_date),
    }


@require_safe
def release_detail(request, version):
    """The release page; an htmx request that targets one of its regions (the element's id,
    sent as HX-Target) gets that region's partial."""
    release = _get_release(version)
    context = _detail_context(request, release)
    if request.htmx and request.htmx.target in PARTIALS:
        return render(request, f"releases/detail.html#{request.htmx.target}", context)
    context["history"] = history_entries(release)
    return render(request, "releases/detail.html", context)


def _after_change(request, release, part, *, scope_forms=None):
    """htmx: the updated partial plus a releaseChanged event; otherwise back to the release page."""
    if request.htmx:
        response = render(request, f"releases/detail.html#{part}",
                          _detail_context(request, _get_release(release.version), scope_forms=scope_forms))
        return trigger_client_event(response, "releaseChanged")
    return redirect("releases:detail", version=release.version)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def scope_add(request, version, kind):
    release = _get_release(version)
    if kind not in SCOPE_FORMS:
        raise Http404
    form = SCOPE_FORMS[kind](request.POST, prefix=kind)
    outcome = formposts.submit(
        form, lambda data: services.scope_item_add(release=release, kind=kind, data=data, by=request.user)
    )
    if outcome.ok:
        item = outcome.result
        text = f"Added {item}."
        if item.late:
            text += " This scope change comes after T-7 and is flagged."
        (messages.warning if item.late else messages.success)(request, text)
        return _after_change(request, release, "scope")
    if request.htmx:  # 200: htmx swaps only successes, and the form with its errors is the answer
        forms = {k: f(prefix=k) for k, f in SCOPE_FORMS.items()}
        forms[kind] = form
        return render(request, "releases/detail.html#scope", _detail_context(request, release, scope_forms=forms))
    formposts.message_failure(request, outcome, prefix="The scope item was not added: ")
    return redirect("releases:detail", version=release.version)


@require_http_methods(["GET", "HEAD", "POST"])
def scope_edit(request, version, kind, pk):
    release = _get_release(version)
    item = selectors.scope_item_or_404(release, kind, pk)
    form = SCOPE_FORMS[kind](request.POST if request.method == "POST" else None, instance=item,
                             prefix=f"edit-{kind}-{pk}")
    status = 200
    if request.method == "POST":
        roles.require_role(request.user, roles.DELIVERY_MANAGER)
        outcome = formposts.submit(form, lambda data: services.scope_item_update(
            item=selectors.scope_item_or_404(release, kind, pk), data=data, by=request.user,
        ))
        if outcome.ok:
            return _after_change(request, release, "scope")
        status = outcome.status
    context = {"release": release, "item": item, "kind": kind, "form": form, "can_plan": _can_plan(request.user)}
    if request.htmx:  # the row's form in place (200: htmx swaps only successes)
        return render(request, "releases/scope_edit.html#row_form", context)
    return render(request, "releases/scope_edit.html", context, status=status)


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def scope_remove(request, version, kind, pk):
    release = _get_release(version)
    item = selectors.scope_item_or_404(release, kind, pk)
    outcome = formposts.call(None, lambda: services.scope_item_remove(item=item, by=request.user))
    if outcome.ok:
        messages.success(request, f"Removed {item}.")
    else:
        formposts.message_failure(request, outcome)
    return _after_change(request, release, "scope")


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def comms_toggle(request, version, kind):
    release = _get_release(version)
    item = selectors.comms_item_or_404(release, kind)
    done = request.POST.get("done") == "1"
    outcome = formposts.call(None, lambda: services.comms_item_set_done(item=item, done=done, by=request.user))
    formposts.message_failure(request, outcome)
    return _after_change(request, release, "comms")


@require_POST
@roles.role_required(roles.DELIVERY_MANAGER)
def comms_owner(request, version, kind):
    """Hand a checklist item to another owner: htmx swaps the checklist in place; without
    JavaScript a plain POST comes back to the release page (400 with the error on the page)."""
    release = _get_release(version)
    item = selectors.comms_item_or_404(release, kind)
    form = CommsOwnerForm(request.POST)
    outcome = formposts.submit(
        form, lambda data: services.comms_item_set_owner(item=item, owner=data["owner"], by=request.user)
    )
    if outcome.ok:
        messages.success(request, f"{item.get_kind_display()}: now owned by {form.cleaned_data['owner'].username}.")
        return _after_change(request, release, "comms")
    context = _detail_context(request, release, comms_errors={kind: formposts.form_errors_text(form)})
    if request.htmx:
        return render(request, "releases/detail.html#comms", context)  # 200: htmx swaps only successes
    context["history"] = history_entries(release)
    return render(request, "releases/detail.html", context, status=outcome.status)


@require_http_methods(["GET", "HEAD", "POST"])
def evidence_record(request, version):
    release = _get_release(version)
    posted = request.POST.get("criterion") if request.method == "POST" else None
    forms = []
    for criterion in payloads.CRITERIA:
        form_class = evidence_form_class(criterion)
        form = form_class(request.POST if posted == criterion else None, prefix=criterion)
        forms.append({"criterion": criterion, "label": payloads.CRITERION_LABELS[criterion], "form": form})
    status = 200
    if request.method == "POST":
        roles.require_role(request.user, roles.DELIVERY_MANAGER)
        entry = next((f for f in forms if f["criterion"] == posted), None)
        if entry is None:
            messages.error(request, "Choose which exit criterion this evidence is for.")
            status = formposts.INVALID_STATUS
        else:
            outcome = formposts.submit(entry["form"], lambda _data: services.evidence_record(
                release=release, criterion=posted, payload=entry["form"].payload(), by=request.user,
            ))
            if outcome.ok:
                verdict = selectors.release_recommendation(release)
                messages.success(request, f"Evidence recorded for {entry['label'].lower()}. Recommendation: {verdict}.")
                return redirect("releases:detail", version=release.version)
            status = outcome.status
    evidence = selectors.newest_evidence(release)
    for entry in forms:
        entry["current"] = evidence.get(entry["criterion"])
        entry["current_text"] = payloads.evidence_summary(entry["current"].payload) if entry["current"] else ""
    context = {"release": release, "forms": forms, "can_plan": _can_plan(request.user)}
    return render(request, "releases/evidence.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def rollout_edit(request, version):
    release = _get_release(version)
    plan = release.rollout_plan if hasattr(release, "rollout_plan") else None
    form = RolloutForm(request.POST if request.method == "POST" else None, instance=plan,
                       initial=concurrency.initial_version(release))
    status = 200
    if request.method == "POST":
        roles.require_role(request.user, roles.DELIVERY_MANAGER)
        outcome = formposts.submit(form, lambda data: services.rollout_plan_set(
            release=release, by=request.user, expected_version=data.get(concurrency.VERSION_FIELD),
            **{name: value for name, value in data.items() if name != concurrency.VERSION_FIELD},
        ))
        if outcome.ok:
            messages.success(request, "Rollout plan saved.")
            return redirect("releases:detail", version=release.version)
        status = outcome.status
    return render(request, "releases/rollout.html", {
        "release": release, "form": form, "rollout": selectors.rollout_summary(release),
        "can_plan": _can_plan(request.user),
    }, status=status)


@require_safe
def release_notes(request, version):
    release = _get_release(version)
    text = selectors.release_notes(release)
    return render(request, "releases/notes.html", {"release": release, "html": render_markdown(text)})


@require_safe
def release_notes_download(request, version):
    release = _get_release(version)
    response = HttpResponse(selectors.release_notes(release), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="release-notes-{release.version}.md"'
    return response
