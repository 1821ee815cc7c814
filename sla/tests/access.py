"""What the URL walk (tests/test_url_access.py) needs from this app.

WRITE_ACCESS: url name -> roles that may POST to it (every other role gets 403).
Every URL of this app that takes a POST must be listed; the rest must answer POST with 405.
kwargs(objects): url name -> the kwargs to reverse it with, from `objects` (see the walk).
"""

MANAGERS = {"delivery_manager"}

WRITE_ACCESS = {
    "service-list": MANAGERS,
    "service-freeze": MANAGERS,
    "service-lift-freeze": MANAGERS,
    "maintenance-window-list": MANAGERS,
    "sla:service-create": MANAGERS,
    "sla:service-edit": MANAGERS,
    "sla:maintenance-add": MANAGERS,
    "sla:maintenance-remove": MANAGERS,
    "sla:freeze-impose": MANAGERS,
    "sla:freeze-lift": MANAGERS,
    "team-list": MANAGERS,
    "sla:team-create": MANAGERS,
    "sla:team-edit": MANAGERS,
}


def make_objects(objects):
    from sla.tests.factories import MaintenanceWindowFactory

    return {"maintenance_window": MaintenanceWindowFactory(service=objects["service"])}


def kwargs(objects):
    service = objects["service"]
    slug = {"slug": service.slug}
    return {
        "sla:overview-csv": None,  # read-only CSV export of the overview
        "sla:service": slug,
        "sla:service-edit": slug,
        "sla:maintenance-add": slug,
        "sla:maintenance-remove": {**slug, "pk": objects["maintenance_window"].pk},
        "sla:freeze-impose": slug,
        "sla:freeze-lift": slug,
        "service-detail": slug,
        "service-budget": slug,
        "service-freeze": slug,
        "service-lift-freeze": slug,
        "service-freezes": slug,
        "maintenance-window-detail": {"pk": objects["maintenance_window"].pk},
        "sla:team": {"slug": objects["team"].slug},
        "sla:team-edit": {"slug": objects["team"].slug},
        "team-detail": {"slug": objects["team"].slug},
    }
