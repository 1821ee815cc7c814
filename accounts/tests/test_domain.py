"""Role mapping and Slack IDs, without a database."""

import pytest

from accounts import domain

ROLES = ("delivery_manager", "cab_member", "on_call", "viewer")


def test_the_role_map_reads_idp_groups_to_portal_roles():
    mapping = domain.parse_role_map(" ops-leads=delivery_manager, sre=on_call,sre=cab_member ,,everyone=viewer", known_roles=ROLES)
    assert mapping == {"ops-leads": {"delivery_manager"}, "sre": {"on_call", "cab_member"}, "everyone": {"viewer"}}
    assert domain.parse_role_map("", known_roles=ROLES) == {}


def test_an_ldap_style_group_name_keeps_its_equals_signs():
    # The last "=" separates the role: "cn=ops=delivery_manager" maps the group "cn=ops".
    assert domain.parse_role_map("cn=ops=delivery_manager", known_roles=ROLES) == {"cn=ops": {"delivery_manager"}}


@pytest.mark.parametrize("text,words", [
    ("ops=admin", "'admin' is not a portal role"),
    ("ops", "is not idp-group=portal_role"),
    ("=on_call", "is not idp-group=portal_role"),
    ("ops=", "is not idp-group=portal_role"),
])
def test_a_role_map_that_cannot_work_is_refused(text, words):
    with pytest.raises(domain.RoleMapError, match=words):
        domain.parse_role_map(text, known_roles=ROLES)


def test_roles_follow_the_groups_and_leave_unmapped_roles_alone():
    role_map = {"leads": frozenset({"delivery_manager"}), "sre": frozenset({"on_call"}), "all-sre": frozenset({"on_call"})}
    first = domain.role_changes(groups={"leads", "sre", "staff"}, role_map=role_map, current_roles=set())
    assert first.add == {"delivery_manager", "on_call"} and first.remove == set()
    # Out of "leads", still in "all-sre": the manager role goes, on_call stays (two groups give it).
    later = domain.role_changes(groups={"all-sre"}, role_map=role_map, current_roles={"delivery_manager", "on_call", "cab_member"})
    assert later.add == set() and later.remove == {"delivery_manager"}
    # cab_member is nowhere in the map: never added, never removed.
    assert "cab_member" not in later.remove
    unchanged = domain.role_changes(groups={"sre"}, role_map=role_map, current_roles={"on_call"})
    assert not unchanged
    assert not domain.role_changes(groups={"leads"}, role_map={}, current_roles={"viewer"})


@pytest.mark.parametrize("value,groups", [
    (["a", "b"], {"a", "b"}),
    ("a, b c", {"a", "b", "c"}),
    (None, set()),
    ({"not": "a list"}, set()),
    (["ok", {"nested": 1}, 7], {"ok", "7"}),
])
def test_claim_values_take_lists_and_strings(value, groups):
    assert domain.claim_values(value) == groups


def test_a_nested_claim_is_read_by_its_dotted_path():
    claims = {"realm_access": {"roles": ["sre"]}, "a.b": "flat"}
    assert domain.claim_at(claims, "realm_access.roles") == ["sre"]
    assert domain.claim_at(claims, "a.b") == "flat"
    assert domain.claim_at(claims, "realm_access.missing") is None
    assert domain.claim_at(claims, "groups") is None


@pytest.mark.parametrize("value,ok", [("U012AB3CD", True), ("W0123ABCD", True), ("", True),
                                      ("u012ab3cd", False), ("@alice", False), ("U01 2AB", False), ("T0123ABCD", False)])
def test_slack_member_ids(value, ok):
    assert (domain.slack_member_id_problem(value) is None) is ok


def test_username_candidates_prefer_the_preferred_username():
    assert domain.username_candidates({"preferred_username": "alice", "email": "a.l@x.org", "sub": "123"}) == ["alice", "a.l", "123"]
    assert domain.username_candidates({"email": "bob@x.org", "sub": "s-1"}) == ["bob", "s-1"]
    assert domain.username_candidates({"preferred_username": "al ice<>", "sub": "s"}) == ["alice", "s"]
