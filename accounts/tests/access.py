"""What the URL walk (tests/test_url_access.py) needs from accounts (see sla/tests/access.py).

Everyone, viewers included, may change their own profile (e-mail, Slack link); `me` takes
PATCH, not POST (405 to the walk's POST).
"""

EVERYONE = {"delivery_manager", "cab_member", "on_call", "viewer"}

WRITE_ACCESS = {
    "accounts:profile": EVERYONE,
}


def kwargs(objects):
    return {}
