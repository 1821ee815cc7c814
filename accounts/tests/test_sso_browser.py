"""Single sign-on in Chromium against a real OpenID provider (tests/oidc/, started per
test): the whole redirect flow, users made on first sign-in, roles from the IdP's groups
re-applied at every sign-in, and LOCAL_LOGIN=false."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from accounts import oidc
from delivery_portal.management.commands.load_demo import ensure_groups
from accounts.models import OidcIdentity, RoleChange

from .oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

pytestmark = pytest.mark.browser

ROLE_MAP = "portal-managers=delivery_manager,sre=on_call,change-board=cab_member"


@pytest.fixture
def idp(live_server, settings, db):
    accounts = {
        "alice": {"email": "alice@example.com", "name": "Alice Liddell", "groups": ["portal-managers", "staff"]},
        "bob": {"email": "bob@example.com", "groups": []},
    }
    with running_provider(redirect_uris=[f"{live_server.url}/oidc/callback/"], accounts=accounts) as provider:
        settings.OIDC_ISSUER = provider.issuer
        settings.OIDC_CLIENT_ID = CLIENT_ID
        settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_SCOPES = "openid email profile groups"
        settings.OIDC_ROLE_MAP = ROLE_MAP
        settings.OIDC_PROVIDER_NAME = "Test IdP"
        oidc.forget_metadata()
        yield provider
        oidc.forget_metadata()


def sso_sign_in(page, live_server, login_name=None):
    """From the portal's login page through the provider and back. `login_name`: type it on
    the provider's sign-in form (None when the provider still has a session)."""
    page.goto(f"{live_server.url}/accounts/login/?next=/incidents/")
    page.get_by_test_id("sso-login").click()
    if login_name:
        page.wait_for_url(lambda url: "/interaction/" in url)
        page.fill("input[name=login]", login_name)
        page.fill("input[name=password]", "anything: the test provider takes any password")
        page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/incidents/")


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)


def test_first_sign_in_creates_the_user_with_the_mapped_roles_and_the_next_one_reapplies_them(page, live_server, idp):
    User = get_user_model()
    assert not User.objects.filter(username="alice").exists()

    sso_sign_in(page, live_server, "alice")
    expect(page.get_by_test_id("current-user")).to_contain_text("delivery_manager")
    alice = User.objects.get(username="alice")
    assert alice.email == "alice@example.com" and not alice.has_usable_password()
    assert set(alice.groups.values_list("name", flat=True)) == {"delivery_manager"}
    assert OidcIdentity.objects.get(user=alice).issuer == idp.issuer

    # Between two sign-ins: the IdP moves alice from the managers to the SREs, and someone
    # gives her the CAB role and another group by hand in the portal. The map knows
    # cab_member (change-board), so the IdP decides it and takes it away; the other group
    # is no concern of the map and stays.
    idp.set_groups("alice", ["sre", "staff"])
    alice.groups.add(ensure_groups()["cab_member"])
    alice.groups.add(Group.objects.get_or_create(name="release-notes-editors")[0])
    log_out(page)
    sso_sign_in(page, live_server)  # the provider remembers her: straight back
    expect(page.get_by_test_id("current-user")).to_contain_text("on_call")
    expect(page.get_by_test_id("current-user")).not_to_contain_text("delivery_manager")
    assert set(alice.groups.values_list("name", flat=True)) == {"on_call", "release-notes-editors"}
    changes = list(RoleChange.objects.filter(user=alice).order_by("at", "pk").values_list("action", "role"))
    assert changes == [("added", "delivery_manager"), ("added", "on_call"), ("removed", "cab_member"),
                       ("removed", "delivery_manager")]
    assert User.objects.filter(username="alice").count() == 1  # the same user, found by the IdP's subject


def test_roles_the_map_does_not_know_are_left_alone(page, live_server, idp, settings, make_user):
    settings.OIDC_ROLE_MAP = "portal-managers=delivery_manager"
    sso_sign_in(page, live_server, "alice")
    alice = get_user_model().objects.get(username="alice")
    alice.groups.add(ensure_groups()["cab_member"])  # given by hand in the portal
    idp.set_groups("alice", [])  # removed from the IdP's managers
    log_out(page)
    sso_sign_in(page, live_server)
    assert set(alice.groups.values_list("name", flat=True)) == {"cab_member"}
    expect(page.get_by_test_id("current-user")).to_contain_text("cab_member")


def test_local_login_false_keeps_passwords_for_break_glass_only(page, live_server, idp, settings, make_user):
    settings.LOCAL_LOGIN = False
    make_user("carol", "delivery_manager", password="pw")
    make_user("root", superuser=True, password="pw")

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_test_id("sso-login")).to_be_visible()
    expect(page.get_by_test_id("password-login")).to_have_count(0)

    # A password login is refused for everyone but superusers, even posted by hand.
    client = Client()
    refused = client.post("/accounts/login/?local=1", {"username": "carol", "password": "pw"}, REMOTE_ADDR="10.9.9.1")
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    page.goto(f"{live_server.url}/accounts/login/?local=1")
    page.fill("#id_username", "root")
    page.fill("#id_password", "pw")
    page.click("[data-testid=password-login] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("current-user")).to_contain_text("root")
    log_out(page)

    sso_sign_in(page, live_server, "bob")  # single sign-on still works, of course
    expect(page.get_by_test_id("current-user")).to_contain_text("bob")
