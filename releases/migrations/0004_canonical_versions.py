"""Store every release version in its one spelling, ``v`` + the semantic version
(releases.domain.canonical_version): ``2.5.0`` and `` V2.5.0`` become ``v2.5.0``.

Safe to run on any data: a version that is not semantic versioning is left as it is, and
where two rows would end up with the same spelling (``v2.5.0`` and ``2.5.0`` both stored)
both are left untouched for a person to sort out (lookups still find either). The audit
history keeps the old spellings. Reversing does nothing.
"""

import re
from collections import Counter

from django.db import migrations

# A copy of releases.domain.VERSION_RE as of this migration (migrations do not follow code).
SEMVER = re.compile(
    r"^[vV]?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$"
)


def canonical(version):
    stripped = (version or "").strip()
    if not SEMVER.match(stripped):
        return None
    return "v" + (stripped[1:] if stripped[:1] in ("v", "V") else stripped)


def normalise_versions(apps, schema_editor):
    Release = apps.get_model("releases", "Release")
    rows = list(Release.objects.values_list("pk", "version"))
    wanted = {pk: canonical(version) for pk, version in rows}
    spelt = Counter(value for value in wanted.values() if value)
    for pk, version in rows:
        new = wanted[pk]
        if new is None or new == version or spelt[new] > 1:
            continue  # not semver, already canonical, or it would collide with another row
        Release.objects.filter(pk=pk).update(version=new)


class Migration(migrations.Migration):

    dependencies = [
        ("releases", "0003_release_edit_version"),
    ]

    operations = [
        migrations.RunPython(normalise_versions, migrations.RunPython.noop),
    ]
