"""The audit trail: who changed what and when, from django-simple-history records."""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# simple-history's history_change_reason column is 100 characters.
REASON_LENGTH = 100


@contextmanager
def attributed(obj, *, by=None, reason: str = ""):
    """Inside the block, saves of `obj` record `by` and `reason` on their history record.

    The attributes are removed afterwards, so a later save of the same instance is not
    credited to this user or reason."""
    if by is not None and getattr(by, "is_authenticated", False):
        obj._history_user = by
    if reason:
        obj._change_reason = reason[:REASON_LENGTH]
    try:
        yield obj
    finally:
        for attr in ("_history_user", "_change_reason"):
            obj.__dict__.pop(attr, None)


def save_with_history(obj, *, by=None, reason: str = "", update_fields=None) -> None:
    """`obj.save()` with the acting user and a reason on its history record: the one
    way services save an audited object with a who and a why."""
    with attributed(obj, by=by, reason=reason):
        obj.save(update_fields=update_fields)


@dataclass
class AuditEntry:
    at: datetime
    user: str
    action: str
    reason: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def history_entries(obj, limit: int = 50, *, m2m_names: bool = False) -> list[AuditEntry]:
    """Newest first; each entry lists (field, old, new) against the record before it.

    Two queries whatever the history length: the records (with their users) and nothing
    else, since diffs are computed in memory.

    `m2m_names`: for a model whose history tracks many-to-many fields
    (`HistoricalRecords(m2m_fields=...)`), diff those in bulk and show the related objects by
    name ("alice, bob" rather than through-table rows): one query for the rows of all the
    records and one for the names, per field, instead of two queries per record.
    """
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    m2m = _m2m_members(records) if m2m_names else {}
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=list(m2m))
            for change in delta.changes:
                changes.append((change.field, _show(change.old), _show(change.new)))
            for name, (members, labels) in m2m.items():
                old, new = members.get(previous.history_id, set()), members.get(record.history_id, set())
                if old != new:
                    changes.append((name, _show(_names(old, labels)), _show(_names(new, labels))))
            changes.sort(key=lambda change: change[0])
        entries.append(
            AuditEntry(
                at=record.history_date,
                user=record.history_user.username if record.history_user else "system",
                action=HISTORY_TYPES.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def _m2m_members(records) -> dict[str, tuple[dict, dict]]:
    """For each tracked many-to-many field: {history_id: {related pk}} and {pk: label}."""
    if not records:
        return {}
    found = {}
    history_ids = [record.history_id for record in records]
    for m2m_field in getattr(type(records[0]), "_history_m2m_fields", []):
        through = getattr(records[0], m2m_field.name).model  # the field's history table (no query)
        target = m2m_field.m2m_reverse_field_name()
        members: dict = {}
        for history_id, pk in through.objects.filter(history_id__in=history_ids).values_list("history_id", target):
            members.setdefault(history_id, set()).add(pk)
        wanted = set().union(*members.values()) if members else set()
        labels = {pk: str(related) for pk, related in m2m_field.related_model._default_manager.in_bulk(wanted).items()} if wanted else {}
        found[m2m_field.name] = (members, labels)
    return found


def _names(pks, labels) -> str:
    return ", ".join(sorted(labels.get(pk, f"#{pk} (deleted)") for pk in pks))


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "…"
