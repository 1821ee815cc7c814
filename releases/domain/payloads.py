"""The exit criteria's evidence payloads, pure: what each criterion's payload holds, its
validation (the contract's table), and a payload in words for people."""

from __future__ import annotations

from datetime import datetime


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
        try:
            clean[name] = _CLEANERS[kind](value, kind)
        except InvalidValue as exc:
            errors[name] = [str(exc)]
    return clean, errors


class InvalidValue(ValueError):
    """A payload field's value that its kind does not allow; the message says what would do."""


def _number(value, kind: str):
    """A count (whole, 0 or more), a positive number or a non-negative one."""
    if isinstance(value, bool):
        raise InvalidValue("A number is required.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidValue("A number is required.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidValue("A finite number is required.")
    if kind == "count":
        if number != int(number) or number < 0:
            raise InvalidValue("A whole number of 0 or more is required.")
        return int(number)
    if kind == "positive":
        if number <= 0:
            raise InvalidValue("Must be greater than 0.")
        return int(number) if number == int(number) else number
    if number < 0:
        raise InvalidValue("Must be 0 or more.")
    return number


def _text(value, _kind: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValue("A non-empty text is required.")
    return value.strip()[:200]


def _bool(value, _kind: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidValue("Must be true or false.")
    return value


def _timestamp(value, _kind: str) -> str:
    """An ISO 8601 timestamp with an offset (``Z`` is UTC), kept in ISO form."""
    parsed = value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if not isinstance(parsed, datetime):
        raise InvalidValue("An ISO 8601 timestamp is required, e.g. 2024-01-23T10:00:00+00:00.")
    if parsed.tzinfo is None:
        raise InvalidValue("The timestamp needs an offset, e.g. +00:00.")
    return parsed.isoformat()


_CLEANERS = {
    "count": _number, "positive": _number, "non_negative": _number,
    "text": _text, "bool": _bool, "timestamp": _timestamp,
}


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
