"""Reads of the changes app for pages, the API and other apps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from delivery_portal import roles
from sla.models import Service
from sla.selectors import freezes_overlapping

from . import domain
from .models import Approval, BlackoutWindow, ChangeRequest, ChangeState, ChangeType

# States in which the work of a change may be carried out.
DEPLOYABLE_STATES = {ChangeState.APPROVED, ChangeState.SCHEDULED, ChangeState.IMPLEMENTING}
# Changes whose windows still claim a slot on the calendar (others cannot collide).
ACTIVE_STATES = (ChangeState.SUBMITTED, ChangeState.APPROVED, ChangeState.SCHEDULED, ChangeState.IMPLEMENTING)
LONG_TEXT_FIELDS = (
    "description", "justification", "impact_systems", "impact_users", "implementation_plan", "rollback_plan",
    "testing_plan", "review_notes",
)
CALENDAR_STATES = ACTIVE_STATES + (ChangeState.COMPLETED, ChangeState.FAILED, ChangeState.REVIEWED, ChangeState.CLOSED)


def change_deploy_blockers(change: ChangeRequest, *, at=None) -> list[str]:
    """Why a production deployment linked to `change` may not run at `at` (empty: it may).

    Used by the deployment gates. A change must be approved (or later, up to implementing),
    `at` must fall inside its window, normal/expedited changes need a rollback plan, and
    no blackout window of its services (or of the whole organisation) may cover `at`,
    except for emergency changes. Deploy freezes are the deployment gates' own rule.
    """
    at = at or timezone.now()
    reasons = []
    if change.state not in DEPLOYABLE_STATES:
        reasons.append(f"Change {change.reference} is {change.get_state_display().lower()}, not approved.")
    if change.window_start is None or change.window_end is None:
        reasons.append(f"Change {change.reference} has no scheduled window.")
    elif not (change.window_start <= at <= change.window_end):
        reasons.append(
            f"Now ({at:%Y-%m-%d %H:%M} UTC) is outside the window of change {change.reference} "
            f"({change.window_start:%Y-%m-%d %H:%M}–{change.window_end:%Y-%m-%d %H:%M} UTC)."
        )
    problem = domain.rollback_problem(change.change_type, change.rollback_plan)
    if problem:
        reasons.append(f"Change {change.reference} has no documented rollback plan.")
    if change.change_type != ChangeType.EMERGENCY and change.pk:
        service_ids = [s.pk for s in change.services.all()]
        blackouts = BlackoutWindow.objects.filter(starts_at__lte=at, ends_at__gt=at).filter(
            Q(services__isnull=True) | Q(services__in=service_ids)
        ).distinct()
        for blackout in blackouts:
            reasons.append(
                f"Blackout window {blackout.title!r} ({blackout.starts_at:%Y-%m-%d %H:%M}–"
                f"{blackout.ends_at:%Y-%m-%d %H:%M} UTC): no changes go out."
            )
    return reasons


# --- Conflicts -----------------------------------------------------------------------
@dataclass(frozen=True)
class Conflict:
    kind: str  # change | freeze | blackout
    detail: str
    starts_at: datetime | None
    ends_at: datetime | None
    reference: str = ""  # the other change
    service: str = ""  # a slug, when one service is concerned

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "detail": self.detail,
            "reference": self.reference or None,
            "service": self.service or None,
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
        }


def _fmt(dt):
    return f"{dt:%Y-%m-%d %H:%M}" if dt else "open-ended"


def conflicts_for_changes(changes) -> dict[int, list[Conflict]]:
    """Conflicts of each change's window, in a fixed number of queries whatever the count.

    `changes` should have `services` prefetched. A conflict is another active change on a
    shared service whose window overlaps, a deploy freeze of one of its services (open
    now, or overlapping the window), or a blackout window (organisation-wide or of one of
    its services) overlapping the window.
    """
    changes = [c for c in changes]
    result: dict[int, list[Conflict]] = {c.pk: [] for c in changes}
    windowed = [c for c in changes if c.window_start and c.window_end]
    services_of = {c.pk: {s.pk: s for s in c.services.all()} for c in changes}
    all_service_ids = {sid for c in changes for sid in services_of[c.pk]}
    # Open freezes count whatever the window: a frozen service takes no changes until thawed.
    freezes = list(
        freezes_overlapping(start=min((c.window_start for c in windowed), default=timezone.now()), service_ids=all_service_ids)
        .select_related("service")
    )
    frozen_flags = {
        s.pk: s for c in changes for s in services_of[c.pk].values() if s.freeze_active
    }
    if windowed:
        lo = min(c.window_start for c in windowed)
        hi = max(c.window_end for c in windowed)
        others = list(
            ChangeRequest.objects.filter(state__in=ACTIVE_STATES, services__in=all_service_ids)
            .filter(window_start__lt=hi, window_end__gt=lo)
            .distinct()
            .prefetch_related(Prefetch("services", queryset=Service.objects.only("pk", "slug")))
        )
        blackouts = list(
            BlackoutWindow.objects.filter(starts_at__lt=hi, ends_at__gt=lo).prefetch_related(
                Prefetch("services", queryset=Service.objects.only("pk", "slug"))
            )
        )
    else:
        others, blackouts = [], []
    for change in changes:
        mine = services_of[change.pk]
        found = result[change.pk]
        start, end = change.window_start, change.window_end
        has_window = bool(start and end)
        for freeze in freezes:
            if freeze.service_id not in mine:
                continue
            if freeze.ended_at is None or (has_window and domain.overlaps(start, end, freeze.started_at, freeze.ended_at)):
                if freeze.ended_at is None:
                    detail = f"Service {freeze.service.slug} is under a deploy freeze since {_fmt(freeze.started_at)} UTC."
                else:
                    detail = (
                        f"Service {freeze.service.slug} has a deploy freeze {_fmt(freeze.started_at)}–"
                        f"{_fmt(freeze.ended_at)} UTC overlapping the window."
                    )
                found.append(Conflict("freeze", detail, freeze.started_at, freeze.ended_at, service=freeze.service.slug))
        open_frozen = {f.service_id for f in freezes if f.ended_at is None}
        for sid, service in mine.items():
            if sid in frozen_flags and sid not in open_frozen:
                found.append(Conflict("freeze", f"Service {service.slug} is frozen (error budget).", None, None, service=service.slug))
        if not has_window:
            continue
        for other in others:
            if other.pk == change.pk or not domain.overlaps(start, end, other.window_start, other.window_end):
                continue
            shared = sorted(s.slug for s in other.services.all() if s.pk in mine)
            if shared:
                found.append(
                    Conflict(
                        "change",
                        f"{other.reference} ({other.state}) on {', '.join(shared)} has an overlapping window "
                        f"{_fmt(other.window_start)}–{_fmt(other.window_end)} UTC.",
                        other.window_start,
                        other.window_end,
                        reference=other.reference,
                        service=shared[0],
                    )
                )
        for blackout in blackouts:
            if not domain.overlaps(start, end, blackout.starts_at, blackout.ends_at):
                continue
            scope = [s.slug for s in blackout.services.all()]
            hit = sorted(s for s in scope if any(m.slug == s for m in mine.values()))
            if scope and not hit:
                continue
            where = f"for {', '.join(hit)}" if hit else "organisation-wide"
            found.append(
                Conflict(
                    "blackout",
                    f"Blackout window {blackout.title!r} {where}, {_fmt(blackout.starts_at)}–{_fmt(blackout.ends_at)} UTC.",
                    blackout.starts_at,
                    blackout.ends_at,
                    service=hit[0] if hit else "",
                )
            )
    return result


def change_conflicts(change: ChangeRequest) -> list[Conflict]:
    return conflicts_for_changes([change])[change.pk]


class _Services(list):
    def all(self):
        return self


@dataclass
class _Proposed:
    pk: int
    window_start: datetime | None
    window_end: datetime | None
    services: _Services


def window_conflicts(*, window_start, window_end, services, exclude_pk=None) -> list[Conflict]:
    """Conflicts of a proposed window on `services` (the request form checks it as you type)."""
    proposed = _Proposed(exclude_pk or -1, window_start, window_end, _Services(services))
    return conflicts_for_changes([proposed])[proposed.pk]


# --- Lists ---------------------------------------------------------------------------
def change_queryset():
    return ChangeRequest.objects.select_related("requester", "template").prefetch_related(
        "services", Prefetch("approvals", queryset=Approval.objects.select_related("by"))
    )


# The change list's ?review= filter: the emergency-review backlog linked from the CAB agenda.
REVIEW_FILTERS = ("pending", "overdue")


def change_list(*, state: str | None = None, review: str | None = None, at=None):
    """The change list (page and CSV): newest first, of one state if given.

    review="pending" or "overdue" lists that part of the emergency-review backlog instead,
    oldest first (the state is not applied then, as the page always did)."""
    if review == "pending":
        return emergency_reviews_pending()
    if review == "overdue":
        return overdue_emergency_reviews(at=at).select_related("requester").prefetch_related(None)
    changes = ChangeRequest.objects.select_related("requester").order_by("-created_at")
    if state:
        changes = changes.filter(state=state)
    return changes


def change_detail(reference: str) -> ChangeRequest:
    return change_queryset().get(reference=reference)


def _approver_q(user):
    """The change types `user` may decide on."""
    types = []
    if roles.has_role(user, roles.CAB_MEMBER):
        types.append(ChangeType.NORMAL)
    if roles.has_role(user, roles.DELIVERY_MANAGER):
        types.append(ChangeType.EXPEDITED)
    if roles.has_role(user, roles.ON_CALL):
        types.append(ChangeType.EMERGENCY)
    return types


def changes_awaiting(user):
    """Submitted changes waiting for this user's decision: of a type they decide, not
    their own, and not yet decided by them. Ordered by window start."""
    if not getattr(user, "is_authenticated", False):
        return ChangeRequest.objects.none()
    types = _approver_q(user)
    if not types:
        return ChangeRequest.objects.none()
    # One query (plus a count where the caller needs one): the callers show reference,
    # title, type, window and requester, so no prefetch of services or approvals.
    return (
        ChangeRequest.objects.select_related("requester")
        .filter(state=ChangeState.SUBMITTED, change_type__in=types)
        .exclude(requester=user)
        .exclude(approvals__by=user)
        .order_by("window_start", "pk")
    )


def cab_agenda():
    """What the CAB looks at: submitted normal changes, ordered by window."""
    # The plans and analyses are read on the change's own page, not on the agenda.
    return (
        change_queryset()
        .filter(state=ChangeState.SUBMITTED, change_type=ChangeType.NORMAL)
        .defer(*LONG_TEXT_FIELDS)
        .order_by("window_start", "pk")
    )


def _review_overdue_q(at) -> Q:
    """SQL twin of domain.emergency_review_overdue for emergency changes awaiting review."""
    cutoff = at - domain.EMERGENCY_REVIEW_WITHIN
    return Q(state__in=(ChangeState.COMPLETED, ChangeState.FAILED), implementation_ended_at__lt=cutoff) | Q(
        state=ChangeState.IMPLEMENTING, implementation_started_at__lt=cutoff
    )


def overdue_emergency_reviews(*, at=None):
    """Emergency changes implemented more than 5 days before `at` and not yet reviewed."""
    at = at or timezone.now()
    return change_queryset().filter(change_type=ChangeType.EMERGENCY).filter(_review_overdue_q(at)).order_by("implementation_started_at")


def emergency_reviews_pending():
    """Emergency changes implemented (or being implemented) and not yet reviewed by the CAB."""
    return (
        ChangeRequest.objects.select_related("requester")
        .filter(
            change_type=ChangeType.EMERGENCY,
            state__in=(ChangeState.IMPLEMENTING, ChangeState.COMPLETED, ChangeState.FAILED),
        )
        .order_by("implementation_started_at", "pk")
    )


def emergency_reviews_summary(*, at=None, limit: int = 20) -> dict:
    """The review backlog for the agenda in two queries whatever its size: how many await
    review and how many of them are overdue, and the `limit` oldest (the most overdue first)."""
    at = at or timezone.now()
    pending = emergency_reviews_pending()
    counts = pending.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=_review_overdue_q(at)))
    oldest = list(
        pending.only(
            "reference", "title", "state", "change_type", "implementation_started_at", "implementation_ended_at"
        ).select_related(None)[:limit]
    )
    return {"total": counts["total"], "overdue": counts["overdue"], "oldest": oldest}


def approvers_for(change: ChangeRequest):
    """Users who may decide on `change` (by role), its requester excluded."""
    role = domain.APPROVER_ROLE.get(change.change_type)
    if role is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .exclude(pk=change.requester_id)
        .distinct()
        .order_by("username")
    )


def cab_members():
    return get_user_model().objects.filter(is_active=True, groups__name=roles.CAB_MEMBER).distinct().order_by("username")


# --- Calendar ------------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarItem:
    kind: str  # change | freeze | blackout
    title: str
    starts_at: datetime
    ends_at: datetime | None
    url: str = ""
    state: str = ""
    uid: str = ""


def calendar_items(start: datetime, end: datetime) -> list[CalendarItem]:
    """Changes, freezes and blackout windows overlapping [start, end), by start. Three queries."""
    from django.urls import reverse

    # One reversal per kind, not per item: a month holds a thousand changes at large scale.
    change_url = reverse("changes:detail", args=["__ref__"])
    service_url = reverse("sla:service", args=["__slug__"])
    # Plain rows rather than model instances: building a thousand models costs more than the query.
    changes = (
        ChangeRequest.objects.filter(state__in=CALENDAR_STATES, window_start__lt=end, window_end__gt=start)
        .order_by("window_start")
        .values_list("reference", "title", "state", "window_start", "window_end")
    )
    items = [
        CalendarItem(
            "change",
            f"{reference} {title}",
            starts,
            ends,
            url=change_url.replace("__ref__", quote(reference)),
            state=state,
            uid=f"{reference}@delivery-portal",
        )
        for reference, title, state, starts, ends in changes
    ]
    freezes = (
        freezes_overlapping(start=start, end=end)
        .values_list("pk", "service__slug", "started_at", "ended_at")
    )
    items += [
        CalendarItem(
            "freeze",
            f"Freeze: {slug}",
            started,
            ended,
            url=service_url.replace("__slug__", slug),
            uid=f"freeze-{pk}@delivery-portal",
        )
        for pk, slug, started, ended in freezes
    ]
    for b in BlackoutWindow.objects.filter(starts_at__lt=end, ends_at__gt=start):
        items.append(CalendarItem("blackout", f"Blackout: {b.title}", b.starts_at, b.ends_at, uid=f"blackout-{b.pk}@delivery-portal"))
    items.sort(key=lambda i: (i.starts_at, i.kind))
    return items
