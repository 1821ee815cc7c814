"""Rules of accounts, pure Python (no ORM, no I/O): the IdP-group-to-role mapping and what
a sign-in changes, and the shape of a Slack member ID."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Slack member IDs: U... (workspace users), W... (Enterprise Grid users); upper-case letters
# and digits. Slack shows them under "Copy member ID" in a person's profile.
SLACK_MEMBER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


class RoleMapError(ValueError):
    """OIDC_ROLE_MAP cannot be read (the message says which entry and why)."""


def parse_role_map(text: str, *, known_roles: Iterable[str]) -> dict[str, frozenset[str]]:
    """`"idp-group=portal_role,other=portal_role"` -> {idp group: {portal roles}}.

    An IdP group may appear more than once (to give two roles); several IdP groups may
    give the same role. Unknown portal roles are refused so a typo does not silently
    grant nothing.
    """
    known = set(known_roles)
    mapping: dict[str, set[str]] = {}
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        group, sep, role = entry.rpartition("=")
        group, role = group.strip(), role.strip()
        if not sep or not group or not role:
            raise RoleMapError(f"OIDC_ROLE_MAP entry {entry!r} is not idp-group=portal_role.")
        if role not in known:
            raise RoleMapError(f"OIDC_ROLE_MAP entry {entry!r}: {role!r} is not a portal role ({', '.join(sorted(known))}).")
        mapping.setdefault(group, set()).add(role)
    return {group: frozenset(roles) for group, roles in mapping.items()}


def claim_values(value) -> set[str]:
    """The IdP groups in a claim: a list of strings (Keycloak, Okta, Entra), or one string
    of names separated by commas or spaces (some IdPs send a single group as a string)."""
    if value is None:
        return set()
    if isinstance(value, str):
        return {part for part in re.split(r"[,\s]+", value) if part}
    if isinstance(value, (list, tuple, set, frozenset)):
        return {str(item) for item in value if isinstance(item, (str, int)) and str(item)}
    return set()


@dataclass(frozen=True)
class RoleChanges:
    add: frozenset[str]
    remove: frozenset[str]

    def __bool__(self) -> bool:
        return bool(self.add or self.remove)


def role_changes(*, groups: set[str], role_map: Mapping[str, frozenset[str]], current_roles: set[str]) -> RoleChanges:
    """What a sign-in changes: every role the map knows of is held exactly when one of the
    person's IdP groups maps to it (so leaving the IdP group removes the role at the next
    sign-in); roles the map never mentions are left as they are (given by hand)."""
    managed = set().union(*role_map.values()) if role_map else set()
    granted = set()
    for group in groups:
        granted |= role_map.get(group, frozenset())
    wanted = granted & managed
    return RoleChanges(add=frozenset(wanted - current_roles), remove=frozenset((managed - wanted) & current_roles))


def slack_member_id_problem(value: str) -> str | None:
    """Why `value` is not a Slack member ID (None when it is one, or empty)."""
    if not value:
        return None
    if not SLACK_MEMBER_ID.match(value):
        return ("A Slack member ID looks like U012AB3CD: in Slack open your profile, "
                "choose ⋮ (More) and \"Copy member ID\".")
    return None


def username_candidates(claims: Mapping) -> list[str]:
    """Usernames to try for a person signing in for the first time, best first:
    `preferred_username`, the e-mail's local part, then the subject."""
    out = []
    for raw in (claims.get("preferred_username"), (claims.get("email") or "").split("@")[0], claims.get("sub")):
        name = re.sub(r"[^\w.@+-]", "", str(raw or ""))[:150]
        if name and name not in out:
            out.append(name)
    return out


def claim_at(claims: Mapping, path: str):
    """The claim named `path`; a dotted path reads nested claims (`realm_access.roles` in
    Keycloak's access token shape). A claim whose own name holds dots is found first."""
    if path in claims:
        return claims[path]
    value = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value
