"""Single sign-on on the integrations settings page (delivery_portal.integrations)."""

from delivery_portal import integrations

from . import oidc

integrations.register(integrations.Integration(
    key="sso",
    name="Single sign-on (OpenID Connect)",
    configured=oidc.configured,
    setup="Set OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET (and OIDC_ROLE_MAP); docs/integrations.md has the steps.",
))
