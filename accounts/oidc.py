"""Single sign-on configuration: from the environment (settings), with the provider's
endpoints read from its discovery document `<OIDC_ISSUER>/.well-known/openid-configuration`.

mozilla-django-oidc wants each endpoint as a setting; `setting()` answers its questions
from OIDC_ISSUER's discovery document and our own setting names instead, so an operator sets
three variables rather than eight.
"""

from __future__ import annotations

import logging
import threading
import time

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from mozilla_django_oidc.utils import import_from_settings

from delivery_portal import roles

from . import domain

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_TTL_SECONDS = 3600  # providers rotate endpoints rarely; keys are fetched per login
_cache: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


class DiscoveryError(ImproperlyConfigured):
    """The provider's discovery document cannot be read or does not match OIDC_ISSUER."""


def configured() -> bool:
    """SSO is on when the issuer, client id and client secret are all set."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID and settings.OIDC_CLIENT_SECRET)


def issuer() -> str:
    return settings.OIDC_ISSUER.rstrip("/")


def role_map() -> dict[str, frozenset[str]]:
    return domain.parse_role_map(settings.OIDC_ROLE_MAP, known_roles=roles.ALL_ROLES)


def metadata() -> dict:
    """The discovery document of OIDC_ISSUER (cached for an hour per process)."""
    url = issuer() + DISCOVERY_PATH
    now = time.monotonic()
    with _lock:
        cached = _cache.get(url)
        if cached and now - cached[0] < DISCOVERY_TTL_SECONDS:
            return cached[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise DiscoveryError(f"Cannot read {url}: {exc}") from exc
    # OpenID Connect Discovery 1.0, section 4.3: the issuer in the document must be ours.
    if str(document.get("issuer", "")).rstrip("/") != issuer():
        raise DiscoveryError(f"{url} names the issuer {document.get('issuer')!r}, not {issuer()!r}.")
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(k)]
    if missing:
        raise DiscoveryError(f"{url} has no {', '.join(missing)}.")
    with _lock:
        _cache[url] = (now, document)
    return document


def forget_metadata() -> None:
    with _lock:
        _cache.clear()


def _endpoint(key):
    return lambda: metadata().get(key)


# mozilla-django-oidc's setting names -> where our configuration keeps the answer.
_SETTINGS = {
    "OIDC_RP_CLIENT_ID": lambda: settings.OIDC_CLIENT_ID,
    "OIDC_RP_CLIENT_SECRET": lambda: settings.OIDC_CLIENT_SECRET,
    "OIDC_RP_SCOPES": lambda: settings.OIDC_SCOPES,
    "OIDC_RP_SIGN_ALGO": lambda: settings.OIDC_SIGN_ALGO,
    "OIDC_RP_IDP_SIGN_KEY": lambda: None,
    "OIDC_OP_AUTHORIZATION_ENDPOINT": _endpoint("authorization_endpoint"),
    "OIDC_OP_TOKEN_ENDPOINT": _endpoint("token_endpoint"),
    "OIDC_OP_USER_ENDPOINT": _endpoint("userinfo_endpoint"),
    "OIDC_OP_JWKS_ENDPOINT": _endpoint("jwks_uri"),
}


def setting(attr, *default):
    """mozilla-django-oidc's `get_settings`, answered from our configuration first."""
    if attr in _SETTINGS:
        return _SETTINGS[attr]()
    return import_from_settings(attr, *default)
