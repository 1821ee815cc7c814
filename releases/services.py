"""Every state change of the releases app: keyword-only, atomic, audited."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from delivery_portal import concurrency
from delivery_portal.audit import save_with_history
from delivery_portal.errors import ProcessError
from delivery_portal.notifications import notify
from delivery_portal.strategy_guide import Strategy
from sla.models import Service

from . import selectors
from .domain import payloads, schedule, versions
from .models import SCOPE_MODELS, CommsItem, CommsKind, Evidence, Release, RolloutPlan, ScopeChange

SCOPE_FIELDS = {
    "feature": ("title", "ticket", "status"),
    "bug_fix": ("title", "ticket", "priority", "status"),
    "dependency": ("kind", "description"),
}


def _url(release):
    return settings.SITE_URL.rstrip("/") + reverse("releases:detail", args=[release.version])


@transaction.atomic
def release_create(*, version: str, target_date, services=(), product: str = "portal", by=None, at=None) -> Release:
    """A new release; its type comes from the previous final release of the same product,
    and the product's later releases are retyped against it (releases/domain/versions.py).

    `version` is stored in its canonical spelling (``v`` + semver): ``2.5.0`` is ``v2.5.0``.
    Also creates the T-7/T-1/T-0/T+1 checklist (owned by `by`) and a default rollout plan.
    """
    try:
        version = versions.canonical_version(version)
    except ValueError as exc:
        raise ValidationError({"version": [str(exc)]}) from exc
    product = (product or "portal").strip()
    if selectors.version_taken(version):
        raise ValidationError({"version": [f"A release {version} already exists."]})
    # The product's releases as (version, type) by pk: the new one's previous release and
    # those after it that it retypes, in one read.
    rows = {pk: (text, kind) for pk, text, kind in
            Release.objects.filter(product=product).values_list("pk", "version", "release_type")}
    release = Release.objects.create(
        version=version,
        product=product,
        release_type=versions.release_type_among(version, [text for text, _kind in rows.values()]),
        target_date=target_date,
        created_by=by,
    )
    rows[release.pk] = (release.version, release.release_type)
    _retype(versions.retype_after(release.version, rows), because=release, by=by)
    service_objs = [s if isinstance(s, Service) else Service.objects.get(slug=s) for s in services]
    release.services.set(service_objs)
    for kind, due in schedule.t_dates(target_date).items():
        CommsItem.objects.create(release=release, kind=kind, due_date=due, owner=by)
    RolloutPlan.objects.create(release=release)
    return release


def _retype(new_types: dict, *, because: Release, by=None) -> None:
    """Save the recomputed types (pk -> type) of a product's later releases, audited."""
    if not new_types:
        return
    for release in Release.objects.filter(pk__in=new_types):
        release.release_type = new_types[release.pk]
        reason = f"type recomputed: {because.version} is now an earlier release of {release.product}"
        save_with_history(release, by=by, reason=reason, update_fields=["release_type"])


def _scope_finalised(release) -> bool:
    return CommsItem.objects.filter(release=release, kind=CommsKind.T_MINUS_7, done=True).exists()


def _record_scope_change(*, release, action, item_kind, summary, by, at) -> bool:
    at = at or timezone.now()
    late = schedule.scope_change_is_late(
        target=release.target_date, on=timezone.localdate(at), scope_finalised=_scope_finalised(release)
    )
    ScopeChange.objects.create(
        release=release, action=action, item_kind=item_kind, summary=summary[:300], late=late, at=at, by=by
    )
    if late:
        owners = [i.owner for i in CommsItem.objects.filter(release=release).select_related("owner") if i.owner]
        notify(
            event="release.scope_changed_late",
            subject=f"{release.version}: scope {action} after T-7",
            body=f"{item_kind.replace('_', ' ').capitalize()} {action}: {summary}. The scope was final at T-7.",
            users=[release.created_by, *owners],
            url=_url(release),
            payload={"version": release.version, "action": action, "item": summary},
        )
    return late


def _clean_scope(kind, data, *, partial=False):
    if kind not in SCOPE_MODELS:
        raise ValidationError({"kind": [f"One of {', '.join(SCOPE_MODELS)}."]})
    model = SCOPE_MODELS[kind]
    clean, errors = {}, {}
    for name in SCOPE_FIELDS[kind]:
        if name not in data:
            continue
        value = data[name]
        value = value.strip() if isinstance(value, str) else value
        field = model._meta.get_field(name)
        if field.choices and value not in dict(field.choices):
            if not (value in (None, "") and field.has_default()):
                errors[name] = [f"One of {', '.join(k for k, _ in field.choices)}."]
            continue
        if name in ("title", "description") and not value:
            errors[name] = ["This field is required."]
            continue
        if value is None:
            continue
        if isinstance(value, str) and len(value) > field.max_length:
            errors[name] = [f"At most {field.max_length} characters."]
            continue
        clean[name] = value
    if not partial:
        for name in ("title", "description", "kind"):
            if name in SCOPE_FIELDS[kind] and name not in clean and name not in errors:
                errors[name] = ["This field is required."]
    if errors:
        raise ValidationError(errors)
    return clean


def _summary(item):
    ticket = getattr(item, "ticket", "")
    text = str(item)
    return f"{text} ({ticket})" if ticket else text


@transaction.atomic
def scope_item_add(*, release: Release, kind: str, data: dict, by=None, at=None):
    """Add a feature, bug fix or dependency; flagged `late` after T-7."""
    clean = _clean_scope(kind, data)
    item = SCOPE_MODELS[kind](release=release, **clean)
    item.late = _record_scope_change(release=release, action="added", item_kind=kind, summary=_summary(item), by=by, at=at)
    item.save()
    return item


@transaction.atomic
def scope_item_update(*, item, data: dict, by=None, at=None):
    kind = scope_kind(item)
    clean = _clean_scope(kind, data, partial=True)
    changed = {name: value for name, value in clean.items() if getattr(item, name) != value}
    if not changed:
        return item
    for name, value in changed.items():
        setattr(item, name, value)
    what = ", ".join(f"{name} → {value}" for name, value in changed.items())
    late = _record_scope_change(
        release=item.release, action="changed", item_kind=kind, summary=f"{_summary(item)}: {what}", by=by, at=at
    )
    item.late = item.late or late
    item.save()
    return item


@transaction.atomic
def scope_item_remove(*, item, by=None, at=None) -> None:
    _record_scope_change(
        release=item.release, action="removed", item_kind=scope_kind(item), summary=_summary(item), by=by, at=at
    )
    item.delete()


def scope_kind(item) -> str:
    for kind, model in SCOPE_MODELS.items():
        if isinstance(item, model):
            return kind
    raise TypeError(item)


@transaction.atomic
def evidence_record(*, release: Release, criterion: str, payload: dict, by=None, at=None) -> Evidence:
    """Record evidence for one exit criterion; ValidationError (field -> messages) on a bad payload."""
    clean, errors = payloads.validate_payload(criterion, payload)
    if errors:
        raise ValidationError(errors)
    return Evidence.objects.create(
        release=release, criterion=criterion, payload=clean, recorded_by=by, recorded_at=at or timezone.now()
    )


@transaction.atomic
def comms_item_set_done(*, item: CommsItem, done: bool, by=None, at=None) -> CommsItem:
    item = CommsItem.objects.select_for_update().get(pk=item.pk)
    if item.done == done:
        return item
    item.done = done
    item.done_at = (at or timezone.now()) if done else None
    item.done_by = by if done else None
    item.save()
    return item


@transaction.atomic
def comms_item_set_owner(*, item: CommsItem, owner, by=None) -> CommsItem:
    """Hand a checklist item to another owner (an active user), in the item's audit history.

    An open item's overdue reminder is re-armed, so the new owner is reminded once too.
    """
    if owner is None or not getattr(owner, "is_active", False):
        raise ValidationError({"owner": ["The owner must be an active user."]})
    item = CommsItem.objects.select_for_update().get(pk=item.pk)
    if item.owner_id == owner.pk:
        return item
    previous = item.owner.username if item.owner_id else "nobody"
    item.owner = owner
    if not item.done:
        item.reminded_at = None
    save_with_history(item, by=by, reason=f"owner changed from {previous} to {owner.username}")
    return item


@transaction.atomic
def rollout_plan_set(
    *, release: Release, window_start=None, window_end=None, strategy: str = "", rollback_plan: str = "",
    monitoring_hours: int = 24, by=None, expected_version=None,
) -> RolloutPlan:
    errors = {}
    if strategy and strategy not in Strategy.values:
        errors["strategy"] = [f"One of {', '.join(Strategy.values)}."]
    if window_start and window_end and window_end <= window_start:
        errors["window_end"] = ["The window must end after it starts."]
    if monitoring_hours is None or int(monitoring_hours) < 1:
        errors["monitoring_hours"] = ["At least 1 hour."]
    if errors:
        raise ValidationError(errors)
    concurrency.claim(release, expected_version, noun="release")
    plan, _ = RolloutPlan.objects.select_for_update().get_or_create(release=release)
    plan.window_start, plan.window_end = window_start, window_end
    plan.strategy, plan.rollback_plan = strategy or "", (rollback_plan or "").strip()
    plan.monitoring_hours = int(monitoring_hours)
    plan.save()
    return plan


@transaction.atomic
def release_set_target_date(*, release: Release, target_date, by=None, expected_version=None) -> Release:
    """Move the target date; open checklist items move with it.

    `expected_version`: the release's `edit_version` the editor saw; someone else's edit
    since then raises ConcurrentEditError (delivery_portal.concurrency).
    """
    concurrency.claim(release, expected_version, noun="release")
    if release.deployments.filter(state="succeeded", environment="production").exists():
        raise ProcessError("The release is already deployed to production.", ["A production deployment succeeded."])
    release.target_date = target_date
    release.save()
    for kind, due in schedule.t_dates(target_date).items():
        CommsItem.objects.filter(release=release, kind=kind, done=False).update(due_date=due, reminded_at=None)
    return release


def comms_remind_overdue(*, at=None) -> int:
    """Remind the owner of each overdue, open checklist item once. Returns how many were reminded."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    sent = 0
    candidate_ids = list(
        CommsItem.objects.filter(done=False, reminded_at__isnull=True, due_date__lt=today).values_list("pk", flat=True)
    )
    for pk in candidate_ids:
        with transaction.atomic():
            item = (
                CommsItem.objects.select_for_update(of=("self",))
                .select_related("release", "owner", "release__created_by")
                .filter(pk=pk, done=False, reminded_at__isnull=True)
                .first()
            )
            if item is None:
                continue
            label = item.get_kind_display()
            notify(
                event="release.comms_overdue",
                subject=f"{item.release.version}: {label} is overdue",
                body=f"{label} was due on {item.due_date:%Y-%m-%d} for release {item.release.version}.",
                users=[item.owner or item.release.created_by],
                url=_url(item.release),
                payload={"version": item.release.version, "item": item.kind, "due_date": item.due_date.isoformat()},
            )
            item.reminded_at = at
            item.save(update_fields=["reminded_at"])
            sent += 1
    return sent
