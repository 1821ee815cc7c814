"""The data migration that retypes releases stored with the old rule."""

import importlib

import pytest
from django.apps import apps

from releases.models import Release
from releases.tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("releases.migrations.0005_retype_existing_releases")


def test_existing_releases_get_the_type_of_their_previous_final_release():
    ReleaseFactory(product="shop", version="v2.4.3", release_type="patch")
    ReleaseFactory(product="shop", version="v2.5.0-rc.1", release_type="minor")
    wrong = ReleaseFactory(product="shop", version="v2.5.0", release_type="patch")  # typed against its rc by the old rule
    other = ReleaseFactory(product="app", version="v3.0.0", release_type="major")
    migration.retype(apps, None)
    assert Release.objects.get(pk=wrong.pk).release_type == "minor"
    assert Release.objects.get(pk=other.pk).release_type == "major"
    assert Release.objects.get(version="v2.5.0-rc.1").release_type == "minor"
