"""Sign-in from verified claims, and the profile: rows, roles, history."""

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation, ValidationError

from accounts import services
from accounts.models import OidcIdentity, Profile, RoleChange

ISSUER = "https://idp.example.com/realms/corp"
ROLE_MAP = {"leads": frozenset({"delivery_manager"}), "sre": frozenset({"on_call"})}


def sign_in(**claims):
    claims.setdefault("sub", "sub-1")
    return services.user_sign_in(issuer=ISSUER, claims=claims, role_map=ROLE_MAP, role_claim="groups")


def roles_of(user):
    return set(user.groups.values_list("name", flat=True))


def test_first_sign_in_creates_a_user_without_a_password(db, caplog):
    caplog.set_level(logging.INFO, logger="portal.security")
    user = sign_in(preferred_username="dana", email="dana@example.com", given_name="Dana", groups=["sre"])
    assert user.username == "dana" and user.first_name == "Dana" and not user.has_usable_password()
    assert roles_of(user) == {"on_call"}
    assert OidcIdentity.objects.get(user=user).subject == "sub-1"
    row = RoleChange.objects.get(user=user)
    assert (row.action, row.role, row.groups) == ("added", "on_call", ["sre"])
    assert "sso: created user dana" in caplog.text and "sso: dana added the role on_call" in caplog.text


def test_the_next_sign_in_finds_the_user_by_subject_and_follows_the_idp(db):
    first = sign_in(preferred_username="dana", email="dana@example.com", groups=["leads", "sre"])
    # The IdP renamed her and moved her out of "leads": same user, new e-mail, one role fewer.
    again = sign_in(preferred_username="dana.new", email="dana.new@example.com", groups=["sre"])
    assert again.pk == first.pk and again.username == "dana"
    again.refresh_from_db()
    assert again.email == "dana.new@example.com" and roles_of(again) == {"on_call"}
    assert list(RoleChange.objects.filter(user=again, action="removed").values_list("role", flat=True)) == ["delivery_manager"]


def test_a_taken_username_gets_the_next_candidate(make_user):
    make_user("dana")
    user = sign_in(preferred_username="dana", email="d.smith@example.com")
    assert user.username == "d.smith"


def test_an_existing_account_is_linked_only_by_a_verified_email(make_user):
    erin, fred = make_user("erin"), make_user("fred")  # erin@example.com, fred@example.com
    unverified = sign_in(sub="s-fred", preferred_username="fred-idp", email="fred@example.com", email_verified=False)
    assert unverified.pk != fred.pk and unverified.username == "fred-idp"
    linked = sign_in(sub="s-erin", preferred_username="whatever", email="ERIN@example.com", email_verified=True)
    assert linked.pk == erin.pk
    # Two accounts now share fred@example.com: which one would be a guess, so neither.
    ambiguous = sign_in(sub="s-fred-2", preferred_username="fred3", email="fred@example.com", email_verified=True)
    assert ambiguous.pk not in (fred.pk, unverified.pk)


def test_a_superuser_is_never_linked_by_email(make_user):
    root = make_user("root", superuser=True)
    user = sign_in(sub="s-root", email="root@example.com", email_verified=True, preferred_username="root-idp")
    assert user.pk != root.pk and not user.is_superuser


def test_a_deactivated_user_cannot_sign_in(db):
    user = sign_in(preferred_username="gone")
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert sign_in(preferred_username="gone") is None


def test_claims_without_a_subject_are_refused(db):
    with pytest.raises(SuspiciousOperation):
        services.user_sign_in(issuer=ISSUER, claims={"email": "x@example.com"}, role_map={}, role_claim="groups")


def test_the_profile_links_slack_once_per_member_id(users):
    profile = services.profile_update(user=users["oncall"], by=users["oncall"], slack_user_id=" u012ab3cd ")
    assert profile.slack_user_id == "U012AB3CD"
    assert services.user_by_slack_id("U012AB3CD") == users["oncall"]
    with pytest.raises(ValidationError) as taken:
        services.profile_update(user=users["cab1"], by=users["cab1"], slack_user_id="U012AB3CD")
    assert "linked to another portal user" in str(taken.value.message_dict["slack_user_id"])
    with pytest.raises(ValidationError) as bad:
        services.profile_update(user=users["cab1"], by=users["cab1"], slack_user_id="@cab1", email="not-an-address")
    assert set(bad.value.message_dict) == {"slack_user_id", "email"}
    record = profile.history.first()
    assert record.history_user == users["oncall"] and record.history_change_reason == "Slack linked"
    services.profile_update(user=users["oncall"], by=users["oncall"], slack_user_id="")
    assert Profile.objects.get(user=users["oncall"]).slack_user_id is None
    assert services.user_by_slack_id("U012AB3CD") is None


def test_a_deactivated_user_is_not_found_by_slack_id(users):
    services.profile_update(user=users["oncall"], by=users["oncall"], slack_user_id="U0ONCALL")
    get_user_model().objects.filter(pk=users["oncall"].pk).update(is_active=False)
    assert services.user_by_slack_id("U0ONCALL") is None
