"""What the URL walk (tests/test_url_access.py) needs from this app.

WRITE_ACCESS: url name -> roles that may POST to it (every other role gets 403).
Every URL of this app that takes a POST must be listed; the rest must answer POST with 405.
kwargs(objects): url name -> the kwargs to reverse it with, from `objects` (see the walk).
"""

WRITE_ACCESS = {
    "service-list": {"delivery_manager"},
}


def kwargs(objects):
    service = objects["service"]
    return {
        "sla:service": {"slug": service.slug},
        "service-detail": {"slug": service.slug},
    }
