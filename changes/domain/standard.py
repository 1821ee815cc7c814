"""Standard changes: the template is the approval, so a standard change is its template's plans
and services with its own window."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


# The fields of a standard change that are the template's own (field name -> label).
TEMPLATE_FIXED_FIELDS: dict[str, str] = {
    "implementation_plan": "implementation plan",
    "rollback_plan": "rollback plan",
    "testing_plan": "testing plan",
}


def _same_text(a: object, b: object) -> bool:
    """Equal texts once line endings and surrounding spaces are ignored (forms send \\r\\n)."""
    def clean(value):
        return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()

    return clean(a) == clean(b)


def template_deviations(
    *,
    template_name: str,
    template_values: Mapping[str, object],
    template_services: Iterable[str] = (),
    values: Mapping[str, object],
    services: Iterable[str] | None = None,
) -> dict[str, list[str]]:
    """Where a standard change departs from its pre-approved template (field -> messages; empty: none).

    `values` holds what the requester sent; a plan left empty (None or "") means "the
    template's" and is no deviation. `services` (names or slugs; None: not sent) must be
    among `template_services` when the template names any.
    """
    problems: dict[str, list[str]] = {}
    for name, label in TEMPLATE_FIXED_FIELDS.items():
        sent = values.get(name)
        if sent is None or (isinstance(sent, str) and not sent.strip()):
            continue
        if not _same_text(sent, template_values.get(name)):
            problems[name] = [
                f"A standard change is pre-approved as its template {template_name!r} defines it: the {label} "
                f"is the template's and cannot be changed. Leave it out, or request a normal change."
            ]
    allowed = set(template_services)
    if services is not None and allowed:
        outside = sorted(set(services) - allowed)
        if outside:
            problems["services"] = [
                f"The template {template_name!r} is pre-approved for {', '.join(sorted(allowed))} only; "
                f"not for {', '.join(outside)}. Request a normal change for other services."
            ]
    return problems
