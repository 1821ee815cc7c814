"""See sla/tests/access.py for what this module declares."""

MANAGER = {"delivery_manager"}

WRITE_ACCESS = {
    "deployments:start": MANAGER,
    "deployments:pause": MANAGER,
    "deployments:resume": MANAGER,
    "deployments:promote": MANAGER,
    "deployments:rollback": MANAGER,
    "deployments:confirm-shift": MANAGER,
    "deployment-list": MANAGER,
    "deployment-plan": MANAGER,
    "deployment-promote": MANAGER,
    "deployment-rollback": MANAGER,
    "deployment-pause": MANAGER,
    "deployment-resume": MANAGER,
    "deployment-confirm-shift": MANAGER,
    # Monitoring may push metrics with an on_call account.
    "deployment-metrics": {"delivery_manager", "on_call"},
}


def kwargs(objects):
    pk = {"pk": objects["deployment"].pk}
    names = ["detail", "pause", "resume", "promote", "rollback", "confirm-shift"]
    api = ["deployment-detail", "deployment-metrics", "deployment-promote", "deployment-rollback",
           "deployment-pause", "deployment-resume", "deployment-confirm-shift"]
    return {
        "deployments:list-csv": None,  # read-only CSV export of the list
        **{f"deployments:{name}": pk for name in names},
        **{name: pk for name in api},
    }
