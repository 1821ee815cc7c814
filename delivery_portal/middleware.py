import logging
import time

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied

from .roles import is_read_only

security_log = logging.getLogger("portal.security")

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Paths a read-only user may still POST to: signing out, the login form, and their own
# profile (their e-mail and Slack link are not delivery data).
READ_ONLY_ALLOWED_POSTS = ("/accounts/logout/", "/accounts/login/", "/accounts/profile/")
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


class SessionActivityMiddleware:
    """Sessions end after SESSION_COOKIE_AGE of inactivity, without a write on every request.

    Django's SESSION_SAVE_EVERY_REQUEST would push the expiry with an UPDATE of the session
    row on every page and htmx poll. Instead the session records when it was last pushed and
    is saved again (which sets a new expiry) once that is over SESSION_REFRESH_SECONDS ago,
    so the idle timeout is exact to within that margin and a busy user costs one write a
    minute rather than one per request.
    """

    KEY = "_activity"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(API_PREFIX):
            now = int(time.time())
            last = request.session.get(self.KEY)
            if not isinstance(last, int) or now - last >= settings.SESSION_REFRESH_SECONDS:
                request.session[self.KEY] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)


class RejectNulInQueryMiddleware:
    """400 for a query string holding a NUL character.

    Forms and serializers refuse NUL in what they validate, but list filters read GET
    parameters straight into queries, and PostgreSQL cannot take a NUL in a string: without
    this a hostile `?q=%00` would be a 500 (or a cut-off CSV download).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest("The address holds a NUL character, which no filter accepts.", content_type="text/plain")
        return self.get_response(request)
