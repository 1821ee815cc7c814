"""The API schema names Bearer beside Token (drf-spectacular would otherwise take the
Bearer class, a subclass of TokenAuthentication, for a second "tokenAuth")."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BearerTokenAuthentication"
    name = "bearerAuth"
    priority = 1  # over drf-spectacular's own TokenAuthentication scheme, which matches subclasses

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": 'The same API key as "Token": `Authorization: Bearer <key>`.'}
