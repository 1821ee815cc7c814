"""Teams: who owns services and hears about their incidents (delivery managers edit them)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from delivery_portal import concurrency
from delivery_portal.audit import save_with_history

from ..domain import team_rules
from ..models import Team
from .common import require_manager

TEAM_FIELDS = ("slug", "name", "email", "webhook_url", "slack_webhook_url")


def _team_clean(team: Team) -> None:
    """The model's own checks, with the clear message for a slug already taken."""
    errors = {}
    try:
        team.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors = exc.message_dict
    if team.slug and "slug" not in errors:
        taken = Team.objects.filter(slug=team.slug).exclude(pk=team.pk).exists()
        problem = team_rules.team_slug_problem(team.slug, taken=taken)
        if problem:
            errors["slug"] = [problem]
    if errors:
        raise ValidationError(errors)


def _team_save(team: Team, *, by, reason: str) -> None:
    """Save with the acting user and a reason on the history record; a slug taken by a
    concurrent create (the unique index) is the same form error as a slug taken before."""
    try:
        with transaction.atomic():  # a savepoint: the outer transaction stays usable
            save_with_history(team, by=by, reason=reason)
    except IntegrityError as exc:
        raise ValidationError({"slug": [team_rules.team_slug_taken(team.slug)]}) from exc


def _team_members_set(team: Team, members) -> None:
    """Membership without a history record of its own: the save that follows records it."""
    team.skip_history_when_saving = True
    try:
        team.members.set(list(members))
    finally:
        del team.skip_history_when_saving


@transaction.atomic
def team_create(*, by, members=(), **fields) -> Team:
    """A new team (delivery managers). Its members are told about its services' incidents."""
    require_manager(by)
    team = Team(**{k: (v or "").strip() for k, v in fields.items() if k in TEAM_FIELDS})
    _team_clean(team)
    _team_save(team, by=by, reason="created")
    members = list(members or ())
    if members:
        # The created record is made before members can exist; record them once more.
        _team_members_set(team, members)
        _team_save(team, by=by, reason="members")
    return team


@transaction.atomic
def team_update(*, team: Team, by, expected_version=None, **fields) -> Team:
    """Change a team's slug, name, e-mail, webhook or members (delivery managers).

    `expected_version`: the `edit_version` the editor saw (delivery_portal.concurrency); a
    change since then raises ConcurrentEditError. One history record per edit, members included.
    """
    require_manager(by)
    concurrency.claim(team, expected_version, noun="team")
    team.refresh_from_db()  # the row is locked now (claim): edit its current state
    current = {name: getattr(team, name) for name in TEAM_FIELDS}
    current["members"] = {user.pk for user in team.members.all()}
    wanted = {k: (v or "").strip() for k, v in fields.items() if k in TEAM_FIELDS}
    members = fields.get("members")
    if members is not None:
        wanted["members"] = {user.pk for user in members}
    changed = team_rules.team_changed_fields(current, wanted)
    if not changed:
        return team
    for name in changed:
        if name != "members":
            setattr(team, name, wanted[name])
    _team_clean(team)
    if "members" in changed:
        _team_members_set(team, members)
    _team_save(team, by=by, reason="edited: " + ", ".join(changed))
    return team
