import logging

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied

from .roles import is_read_only

security_log = logging.getLogger("portal.security")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Paths a read-only user may still POST to: signing out, and the login form.
READ_ONLY_ALLOWED_POSTS = ("/accounts/logout/", "/accounts/login/")
# The API authenticates by token inside DRF (request.user is anonymous here) and answers
# 401/403 as JSON through its own permission classes, so both middlewares leave it alone.
API_PREFIX = "/api/"


class ReadOnlyViewerMiddleware:
    """Backstop for the viewer role: a user with no writing role can never change anything.

    Views and API permissions check roles themselves; this catches any that forget.
    API requests authenticate by token inside DRF, so RolePermission covers those.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            request.method not in SAFE_METHODS
            and user.is_authenticated
            and not request.path.startswith(READ_ONLY_ALLOWED_POSTS)
            and not request.path.startswith(API_PREFIX)
            and is_read_only(user)
        ):
            security_log.warning("denied %s %s to read-only user %s", request.method, request.path, user.username)
            raise PermissionDenied("Viewers can read everything but change nothing.")
        return self.get_response(request)


class PortalLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs login (Django's middleware), except the API, which has its own."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path.startswith(API_PREFIX):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
