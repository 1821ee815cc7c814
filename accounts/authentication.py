"""`Authorization: Bearer <key>` for the API, beside DRF's `Token <key>`: Alertmanager and
most tools send Bearer. The same keys (rest_framework.authtoken), the same checks."""

from rest_framework.authentication import TokenAuthentication


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"
