"""`manage.py check` (and every start) reports a single sign-on configuration that cannot work."""

from django.conf import settings
from django.core.checks import Error, Warning, register

from delivery_portal import roles

from . import domain, oidc


@register()
def sso_configuration(app_configs=None, **kwargs):
    problems = []
    try:
        domain.parse_role_map(settings.OIDC_ROLE_MAP, known_roles=roles.ALL_ROLES)
    except domain.RoleMapError as exc:
        problems.append(Error(str(exc), hint="Example: OIDC_ROLE_MAP=portal-managers=delivery_manager,sre=on_call",
                              id="accounts.E001"))
    some = [name for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if getattr(settings, name)]
    if some and not oidc.configured():
        problems.append(Warning("Single sign-on is off: OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are needed together.",
                                id="accounts.W001"))
    if not settings.LOCAL_LOGIN and not oidc.configured():
        problems.append(Warning("LOCAL_LOGIN is false but single sign-on is not configured: only superusers can log in.",
                                id="accounts.W002"))
    return problems
