from django.conf import settings

from . import roles


def portal(request):
    user = getattr(request, "user", None)
    return {
        "user_roles": sorted(roles.user_roles(user)) if user else [],
        "user_read_only": roles.is_read_only(user) if user and user.is_authenticated else True,
        "is_manager": bool(user) and roles.has_role(user, roles.DELIVERY_MANAGER),
        "is_cab": bool(user) and roles.has_role(user, roles.CAB_MEMBER),
        "is_on_call": bool(user) and roles.has_role(user, roles.ON_CALL),
        "portal_time_zone": settings.TIME_ZONE,
    }
