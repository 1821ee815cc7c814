"""See sla/tests/access.py for what this module declares."""

WRITERS = {"delivery_manager", "cab_member", "on_call"}

WRITE_ACCESS = {
    "changes:new": WRITERS,
    "changes:validate": WRITERS,
    "changes:feed-reset": WRITERS,
    "changes:comment": WRITERS,
    # Object rules: the walk's change was requested by `manager`, so only managers may
    # edit it or move it along; deciding is for the approver roles (the form answers).
    "changes:edit": {"delivery_manager"},
    "changes:action": {"delivery_manager"},
    "changes:decide": {"cab_member", "on_call"},
    # API
    "change-list": WRITERS,
    "change-submit": {"delivery_manager"},
    "change-approve": {"cab_member", "on_call"},
    "change-reject": {"cab_member", "on_call"},
    "change-transition": {"delivery_manager"},
    "change-review": {"cab_member"},
}


def make_objects(objects):
    from changes.tests.factories import StandardChangeTemplateFactory

    return {"change_template": StandardChangeTemplateFactory(slug="walk-template", services=[objects["service"]])}


def kwargs(objects):
    ref = {"reference": objects["change"].reference}
    return {
        "changes:list-csv": None,  # read-only CSV export of the list
        "changes:detail": ref,
        "changes:edit": ref,
        "changes:decide": ref,
        "changes:comment": ref,
        "changes:action": {**ref, "verb": "cancel"},
        "change-detail": ref,
        "change-submit": ref,
        "change-approve": ref,
        "change-reject": ref,
        "change-review": ref,
        "change-transition": {**ref, "verb": "cancel"},
    }
