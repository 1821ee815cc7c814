"""The audit trail: who changed what and when, from django-simple-history records."""

from dataclasses import dataclass, field
from datetime import datetime

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class AuditEntry:
    at: datetime
    user: str
    action: str
    reason: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def history_entries(obj, limit: int = 50) -> list[AuditEntry]:
    """Newest first; each entry lists (field, old, new) against the record before it.

    Two queries whatever the history length: the records (with their users) and nothing
    else, since diffs are computed in memory.
    """
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                changes.append((change.field, _show(change.old), _show(change.new)))
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


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "…"
