"""The login page with and without single sign-on, LOCAL_LOGIN, and the profile page."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import oidc
from accounts.models import Profile


@pytest.fixture
def sso_settings(settings):
    # Configured, but nothing listens there: pages that only show the button never call it.
    settings.OIDC_ISSUER = "http://127.0.0.1:9/idp"
    settings.OIDC_CLIENT_ID = "portal"
    settings.OIDC_CLIENT_SECRET = "secret"
    settings.OIDC_PROVIDER_NAME = "Okta"
    oidc.forget_metadata()
    return settings


def test_without_sso_the_login_page_shows_only_the_password_form(db, client):
    html = client.get(reverse("login")).content.decode()
    assert 'data-testid="password-login"' in html and "sso-login" not in html
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


def test_with_sso_the_login_page_offers_it_beside_the_password(db, client, sso_settings):
    html = client.get(reverse("login") + "?next=/incidents/").content.decode()
    assert 'href="/oidc/authenticate/?next=/incidents/"' in html and "Sign in with Okta" in html
    assert 'data-testid="password-login"' in html


def test_local_login_false_hides_the_form_and_refuses_passwords_but_a_superusers(users, sso_settings):
    sso_settings.LOCAL_LOGIN = False
    client = Client()
    html = client.get(reverse("login")).content.decode()
    assert "password-login" not in html and "break-glass sign-in" in html
    assert 'data-testid="password-login"' in client.get(reverse("login") + "?local=1").content.decode()
    refused = client.post(reverse("login"), {"username": "manager", "password": "pw"}, REMOTE_ADDR="10.3.3.3")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    allowed = client.post(reverse("login") + "?local=1", {"username": "admin", "password": "pw"}, REMOTE_ADDR="10.3.3.3")
    assert allowed.status_code == 302 and client.session["_auth_user_id"] == str(users["admin"].pk)


def test_local_login_false_ends_password_sessions_of_non_superusers(client_for, settings):
    client = client_for("manager")
    assert client.get("/").status_code == 200
    settings.LOCAL_LOGIN = False
    assert client.get("/").status_code == 302  # the session's backend no longer accepts the user


def test_an_unreachable_provider_sends_the_person_back_with_a_message(db, client, sso_settings):
    response = client.get("/oidc/authenticate/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "did not work" in response.content.decode()


def test_a_callback_without_the_session_state_is_refused(db, client, sso_settings):
    response = client.get("/oidc/callback/?code=abc&state=forged", follow=True)
    assert response.redirect_chain[-1][0] == reverse("login") and "_auth_user_id" not in client.session


def test_the_profile_page_links_slack_for_a_viewer(client_for, users, django_assert_max_num_queries):
    client = client_for("viewer")
    # The first visit makes the profile row (and its history record) and refreshes the session.
    with django_assert_max_num_queries(14):
        page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200 and "not linked" in page.content.decode()
    saved = client.post(reverse("accounts:profile"), {"email": "viewer@example.com", "slack_user_id": "U0VIEW"})
    assert saved.status_code == 302
    assert Profile.objects.get(user=users["viewer"]).slack_user_id == "U0VIEW"
    assert "linked as <code>U0VIEW</code>" in client.get(reverse("accounts:profile")).content.decode()


def test_the_profile_page_shows_errors_and_keeps_what_was_typed(client_for, users):
    client_for("oncall").post(reverse("accounts:profile"), {"email": "oncall@example.com", "slack_user_id": "U0TAKEN"})
    page = client_for("cab1").post(reverse("accounts:profile"), {"email": "cab1@example.com", "slack_user_id": "U0TAKEN"})
    assert page.status_code == 400
    assert "linked to another portal user" in page.content.decode() and 'value="U0TAKEN"' in page.content.decode()
    bad = client_for("cab1").post(reverse("accounts:profile"), {"email": "x", "slack_user_id": "<script>"})
    assert bad.status_code == 400 and "<script>" not in bad.content.decode()
    assert not Profile.objects.filter(user=users["cab1"]).exclude(slack_user_id=None).exists()
