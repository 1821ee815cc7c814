"""Error pages say what happened and where to go, inside the portal's layout."""

import pytest

from incidents.models import Incident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/sla/services/nope/", "/incidents/INC-1999-0001/", "/changes/CHG-1999-0001/", "/no/such/page/"])
def test_unknown_objects_get_a_clear_404_page(client_for, path):
    response = client_for("viewer").get(path)
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="not-found"' in html and path in html and 'href="/incidents/"' in html


def test_a_denied_action_says_why(client_for):
    response = client_for("viewer").post("/incidents/new/", {"title": "x"})
    html = response.content.decode()
    assert response.status_code == 403 and not Incident.objects.exists()
    assert 'data-testid="forbidden"' in html and "viewer" in html


def test_the_500_page_stands_alone():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html and "<script" not in html and "style=" not in html


@pytest.mark.parametrize("path", ["/sla/?q=%00", "/incidents/?service=a%00b", "/sla/export.csv?q=%00", "/api/v1/incidents/?state=%00"])
def test_a_nul_in_the_query_string_is_a_400_not_a_500(client_for, path):
    response = client_for("viewer").get(path)
    assert response.status_code == 400 and b"NUL" in response.content
