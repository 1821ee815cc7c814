"""Roles are Django groups. This module is the one place that says who may do what.

A delivery manager may do everything the other roles may ("everything below" in the
contract); a superuser may do everything. A viewer reads and changes nothing.
"""

import logging
from functools import wraps

from django.core.exceptions import PermissionDenied

security_log = logging.getLogger("portal.security")

DELIVERY_MANAGER = "delivery_manager"
CAB_MEMBER = "cab_member"
ON_CALL = "on_call"
VIEWER = "viewer"
ALL_ROLES = (DELIVERY_MANAGER, CAB_MEMBER, ON_CALL, VIEWER)
# Roles that may change something; a user with none of them is read-only.
WRITER_ROLES = (DELIVERY_MANAGER, CAB_MEMBER, ON_CALL)


def user_roles(user) -> frozenset[str]:
    """The role names of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user._portal_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    """True if the user holds `role`, directly or through delivery_manager/superuser."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = user_roles(user)
    if role == VIEWER:
        return True  # every logged-in user may read
    return role in roles or DELIVERY_MANAGER in roles


def has_any_role(user, *roles: str) -> bool:
    return any(has_role(user, role) for role in roles)


def is_read_only(user) -> bool:
    """A logged-in user who holds no role that may change anything."""
    return not has_any_role(user, *WRITER_ROLES)


def can_request_change(user) -> bool:
    """Anyone but a viewer may request a change."""
    return not is_read_only(user)


def require_role(user, *roles: str) -> None:
    if not has_any_role(user, *roles):
        security_log.warning("denied %s: needs the role %s", getattr(user, "username", "anonymous"), " or ".join(roles))
        raise PermissionDenied(f"This needs the role {' or '.join(roles)}.")


def role_required(*roles: str):
    """View decorator: 403 unless the user holds one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_role(request.user, *roles)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
