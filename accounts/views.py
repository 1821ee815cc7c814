"""Sign-in pages (password and single sign-on) and a person's own profile."""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods
from mozilla_django_oidc import views as oidc_views

from delivery_portal import formposts, integrations, roles
from delivery_portal.audit import history_entries

from . import oidc, services
from .forms import ProfileForm
from .models import RoleChange

security_log = logging.getLogger("portal.security")


class LoginView(auth_views.LoginView):
    """The password form (unless LOCAL_LOGIN is false) and the single sign-on button.

    With LOCAL_LOGIN=false the form is hidden; `?local=1` shows it for break-glass
    superusers (LocalPasswordBackend refuses everyone else)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_enabled"] = oidc.configured()
        context["sso_name"] = settings.OIDC_PROVIDER_NAME
        context["show_password_form"] = settings.LOCAL_LOGIN or not oidc.configured() or bool(self.request.GET.get("local"))
        context["local_login"] = settings.LOCAL_LOGIN
        return context


def _sso_failed(request, why: str):
    security_log.warning("sso sign-in failed from %s: %s", request.META.get("REMOTE_ADDR", "?"), why)
    integrations.record_failure("sso", why)
    messages.error(request, "Signing in with your identity provider did not work. Try again, or ask an administrator.")
    return redirect("login")


@method_decorator(login_not_required, name="dispatch")
class SsoStartView(oidc_views.OIDCAuthenticationRequestView):
    """Sends the browser to the provider (state, nonce and PKCE in the session)."""

    def __init__(self, *args, **kwargs):
        oidc_views.View.__init__(self, *args, **kwargs)  # endpoints are read per request below

    get_settings = staticmethod(oidc.setting)

    def get(self, request):
        if not oidc.configured():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc.setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except oidc.DiscoveryError as exc:
            return _sso_failed(request, str(exc))
        self.OIDC_RP_CLIENT_ID = oidc.setting("OIDC_RP_CLIENT_ID")
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SsoCallbackView(oidc_views.OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code; the backend signs the user in."""

    get_settings = staticmethod(oidc.setting)

    def get(self, request):
        if not oidc.configured():
            raise Http404("Single sign-on is not configured.")
        try:
            return super().get(request)
        except (SuspiciousOperation, requests.RequestException, oidc.DiscoveryError) as exc:
            return _sso_failed(request, str(exc))

    def login_success(self):
        integrations.record_success("sso")
        return super().login_success()

    def login_failure(self):
        return _sso_failed(self.request, self.request.GET.get("error_description") or self.request.GET.get("error") or "refused")


# --- profile ---------------------------------------------------------------------------------
def _profile_context(request, form=None):
    profile = services.profile_for(request.user)
    if form is None:
        form = ProfileForm(initial={"email": request.user.email, "slack_user_id": profile.slack_user_id or ""})
    return {
        "form": form,
        "profile": profile,
        "roles": sorted(roles.user_roles(request.user)),
        "identities": list(request.user.oidc_identities.all()),
        "role_changes": list(RoleChange.objects.filter(user=request.user)[:20]),
        "slack_configured": bool(settings.SLACK_SIGNING_SECRET),
        "history": history_entries(profile),
    }


@require_http_methods(["GET", "POST"])
def profile(request):
    """Everyone's own page, viewers included (linking Slack changes no delivery data)."""
    if request.method == "POST":
        form = ProfileForm(request.POST)
        return formposts.handle(
            request, form,
            lambda data: services.profile_update(user=request.user, by=request.user, **data),
            on_success=lambda _profile: redirect(reverse("accounts:profile")),
            on_failure=lambda status: render(request, "accounts/profile.html", _profile_context(request, form), status=status),
            success_message="Profile saved.",
        )
    return render(request, "accounts/profile.html", _profile_context(request))
