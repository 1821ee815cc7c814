"""What the sla services share: the delivery manager check."""

from delivery_portal import roles
from delivery_portal.errors import ProcessError


def require_manager(user):
    if user is not None and not roles.has_role(user, roles.DELIVERY_MANAGER):
        raise ProcessError("Only a delivery manager may do this.", ["needs the delivery_manager role"])
