"""Release types from the previous *final* release of the product (pre-releases never count;
a pre-release has its final version's type), recomputed for the product's later releases
when one is added."""

from datetime import date

import pytest

from releases import services
from releases.models import Release

pytestmark = pytest.mark.django_db
DAY = date(2024, 3, 4)


def create(version, product="portal", **kw):
    return services.release_create(version=version, target_date=DAY, product=product, **kw)


def kinds(*versions):
    return [Release.objects.get(version=v).release_type for v in versions]


def test_pre_releases_never_count_as_the_previous_release():
    create("v2.4.3")
    assert create("v2.5.0-rc.1").release_type == "minor"
    assert create("v2.5.0").release_type == "minor"  # was "patch" against v2.5.0-rc.1
    assert create("v3.0.0-rc.1").release_type == "major"
    assert create("v3.0.0").release_type == "major"  # was "patch" against v3.0.0-rc.1
    assert create("v3.0.1").release_type == "patch"


def test_a_new_release_retypes_the_later_ones_of_its_product(users):
    create("v2.5.1")  # first of its product: read from its shape
    create("v2.5.0-rc.1")
    create("v1.0.0", product="mobile")
    assert kinds("v2.5.1", "v2.5.0-rc.1") == ["patch", "minor"]
    create("v2.4.0", by=users["manager"])
    # v2.5.1 now follows v2.4.0 (the pre-release does not count): a minor release.
    assert kinds("v2.5.1", "v2.5.0-rc.1", "v2.4.0", "v1.0.0") == ["minor", "minor", "minor", "major"]
    record = Release.objects.get(version="v2.5.1").history.first()
    assert record.history_change_reason == "type recomputed: v2.4.0 is now an earlier release of portal"
    assert record.history_user == users["manager"]
    create("v1.9.0")  # below everything: v2.4.0 becomes a major release
    assert kinds("v2.4.0", "v2.5.1") == ["major", "minor"]
    create("v2.5.0")  # between: v2.5.1 becomes a patch
    assert kinds("v2.5.1", "v2.5.0", "v2.4.0") == ["patch", "minor", "major"]


def test_a_v250_computed_against_nothing_is_recomputed_when_v240_arrives():
    create("v2.5.0")
    create("v2.5.2")
    create("v2.4.0")  # recomputed: still minor (from its shape it already was), and v2.5.2 a patch
    assert kinds("v2.5.0", "v2.5.2", "v2.4.0") == ["minor", "patch", "minor"]
    Release.objects.filter(version="v2.5.0").update(release_type="patch")  # the old rule's answer
    create("v2.4.1")
    assert kinds("v2.5.0") == ["minor"]


