"""See sla/tests/access.py for what this module declares."""

MANAGERS = {"delivery_manager"}
WRITE_ACCESS = {
    "releases:create": MANAGERS,
    "releases:edit": MANAGERS,
    "releases:scope_add": MANAGERS,
    "releases:scope_edit": MANAGERS,
    "releases:scope_remove": MANAGERS,
    "releases:comms_toggle": MANAGERS,
    "releases:comms_owner": MANAGERS,
    "releases:evidence": MANAGERS,
    "releases:rollout": MANAGERS,
    "release-list": MANAGERS,
    "release-evidence": MANAGERS,
    "release-scope": MANAGERS,
}


def make_objects(objects):
    from releases.models import CommsItem, Feature

    release = objects["release"]
    for kind, _offset in (("t_minus_7", -7), ("t_minus_1", -1), ("t_0", 0), ("t_plus_1", 1)):
        CommsItem.objects.get_or_create(release=release, kind=kind, defaults={"due_date": release.target_date})
    return {"release_feature": Feature.objects.create(release=release, title="Walk feature")}


def kwargs(objects):
    version = objects["release"].version
    feature = objects["release_feature"]
    return {
        "releases:list-csv": None,  # read-only CSV export of the list
        "releases:detail": {"version": version},
        "releases:edit": {"version": version},
        "releases:scope_add": {"version": version, "kind": "feature"},
        "releases:scope_edit": {"version": version, "kind": "feature", "pk": feature.pk},
        "releases:scope_remove": {"version": version, "kind": "feature", "pk": feature.pk},
        "releases:comms_toggle": {"version": version, "kind": "t_minus_7"},
        "releases:comms_owner": {"version": version, "kind": "t_minus_7"},
        "releases:evidence": {"version": version},
        "releases:rollout": {"version": version},
        "releases:notes": {"version": version},
        "releases:notes_download": {"version": version},
        "release-detail": {"version": version},
        "release-evidence": {"version": version},
        "release-readiness": {"version": version},
        "release-scope": {"version": version},
    }
