"""One release per version however it is spelt (v2.5.0 = 2.5.0 = " V2.5.0"), found by any
spelling everywhere: pages, API, release_checker.py, deployments; the normalising migration."""

import importlib
import io
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from releases import selectors, services
from releases.models import Release
from releases.tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db
DAY = date(2024, 3, 4)


def create(version, product="portal", **kw):
    return services.release_create(version=version, target_date=DAY, product=product, **kw)


# --- one version, one release ---------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["2.5.0", " V2.5.0 ", "v2.5.0"])
def test_a_version_is_created_once_whatever_its_spelling(users, spelling):
    assert create("2.5.0").version == "v2.5.0"
    with pytest.raises(ValidationError) as exc:
        create(spelling)
    assert exc.value.message_dict == {"version": ["A release v2.5.0 already exists."]}


def test_api_stores_the_canonical_version_and_refuses_another_spelling(api_for, users, portal_service):
    api = api_for("manager")
    r = api.post("/api/v1/releases/", {"version": " 2.5.0", "target_date": "2024-01-25", "services": []}, format="json")
    assert r.status_code == 201 and r.json()["version"] == "v2.5.0"
    r = api.post("/api/v1/releases/", {"version": "V2.5.0", "target_date": "2024-01-25", "services": []}, format="json")
    assert r.status_code == 400 and r.json() == {"version": ["A release v2.5.0 already exists."]}
    assert Release.objects.count() == 1


def test_page_form_stores_the_canonical_version_and_refuses_another_spelling(client_for, users, portal_service):
    client = client_for("manager")
    r = client.post("/releases/new/", {"version": "2.6.0", "product": "portal", "target_date": "2024-03-04"})
    assert r.status_code == 302 and r["Location"] == "/releases/v2.6.0/"
    r = client.post("/releases/new/", {"version": "v2.6.0 ", "product": "portal", "target_date": "2024-03-04"})
    assert r.status_code == 400 and "A release v2.6.0 already exists." in r.content.decode()
    assert list(Release.objects.values_list("version", flat=True)) == ["v2.6.0"]


# --- lookups by any spelling ----------------------------------------------------------------
def test_pages_find_a_release_by_any_spelling(client_for, sample_release):
    client = client_for("manager")
    for url in ("/releases/2.5.0/", "/releases/V2.5.0/", "/releases/2.5.0/evidence/", "/releases/2.5.0/notes.md"):
        r = client.get(url)
        assert r.status_code == 200, url
    assert "Release v2.5.0" in client.get("/releases/2.5.0/").content.decode()
    r = client.post("/releases/2.5.0/comms/t_minus_7/", {"done": "1"})
    assert r.status_code == 302 and r["Location"] == "/releases/v2.5.0/"
    assert client.get("/releases/2.5.9/").status_code == 404
    assert client.get("/releases/not-a-version/").status_code == 404


def test_api_finds_a_release_by_any_spelling(api_for, sample_release):
    api = api_for("manager")
    assert api.get("/api/v1/releases/2.5.0/").json()["version"] == "v2.5.0"
    assert api.get("/api/v1/releases/V2.5.0/readiness/").json()["version"] == "v2.5.0"
    r = api.post("/api/v1/releases/2.5.0/evidence/", {"criterion": "documentation", "pending_pages": 0}, format="json")
    assert r.status_code == 201 and sample_release.evidence.filter(criterion="documentation").count() == 2
    assert api.get("/api/v1/releases/2.5.9/").status_code == 404


def test_release_checker_finds_a_stored_v250_from_250(sample_release):
    spec = importlib.util.spec_from_file_location("release_checker", Path(__file__).resolve().parents[2] / "scripts" / "release_checker.py")
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    reports = {}
    for spelling in ("v2.5.0", "2.5.0", " V2.5.0"):
        out = io.StringIO()
        reports[spelling] = (checker.main(["--version", spelling], out=out), out.getvalue())
    assert reports["2.5.0"] == reports[" V2.5.0"] == reports["v2.5.0"]
    assert reports["2.5.0"][0] == 3 and reports["2.5.0"][1].startswith("Release Readiness: v2.5.0\n")


def test_a_release_in_an_old_spelling_is_still_found(db):
    old = ReleaseFactory(version="2.6.0")  # stored before versions had one spelling
    assert selectors.release_by_version("v2.6.0") == old
    twin = ReleaseFactory(version="v2.6.0")  # both left by the migration (they would collide)
    assert selectors.release_by_version("2.6.0") == twin  # the canonical one first
    assert selectors.version_taken(" V2.6.0")


def test_deployments_name_a_release_by_any_spelling(sample_release):
    from deployments.forms import StartDeploymentForm
    from releases.serializers import ReleaseVersionField

    assert ReleaseVersionField().to_internal_value("2.5.0") == sample_release
    form = StartDeploymentForm({"release": "2.5.0"})
    form.is_valid()
    assert form.cleaned_data["release"] == sample_release


# --- the data migration ----------------------------------------------------------------------
def test_migration_normalises_versions_unless_two_would_collide(db):
    migration = importlib.import_module("releases.migrations.0004_canonical_versions")
    for version in ("2.6.0", " V2.7.0-rc.1", "v2.8.0", "v3.1.0", "3.1.0", "junk"):
        ReleaseFactory(version=version)
    migration.normalise_versions(apps, None)
    assert sorted(Release.objects.values_list("version", flat=True)) == sorted(
        ["v2.6.0", "v2.7.0-rc.1", "v2.8.0", "v3.1.0", "3.1.0", "junk"]
    )
