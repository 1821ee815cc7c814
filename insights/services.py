"""Writes of insights: recording a maturity assessment."""

from django.db import transaction
from django.utils import timezone

from delivery_portal.audit import save_with_history
from delivery_portal.errors import ProcessError

from .domain.maturity import CHARACTERISTICS, assess_maturity
from .models import MaturityAssessment
from .selectors.maturity import maturity_evidence_for


@transaction.atomic
def maturity_assessment_record(*, team, answers: dict, by=None, notes: str = "", at=None, evidence=None) -> MaturityAssessment:
    """Keep one assessment of `team`: people's answers, with every characteristic the data
    proves filled in (evidence wins over an answer), and the level and target they give."""
    at = at or timezone.now()
    unknown = sorted(set(answers) - set(CHARACTERISTICS))
    if unknown:
        raise ProcessError("Unknown maturity characteristics.", [f"Unknown: {key}" for key in unknown])
    evidence = maturity_evidence_for(team=team, at=at) if evidence is None else evidence
    merged = {key: bool(answers.get(key, False)) for key in CHARACTERISTICS}
    merged.update({key: True for key in evidence})
    result = assess_maturity(merged)
    assessment = MaturityAssessment(
        team=team, assessed_at=at, assessed_by=by, answers=merged, evidence=evidence,
        level=result.level, target_level=result.target, notes=notes,
    )
    save_with_history(assessment, by=by, reason=f"assessed at level {result.level}")
    return assessment
