"""Security log: logins, failed logins (denied actions are logged where they are denied)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

security_log = logging.getLogger("portal.security")


def _ip(request):
    return request.META.get("REMOTE_ADDR", "?") if request is not None else "?"


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    security_log.info("login %s from %s", user.username, _ip(request))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    security_log.info("logout %s", getattr(user, "username", "?"))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    security_log.warning("failed login for %r from %s", credentials.get("username"), _ip(request))
