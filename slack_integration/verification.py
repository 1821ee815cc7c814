"""Is this request from Slack? slack-sdk's SignatureVerifier: Slack's v0 scheme (HMAC-SHA256
of `v0:<timestamp>:<body>` with SLACK_SIGNING_SECRET), refusing timestamps more than five
minutes from now, so a captured request cannot be replayed later."""

import logging

from django.conf import settings
from slack_sdk.signature import SignatureVerifier

security_log = logging.getLogger("portal.security")


def is_from_slack(request) -> bool:
    secret = settings.SLACK_SIGNING_SECRET
    if not secret:
        return False
    try:
        valid = SignatureVerifier(secret).is_valid_request(request.body, dict(request.headers))
    except (ValueError, UnicodeDecodeError):  # a timestamp that is not a number, a body that is not UTF-8
        valid = False
    if not valid:
        security_log.warning("refused a Slack request to %s from %s: bad or stale signature",
                             request.path, request.META.get("REMOTE_ADDR", "?"))
    return valid
