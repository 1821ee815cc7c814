"""Every state change of accounts: a single sign-on sign-in (user, identity, roles) and a
person's own profile. Keyword-only, atomic, audited."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from delivery_portal.audit import save_with_history

from . import domain
from .models import OidcIdentity, Profile, RoleChange

security_log = logging.getLogger("portal.security")
UNSET = object()


# --- single sign-on ------------------------------------------------------------------------
def user_sign_in(*, issuer: str, claims: dict, role_map: dict, role_claim: str, at=None):
    """The user for a verified set of OIDC claims: found by (issuer, sub), else linked to
    the one active non-superuser with the same verified e-mail, else created. The e-mail
    and name follow the IdP; the mapped roles are re-applied (domain.role_changes)."""
    try:
        return _sign_in(issuer=issuer, claims=claims, role_map=role_map, role_claim=role_claim, at=at)
    except IntegrityError:  # the same person's first sign-in twice at once: the other made them
        return _sign_in(issuer=issuer, claims=claims, role_map=role_map, role_claim=role_claim, at=at)


@transaction.atomic
def _sign_in(*, issuer, claims, role_map, role_claim, at):
    at = at or timezone.now()
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SuspiciousOperation("The identity provider sent no subject (sub).")
    identity = (OidcIdentity.objects.select_for_update().select_related("user")
                .filter(issuer=issuer, subject=subject).first())
    if identity is None:
        user = _linkable_user(claims) or _new_user(claims)
        identity = OidcIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        security_log.info("sso: %s is %s at %s", user.username, subject, issuer)
    user = identity.user
    if not user.is_active:
        security_log.warning("sso: refused %s (deactivated in the portal)", user.username)
        return None
    _follow_idp_facts(user, claims)
    groups = domain.claim_values(domain.claim_at(claims, role_claim))
    _apply_roles(user, groups=groups, role_map=role_map, at=at)
    identity.last_login_at = at
    identity.save(update_fields=["last_login_at"])
    return user


def _linkable_user(claims):
    """An existing account for a first SSO sign-in: only by an e-mail the IdP says it verified,
    only if exactly one active user has it, and never a superuser (break-glass accounts stay
    local: an IdP account must not become one by sharing its address)."""
    email = (claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is not True:
        return None
    matches = list(get_user_model().objects.filter(email__iexact=email, is_active=True, is_superuser=False)[:2])
    return matches[0] if len(matches) == 1 else None


def _new_user(claims):
    User = get_user_model()
    for candidate in domain.username_candidates(claims):
        if not User.objects.filter(username__iexact=candidate).exists():
            username = candidate
            break
    else:
        base = (domain.username_candidates(claims) or ["user"])[0][:140]
        number = User.objects.filter(username__startswith=base).count() + 1
        username = f"{base}-{number}"
    user = User.objects.create_user(username=username, email=(claims.get("email") or "").strip())
    user.set_unusable_password()  # signs in through the IdP only
    user.save(update_fields=["password"])
    security_log.info("sso: created user %s", username)
    return user


def _follow_idp_facts(user, claims) -> None:
    fields = {}
    email = (claims.get("email") or "").strip()
    if email and email != user.email:
        fields["email"] = email
    for name, claim in (("first_name", "given_name"), ("last_name", "family_name")):
        value = (claims.get(claim) or "").strip()[:150]
        if value and value != getattr(user, name):
            fields[name] = value
    if fields:
        for name, value in fields.items():
            setattr(user, name, value)
        user.save(update_fields=list(fields))


def _apply_roles(user, *, groups: set[str], role_map: dict, at) -> domain.RoleChanges:
    current = set(user.groups.values_list("name", flat=True))
    changes = domain.role_changes(groups=groups, role_map=role_map, current_roles=current)
    for role in sorted(changes.add):
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if changes.remove:
        user.groups.remove(*Group.objects.filter(name__in=changes.remove))
    rows = [RoleChange(user=user, role=r, action=RoleChange.Action.ADDED, groups=sorted(groups), at=at) for r in sorted(changes.add)]
    rows += [RoleChange(user=user, role=r, action=RoleChange.Action.REMOVED, groups=sorted(groups), at=at)
             for r in sorted(changes.remove)]
    RoleChange.objects.bulk_create(rows)
    for row in rows:
        security_log.info("sso: %s %s the role %s (IdP groups: %s)", user.username, row.action, row.role, ", ".join(sorted(groups)) or "none")
    user.__dict__.pop("_portal_roles", None)  # roles.user_roles caches them on the object
    return changes


# --- the profile -----------------------------------------------------------------------------
def profile_for(user) -> Profile:
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        try:
            with transaction.atomic():
                profile = Profile.objects.create(user=user)
        except IntegrityError:
            profile = Profile.objects.get(user=user)
    return profile


@transaction.atomic
def profile_update(*, user, by, email=UNSET, slack_user_id=UNSET) -> Profile:
    """A person changes their own e-mail and Slack member ID. The Slack ID is unique: a
    second person cannot act in Slack as the first."""
    profile = Profile.objects.select_for_update().filter(pk=profile_for(user).pk).get()
    errors, reasons = {}, []
    if email is not UNSET:
        email = (email or "").strip()
        try:
            if email:
                validate_email(email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    if slack_user_id is not UNSET:
        slack_user_id = (slack_user_id or "").strip().upper() or None
        problem = domain.slack_member_id_problem(slack_user_id or "")
        if problem:
            errors["slack_user_id"] = [problem]
        elif slack_user_id and Profile.objects.filter(slack_user_id=slack_user_id).exclude(pk=profile.pk).exists():
            errors["slack_user_id"] = ["This Slack member ID is linked to another portal user."]
    if errors:
        raise ValidationError(errors)
    if email is not UNSET and email != user.email:
        reasons.append("e-mail changed")
        security_log.info("profile: %s changed the e-mail of %s", by.username, user.username)
        user.email = email
        user.save(update_fields=["email"])
    if slack_user_id is not UNSET and slack_user_id != profile.slack_user_id:
        reasons.append("Slack linked" if slack_user_id else "Slack unlinked")
        profile.slack_user_id = slack_user_id
    if reasons:
        save_with_history(profile, by=by, reason=", ".join(reasons))
    return profile


def user_by_slack_id(slack_user_id: str):
    """The active portal user linked to a Slack member ID, or None."""
    profile = (Profile.objects.select_related("user")
               .filter(slack_user_id=(slack_user_id or "").upper(), user__is_active=True).first())
    return profile.user if profile else None
