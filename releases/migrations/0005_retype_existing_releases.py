"""Retype the releases stored before the type came from the previous *final* release.

Before, a final version that followed its own pre-release (v2.5.0 after v2.5.0-rc.1) was typed
"patch", and a release created before an earlier one of its product was never retyped. This
recomputes every release's type with a frozen copy of the rule in releases.domain as of this
migration (migrations do not follow code). Runs as a data migration, so the changes carry no
history rows; reversing keeps the new types.
"""

import re
from bisect import bisect_left
from collections import defaultdict

from django.db import migrations

# A copy of releases.domain.VERSION_RE as of this migration.
SEMVER = re.compile(
    r"^[vV]?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)


def parse(version):
    """(major, minor, patch) and whether it is a final release; ValueError if not semver."""
    match = SEMVER.match((version or "").strip())
    if not match:
        raise ValueError(version)
    return (int(match["major"]), int(match["minor"]), int(match["patch"])), match["pre"] is None


def release_type_among(version, finals):
    """releases.domain.release_type_among: `finals` are the sorted (major, minor, patch) of
    the product's final releases; the previous release is the highest below `version`'s."""
    new, _final = parse(version)
    index = bisect_left(finals, new)
    if not index:  # the first release: its type is read from its own shape
        if new[1] == 0 and new[2] == 0:
            return "major"
        return "minor" if new[2] == 0 else "patch"
    old = finals[index - 1]
    if new[0] != old[0]:
        return "major"
    return "minor" if new[1] != old[1] else "patch"


def product_finals(versions):
    finals = set()
    for version in versions:
        try:
            parsed, final = parse(version)
        except ValueError:
            continue
        if final:
            finals.add(parsed)
    return sorted(finals)


def retype(apps, schema_editor):
    Release = apps.get_model("releases", "Release")
    by_product = defaultdict(list)
    for pk, product, version, current in Release.objects.values_list("pk", "product", "version", "release_type"):
        by_product[product].append((pk, version, current))
    changed = []
    for releases in by_product.values():
        finals = product_finals(version for _pk, version, _current in releases)
        for pk, version, current in releases:
            try:
                wanted = release_type_among(version, finals)
            except ValueError:
                continue  # not semantic versioning: left as it is
            if wanted != current:
                changed.append(Release(pk=pk, release_type=wanted))
    Release.objects.bulk_update(changed, ["release_type"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("releases", "0004_canonical_versions")]

    operations = [migrations.RunPython(retype, migrations.RunPython.noop)]
