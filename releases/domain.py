"""Pure rules of release planning: versions, exit criteria, the go/no-go, the T-dates.

No ORM, no I/O, no clock: callers pass plain values and `at`.

Decisions written down here:

- **A version has one spelling**: ``v`` + the semantic version (``canonical_version``).
  Input may omit the ``v``, write ``V`` or carry spaces around; ``2.5.0`` and ``v2.5.0`` are
  the same release. Creating and looking up releases go through it.
- **Release type** comes from the previous *final* release of the same product: the
  highest final version (no pre-release part) below the new version's final version.
  Pre-releases never count as the previous release, and a pre-release has the type of its
  final version (``v2.5.0-rc.1`` and ``v2.5.0`` after ``v2.4.3`` are both minor). A
  different major number is a major release, a different minor number a minor release,
  otherwise a patch. The **first release of a product** has nothing to compare with, so
  its type is read from the version's own shape: ``X.0.0`` is major, ``X.Y.0`` minor,
  ``X.Y.Z`` (Z > 0) patch. A new release can change the type of the product's releases
  after it (``retype_after``).
- **T-dates count business days** (Monday to Friday): the go/no-go (T-1) and the scope
  freeze (T-7) are meetings, and a T-1 on a Sunday helps nobody. T-0 is the target date
  itself; T-1 of a Monday release is the Friday before; T+1 of a Friday release is the
  Monday after.
- **Scope changes after T-7** are those made on a day after the T-7 date, or at any time
  once the T-7 item ("scope finalised") has been ticked; they are flagged, not refused.
- A checklist item is due at the end of its day: it becomes overdue at midnight after it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# --- Versions --------------------------------------------------------------------------
VERSION_RE = re.compile(
    r"^[vV]?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)

MAJOR, MINOR, PATCH = "major", "minor", "patch"
TYPE_LABELS = {
    MAJOR: "Major Release (breaking changes)",
    MINOR: "Minor Release (new features)",
    PATCH: "Patch Release (bug fixes)",
}


def _pre_key(pre: str) -> tuple:
    """Semantic-versioning precedence of a pre-release (semver.org, rule 11): a release sorts
    after its pre-releases; identifiers compare one by one, numeric ones as numbers and below
    alphanumeric ones, and a shorter list sorts first when the rest is equal
    (1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0-rc.2 < 1.0.0-rc.10 < 1.0.0)."""
    if pre == "~":
        return (1,)
    return (0, *((0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".")))


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    # "~" means no pre-release (a final release). Ordering uses pre_key, not the text.
    pre: str = field(default="~", compare=False)
    pre_key: tuple = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "pre_key", _pre_key(self.pre))

    def __str__(self):
        text = f"v{self.major}.{self.minor}.{self.patch}"
        return text if self.pre == "~" else f"{text}-{self.pre}"

    @property
    def final(self) -> "Version":
        """The final release this version leads to (itself when it is final)."""
        return Version(self.major, self.minor, self.patch)

    @property
    def is_final(self) -> bool:
        return self.pre == "~"


def parse_version(text: str) -> Version:
    """Parse ``v2.5.0`` / ``2.5.0`` / ``2.5.0-rc.1``; ValueError if it is not semantic versioning."""
    match = VERSION_RE.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a semantic version (like v2.5.0).")
    return Version(int(match["major"]), int(match["minor"]), int(match["patch"]), match["pre"] or "~")


def canonical_version(text: str) -> str:
    """The one spelling of a version: ``v`` + the semantic version, e.g. `` V2.5.0-rc.1 `` ->
    ``v2.5.0-rc.1``; ValueError if it is not semantic versioning."""
    stripped = (text or "").strip()
    parse_version(stripped)
    return "v" + (stripped[1:] if stripped[:1] in ("v", "V") else stripped)


def version_spellings(text: str) -> list[str]:
    """The canonical spelling first, then the others stored before versions had one
    (``2.5.0``, ``V2.5.0``): what a lookup by version matches. ValueError if not semver."""
    canonical = canonical_version(text)
    return [canonical, canonical[1:], "V" + canonical[1:]]


def _finals(versions: Iterable[str]) -> list[tuple[Version, str]]:
    """(parsed, text) of the final versions among `versions`, sorted; unparsable ones ignored."""
    finals = []
    for text in versions:
        try:
            parsed = parse_version(text)
        except ValueError:
            continue
        if parsed.is_final:
            finals.append((parsed, text))
    return sorted(finals)


def _previous_in(finals: list[tuple[Version, str]], keys: list[Version], version: Version) -> str | None:
    """The highest of `finals` (sorted; `keys` their parsed versions) below `version`'s final."""
    index = bisect_left(keys, version.final)
    return finals[index - 1][1] if index else None


def previous_version(version: str, others) -> str | None:
    """The previous release of `version` among `others` (version strings, unparsable ones
    ignored): the highest *final* version below `version`'s final version. Pre-releases
    never count, so ``v2.5.0`` follows ``v2.4.3``, not ``v2.5.0-rc.1``."""
    finals = _finals(others)
    return _previous_in(finals, [parsed for parsed, _text in finals], parse_version(version))


def release_type_for(version: str, previous: str | None) -> str:
    """major / minor / patch of `version` against the previous release of its product."""
    new = parse_version(version)
    if previous is None:
        if new.minor == 0 and new.patch == 0:
            return MAJOR
        return MINOR if new.patch == 0 else PATCH
    old = parse_version(previous)
    if new.major != old.major:
        return MAJOR
    if new.minor != old.minor:
        return MINOR
    return PATCH


def release_type_among(version: str, others) -> str:
    """The type of `version` in a product whose releases are `others` (it may be among them)."""
    return release_type_for(version, previous_version(version, others))


def retype_after(version: str, releases: Mapping[Hashable, tuple[str, str]]) -> dict[Hashable, str]:
    """After `version` joined its product (or took its place there): the product's releases
    that come after it whose type is now different, key -> new type.

    `releases`: key -> (version, current type), every release of the product, `version`'s
    own included. One pass: the final versions are sorted once and each later release
    finds its previous one by bisection.
    """
    start = parse_version(version)
    finals = _finals(text for text, _type in releases.values())
    keys = [parsed for parsed, _text in finals]
    changed = {}
    for key, (text, current) in releases.items():
        try:
            parsed = parse_version(text)
        except ValueError:
            continue
        if parsed <= start:
            continue
        wanted = release_type_for(text, _previous_in(finals, keys, parsed))
        if wanted != current:
            changed[key] = wanted
    return changed


# --- T-dates ---------------------------------------------------------------------------
T_MINUS_7, T_MINUS_1, T_0, T_PLUS_1 = "t_minus_7", "t_minus_1", "t_0", "t_plus_1"
COMMS = {
    # kind: (offset in business days, label, what is due)
    T_MINUS_7: (-7, "T-7", "Scope finalised"),
    T_MINUS_1: (-1, "T-1", "Go/no-go decision"),
    T_0: (0, "T-0", "Release notes published"),
    T_PLUS_1: (1, "T+1", "Customer notification sent"),
}


def add_business_days(day: date, days: int) -> date:
    """`day` moved by `days` working days (Mon-Fri); 0 returns `day` unchanged."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    while remaining:
        day += timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def t_dates(target: date) -> dict[str, date]:
    """{"t_minus_7", "t_minus_1", "t_0", "t_plus_1"} -> date, in business days from `target`."""
    return {kind: add_business_days(target, offset) for kind, (offset, _label, _what) in COMMS.items()}


def comms_deadline(due: date, tzinfo) -> datetime:
    """An item due on `due` is overdue from the midnight after it (in the portal's zone)."""
    return datetime.combine(due + timedelta(days=1), datetime.min.time(), tzinfo=tzinfo)


def is_overdue(*, due: date, done: bool, at: datetime) -> bool:
    return not done and at >= comms_deadline(due, at.tzinfo)


def scope_change_is_late(*, target: date, on: date, scope_finalised: bool = False) -> bool:
    """A scope change on `on` comes after T-7 (and is flagged) if after the T-7 date or once scope is final."""
    return scope_finalised or on > t_dates(target)[T_MINUS_7]


# --- Evidence payloads -----------------------------------------------------------------
BUGS, PERFORMANCE, SECURITY, LOAD, UAT, DOCS, RUNBOOK = (
    "bugs", "performance", "security_scan", "load_test", "uat_signoff", "documentation", "runbook",
)
CRITERIA = [BUGS, PERFORMANCE, SECURITY, LOAD, UAT, DOCS, RUNBOOK]
CRITERION_LABELS = {
    BUGS: "P1/P2 bugs resolved",
    PERFORMANCE: "Performance benchmarks",
    SECURITY: "Security scan",
    LOAD: "Load testing",
    UAT: "UAT sign-off",
    DOCS: "Documentation",
    RUNBOOK: "Runbook review",
}
# What each criterion's evidence payload holds (besides "criterion"): field -> kind.
PAYLOAD_FIELDS = {
    BUGS: {"open_p1": "count", "open_p2": "count"},
    PERFORMANCE: {"p99_ms": "positive", "target_ms": "positive"},
    SECURITY: {"critical": "count", "high": "count"},
    LOAD: {"peak_multiple": "non_negative"},
    UAT: {"signed_off_by": "text", "signed_off_at": "timestamp"},
    DOCS: {"pending_pages": "count"},
    RUNBOOK: {"reviewed": "bool", "reviewed_at": "timestamp"},
}
# What to record, said in words, for a missing piece of evidence.
MISSING = {
    BUGS: "Bug status unknown: no bug report recorded (open P1/P2 counts)",
    PERFORMANCE: "Performance benchmarks missing: no P99 measurement recorded",
    SECURITY: "Security scan missing: no scan result recorded",
    LOAD: "Load testing missing: no load test result recorded",
    UAT: "UAT sign-off missing: nobody has signed off",
    DOCS: "Documentation status missing: no documentation review recorded",
    RUNBOOK: "Runbook review missing: no runbook review recorded",
}
RISK_NAMES = {
    BUGS: "P1/P2 bugs", PERFORMANCE: "performance", SECURITY: "security scan", LOAD: "load testing",
    UAT: "UAT sign-off", DOCS: "documentation", RUNBOOK: "runbook review",
}
# What a WARN asks for before T-0.
CONDITIONS = {
    DOCS: "Complete documentation review before T-0",
}
# Rough days to put a failing criterion right, for the recommended delay of a NO-GO.
FIX_DAYS = {BUGS: 5, PERFORMANCE: 5, SECURITY: 5, LOAD: 3, UAT: 3, DOCS: 1, RUNBOOK: 1}
HIGH_RISK = {BUGS, SECURITY}


@dataclass
class CriterionResult:
    criterion: str
    status: str  # PASS / WARN / FAIL
    detail: str

    def as_dict(self):
        return {"criterion": self.criterion, "status": self.status, "detail": self.detail}


@dataclass
class Decision:
    recommendation: str  # GO / CONDITIONAL GO / NO-GO
    conditions: list[str] = field(default_factory=list)
    risk: str = ""
    delay_days: int = 0


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _multiple(value: float) -> str:
    return f"{value:g}x"


def _short_date(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value:%b} {value.day}"


def validate_payload(criterion: str, payload: dict) -> tuple[dict, dict[str, list[str]]]:
    """(clean payload, errors by field) for one criterion's evidence, as the contract's table says."""
    if criterion not in PAYLOAD_FIELDS:
        return {}, {"criterion": [f"Unknown criterion {criterion!r}: one of {', '.join(CRITERIA)}."]}
    if not isinstance(payload, dict):
        return {}, {"payload": ["Expected an object."]}
    clean, errors = {}, {}
    for name, kind in PAYLOAD_FIELDS[criterion].items():
        value = payload.get(name)
        if value is None or value == "":
            errors[name] = ["This field is required."]
            continue
        if kind in ("count", "positive", "non_negative"):
            if isinstance(value, bool):
                errors[name] = ["A number is required."]
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                errors[name] = ["A number is required."]
                continue
            if number != number or number in (float("inf"), float("-inf")):
                errors[name] = ["A finite number is required."]
                continue
            if kind == "count":
                if number != int(number) or number < 0:
                    errors[name] = ["A whole number of 0 or more is required."]
                    continue
                clean[name] = int(number)
            elif kind == "positive":
                if number <= 0:
                    errors[name] = ["Must be greater than 0."]
                    continue
                clean[name] = int(number) if number == int(number) else number
            else:
                if number < 0:
                    errors[name] = ["Must be 0 or more."]
                    continue
                clean[name] = number
        elif kind == "text":
            if not isinstance(value, str) or not value.strip():
                errors[name] = ["A non-empty text is required."]
                continue
            clean[name] = value.strip()[:200]
        elif kind == "bool":
            if not isinstance(value, bool):
                errors[name] = ["Must be true or false."]
                continue
            clean[name] = value
        elif kind == "timestamp":
            parsed = value
            if isinstance(value, str):
                try:
                    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    parsed = None
            if not isinstance(parsed, datetime):
                errors[name] = ["An ISO 8601 timestamp is required, e.g. 2024-01-23T10:00:00+00:00."]
                continue
            if parsed.tzinfo is None:
                errors[name] = ["The timestamp needs an offset, e.g. +00:00."]
                continue
            clean[name] = parsed.isoformat()
    return clean, errors


# --- Exit criteria ---------------------------------------------------------------------
def evaluate_criteria(evidence: dict[str, dict], *, scope_open_p1: int = 0, scope_open_p2: int = 0) -> list[CriterionResult]:
    """Every exit criterion from the newest evidence of each (criterion -> payload) and the scope.

    `scope_open_p1/p2` are the release's own bug fixes of that priority not yet resolved.
    """
    results = []
    for criterion in CRITERIA:
        payload = evidence.get(criterion)
        if criterion == BUGS:
            results.append(_bugs(payload, scope_open_p1, scope_open_p2))
        elif payload is None:
            results.append(CriterionResult(criterion, "FAIL", MISSING[criterion]))
        else:
            results.append(_EVALUATORS[criterion](payload))
    return results


def _bugs(payload, scope_p1, scope_p2):
    p1 = scope_p1 + (payload or {}).get("open_p1", 0)
    p2 = scope_p2 + (payload or {}).get("open_p2", 0)
    total = p1 + p2
    if payload is None:
        if total:
            return CriterionResult(BUGS, "FAIL", f"Bug status unknown: no bug report recorded ({total} open P1/P2 in scope)")
        return CriterionResult(BUGS, "FAIL", MISSING[BUGS])
    if total == 0:
        return CriterionResult(BUGS, "PASS", "All P1/P2 bugs resolved (0 open)")
    parts = []
    if p1:
        parts.append(f"{p1} P1")
    if p2:
        parts.append(f"{p2} P2")
    scope = scope_p1 + scope_p2
    in_scope = f"; {scope} in this release's scope" if scope else ""
    return CriterionResult(BUGS, "FAIL", f"P1/P2 bugs still open ({total} open: {', '.join(parts)}{in_scope})")


def _performance(payload):
    p99, target = payload["p99_ms"], payload["target_ms"]
    if p99 < target:
        return CriterionResult(PERFORMANCE, "PASS", f"Performance benchmarks met (P99: {p99:g}ms < {target:g}ms target)")
    return CriterionResult(PERFORMANCE, "FAIL", f"Performance benchmarks not met (P99: {p99:g}ms >= {target:g}ms target)")


def _security(payload):
    critical, high = payload["critical"], payload["high"]
    status = "PASS" if critical == 0 and high == 0 else "FAIL"
    words = "Security scan passed" if status == "PASS" else "Security scan failed"
    return CriterionResult(SECURITY, status, f"{words} ({critical} critical, {high} high)")


LOAD_NEEDED = 2.0


def _load(payload):
    multiple = payload["peak_multiple"]
    if multiple >= LOAD_NEEDED:
        return CriterionResult(LOAD, "PASS", f"Load testing complete (sustained {_multiple(multiple)} peak traffic)")
    return CriterionResult(
        LOAD, "FAIL",
        f"Load testing incomplete (sustained {_multiple(multiple)} peak traffic, {_multiple(LOAD_NEEDED)} needed)",
    )


def _uat(payload):
    return CriterionResult(UAT, "PASS", f"UAT sign-off received ({_short_date(payload['signed_off_at'])})")


def _docs(payload):
    pending = payload["pending_pages"]
    if pending == 0:
        return CriterionResult(DOCS, "PASS", "Documentation updated (no pages pending review)")
    return CriterionResult(DOCS, "WARN", f"Documentation: {_plural(pending, 'page')} pending review")


def _runbook(payload):
    if payload["reviewed"]:
        return CriterionResult(RUNBOOK, "PASS", "Runbook reviewed and updated")
    return CriterionResult(RUNBOOK, "FAIL", "Runbook not reviewed")


_EVALUATORS = {PERFORMANCE: _performance, SECURITY: _security, LOAD: _load, UAT: _uat, DOCS: _docs, RUNBOOK: _runbook}


def decide(results: list[CriterionResult], *, target: date | None = None) -> Decision:
    """GO when all pass; CONDITIONAL GO when none fails and some warn; NO-GO when any fails."""
    failing = [r for r in results if r.status == "FAIL"]
    warning = [r for r in results if r.status == "WARN"]
    if not failing and not warning:
        return Decision("GO")
    if not failing:
        conditions = [CONDITIONS.get(r.criterion, f"Resolve: {r.detail} before T-0") for r in warning]
        return Decision("CONDITIONAL GO", conditions)
    level = "High" if any(r.criterion in HIGH_RISK for r in failing) else "Medium"
    names = ", ".join(RISK_NAMES[r.criterion] for r in failing)
    risk = f"Risk assessment: {level} ({_plural(len(failing), 'exit criterion')} failing: {names})".replace(
        "criterions", "criteria"
    )
    delay = max(FIX_DAYS[r.criterion] for r in failing)
    delay_text = f"Recommended delay: {_plural(delay, 'business day')}"
    if target is not None:
        new_target = add_business_days(target, delay)
        delay_text += f" (new target date {new_target:%B} {new_target.day}, {new_target.year})"
    conditions = [f"Fix before T-0: {r.detail}" for r in failing]
    conditions += [CONDITIONS.get(r.criterion, f"Resolve: {r.detail} before T-0") for r in warning]
    return Decision("NO-GO", [risk, delay_text, *conditions], risk=risk, delay_days=delay)


EXIT_CODES = {"GO": 0, "CONDITIONAL GO": 3, "NO-GO": 1}


def format_report(readiness: dict) -> str:
    """The people's report of release_checker.py from the readiness JSON."""
    target = date.fromisoformat(readiness["target_date"])
    lines = [
        f"Release Readiness: {readiness['version']}",
        f"Type: {TYPE_LABELS[readiness['release_type']]}  Target Date: {target:%B} {target.day}, {target.year}",
        "Exit Criteria:",
    ]
    lines += [f"[{c['status']}] {c['detail']}" for c in readiness["criteria"]]
    lines.append(f"Recommendation: {readiness['recommendation']}")
    lines += [f"- {condition}" for condition in readiness["conditions"]]
    lines.append(f"- Deployment strategy: {readiness['strategy']}")
    lines.append(f"- Rollback plan: {readiness['rollback_plan']}")
    lines.append(f"- Monitoring period: {readiness['monitoring_hours']} hours post-deploy")
    return "\n".join(lines)


def evidence_summary(payload: dict) -> str:
    """One line for people: "p99 ms: 320 · target ms: 500"; timestamps as "2024-01-23 15:00"."""
    parts = []
    for name, value in payload.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, float) and value == int(value):
            value = int(value)
        elif isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
            value = value[:16].replace("T", " ")
        parts.append(f"{name.replace('_', ' ')}: {value}")
    return " · ".join(parts)
