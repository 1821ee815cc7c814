"""Reads of the releases app for pages, the API, the script and other apps."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from delivery_portal.strategy_guide import STRATEGIES, recommend_for_release

from .domain import criteria, schedule, versions
from .models import SCOPE_MODELS, BugFix, CommsItem, Dependency, Evidence, Release, RolloutPlan


def release_detail_queryset():
    return Release.objects.select_related("created_by", "rollout_plan").prefetch_related(
        "services", "features", "bug_fixes", "dependencies",
        Prefetch("comms_items", queryset=CommsItem.objects.select_related("owner", "done_by")),
    )


def release_by_version(version: str, queryset=None) -> Release | None:
    """The release of `version` in any spelling (``2.5.0``, `` V2.5.0``, ``v2.5.0``), or None.

    Versions are stored canonically (``v`` + semver, releases/domain/versions.py); a row stored in an
    older spelling (the normalising migration leaves two rows that would collide) is still
    found, the canonical one first. One query.
    """
    queryset = Release.objects.all() if queryset is None else queryset
    try:
        spellings = versions.version_spellings(version)
    except ValueError:
        return queryset.filter(version=(version or "").strip()).first()
    matches = list(queryset.filter(version__in=spellings))
    return min(matches, key=lambda release: spellings.index(release.version), default=None)


def release_or_404(version: str, queryset=None) -> Release:
    """release_by_version for a page's URL: Http404 when no release has that version."""
    release = release_by_version(version, queryset)
    if release is None:
        raise Http404(f"No release {version}.")
    return release


def version_taken(version: str) -> bool:
    """Whether a release of `version` (in any spelling) exists."""
    return Release.objects.filter(version__in=versions.version_spellings(version)).exists()


def newest_evidence(release: Release, *, at=None) -> dict[str, Evidence]:
    """criterion -> the newest Evidence recorded at or before `at` (default now)."""
    at = at or timezone.now()
    newest = {}
    rows = Evidence.objects.filter(release=release, recorded_at__lte=at).select_related("recorded_by")
    for evidence in rows.order_by("criterion", "-recorded_at", "-id"):
        newest.setdefault(evidence.criterion, evidence)
    return newest


def _prefetched(release: Release, name: str):
    """The rows of `name` already loaded by release_detail_queryset(), or None (then query)."""
    return getattr(release, "_prefetched_objects_cache", {}).get(name)


def scope_open_bugs(release: Release) -> tuple[int, int]:
    """(open P1, open P2) bug fixes in the release's scope (not yet resolved)."""
    loaded = _prefetched(release, "bug_fixes")
    if loaded is not None:
        priorities = [b.priority for b in loaded if b.priority in ("P1", "P2") and b.status != BugFix.Status.RESOLVED]
    else:
        open_fixes = BugFix.objects.filter(release=release, priority__in=["P1", "P2"]).exclude(status=BugFix.Status.RESOLVED)
        priorities = list(open_fixes.values_list("priority", flat=True))
    return priorities.count("P1"), priorities.count("P2")


def rollout_summary(release: Release) -> dict:
    """The strategy (chosen or recommended), its rollback plan and the monitoring period.

    No query for what release_detail_queryset() already loaded (plan, dependencies, services)."""
    if Release.rollout_plan.is_cached(release):
        plan = release._state.fields_cache.get(Release.rollout_plan.related.cache_name)  # None: no plan
    else:
        plan = RolloutPlan.objects.filter(release=release).first()
    deps, services = _prefetched(release, "dependencies"), _prefetched(release, "services")
    if deps is not None:
        has_migrations = any(d.kind == Dependency.Kind.DB_MIGRATION for d in deps)
    else:
        has_migrations = Dependency.objects.filter(release=release, kind=Dependency.Kind.DB_MIGRATION).exists()
    if services is not None:
        critical = any(s.tier == "critical" for s in services)
    else:
        critical = release.services.filter(tier="critical").exists()
    recommendation = recommend_for_release(
        release_type=release.release_type, has_db_migrations=has_migrations, critical=critical
    )
    chosen = (plan.strategy if plan else "") or recommendation.strategy
    info = STRATEGIES[chosen]
    if chosen == recommendation.strategy:
        text = f"{info.label} (recommended for this release size)"
    else:
        text = f"{info.label} (chosen; {recommendation.label} recommended for this release size)"
    return {
        "strategy_key": chosen,
        "recommended_key": recommendation.strategy,
        "recommendation_reasons": recommendation.reasons,
        "strategy": text,
        "rollback_plan": (plan.rollback_plan if plan else "") or info.rollback_plan,
        "monitoring_hours": plan.monitoring_hours if plan else 24,
        "window_start": plan.window_start if plan else None,
        "window_end": plan.window_end if plan else None,
    }


def release_evaluation(release: Release, *, at=None) -> tuple[list[criteria.CriterionResult], criteria.Decision, dict]:
    """(criteria results, decision, newest evidence by criterion) at `at`."""
    evidence = newest_evidence(release, at=at)
    p1, p2 = scope_open_bugs(release)
    results = criteria.evaluate_criteria(
        {criterion: e.payload for criterion, e in evidence.items()}, scope_open_p1=p1, scope_open_p2=p2
    )
    return results, criteria.decide(results, target=release.target_date), evidence


def with_open_p1_p2(queryset):
    """`queryset` of releases annotated with open_p1_count / open_p2_count (open P1 and P2
    bug fixes in scope), which recommendations_for then reads instead of querying."""
    open_fix = ~Q(bug_fixes__status=BugFix.Status.RESOLVED)
    return queryset.annotate(
        open_p1_count=Count("bug_fixes", filter=Q(bug_fixes__priority="P1") & open_fix),
        open_p2_count=Count("bug_fixes", filter=Q(bug_fixes__priority="P2") & open_fix),
    )


def recommendations_for(releases, *, at=None) -> dict[int, str]:
    """release pk -> "GO" / "CONDITIONAL GO" / "NO-GO" for many releases in two queries.

    The same rules as release_evaluation, for lists (the dashboard) where one evaluation
    per release would cost queries per row.
    """
    at = at or timezone.now()
    by_pk = {release.pk: release for release in releases}
    newest: dict[int, dict[str, dict]] = {pk: {} for pk in by_pk}
    rows = Evidence.objects.filter(release_id__in=by_pk, recorded_at__lte=at).order_by(
        "release_id", "criterion", "-recorded_at", "-id"
    )
    for release_id, criterion, payload in rows.values_list("release_id", "criterion", "payload"):
        newest[release_id].setdefault(criterion, payload)
    open_bugs: dict[int, list[str]] = {pk: [] for pk in by_pk}
    # Releases annotated by with_open_p1_p2() carry their counts: no query for them.
    annotated = all(hasattr(r, "open_p1_count") and hasattr(r, "open_p2_count") for r in by_pk.values())
    if annotated:
        for pk, release in by_pk.items():
            open_bugs[pk] = ["P1"] * release.open_p1_count + ["P2"] * release.open_p2_count
    else:
        fixes = BugFix.objects.filter(release_id__in=by_pk, priority__in=["P1", "P2"]).exclude(status=BugFix.Status.RESOLVED)
        for release_id, priority in fixes.values_list("release_id", "priority"):
            open_bugs[release_id].append(priority)
    verdicts = {}
    for pk, release in by_pk.items():
        results = criteria.evaluate_criteria(
            newest[pk], scope_open_p1=open_bugs[pk].count("P1"), scope_open_p2=open_bugs[pk].count("P2")
        )
        verdicts[pk] = criteria.decide(results, target=release.target_date).recommendation
    return verdicts


def release_readiness(release: Release, *, at=None) -> dict:
    """The contract's readiness JSON, shared by the API, the release page and release_checker.py."""
    results, decision, _evidence = release_evaluation(release, at=at)
    rollout = rollout_summary(release)
    return {
        "version": release.version,
        "release_type": release.release_type,
        "target_date": release.target_date.isoformat(),
        "criteria": [r.as_dict() for r in results],
        "recommendation": decision.recommendation,
        "conditions": decision.conditions,
        "strategy": rollout["strategy"],
        "rollback_plan": rollout["rollback_plan"],
        "monitoring_hours": rollout["monitoring_hours"],
    }


def release_recommendation(release: Release, *, at=None) -> str:
    """"GO", "CONDITIONAL GO" or "NO-GO" for `release` at `at` (used by deployment gates)."""
    return release_evaluation(release, at=at)[1].recommendation


def comms_items(release: Release, *, at=None) -> list[dict]:
    """The checklist with deadlines and overdue flags."""
    at = at or timezone.now()
    tz = timezone.get_current_timezone()
    rows = []
    for item in release.comms_items.all():
        deadline = schedule.comms_deadline(item.due_date, tz)
        rows.append({
            "item": item,
            "label": item.get_kind_display(),
            "deadline": deadline,
            "overdue": schedule.is_overdue(due=item.due_date, done=item.done, at=at.astimezone(tz)),
        })
    return rows


def comms_owner_choices():
    """Who may own a checklist item: the active users, by username (one query)."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(is_active=True).order_by("username").only("pk", "username"))


def release_list():
    """Every release, newest target date first (filtered by releases.filtersets.ReleaseFilterSet
    for the page, its export and the API)."""
    return Release.objects.prefetch_related("services").order_by("-target_date", "-id")


def releases_between(start, end):
    return Release.objects.filter(target_date__gte=start, target_date__lte=end).order_by("target_date", "version")


def release_deployments(release: Release):
    return release.deployments.select_related("service").order_by("created_at", "id")


def release_notes(release: Release) -> str:
    from .notes import release_notes_markdown

    release = release_detail_queryset().get(pk=release.pk)
    return release_notes_markdown(release, rollout=rollout_summary(release), deployments=release_deployments(release))


def scope_item_or_404(release: Release, kind: str, pk: int):
    """A feature, bug fix or dependency of `release` by its kind and id; Http404 otherwise."""
    if kind not in SCOPE_MODELS:
        raise Http404(f"No scope kind {kind}.")
    return get_object_or_404(SCOPE_MODELS[kind], release=release, pk=pk)


def comms_item_or_404(release: Release, kind: str) -> CommsItem:
    """The checklist item of `release` for `kind` (t_minus_7, ...); Http404 otherwise."""
    return get_object_or_404(CommsItem, release=release, kind=kind)


def late_scope_changes(release: Release):
    return release.scope_changes.filter(late=True).select_related("by")
