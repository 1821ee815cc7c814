import logging

from rest_framework.permissions import SAFE_METHODS, BasePermission

from delivery_portal import roles

security_log = logging.getLogger("portal.security")


class RolePermission(BasePermission):
    """Role check for every API view.

    Reads: any authenticated user. Writes: the roles in the view's `action_roles[action]`
    (viewsets) or `write_roles` (default: any role but viewer). Object rules (nobody
    approves their own change) live in the services, which raise ProcessError.
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        action = getattr(view, "action", None)
        allowed = getattr(view, "action_roles", {}).get(action) or getattr(view, "write_roles", roles.WRITER_ROLES)
        ok = roles.has_any_role(request.user, *allowed)
        if not ok:
            security_log.warning(
                "denied API %s %s to %s (needs %s)", request.method, request.path, request.user, "/".join(allowed)
            )
        return ok
