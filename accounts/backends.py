"""Authentication backends: single sign-on (mozilla-django-oidc, endpoints from discovery)
and local passwords, which LOCAL_LOGIN=false keeps for superusers only (break-glass)."""

from __future__ import annotations

import logging

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import oidc, services

security_log = logging.getLogger("portal.security")


class LocalPasswordBackend(ModelBackend):
    """Django's username and password, for everyone while LOCAL_LOGIN is true (the default);
    with LOCAL_LOGIN=false only superusers (break-glass accounts) may use a password."""

    def user_can_authenticate(self, user):
        if not super().user_can_authenticate(user):
            return False
        if settings.LOCAL_LOGIN or user.is_superuser:
            return True
        security_log.warning("local login refused for %s: LOCAL_LOGIN is false (single sign-on only)", user.username)
        return False


def _lazy(attr):
    return property(lambda self: oidc.setting(attr))


class PortalOIDCBackend(OIDCAuthenticationBackend):
    """OpenID Connect sign-in. Off (returns None) unless OIDC_* is configured.

    mozilla-django-oidc reads every endpoint in `__init__`; Django makes a backend for each
    authenticate() and for each request's session user, so here they are read only when a
    sign-in needs them (discovery is fetched then, and cached).
    """

    OIDC_OP_TOKEN_ENDPOINT = _lazy("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _lazy("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = _lazy("OIDC_OP_JWKS_ENDPOINT")
    OIDC_RP_CLIENT_ID = _lazy("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _lazy("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _lazy("OIDC_RP_SIGN_ALGO")
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr, *args):
        return oidc.setting(attr, *args)

    def authenticate(self, request, **kwargs):
        if not oidc.configured() or "password" in kwargs or request is None:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)  # refuses deactivated users, unlike the library's

    def _verify_jws(self, payload, key):
        """The library checks the signature (and expiry); an ID token must also be issued by
        our provider for our client (OpenID Connect Core 3.1.3.7, steps 2 and 3)."""
        claims = super()._verify_jws(payload, key)
        if str(claims.get("iss", "")).rstrip("/") != oidc.issuer():
            raise SuspiciousOperation("The ID token was issued by another provider.")
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is not meant for this portal (aud).")
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("The ID token's authorised party is not this portal (azp).")
        return claims

    def get_payload_data(self, token, key):
        try:
            return super().get_payload_data(token, key)
        except jwt.InvalidTokenError as exc:  # expired, not yet valid...: a refused sign-in, not a 500
            raise SuspiciousOperation(f"The ID token is not valid: {exc}") from exc

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims with the userinfo endpoint's over them: Entra ID sends groups
        only in the ID token, Keycloak and Okta in both."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") not in (None, payload.get("sub")):
                raise SuspiciousOperation("The userinfo endpoint answered for another subject.")
            claims.update(userinfo)
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        return services.user_sign_in(
            issuer=oidc.issuer(), claims=claims, role_map=oidc.role_map(), role_claim=settings.OIDC_ROLE_CLAIM
        )
