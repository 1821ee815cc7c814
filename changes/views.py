import calendar as pycalendar
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from delivery_portal import concurrency, roles
from delivery_portal.audit import history_entries
from delivery_portal.errors import ConcurrentEditError, ProcessError
from delivery_portal.exports import csv_response, dated_filename

from . import calendar_layout, domain, ical, selectors, services
from .forms import ChangeRequestForm, CommentForm, DecisionForm, ReviewForm
from .models import CalendarFeedToken, ChangeRequest, ChangeState, StandardChangeTemplate


def _next_url(request, fallback):
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return fallback


# --- Lists ---------------------------------------------------------------------------
def _filtered_changes(params):
    """The change list for the query string's filters: (changes, state, review, the filters
    for links). Shared by the page and its CSV export."""
    state = params.get("state")
    state = state if state in ChangeState.values else ""
    review = params.get("review")
    review = review if review in selectors.REVIEW_FILTERS else ""
    changes = selectors.change_list(state=state, review=review)
    query = {key: value for key, value in (("state", state), ("review", review)) if value}
    return changes, state, review, query


@require_safe
def change_list(request):
    changes, state, review, query = _filtered_changes(request.GET)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    overdue = selectors.overdue_emergency_reviews().select_related(None).prefetch_related(None).only("reference", "title")
    return render(
        request,
        "changes/list.html",
        {
            "page_obj": page,
            "states": ChangeState.choices,
            "state": state,
            "review": review,
            "querystring_base": urlencode(query),
            "awaiting": selectors.changes_awaiting(request.user)[:20],
            "overdue_reviews": overdue[:REVIEWS_LISTED],
            "overdue_count": overdue.count(),
            "reviews_listed": REVIEWS_LISTED,
            "can_request": roles.can_request_change(request.user),
        },
    )


CHANGE_CSV_COLUMNS = [
    ("reference", "reference"),
    ("title", "title"),
    ("change_type", "change_type"),
    ("state", "state"),
    ("requester", "requester.username"),
    ("services", lambda change: ", ".join(s.slug for s in change.services.all())),
    ("window_start", "window_start"),
    ("window_end", "window_end"),
    ("impact_downtime_minutes", "impact_downtime_minutes"),
    ("submitted_at", "submitted_at"),
    ("decided_at", "decided_at"),
    ("implementation_started_at", "implementation_started_at"),
    ("implementation_ended_at", "implementation_ended_at"),
    ("reviewed_at", "reviewed_at"),
    ("created_at", "created_at"),
]


@require_safe
def change_list_csv(request):
    """The list as CSV with the page's filters (state, review): every matching change."""
    changes, _state, _review, _query = _filtered_changes(request.GET)
    changes = changes.prefetch_related(None).prefetch_related("services")
    return csv_response(changes, CHANGE_CSV_COLUMNS, filename=dated_filename("changes"))


# Backlog lists show this many entries and link to the full, paginated list.
REVIEWS_LISTED = 20


@require_safe
def cab_agenda(request):
    changes = list(selectors.cab_agenda())
    conflicts = selectors.conflicts_for_changes(changes)
    rows = [_agenda_row(request, change, conflicts[change.pk]) for change in changes]
    now = timezone.now()
    backlog = selectors.emergency_reviews_summary(at=now, limit=REVIEWS_LISTED)
    reviews = [
        {
            "change": change,
            "due": domain.emergency_review_due(change.implemented_at),
            "overdue": domain.emergency_review_overdue(change.change_type, change.state, change.implemented_at, now),
        }
        for change in backlog["oldest"]
    ]
    return render(request, "changes/agenda.html", {"rows": rows, "reviews": reviews, "backlog": backlog})


def _agenda_row(request, change, conflicts):
    approvals = list(change.approvals.all())
    mine = next((a for a in approvals if a.by_id == request.user.pk), None)
    may_decide = (
        change.state == ChangeState.SUBMITTED
        and mine is None
        and change.requester_id != request.user.pk
        and roles.has_role(request.user, domain.APPROVER_ROLE.get(change.change_type) or "-")
    )
    return {
        "change": change,
        "conflicts": conflicts,
        "approvals": approvals,
        "approve_count": sum(1 for a in approvals if a.decision == "approve"),
        "quorum": domain.QUORUM[change.change_type],
        "approver_role": (domain.APPROVER_ROLE.get(change.change_type) or "").replace("_", " "),
        "mine": mine,
        "may_decide": may_decide,
    }


# --- Change request form -------------------------------------------------------------
def _form_context(request, form, change=None, template=None, problems=None):
    return {"form": form, "change": change, "template": template, "problems": problems}


def _require_requester(request):
    if not roles.can_request_change(request.user):
        raise PermissionDenied("Viewers cannot request changes.")


@require_http_methods(["GET", "HEAD", "POST"])
def change_new(request):
    if request.method == "POST":
        _require_requester(request)
    elif not roles.can_request_change(request.user):
        context = _form_context(request, ChangeRequestForm(), None)
        return render(request, "changes/form.html", {**context, "read_only": True})
    template = None
    slug = request.GET.get("template") or request.POST.get("template")
    if slug:
        template = get_object_or_404(StandardChangeTemplate, slug=slug, active=True)
    if request.method == "POST":
        form = ChangeRequestForm(request.POST, template=template)
        if form.is_valid():
            fields, service_list = form.service_fields()
            if template is not None:
                fields.pop("change_type", None)
            try:
                change = services.change_create(user=request.user, services=service_list, template=template, **fields)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return _after_save(request, change)
        return render(request, "changes/form.html", _form_context(request, form, template=template), status=400)
    initial = {}
    if template is not None:
        initial = {**services.template_values(template), "change_type": "standard", "services": list(template.services.all())}
        start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        initial["window_start"] = start
        initial["window_end"] = start + timedelta(minutes=template.default_duration_minutes)
    form = ChangeRequestForm(initial=initial, template=template)
    return render(request, "changes/form.html", _form_context(request, form, template=template))


@require_http_methods(["GET", "HEAD", "POST"])
def change_edit(request, reference):
    change = get_object_or_404(ChangeRequest, reference=reference)
    may_edit = change.requester_id == request.user.pk or roles.has_role(request.user, roles.DELIVERY_MANAGER)
    if not may_edit:
        if request.method == "POST":
            raise PermissionDenied("Only the requester or a delivery manager edits a change.")
        context = _form_context(request, ChangeRequestForm(instance=change), change)
        return render(request, "changes/form.html", {**context, "read_only": True})
    if change.state != ChangeState.DRAFT:
        messages.error(request, f"Only a draft can be edited; {change.reference} is {change.state}.")
        return redirect("changes:detail", change.reference)
    if request.method == "POST":
        form = ChangeRequestForm(request.POST, instance=ChangeRequest.objects.get(pk=change.pk))
        if form.is_valid():
            fields, service_list = form.service_fields()
            if change.template_id:
                fields.pop("change_type", None)
            try:
                services.change_update(change=change, user=request.user, services=service_list,
                                       expected_version=form.cleaned_data.get(concurrency.VERSION_FIELD), **fields)
            except ConcurrentEditError as exc:
                # The second of two editors: told on the form, their draft not written.
                concurrency.form_conflict(form, exc)
                return render(request, "changes/form.html", _form_context(request, form, change), status=409)
            except ProcessError as exc:
                form.add_error(None, exc.detail)
                return render(request, "changes/form.html", _form_context(request, form, change), status=409)
            except ValidationError as exc:
                form.add_error(None, exc)
                return render(request, "changes/form.html", _form_context(request, form, change), status=400)
            return _after_save(request, change)
        return render(request, "changes/form.html", _form_context(request, form, change), status=400)
    form = ChangeRequestForm(instance=change, initial=concurrency.initial_version(change))
    problems = domain.submission_problems(
        change_type=change.change_type, values=services.submission_values(change), at=timezone.now(),
        has_template=change.template_id is not None,
    )
    return render(request, "changes/form.html", _form_context(request, form, change, problems=problems))


def _after_save(request, change):
    if request.POST.get("intent") == "submit":
        try:
            services.change_submit(change=change, user=request.user)
        except ProcessError as exc:
            messages.error(request, f"Saved as a draft. {exc.detail} " + " ".join(exc.reasons))
            return redirect("changes:edit", change.reference)
        messages.success(request, f"{change.reference} submitted.")
        return redirect("changes:detail", change.reference)
    messages.success(request, f"Draft {change.reference} saved.")
    return redirect("changes:edit", change.reference)


@require_POST
def change_validate(request):
    """htmx: check the form as the user fills it in (field errors and what submission needs)."""
    _require_requester(request)
    change = None
    reference = request.POST.get("reference")
    if reference:
        change = ChangeRequest.objects.filter(reference=reference).first()
    template = None
    if request.POST.get("template"):
        template = StandardChangeTemplate.objects.filter(slug=request.POST["template"]).first()
    form = ChangeRequestForm(request.POST, instance=change, template=template)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    change_type = data.get("change_type") or request.POST.get("change_type") or "normal"
    values = {name: data.get(name) for name in domain.REQUIRED_FIELDS}
    values["services"] = list(data.get("services") or [])
    problems = domain.submission_problems(
        change_type=change_type, values=values, at=timezone.now(),
        has_template=template is not None or bool(change and change.template_id),
    )
    conflicts = []
    if values["window_start"] and values["window_end"] and values["services"] and "window_end" not in form.errors:
        conflicts = selectors.window_conflicts(
            window_start=values["window_start"], window_end=values["window_end"], services=values["services"],
            exclude_pk=change.pk if change else None,
        )
    context = {"form": form, "problems": problems, "conflicts": conflicts, "checked": True}
    return render(request, "changes/form.html#check", context)


# --- Change page ---------------------------------------------------------------------
@require_safe
def change_detail(request, reference):
    try:
        change = selectors.change_detail(reference)
    except ChangeRequest.DoesNotExist:
        raise Http404 from None
    return render(request, "changes/detail.html", _detail_context(request, change))


def _detail_context(request, change, **extra):
    conflicts = selectors.change_conflicts(change)
    row = _agenda_row(request, change, conflicts)
    user = request.user
    is_owner = change.requester_id == user.pk or roles.has_role(user, roles.DELIVERY_MANAGER)
    actions = []
    for action in domain.allowed_actions(change.state, change.change_type):
        if action in ("approve", "reject"):
            continue
        if action == "review":
            continue  # its own form
        if action in ("submit", "cancel", "close") and not is_owner:
            continue
        if action in ("schedule", "start", "complete", "fail") and not (
            is_owner or (change.change_type == "emergency" and roles.has_role(user, roles.ON_CALL))
        ):
            continue
        actions.append((action, domain.ACTION_LABELS[action]))
    may_review = change.state in (ChangeState.COMPLETED, ChangeState.FAILED) and (
        roles.has_role(user, roles.CAB_MEMBER) or (change.change_type != "emergency" and change.requester_id == user.pk)
    )
    return {
        "change": change,
        "row": row,
        "conflicts": conflicts,
        "actions": actions,
        "may_edit": change.state == ChangeState.DRAFT and is_owner,
        "may_review": may_review,
        "review_form": extra.get("review_form") or ReviewForm(),
        "review_due": domain.emergency_review_due(change.implemented_at) if change.change_type == "emergency" else None,
        "earliest": domain.earliest_window_start(change.change_type, change.submitted_at) if change.submitted_at else None,
        "comments": change.comments.select_related("author"),
        "comment_form": extra.get("comment_form") or CommentForm(),
        "decision_form": extra.get("decision_form") or DecisionForm(),
        "can_write": roles.can_request_change(user),
        "history": history_entries(change),
    }


@require_POST
def change_action(request, reference, verb):
    change = get_object_or_404(ChangeRequest, reference=reference)
    try:
        if verb == "submit":
            services.change_submit(change=change, user=request.user)
        elif verb == "review":
            form = ReviewForm(request.POST)
            form.is_valid()
            services.change_review(change=change, user=request.user, notes=form.cleaned_data.get("comment", ""))
        elif verb in services.ACTIONS:
            services.ACTIONS[verb](change=change, user=request.user)
        else:
            raise Http404
    except ProcessError as exc:
        messages.error(request, " ".join([exc.detail, *[r for r in exc.reasons if r != exc.detail]]))
    else:
        messages.success(request, f"{change.reference}: {domain.ACTION_LABELS.get(verb, verb)} done.")
    return redirect("changes:detail", change.reference)


@require_POST
def change_decide(request, reference):
    """Approve or reject; from the CAB agenda (htmx: the updated row) or the change page."""
    require_any = (roles.CAB_MEMBER, roles.ON_CALL, roles.DELIVERY_MANAGER)
    roles.require_role(request.user, *require_any)
    change = get_object_or_404(ChangeRequest, reference=reference)
    form = DecisionForm(request.POST)
    error = None
    if not form.is_valid():
        error = "Choose approve or reject."
    else:
        try:
            services.change_decide(
                change=change, user=request.user, decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"]
            )
        except ProcessError as exc:
            error = " ".join(r for r in exc.reasons) or exc.detail
    if request.htmx:
        fresh = selectors.change_detail(reference)
        row = _agenda_row(request, fresh, selectors.change_conflicts(fresh))
        response = render(request, "changes/_agenda_row.html", {"row": row, "error": error})
        if error is None:
            trigger_client_event(response, "changeDecided", {"reference": reference})
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Your decision on {change.reference} is recorded.")
    return redirect(_next_url(request, reverse("changes:detail", args=[change.reference])))


@require_POST
def change_comment(request, reference):
    _require_requester(request)
    change = get_object_or_404(ChangeRequest, reference=reference)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(change=change, user=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            form.add_error("text", exc)
        else:
            return redirect(reverse("changes:detail", args=[change.reference]) + "#comments")
    change = selectors.change_detail(reference)
    return render(request, "changes/detail.html", _detail_context(request, change, comment_form=form), status=400)


# --- Templates -----------------------------------------------------------------------
@require_safe
def template_list(request):
    templates = StandardChangeTemplate.objects.filter(active=True).prefetch_related("services").order_by("title")
    return render(
        request, "changes/templates.html", {"templates": templates, "can_request": roles.can_request_change(request.user)}
    )


# --- Calendar ------------------------------------------------------------------------
def _parse_day(value):
    try:
        return date.fromisoformat(value) if value else timezone.now().date()
    except ValueError:
        return timezone.now().date()


def _aware(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def calendar_context(view, day):
    if view == "week":
        first = day - timedelta(days=day.weekday())
        days = [first + timedelta(days=i) for i in range(7)]
        prev_day, next_day = first - timedelta(days=7), first + timedelta(days=7)
        title = f"Week of {first:%d %b %Y}"
        weeks = [days]
    else:
        view = "month"
        weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(day.year, day.month)
        first = weeks[0][0]
        days = [d for w in weeks for d in w]
        prev_day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
        next_day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        title = f"{day:%B %Y}"
    start, end = _aware(days[0]), _aware(days[-1] + timedelta(days=1))
    items = selectors.calendar_items(start, end)
    cells = calendar_layout.grid(items, weeks, month=day.month if view == "month" else None, today=timezone.localdate())
    return {
        "view": view,
        "day": day,
        "title": title,
        "weeks": cells,
        "items": items,
        "prev_day": prev_day,
        "next_day": next_day,
        "today": timezone.localdate(),
        "overview_url": reverse("sla:overview"),
    }


@require_safe
def change_calendar(request):
    view = request.GET.get("view", "month")
    context = calendar_context(view, _parse_day(request.GET.get("date")))
    if request.htmx:
        return render(request, "changes/calendar.html#calendar", context)
    token = services.feed_token_for(request.user)
    feed_url = request.build_absolute_uri(reverse("changes:feed") + f"?token={token.key}")
    return render(request, "changes/calendar.html", {**context, "feed_url": feed_url})


@require_POST
def feed_token_reset(request):
    _require_requester(request)
    services.feed_token_reset(user=request.user)
    messages.success(request, "Your calendar feed has a new address; the old one no longer works.")
    return redirect("changes:calendar")


@login_not_required
def change_feed(request):
    """iCalendar feed. Calendar clients cannot log in, so the URL carries the user's secret
    feed token (?token=...); without a valid token it is an ordinary login-protected page."""
    token = request.GET.get("token")
    if not token and not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if token:
        feed_token = CalendarFeedToken.objects.select_related("user").filter(key=token, user__is_active=True).first()
        if feed_token is None:
            raise Http404("Unknown feed token.")
    now = timezone.now()
    items = selectors.calendar_items(now - timedelta(days=60), now + timedelta(days=365))
    body = ical.build(items, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="changes.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
