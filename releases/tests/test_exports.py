"""CSV export of the release list: every release the filters match (the page shows the newest 200)."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from releases.models import Release
from releases.tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

HEADER = ["version", "product", "release_type", "target_date", "services", "created_by", "created_at"]


def read(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_release_export_header_and_rows_in_the_page_order(client_for, users, sample_release):
    ReleaseFactory(version="v9.0.0", product="-mobile", target_date=date(2030, 1, 1), created_by=users["manager"])
    response = client_for("viewer").get("/releases/export.csv")
    assert response["Content-Disposition"] == f'attachment; filename="releases-{timezone.localdate().isoformat()}.csv"'
    rows = read(response)
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == ["v9.0.0", "v2.5.0", "v2.4.0"]  # newest target first, as on the page
    assert rows[1][1:4] == ["'-mobile", "minor", "2030-01-01"] and rows[1][5] == "manager"
    assert rows[2][3] == "2024-01-25" and rows[2][4] == "portal" and rows[2][5] == "manager"


def test_release_export_has_every_release_in_bounded_queries(client_for, portal_service, django_assert_max_num_queries):
    today = date(2026, 1, 1)
    releases = Release.objects.bulk_create(
        Release(version=f"v7.{n}.0", target_date=today + timedelta(days=n)) for n in range(210)
    )  # the page lists 200
    Release.services.through.objects.bulk_create(
        Release.services.through(release=r, service=portal_service) for r in Release.objects.filter(pk__in=[r.pk for r in releases])
    )
    client = client_for("viewer")
    with django_assert_max_num_queries(8):
        rows = read(client.get("/releases/export.csv?anything=ignored"))
    assert len(rows) == 211 and {r[4] for r in rows[1:]} == {"portal"}
    page = client.get("/releases/").content.decode()
    assert "v7.209.0" in page and "v7.9.0" not in page  # the page stops at 200; the export does not
    assert 'href="/releases/export.csv"' in page


def test_release_export_needs_login(client):
    response = client.get("/releases/export.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _page_versions(client, query):
    html = client.get("/releases/", query).content.decode()
    return re.findall(r'<tr><td><a href="/releases/[^/]+/">([^<]+)</a>', html)


def test_the_page_its_export_and_the_api_list_match_the_same_releases(client_for, api_for):
    """One FilterSet (releases/filtersets.py) for the three: the same query string gives the
    same releases in the same order."""
    ReleaseFactory(version="v1.0.0", product="portal", release_type="major", target_date=date(2030, 1, 1))
    ReleaseFactory(version="v1.1.0", product="portal", release_type="minor", target_date=date(2030, 2, 1))
    ReleaseFactory(version="v1.1.1", product="portal", release_type="patch", target_date=date(2030, 3, 1))
    ReleaseFactory(version="v4.2.0", product="mobile", release_type="minor", target_date=date(2030, 4, 1))
    expected = {
        (): ["v4.2.0", "v1.1.1", "v1.1.0", "v1.0.0"],
        (("product", "portal"),): ["v1.1.1", "v1.1.0", "v1.0.0"],
        (("release_type", "minor"),): ["v4.2.0", "v1.1.0"],
        (("product", "portal"), ("release_type", "minor")): ["v1.1.0"],
        (("product", "nothing"),): [],
        (("product", ""), ("release_type", "")): ["v4.2.0", "v1.1.1", "v1.1.0", "v1.0.0"],
    }
    client, rest = client_for("viewer"), api_for("viewer")
    for query, want in expected.items():
        params = dict(query)
        assert _page_versions(client, params) == want, query
        assert [r[0] for r in read(client.get("/releases/export.csv", params))[1:]] == want, query
        body = rest.get("/api/v1/releases/", params).json()
        assert [r["version"] for r in body["results"]] == want and body["count"] == len(want), query
    page = client.get("/releases/", {"product": "portal", "release_type": "minor"}).content.decode()
    assert 'href="/releases/export.csv?product=portal&amp;release_type=minor"' in page
