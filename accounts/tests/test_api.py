"""GET/PATCH /api/v1/me/ and `Authorization: Bearer <key>`."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Profile


def bearer(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_me_answers_who_the_caller_is(api_for, users):
    body = api_for("cab1").get("/api/v1/me/").json()
    assert body == {"username": "cab1", "email": "cab1@example.com", "roles": ["cab_member"], "slack_user_id": None}


def test_bearer_is_taken_like_token(users):
    response = bearer(users["manager"]).get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["roles"] == ["delivery_manager"]
    # Writes too: the same role checks as with Token.
    created = bearer(users["manager"]).post("/api/v1/teams/", {"slug": "payments", "name": "Payments"}, format="json")
    assert created.status_code == 201
    assert bearer(users["viewer"]).post("/api/v1/teams/", {"slug": "x", "name": "X"}, format="json").status_code == 403


@pytest.mark.parametrize("header", ["Bearer not-a-key", "Bearer", "Bearer a b"])
def test_a_bad_bearer_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/me/").status_code == 401


def test_anonymous_me_is_401(db):
    assert APIClient().get("/api/v1/me/").status_code == 401


def test_patch_changes_email_and_slack_link_even_for_a_viewer(api_for, users):
    response = api_for("viewer").patch("/api/v1/me/", {"email": "v@example.org", "slack_user_id": "u0viewer1"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"username": "viewer", "email": "v@example.org", "roles": ["viewer"], "slack_user_id": "U0VIEWER1"}
    users["viewer"].refresh_from_db()
    assert users["viewer"].email == "v@example.org"
    profile = Profile.objects.get(user=users["viewer"])
    assert profile.slack_user_id == "U0VIEWER1" and profile.history.first().history_user == users["viewer"]
    unlinked = api_for("viewer").patch("/api/v1/me/", {"slack_user_id": None}, format="json").json()
    assert unlinked["slack_user_id"] is None and unlinked["email"] == "v@example.org"


@pytest.mark.parametrize("body,field", [
    ({"slack_user_id": "@viewer"}, "slack_user_id"),
    ({"email": "no-at-sign"}, "email"),
    ({"username": "root"}, "username"),
    ({"roles": ["delivery_manager"]}, "roles"),
])
def test_bad_patches_are_400_by_field_and_change_nothing(api_for, users, body, field):
    response = api_for("viewer").patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    users["viewer"].refresh_from_db()
    assert users["viewer"].username == "viewer" and users["viewer"].email == "viewer@example.com"
    assert not users["viewer"].groups.filter(name="delivery_manager").exists()


def test_a_slack_id_linked_to_someone_else_is_400(api_for, users):
    assert api_for("oncall").patch("/api/v1/me/", {"slack_user_id": "U0SHARED"}, format="json").status_code == 200
    response = api_for("cab1").patch("/api/v1/me/", {"slack_user_id": "U0SHARED"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"slack_user_id": ["This Slack member ID is linked to another portal user."]}
