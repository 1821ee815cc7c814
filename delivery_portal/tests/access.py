"""URL access declarations of the shared plumbing (see sla/tests/access.py)."""

WRITE_ACCESS = {
    "system-check-worker": {"delivery_manager"},
    # Marking one's own notifications read is not a change to delivery data.
    "inbox-mark-read": {"delivery_manager", "cab_member", "on_call"},
}


def kwargs(objects):
    return {}
