"""Rules of team slugs and edits. Pure Python."""

# A team's slug is its address (API, `?team=` filters, tools): unique, and said so in words.
# "add" is the address of the page that creates a team (/sla/teams/add/).
RESERVED_TEAM_SLUGS = frozenset({"add"})


def team_slug_taken(slug: str) -> str:
    return f"A team with the slug \"{slug}\" already exists: choose another slug."


def team_slug_problem(slug: str, *, taken: bool) -> str | None:
    """Why `slug` cannot be a team's slug (None when it can)."""
    if slug in RESERVED_TEAM_SLUGS:
        return f"\"{slug}\" is reserved (a page of the portal): choose another slug."
    if taken:
        return team_slug_taken(slug)
    return None


def team_changed_fields(current: dict, wanted: dict) -> list[str]:
    """The names of the fields whose wanted value differs from the current one (members as sets)."""
    changed = []
    for name, value in wanted.items():
        old = current.get(name)
        if name == "members":
            old, value = set(old or ()), set(value or ())
        if old != value:
            changed.append(name)
    return changed
