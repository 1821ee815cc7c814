"""What the sla services share: the delivery manager check."""

from delivery_portal import roles


def require_manager(user):
    """Managers only (PermissionDenied: 403 on pages and in the API). No user: the system."""
    if user is not None:
        roles.require_role(user, roles.DELIVERY_MANAGER)
