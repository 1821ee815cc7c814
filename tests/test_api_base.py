import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sla.models import Service


def test_create_api_token_prints_a_working_token(users, capsys):
    call_command("create_api_token", "manager")
    key = capsys.readouterr().out.strip()
    assert Token.objects.get(user=users["manager"]).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/services/").status_code == 200
    # the same token again, not a new one
    call_command("create_api_token", "manager")
    assert capsys.readouterr().out.strip() == key


def test_create_api_token_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")


def test_api_needs_a_token(db):
    response = APIClient().get("/api/v1/services/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_bad_token_is_refused(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/services/").status_code == 401


def test_lists_are_paginated(api_for):
    body = api_for("viewer").get("/api/v1/services/").json()
    assert set(body) == {"count", "next", "previous", "results"}


def test_bad_input_is_400_with_field_messages(api_for):
    response = api_for("manager").post(
        "/api/v1/services/", {"slug": "portal", "name": "Portal", "tier": "critical", "sla_target": "100"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"sla_target": ["The SLA target must be above 0 and below 100 (e.g. 99.9)."]}


def test_viewer_cannot_write_through_the_api(api_for):
    response = api_for("viewer").post(
        "/api/v1/services/", {"slug": "portal", "name": "Portal", "tier": "critical", "sla_target": "99.9"}, format="json"
    )
    assert response.status_code == 403
    assert not Service.objects.filter(slug="portal").exists()


def test_process_error_is_409_with_reasons(rf):
    from delivery_portal.api.exceptions import exception_handler
    from delivery_portal.errors import ProcessError

    response = exception_handler(ProcessError("Frozen.", ["budget exhausted", "no approval"]), {})
    assert response.status_code == 409
    assert response.data == {"detail": "Frozen.", "reasons": ["budget exhausted", "no approval"]}


def test_timestamps_carry_an_offset():
    from datetime import datetime, timezone

    from delivery_portal.api.fields import IsoDateTimeField

    assert IsoDateTimeField().to_representation(datetime(2024, 1, 25, 10, 0, tzinfo=timezone.utc)) == "2024-01-25T10:00:00+00:00"


def test_schema_and_docs_are_served_locally(api_for, client_for):
    schema = api_for("viewer").get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/services/" in schema.json()["paths"]
    docs = client_for("viewer").get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html and "unpkg" not in html
