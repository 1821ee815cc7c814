"""Demo maturity assessments for `make run` (idempotent)."""

from datetime import timedelta

from django.utils import timezone

from sla.models import Team

from .domain.maturity import CHARACTERISTICS, MATURITY_LEVELS, assess_maturity
from .models import MaturityAssessment

DEMO_TEAMS = [
    # slug, name, [(days ago, levels fully met, extra characteristics), ...]
    ("platform", "Platform", [(120, 1, ()), (60, 2, ("full_ci_cd",)), (7, 3, ("canary_releases", "feature_flags"))]),
    ("payments", "Payments", [(30, 2, ("automated_testing",))]),
]


def _answers(levels_met: int, extra) -> dict[str, bool]:
    met = {c.key for lvl in MATURITY_LEVELS[:levels_met] for c in lvl.characteristics} | set(extra)
    return {key: key in met for key in CHARACTERISTICS}


def load(users):
    now = timezone.now()
    manager = users.get("manager")
    for slug, name, history in DEMO_TEAMS:
        team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": name})
        if MaturityAssessment.objects.filter(team=team).exists():
            continue
        for days_ago, levels_met, extra in history:
            answers = _answers(levels_met, extra)
            result = assess_maturity(answers)
            MaturityAssessment.objects.create(
                team=team, assessed_at=now - timedelta(days=days_ago), assessed_by=manager, answers=answers,
                level=result.level, target_level=result.target, notes="Demo assessment.",
            )
