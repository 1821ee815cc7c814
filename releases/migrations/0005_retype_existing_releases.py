"""Retype the releases stored before the type came from the previous *final* release.

Before, a final version that followed its own pre-release (v2.5.0 after v2.5.0-rc.1) was typed
"patch", and a release created before an earlier one of its product was never retyped. This
recomputes every release's type with releases.domain (pure functions, so safe to import here).
Runs as a data migration, so the changes carry no history rows; reversing keeps the new types.
"""

from collections import defaultdict

from django.db import migrations


def retype(apps, schema_editor):
    from releases.domain.versions import release_type_among

    Release = apps.get_model("releases", "Release")
    by_product = defaultdict(list)
    for pk, product, version, current in Release.objects.values_list("pk", "product", "version", "release_type"):
        by_product[product].append((pk, version, current))
    changed = []
    for releases in by_product.values():
        versions = [version for _pk, version, _current in releases]
        for pk, version, current in releases:
            try:
                wanted = release_type_among(version, versions)
            except ValueError:
                continue  # not semantic versioning: left as it is
            if wanted != current:
                changed.append(Release(pk=pk, release_type=wanted))
    Release.objects.bulk_update(changed, ["release_type"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("releases", "0004_canonical_versions")]

    operations = [migrations.RunPython(retype, migrations.RunPython.noop)]
